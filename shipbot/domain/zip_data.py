"""Offline ZIP code data (the `zipcodes` package): existence, state, cities, coordinates."""

from __future__ import annotations

import difflib
import functools
import gc
import re
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shipbot.domain.errors import Rejected
from shipbot.domain.states import STATES
from shipbot.domain.text_fields import squash


@dataclass(frozen=True, slots=True)
class ZipInfo:
    zip5: str
    city: str
    state: str
    acceptable_cities: tuple[str, ...]
    latitude: Decimal
    longitude: Decimal


# zip5 -> (city, state, acceptable cities, latitude, longitude) as the package has them;
# ZipInfo objects and Decimals are made per lookup, which keeps the start-up load short.
_Row = tuple[str, str, tuple[str, ...], str, str]
_ZIPS: dict[str, _Row] | None = None
_LOCK = threading.Lock()
_ZIP_RE = re.compile(r"([0-9]{5})(?:\s*-?\s*([0-9]{4}))?")
# Words written both ways in city names; the data has some cities one way, some the other.
_CITY_WORDS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}


def _raw_records() -> list[dict]:
    try:
        # The compiled core hands out fresh dicts; zipcodes.list_all() would also keep its own
        # copy of all 42k of them alive for the life of the process.
        from zipcodes import _zipcodes

        return _zipcodes.list_all()
    except (ImportError, AttributeError):  # zipcodes 1.x/2.x: pure Python
        import zipcodes

        return zipcodes.list_all()


def _build() -> dict[str, _Row]:
    # 40k records of fresh containers set the cyclic GC off again and again, which costs
    # more than the load itself; nothing here makes cycles, so pause it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return {
            rec["zip_code"]: (
                rec["city"], rec["state"], tuple(rec.get("acceptable_cities") or ()),
                str(rec.get("lat")), str(rec.get("long")),
            )
            for rec in _raw_records()
            # Inactive ZIPs are kept (mail still reaches many); the Freely Associated States
            # (FM, MH, PW) are not in our state list, so their ZIPs count as unknown.
            if rec.get("state") in STATES
        }  # fmt: skip
    finally:
        if was_enabled:
            gc.enable()


def _zips() -> dict[str, _Row]:
    global _ZIPS
    if _ZIPS is None:
        with _LOCK:
            if _ZIPS is None:
                _ZIPS = _build()
    return _ZIPS


def warm() -> None:
    """Load the data now (server start-up) instead of on the first user's ZIP."""
    _zips()


def _display(city: str) -> str:
    if city.lower() in ("apo", "fpo", "dpo"):  # military post offices are acronyms
        return city.upper()
    if city.isupper() or city.islower():
        return city.title()
    return city


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal(0)


def lookup(zip5: str) -> ZipInfo | None:
    row = _zips().get(zip5[:5])
    if row is None:
        return None
    city, state, acceptable, lat, long = row
    return ZipInfo(
        zip5=zip5[:5],
        city=_display(city),
        state=state,
        acceptable_cities=tuple(_display(c) for c in acceptable),
        latitude=_decimal(lat),
        longitude=_decimal(long),
    )


def clean_zip(text: str) -> str:
    """Read "94117", "94117-1234", "94117 1234" or "941171234" as "94117" / "94117-1234"."""
    value = squash(text)
    if not value:
        raise Rejected("zip", "empty")
    match = _ZIP_RE.fullmatch(value)
    if match is None:
        raise Rejected("zip", "format")
    zip5, plus4 = match.groups()
    if lookup(zip5) is None:
        raise Rejected("zip", "unknown", zip=zip5)
    return f"{zip5}-{plus4}" if plus4 else zip5


def check_zip_state(zip_code: str, state: str) -> None:
    zip5 = zip_code[:5]
    info = lookup(zip5)
    if info is None:
        raise Rejected("zip", "unknown", zip=zip5)
    if info.state != state:
        raise Rejected("zip", "mismatch", zip=zip5, state=state, actual=info.state)


def cities_for(zip_code: str) -> tuple[str, ...]:
    """Primary city first, then the other names USPS accepts for this ZIP."""
    info = lookup(zip_code)
    if info is None:
        return ()
    return tuple(dict.fromkeys((info.city, *info.acceptable_cities)))


def _loose(city: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]", " ", city.lower()).split())


def _city_key(city: str) -> str:
    return " ".join(_CITY_WORDS.get(word, word) for word in _loose(city).split())


def zip_city(zip_code: str, written: str, *, approximate: bool = False) -> str | None:
    """The city of this ZIP that `written` names, as it is to be stored; None if it is none.

    Case, punctuation and hyphens are the writer's ("Winston-Salem", "coeur d'alene" for the
    data's "Winston Salem", "Coeur D Alene"): stored as written. A St./Ft./Mt. written for the
    data's Saint/Fort/Mount, or the other way round, takes the data's spelling ("St. Louis"
    -> "Saint Louis"). `approximate` also takes a close spelling, in the data's form: for a
    transliterated city, since "Сан-Франциско" cannot come out exactly "San Francisco".
    """
    cities = cities_for(zip_code)
    if any(_loose(city) == _loose(written) for city in cities):
        return written
    keys = {_city_key(city): city for city in cities}
    key = _city_key(written)
    if key in keys:
        return keys[key]
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.8) if approximate else []
    return keys[close[0]] if close else None


@functools.cache
def _state_city_keys(state: str) -> frozenset[str]:
    return frozenset(
        _city_key(city) for row in _zips().values() if row[1] == state for city in (row[0], *row[2])
    )


def is_city_of_state(state: str, written: str) -> bool:
    """Whether any ZIP of `state` has a city that `written` names (as zip_city compares)."""
    return _city_key(written) in _state_city_keys(state)


def check_city(zip_code: str, city: str, *, transliterated: bool = False) -> str:
    """A cleaned city that must be one of the ZIP's cities, in its stored spelling (zip_city);
    otherwise Rejected naming the ZIP's cities, which the UI offers instead."""
    match = zip_city(zip_code, city, approximate=transliterated)
    if match is None:
        cities = ", ".join(cities_for(zip_code))
        raise Rejected("city", "not_in_zip", value=city, zip=zip_code[:5], cities=cities)
    return match
