"""Pricing table (SPEC §3.2): percent, flat, minimum, overrides, discount, half-cent rounding."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipbot.domain.money import format_usd, parse_dollars, parse_percent, round_cents
from shipbot.domain.pricing import Markup, PricingRules, customer_price

D = Decimal
RULES = PricingRules(
    markup=Markup(percent=D("10"), flat_cents=50),
    minimum_cents=500,
    by_carrier={"ups": Markup(percent=D("20"))},
    by_service={"ups_ground": Markup(flat_cents=100), "usps_priority_mail": Markup()},
)


@pytest.mark.parametrize(
    ("total", "carrier", "service", "rules", "discount", "price"),
    [
        # percent and flat
        (1000, "usps", "usps_ground_advantage", PricingRules(Markup(D("10"))), D(0), 1100),
        (1000, "usps", "usps_ground_advantage", PricingRules(Markup(flat_cents=75)), D(0), 1075),
        (1000, "usps", "usps_ground_advantage", RULES, D(0), 1150),
        # minimum price
        (200, "usps", "usps_ground_advantage", RULES, D(0), 500),
        (455, "usps", "usps_ground_advantage", RULES, D(0), 551),
        # carrier override, then service override beats the carrier's
        (1000, "ups", "ups_2nd_day_air", RULES, D(0), 1200),
        (1000, "ups", "ups_ground", RULES, D(0), 1100),
        (1000, "usps", "usps_priority_mail", RULES, D(0), 1000),
        # per-user discount off the price, never below the carrier's cost
        (1000, "usps", "usps_ground_advantage", RULES, D("10"), 1035),
        (1000, "usps", "usps_ground_advantage", RULES, D("50"), 1000),
        (200, "usps", "usps_ground_advantage", RULES, D("100"), 200),
        # half cents round up: 10% of 1005 = 100.5 → 101; 12.5% of 1004 = 125.5 → 126
        (1005, "usps", "x", PricingRules(Markup(D("10"))), D(0), 1106),
        (1004, "usps", "x", PricingRules(Markup(D("12.5"))), D(0), 1130),
        # ... and just below half rounds down: 10% of 1004 = 100.4 → 100
        (1004, "usps", "x", PricingRules(Markup(D("10"))), D(0), 1104),
        # discount of a half cent: 5% of 1110 = 55.5 → 56
        (1010, "usps", "x", PricingRules(Markup(D("9.9"))), D("5"), 1054),
    ],
)
def test_price_table(total, carrier, service, rules, discount, price):
    assert customer_price(total, carrier, service, rules, discount) == price


@given(
    total=st.integers(min_value=0, max_value=10_000_00),
    percent=st.decimals(min_value=0, max_value=200, places=2),
    flat=st.integers(min_value=0, max_value=10_00),
    minimum=st.integers(min_value=0, max_value=50_00),
    discount=st.decimals(min_value=0, max_value=100, places=2),
)
def test_price_is_whole_cents_never_below_cost_and_grows_with_the_carrier_total(
    total, percent, flat, minimum, discount
):
    rules = PricingRules(Markup(percent, flat), minimum_cents=minimum)
    price = customer_price(total, "usps", "x", rules, discount)
    assert isinstance(price, int)
    assert price >= total
    assert customer_price(total + 1, "usps", "x", rules, discount) >= price


@pytest.mark.parametrize(
    ("value", "cents"), [(D("0.5"), 1), (D("1.5"), 2), (D("2.49"), 2), (D("-0.5"), -1)]
)
def test_round_cents_is_half_up(value, cents):
    assert round_cents(value) == cents


@pytest.mark.parametrize(
    ("text", "cents"), [("12", 1200), ("12.5", 1250), ("$0.99", 99), (" 1000.00 ", 100000)]
)
def test_parse_dollars(text, cents):
    assert parse_dollars(text) == cents


@pytest.mark.parametrize("text", ["", "-1", "1.234", "abc", "1e3", "12,50", "NaN"])
def test_parse_dollars_refuses(text):
    with pytest.raises(ValueError):
        parse_dollars(text)


@pytest.mark.parametrize("text", ["abc", "-1", "NaN", "Infinity", "1001"])
def test_parse_percent_refuses(text):
    with pytest.raises(ValueError):
        parse_percent(text)


def test_format_usd():
    assert [format_usd(c) for c in (0, 5, 1234, 123456789, -250)] == [
        "$0.00",
        "$0.05",
        "$12.34",
        "$1,234,567.89",
        "-$2.50",
    ]
