"""Offline ZIP code data (the `zipcodes` package): existence, state, cities, coordinates."""

from __future__ import annotations

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
