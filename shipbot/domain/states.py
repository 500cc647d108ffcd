"""USPS state codes we ship to, and recognising them however the user writes them."""

from __future__ import annotations

import re

from shipbot.domain.errors import Rejected
from shipbot.domain.text_fields import squash

STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia", "PR": "Puerto Rico", "VI": "Virgin Islands", "GU": "Guam",
    "AS": "American Samoa", "MP": "Northern Mariana Islands",
    "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}  # fmt: skip

# Other spellings people use: AP-style abbreviations ("Calif.", "Mass.") and long forms.
_ALIASES = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA", "colo": "CO",
    "conn": "CT", "del": "DE", "fla": "FL", "ill": "IL", "ind": "IN", "kan": "KS",
    "kans": "KS", "mass": "MA", "mich": "MI", "minn": "MN", "miss": "MS", "mont": "MT",
    "neb": "NE", "nebr": "NE", "nev": "NV", "okla": "OK", "ore": "OR", "penn": "PA",
    "tenn": "TN", "tex": "TX", "wash": "WA", "w va": "WV", "wis": "WI", "wisc": "WI",
    "wyo": "WY", "n carolina": "NC", "s carolina": "SC", "n dakota": "ND", "s dakota": "SD",
    "washington dc": "DC", "washington d c": "DC",
    "us virgin islands": "VI", "u s virgin islands": "VI", "united states virgin islands": "VI",
    "virgin islands of the united states": "VI", "northern marianas": "MP",
    "commonwealth of puerto rico": "PR", "armed forces america": "AA",
    "armed forces the americas": "AA", "armed forces africa": "AE", "armed forces canada": "AE",
    "armed forces middle east": "AE",
}  # fmt: skip

_LOOKUP: dict[str, str] = {
    **{code.lower(): code for code in STATES},
    **{name.lower(): code for code, name in STATES.items()},
    **_ALIASES,
}
# In a pasted "Washington DC 20500" the word "Washington" is the city, not part of the state.
_PASTE_LOOKUP = {k: v for k, v in _LOOKUP.items() if not k.startswith("washington ")}


def _key(text: str) -> str:
    text = re.sub(r"[.,]", " ", squash(text).lower()).replace("-", " ")
    key = " ".join(text.split())
    if re.fullmatch(r"(?:[a-z] )+[a-z]", key):  # "N.Y." -> "n y" -> "ny"
        key = key.replace(" ", "")
    return key


def state_code(text: str, *, in_paste: bool = False) -> str | None:
    """The USPS code for `text`, or None when it is not a state we know."""
    return (_PASTE_LOOKUP if in_paste else _LOOKUP).get(_key(text))


def clean_state(text: str) -> str:
    if not squash(text):
        raise Rejected("state", "empty")
    code = state_code(text)
    if code is None:
        raise Rejected("state", "unknown", value=squash(text)[:40])
    return code
