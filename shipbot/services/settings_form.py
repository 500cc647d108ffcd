"""The shop's settings as text in a form (the admin panel's settings page): what each field
shows, and what a submitted form makes of it, with a message per field that cannot be read.

A form's field names are ShopSettings' (shipbot/services/shop_settings.py). Amounts are typed
in dollars ("0.50"), percentages as "12.5" or "12.5%", code lists separated by commas or
spaces, markups one per line as "ups: 12% + $0.50", refund windows one per line as "ups: 90".
What the text says is then checked by the same rules as the environment's values, by
`shop_settings.change`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from shipbot.domain import shop_rules
from shipbot.domain.money import format_dollars
from shipbot.domain.pricing import Markup
from shipbot.services.shop_settings import InvalidSettings, ShopSettings, validate

_LINE = re.compile(r"^(?P<code>[^:=\s]+)\s*[:=]\s*(?P<rest>.*)$")
_SEPARATORS = re.compile(r"[\s,]+")


def _percent_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _lines(text: str) -> list[tuple[str, str]]:
    """ "code: rest" per non-empty line."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line.strip())
        if not match:
            raise ValueError(f"line {number}: write a code, a colon and a value, e.g. ups: 90")
        pairs.append((match["code"], match["rest"].strip()))
    return pairs


def _markup(text: str) -> Markup:
    """ "12%", "$0.50" or "12% + $0.50"."""
    percent, flat = Decimal(0), 0
    for part in (part.strip() for part in text.split("+")):
        if part.endswith("%"):
            percent = shop_rules.percent(part)
        elif part.startswith("$"):
            flat = shop_rules.amount_cents(part)
        else:
            raise ValueError(f"{part!r}: write 12% for a percent or $0.50 for a flat amount")
    return Markup(percent, flat)


def _parse_markups(text: str) -> dict[str, Markup]:
    markups = {}
    for code, rest in _lines(text):
        try:
            markups[code] = _markup(rest)
        except ValueError as problem:
            raise ValueError(f"{code}: {problem}") from None
    return markups


def _show_markups(markups: Mapping[str, Markup]) -> str:
    return "\n".join(f"{code}: {_markup_text(markups[code])}" for code in sorted(markups))


def _markup_text(markup: Markup) -> str:
    parts = []
    if markup.percent or not markup.flat_cents:
        parts.append(f"{_percent_text(markup.percent)}%")
    if markup.flat_cents:
        parts.append(f"${format_dollars(markup.flat_cents)}")
    return " + ".join(parts)


def _parse_days(text: str) -> dict[str, int]:
    days = {}
    for code, rest in _lines(text):
        if not rest.isdigit():
            raise ValueError(f"{code}: days must be a whole number from 0 to 365")
        days[code] = int(rest)
    return days


def _show_days(days: Mapping[str, int]) -> str:
    return "\n".join(f"{code}: {days[code]}" for code in sorted(days))


def _parse_minutes(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError("must be a whole number of minutes")
    return int(text)


def _parse_codes(text: str) -> frozenset[str]:
    return shop_rules.codes(code for code in _SEPARATORS.split(text) if code)


def _dollars(text: str) -> int:
    return shop_rules.amount_cents(text.strip())


# Field name → (read the form's text, show the value as text).
_FIELDS: dict[str, tuple[Callable[[str], Any], Callable[[Any], str]]] = {
    "markup_percent": (shop_rules.percent, _percent_text),
    "markup_flat_cents": (_dollars, format_dollars),
    "minimum_cents": (_dollars, format_dollars),
    "markup_by_carrier": (_parse_markups, _show_markups),
    "markup_by_service": (_parse_markups, _show_markups),
    "refund_window_days": (_parse_days, _show_days),
    "support_contact": (str.strip, str),
    "quote_ttl_minutes": (_parse_minutes, str),
    "offered_carriers": (_parse_codes, lambda codes: ", ".join(sorted(codes))),
    "offered_services": (_parse_codes, lambda codes: ", ".join(sorted(codes))),
    "support_adjustment_limit_cents": (_dollars, format_dollars),
    "carrier_balance_warning_cents": (_dollars, format_dollars),
}
FIELD_NAMES = tuple(_FIELDS)


def form_values(shop: ShopSettings) -> dict[str, str]:
    """Each field's value as the form shows it; `parse_form` reads it back unchanged."""
    return {name: show(getattr(shop, name)) for name, (_, show) in _FIELDS.items()}


def parse_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The settings a submitted form holds, typed, for `shop_settings.change(**...)`; fields
    it does not hold are left alone, and other keys (CSRF token, reason) are ignored. Raises
    InvalidSettings with a message for each field that cannot be read or breaks its rule, all
    at once, so the form shows every problem together."""
    changes, errors = {}, {}
    for name, (parse, _) in _FIELDS.items():
        if name not in form:
            continue
        try:
            changes[name] = parse(form[name])
        except ValueError as problem:
            errors[name] = str(problem)
    try:
        validate(changes)
    except InvalidSettings as invalid:
        errors |= invalid.errors
    if errors:
        raise InvalidSettings(errors)
    return changes
