"""Cleaners for the free-text address fields (SPEC §3.1 validation table).

Each cleaner trims and collapses whitespace, converts Cyrillic and accented Latin to plain
ASCII (carriers print ASCII labels), then checks, in this order: empty, length, alphabet, and
for street line 1 a house number. The returned value is what gets stored.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from shipbot.domain.errors import Rejected
from shipbot.domain.transliteration import has_cyrillic, transliterate


@dataclass(frozen=True)
class Cleaned:
    value: str
    transliterated: bool  # Cyrillic or accents were converted; the UI asks the user to confirm


_LETTERS_DIGITS = string.ascii_letters + string.digits
_ADDRESS_CHARS = frozenset(_LETTERS_DIGITS + " .,'-&/#")
_CITY_CHARS = frozenset(string.ascii_letters + " .'-")
_MAX_REPORTED_CHARS = 10  # enough to point at the problem; a 4096-char paste stays readable

# Look-alikes phones and word processors insert; mapping them is not a transliteration.
_TYPOGRAPHY = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2116": "#",  # "№", as in "кв. №5"
})  # fmt: skip
# Letters NFKD does not decompose into ASCII.
_SPECIAL_LATIN = {
    "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o", "Ł": "L",
    "ł": "l", "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th", "ð": "d", "Ð": "D", "ı": "i",
}  # fmt: skip

_NO_NUMBER_NEEDED = re.compile(
    r"\b(?:p\.?\s*o\.?\s*b(?:ox)?|post\s+office\s+box|general\s+delivery|rural\s+route"
    r"|r\.?\s*r|h\.?\s*c|rfd)\b",
    re.IGNORECASE,
)


def squash(text: str) -> str:
    """Whitespace runs (newlines too) become one space; invisible controls are dropped."""
    if not text.isascii() or not text.isprintable():
        text = "".join(
            ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
        )
    return " ".join(text.split())


def to_ascii(text: str) -> tuple[str, bool]:
    """Transliterate Cyrillic and strip accents; unconvertible characters stay for reporting."""
    text = text.translate(_TYPOGRAPHY)
    if text.isascii():
        return text, False
    cyrillic = has_cyrillic(text)
    if cyrillic:
        text = transliterate(text)
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        plain = _SPECIAL_LATIN.get(ch)
        if plain is None:
            plain = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
        # Keep the original when it has no clean ASCII form, so the alphabet check names it.
        ok = plain and plain.isascii() and plain.isprintable() and " " not in plain
        out.append(plain if ok else ch)
    converted = "".join(out)
    return converted, cyrillic or converted != text


def _clean(
    text: str, field: str, allowed: frozenset[str], min_len: int | None, max_len: int
) -> Cleaned:
    value = squash(text)
    if not value:
        raise Rejected(field, "empty")
    value, converted = to_ascii(value)
    value = squash(value)
    if not (min_len or 0) <= len(value) <= max_len:
        if min_len is None:
            raise Rejected(field, "length", max=max_len)
        raise Rejected(field, "length", min=min_len, max=max_len)
    bad = "".join(dict.fromkeys(ch for ch in value if ch not in allowed))
    if bad:
        raise Rejected(field, "characters", chars=bad[:_MAX_REPORTED_CHARS])
    return Cleaned(value, converted)


def clean_name(text: str) -> Cleaned:
    return _clean(text, "name", _ADDRESS_CHARS, 2, 35)


def clean_company(text: str) -> Cleaned:
    return _clean(text, "company", _ADDRESS_CHARS, 2, 35)


def clean_street1(text: str) -> Cleaned:
    cleaned = _clean(text, "street1", _ADDRESS_CHARS, 3, 35)
    value = cleaned.value
    if not any(ch.isdigit() for ch in value) and not _NO_NUMBER_NEEDED.search(value):
        raise Rejected("street1", "needs_number")
    return cleaned


def clean_street2(text: str) -> Cleaned:
    """The optional second line; the caller offers Skip, so an empty answer is rejected."""
    return _clean(text, "street2", _ADDRESS_CHARS, None, 35)


def clean_city(text: str) -> Cleaned:
    return _clean(text, "city", _CITY_CHARS, 2, 30)


def clean_label(text: str) -> str:
    """An address-book label ("Home", "Склад 2"): any printable text, 1–30 characters."""
    value = squash(text)
    if not value:
        raise Rejected("label", "empty")
    if len(value) > 30:
        raise Rejected("label", "length", min=1, max=30)
    return value
