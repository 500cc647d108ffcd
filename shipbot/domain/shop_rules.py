"""The rules for what an operator sets for the shop: markup, carrier and service codes, refund
windows, the quote lifetime, the support contact.

Read by the environment's settings at start-up (shipbot/config.py) and by the settings an owner
edits in the panel (shipbot/services/shop_settings.py), so both refuse the same values in the
same words. Each rule takes a value as configured (text, or JSON as stored) or already typed,
and returns it typed or raises ValueError naming the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from shipbot.domain.money import parse_dollars, parse_percent
from shipbot.domain.orders import DEFAULT_REFUND_WINDOW_DAYS
from shipbot.domain.pricing import Markup

# ShipStation's codes: "ups", "stamps_com", "usps_priority_mail", "fedex_2day".
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# What parse_dollars accepts: up to seven digits of dollars.
MAX_AMOUNT_CENTS = 9_999_999_99
MAX_REFUND_WINDOW_DAYS = 365
QUOTE_TTL_MINUTES_RANGE = (1, 1440)
MAX_SUPPORT_CONTACT_LENGTH = 100


def percent(value: object) -> Decimal:
    return parse_percent(str(value))


def amount_cents(value: object) -> int:
    """Cents as an int, or dollars as text ("0.50")."""
    if isinstance(value, str):
        return parse_dollars(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount in cents")
    if not 0 <= value <= MAX_AMOUNT_CENTS:
        raise ValueError(f"{value} cents must be between 0 and {MAX_AMOUNT_CENTS}")
    return value


def code(value: object) -> str:
    """A carrier or service code, lower-cased."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not _CODE.match(text):
        raise ValueError(
            f"{value!r} is not a carrier or service code such as ups or usps_priority_mail "
            "(letters, digits, _ and -)"
        )
    return text


def codes(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError("must be a list of codes such as ups, usps")
    return frozenset(code(item) for item in value)


def markup(value: object, where: str) -> Markup:
    """A Markup, or {"percent": "12", "flat": "0.50"} as configured (flat in dollars)."""
    if not isinstance(value, Markup | Mapping) or (
        isinstance(value, Mapping) and set(value) - {"percent", "flat"}
    ):
        raise ValueError(f'{where}: give "percent" and/or "flat", e.g. {{"percent": "12"}}')
    try:
        if isinstance(value, Markup):
            return Markup(percent(value.percent), amount_cents(value.flat_cents))
        return Markup(
            percent(value.get("percent", "0")), parse_dollars(str(value.get("flat", "0")))
        )
    except ValueError as problem:
        raise ValueError(f"{where}: {problem}") from None


def markup_overrides(value: object) -> dict[str, Markup]:
    """Markups by carrier or service code."""
    if not isinstance(value, Mapping):
        raise ValueError('must map codes to markups, such as {"ups": {"percent": "12"}}')
    return {code(name): markup(rule, str(name)) for name, rule in value.items()}


def refund_window_days(value: object) -> dict[str, int]:
    """Days after purchase by carrier code, over the defaults."""
    if not isinstance(value, Mapping):
        raise ValueError('must map carrier codes to days, such as {"usps": 28, "ups": 90}')
    days_by_code = {}
    for name, days in value.items():
        whole = isinstance(days, int) and not isinstance(days, bool)
        if not whole or not 0 <= days <= MAX_REFUND_WINDOW_DAYS:
            raise ValueError(f"{name}: days must be a whole number from 0 to 365")
        days_by_code[code(name)] = days
    return {**DEFAULT_REFUND_WINDOW_DAYS, **days_by_code}


def quote_ttl_minutes(value: object) -> int:
    low, high = QUOTE_TTL_MINUTES_RANGE
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"must be a number of minutes between {low} and {high}")
    return value


def support_contact(value: object) -> str:
    """Where users write for help, shown in /help: "@handle", an e-mail address or a link."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValueError("must not be empty: users are told to write there")
    if len(text) > MAX_SUPPORT_CONTACT_LENGTH or re.search(r"[\r\n]", text):
        raise ValueError(f"must be one line of at most {MAX_SUPPORT_CONTACT_LENGTH} characters")
    return text
