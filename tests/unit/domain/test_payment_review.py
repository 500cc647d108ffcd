"""What an invoice credits of what arrived (SPEC §3.4, G5): its amount plus max(2 %, $1), the
rest held for review, whatever the numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipbot.domain.money import TOP_UP_MAX_CENTS, TOP_UP_MIN_CENTS
from shipbot.domain.payments import MAX_CENTS, Split, credit_limit, split_received


@pytest.mark.parametrize(
    ("amount", "limit"),
    [
        (1000, 1100),  # $10: the $1 floor (2 % would be 20 ¢)
        (2500, 2600),
        (5000, 5100),  # $50: 2 % is exactly $1
        (7525, 7676),  # 2 % of $75.25 is 150.5 ¢, rounded half up
        (10000, 10200),
        (1_000_000, 1_020_000),  # $10,000, the largest top-up: $200
    ],
)
def test_the_limit_is_the_amount_plus_the_larger_of_2_percent_and_1_dollar(amount, limit):
    assert credit_limit(amount) == limit


@pytest.mark.parametrize(
    ("received", "split"),
    [
        (0, Split(0, 0)),
        (1000, Split(1000, 0)),  # underpaid: all of it
        (2500, Split(2500, 0)),
        (2599, Split(2599, 0)),  # crypto rounding above the amount is still credited
        (2600, Split(2600, 0)),
        (2601, Split(2600, 1)),
        (100_000_000_000, Split(2600, 99_999_997_400)),  # "value": 1e9
        (MAX_CENTS, Split(2600, MAX_CENTS - 2600)),
    ],
)
def test_what_arrives_above_the_limit_is_held(received, split):
    assert split_received(2500, received) == split


AMOUNTS = st.integers(TOP_UP_MIN_CENTS, TOP_UP_MAX_CENTS)
RECEIVED = st.one_of(
    st.integers(0, 2 * TOP_UP_MAX_CENTS),  # near the invoice amounts
    st.integers(0, MAX_CENTS),  # anything a report can carry
)


@given(AMOUNTS, RECEIVED)
def test_a_split_credits_at_most_the_limit_and_holds_exactly_the_rest(amount, received):
    credit, held = split_received(amount, received)
    limit = credit_limit(amount)
    assert credit + held == received
    assert 0 <= credit <= limit and held >= 0
    assert (held > 0) == (received > limit)
    if received <= limit:
        assert credit == received


@given(AMOUNTS)
def test_the_tolerance_is_at_least_a_dollar_and_about_2_percent(amount):
    tolerance = credit_limit(amount) - amount
    assert tolerance >= 100
    assert 2 * amount <= 100 * tolerance + 50  # 2 %, give or take the half cent rounded
    assert tolerance == 100 or 100 * tolerance <= 2 * amount + 50


@given(AMOUNTS, RECEIVED, RECEIVED)
def test_more_received_never_credits_or_holds_less(amount, first, second):
    # Reports are cumulative: a later one credits and holds only what its numbers add.
    low, high = sorted((first, second))
    before, after = split_received(amount, low), split_received(amount, high)
    assert before.credit_cents <= after.credit_cents
    assert before.held_cents <= after.held_cents
