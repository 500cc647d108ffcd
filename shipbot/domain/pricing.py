"""Our price for a carrier rate (SPEC §3.2): carrier total + markup, a minimum, a discount.

Rules come from the settings today and are meant to come from the database once the admin
panel edits them, so they are plain data here. All amounts are integer cents; every
percentage is rounded half up to the cent once, where it is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from shipbot.domain.money import round_cents


@dataclass(frozen=True)
class Markup:
    percent: Decimal = Decimal(0)
    flat_cents: int = 0

    def on(self, cents: int) -> int:
        return round_cents(Decimal(cents) * self.percent / 100) + self.flat_cents


@dataclass(frozen=True)
class PricingRules:
    markup: Markup = Markup()
    minimum_cents: int = 0
    by_carrier: Mapping[str, Markup] = field(default_factory=dict)  # "ups" → Markup
    by_service: Mapping[str, Markup] = field(default_factory=dict)  # "ups_ground" → Markup

    def markup_for(self, carrier_code: str, service_code: str) -> Markup:
        """The most specific rule wins: service, then carrier, then the default."""
        return self.by_service.get(service_code, self.by_carrier.get(carrier_code, self.markup))


@dataclass(frozen=True)
class PriceBreakdown:
    """How a price is made: the carrier's total, our markup, what the minimum price added, and
    the user's discount taken off."""

    carrier_cents: int
    markup_cents: int
    minimum_cents: int
    discount_cents: int

    @property
    def price_cents(self) -> int:
        return self.carrier_cents + self.markup_cents + self.minimum_cents - self.discount_cents


def price_breakdown(
    carrier_total_cents: int,
    carrier_code: str,
    service_code: str,
    rules: PricingRules,
    discount_percent: Decimal = Decimal(0),
) -> PriceBreakdown:
    markup = rules.markup_for(carrier_code, service_code).on(carrier_total_cents)
    marked_up = carrier_total_cents + markup
    price = max(marked_up, rules.minimum_cents)
    discounted = price - round_cents(Decimal(price) * discount_percent / 100)
    # A user's discount comes out of the margin: a label is never sold below its cost.
    final = max(discounted, carrier_total_cents)
    return PriceBreakdown(carrier_total_cents, markup, price - marked_up, price - final)


def customer_price(
    carrier_total_cents: int,
    carrier_code: str,
    service_code: str,
    rules: PricingRules,
    discount_percent: Decimal = Decimal(0),
) -> int:
    return price_breakdown(
        carrier_total_cents, carrier_code, service_code, rules, discount_percent
    ).price_cents
