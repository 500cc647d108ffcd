"""The sandbox's address check: the recipient in the standard form a carrier answers with.

Like USPS's standardisation, a street's suffix takes their standard abbreviations
(Publication 28, the common ones) and the city takes the ZIP data's spelling,
so a test sees a correction to confirm for "350 Fifth Avenue" and none for "350 Fifth Ave".
A company named means a business address, as the sandbox has no address database.
"""

from __future__ import annotations

import re
from dataclasses import replace

from shipbot.domain.address import Address, loose_form
from shipbot.domain.zip_data import cities_for, zip_city
from shipbot.providers.carriers.base import CheckedAddress

_ABBREVIATIONS = {
    "street": "St",
    "avenue": "Ave",
    "boulevard": "Blvd",
    "road": "Rd",
    "drive": "Dr",
    "lane": "Ln",
    "court": "Ct",
    "place": "Pl",
    "terrace": "Ter",
    "parkway": "Pkwy",
    "highway": "Hwy",
    "circle": "Cir",
}
_LAST_WORD = re.compile(r"[A-Za-z]+$")  # the suffix: "1 Court Street" -> "1 Court St"


def _standard_street(street: str) -> str:
    return _LAST_WORD.sub(lambda word: _ABBREVIATIONS.get(word[0].lower(), word[0]), street)


def _data_city(zip_code: str, city: str) -> str:
    """The ZIP data's own spelling of the city ("Winston-Salem" -> "Winston Salem")."""
    named = zip_city(zip_code, city) or city
    cities = cities_for(zip_code)
    return next((known for known in cities if loose_form(known) == loose_form(named)), named)


def checked(address: Address) -> CheckedAddress:
    standard = replace(
        address,
        street1=_standard_street(address.street1),
        city=_data_city(address.zip[:5], address.city),
    )
    return CheckedAddress(standard, residential=address.company is None)
