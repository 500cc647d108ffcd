"""Money as integer cents: parsing what operators configure, rounding, showing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from shipbot.domain.errors import Rejected

TOP_UP_MIN_CENTS = 10_00
TOP_UP_MAX_CENTS = 10_000_00
_TYPED_AMOUNT = re.compile(
    r"^\$?\s*(\d{1,3}(?:[ ,]\d{3})+|\d+)(?:[.,](\d{1,2}))?\s*\$?(?:usd)?$", re.I
)

_DOLLARS = re.compile(r"^\$?\s*(\d{1,7}(?:\.\d{1,2})?)$")


@dataclass(frozen=True)
class Checkout:
    """How a price is paid from a balance, as the payment screen tells it."""

    price_cents: int
    balance_cents: int
    shortfall_cents: int  # 0 when the balance pays the price
    top_up_cents: int  # what the top-up button asks for; 0 when nothing is short

    @property
    def raised_to_minimum(self) -> bool:
        """The shortfall is below the smallest top-up, so more than it is asked."""
        return self.top_up_cents > self.shortfall_cents


def checkout(price_cents: int, balance_cents: int) -> Checkout:
    return Checkout(
        price_cents=price_cents,
        balance_cents=balance_cents,
        shortfall_cents=max(0, price_cents - balance_cents),
        top_up_cents=shortfall_top_up(price_cents, balance_cents),
    )


def shortfall_top_up(price_cents: int, balance_cents: int) -> int:
    """What to top up to pay a price from the balance: 0 when it suffices, otherwise the
    shortfall, but at least the minimum top-up (and never more than the maximum)."""
    if balance_cents >= price_cents:
        return 0
    return min(max(price_cents - balance_cents, TOP_UP_MIN_CENTS), TOP_UP_MAX_CENTS)


def round_cents(value: Decimal) -> int:
    """Half up to the cent, the rounding customers expect (0.5 ¢ → 1 ¢)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_dollars(text: str) -> int:
    """ "12", "12.5", "$12.50" → cents; anything else (negative, 3 decimals, words) → ValueError."""
    match = _DOLLARS.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an amount in dollars such as 12.50")
    return round_cents(Decimal(match.group(1)) * 100)


def parse_percent(text: str) -> Decimal:
    try:
        value = Decimal(str(text).strip().rstrip("%"))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a percentage such as 12.5") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1000):
        raise ValueError(f"{text!r} must be between 0 and 1000")
    return value


def format_dollars(cents: int) -> str:
    """Cents as an operator types dollars, "1234.50": what parse_dollars reads back."""
    dollars, rest = divmod(cents, 100)
    return f"{dollars}.{rest:02d}"


def format_usd(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


def clean_top_up(text: str) -> int:
    """A top-up amount as people type it ("25", "$25.50", "1,000", "25 usd") → cents."""
    value = text.strip().replace("\u00a0", " ")
    if not value:
        raise Rejected("amount", "empty")
    match = _TYPED_AMOUNT.match(value)
    if not match:
        raise Rejected("amount", "format")
    whole, fraction = match.group(1), match.group(2) or "0"
    cents = int(re.sub(r"[ ,]", "", whole)) * 100 + int(fraction.ljust(2, "0"))
    if cents < TOP_UP_MIN_CENTS:
        raise Rejected("amount", "too_small", minimum=format_usd(TOP_UP_MIN_CENTS))
    if cents > TOP_UP_MAX_CENTS:
        raise Rejected("amount", "too_large", maximum=format_usd(TOP_UP_MAX_CENTS))
    return cents
