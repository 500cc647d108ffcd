"""Top-up amounts as people type them (SPEC §3.4): $10 – $10,000, clear errors otherwise."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipbot.domain.errors import Rejected
from shipbot.domain.money import (
    TOP_UP_MAX_CENTS,
    TOP_UP_MIN_CENTS,
    checkout,
    clean_top_up,
    shortfall_top_up,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("10", 1000),
        ("25", 2500),
        ("$25.50", 2550),
        ("25.5", 2550),
        ("10,50", 1050),
        ("1,000", 100000),
        ("1 000.00", 100000),
        ("25 usd", 2500),
        ("25$", 2500),
        (" 10000 ", 1000000),
    ],
)
def test_accepted(text, cents):
    assert clean_top_up(text) == cents


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("   ", "empty", {}),
        ("9.99", "too_small", {"minimum": "$10.00"}),
        ("0", "too_small", {"minimum": "$10.00"}),
        ("10000.01", "too_large", {"maximum": "$10,000.00"}),
        ("1e3", "format", {}),
        ("-25", "format", {}),
        ("25.555", "format", {}),
        ("twenty", "format", {}),
        ("25 eur", "format", {}),
        ("9" * 400, "too_large", {"maximum": "$10,000.00"}),
    ],
)
def test_refused(text, problem, params):
    with pytest.raises(Rejected) as refused:
        clean_top_up(text)
    assert (refused.value.field, refused.value.problem, refused.value.params) == (
        "amount",
        problem,
        params,
    )


@given(price=st.integers(1, 10_000_00), balance=st.integers(0, 20_000_00))
def test_the_shortfall_top_up_pays_the_price_within_the_top_up_bounds(price, balance):
    top_up = shortfall_top_up(price, balance)
    if balance >= price:
        assert top_up == 0
    else:
        assert TOP_UP_MIN_CENTS <= top_up <= TOP_UP_MAX_CENTS
        assert balance + top_up >= price
        # Never more than needed, except to reach the minimum.
        assert top_up == max(price - balance, TOP_UP_MIN_CENTS)


@pytest.mark.parametrize(
    ("price", "balance", "shortfall", "top_up", "raised"),
    [
        (8_03, 10_00, 0, 0, False),
        (16_12, 10_00, 6_12, 10_00, True),
        (23_49, 10_00, 13_49, 13_49, False),
        (10_00, 0, 10_00, 10_00, False),
    ],
)
def test_checkout_tells_the_shortfall_and_whether_the_minimum_raised_it(
    price, balance, shortfall, top_up, raised
):
    pay = checkout(price, balance)
    assert (pay.shortfall_cents, pay.top_up_cents, pay.raised_to_minimum) == (
        shortfall,
        top_up,
        raised,
    )
