"""Phone numbers: any common US way of writing one, stored as E.164 (+14155550100)."""

from __future__ import annotations

import re

import phonenumbers

from shipbot.domain.errors import Rejected
from shipbot.domain.text_fields import squash

# US and the territories that share its numbering plan and our state list.
US_REGIONS = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})

# "tel:", "Phone -", "ph.", "mobile:" in front of the number.
_LABEL = re.compile(r"^(?:tel(?:ephone)?|phone|ph|mobile|mob|cell|call)\b\.?\s*[:\-]?\s*", re.I)
# Digits and the separators people type; letters would be vanity numbers, which
# phonenumbers turns into digits -- inventing digits the user never wrote.
_NUMBER = re.compile(r"\+?[0-9 ()./\-]{7,24}")
# An extension is dropped: label services take a plain number, and we never alter digits.
_EXTENSION = re.compile(r"\s*(?:,|;|#|x|ext\.?|extension)\s*[0-9]{1,6}$", re.I)


_NANP_E164 = re.compile(r"\+1([0-9]{3})([0-9]{3})([0-9]{4})")


def display_phone(e164: str) -> str:
    """A stored number the way people read it: +14155550100 as +1 415-555-0100."""
    match = _NANP_E164.fullmatch(e164)
    return "+1 {}-{}-{}".format(*match.groups()) if match else e164


def strip_label(text: str) -> str:
    return _LABEL.sub("", text, count=1)


def clean_phone(text: str) -> str:
    value = squash(text)
    if not value:
        raise Rejected("phone", "empty")
    if len(value) > 64:  # longer than any way of writing a phone number
        raise Rejected("phone", "format")
    number = _EXTENSION.sub("", strip_label(value))
    if not _NUMBER.fullmatch(number):
        raise Rejected("phone", "format")
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        raise Rejected("phone", "format") from None
    if not phonenumbers.is_valid_number(parsed):
        raise Rejected("phone", "format")
    if parsed.country_code != 1 or phonenumbers.region_code_for_number(parsed) not in US_REGIONS:
        raise Rejected("phone", "not_us")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
