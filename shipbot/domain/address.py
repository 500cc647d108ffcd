"""A validated US address, as stored in drafts, orders and the address book."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

ADDRESS_FIELDS = ("name", "company", "street1", "street2", "city", "state", "zip", "phone")
_REQUIRED = ("name", "street1", "city", "state", "zip")
_OPTIONAL = ("company", "street2", "phone")


@dataclass(frozen=True)
class Address:
    name: str
    street1: str
    city: str
    state: str
    zip: str
    company: str | None = None
    street2: str | None = None
    phone: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {field: getattr(self, field) for field in ADDRESS_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping) -> Address:
        """Reads what to_dict wrote: unknown keys are ignored, empty optional ones become None,
        a missing required one raises KeyError (stored data is trusted, not user input)."""
        optional = {field: data.get(field) or None for field in _OPTIONAL}
        return cls(**{field: data[field] for field in _REQUIRED}, **optional)

    def lines(self) -> list[str]:
        """The address as printed on a label, one list item per line, empty ones left out."""
        city_line = f"{self.city}, {self.state} {self.zip}"
        lines = [self.name, self.company, self.street1, self.street2, city_line, self.phone]
        return [line for line in lines if line]


_PUNCTUATION = re.compile(r"[^0-9A-Z]+")


def loose_form(value: str | None) -> str:
    """A value compared without case or punctuation: "Winston-Salem" = "WINSTON SALEM"."""
    return " ".join(_PUNCTUATION.sub(" ", (value or "").upper()).split())


def corrected_fields(written: Address, checked: Address) -> tuple[str, ...]:
    """The delivery fields a carrier's check changed beyond case and punctuation (carriers
    answer in capitals: "215 CLAYTON ST" is no correction), a ZIP+4 added included."""
    fields = ("company", "street1", "street2", "city", "state", "zip")
    return tuple(
        field
        for field in fields
        if loose_form(getattr(written, field)) != loose_form(getattr(checked, field))
    )
