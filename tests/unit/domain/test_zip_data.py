import time
from decimal import Decimal

import pytest

from shipbot.domain import zip_data
from shipbot.domain.zip_data import (
    ZipInfo,
    check_city,
    check_zip_state,
    cities_for,
    clean_zip,
    is_city_of_state,
    lookup,
    zip_city,
)
from tests.unit.domain._support import rejection


def test_lookup_returns_city_state_and_coordinates():
    assert lookup("94117") == ZipInfo(
        zip5="94117",
        city="San Francisco",
        state="CA",
        acceptable_cities=(),
        latitude=Decimal("37.7712"),
        longitude=Decimal("-122.4413"),
    )
    assert lookup("00000") is None
    assert lookup("") is None


@pytest.mark.parametrize(
    ("zip5", "state", "city"),
    [
        ("20500", "DC", "Washington"),
        ("00901", "PR", "San Juan"),
        ("00802", "VI", "St Thomas"),
        ("96910", "GU", "Hagatna"),
        ("96799", "AS", "Pago Pago"),
        ("96950", "MP", "Saipan"),
        ("09001", "AE", "APO"),  # military post offices are acronyms, not "Apo"
        ("34090", "AA", "FPO"),
        ("96278", "AP", "APO"),
    ],
)
def test_territories_and_military_zips(zip5, state, city):
    info = lookup(zip5)
    assert info is not None
    assert (info.state, info.city) == (state, city)


def test_freely_associated_states_are_not_served():
    assert lookup("96941") is None  # Micronesia (FM)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("94117", "94117"),
        (" 94117 ", "94117"),
        ("94117-1234", "94117-1234"),
        ("94117 1234", "94117-1234"),
        ("941171234", "94117-1234"),
        ("94117 - 1234", "94117-1234"),
        ("00501", "00501"),
    ],
)
def test_clean_zip_accepts(text, value):
    assert clean_zip(text) == value


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("  \n ", "empty", {}),
        ("9411", "format", {}),
        ("941170", "format", {}),
        ("94117-12", "format", {}),
        ("ABCDE", "format", {}),
        ("94117-ABCD", "format", {}),
        ("٩٤١١٧", "format", {}),  # Arabic-Indic digits are not a US ZIP
        ("CA 94117", "format", {}),
        ("9" * 4096, "format", {}),
        ("00000", "unknown", {"zip": "00000"}),
        ("99999-1234", "unknown", {"zip": "99999"}),
        ("96941", "unknown", {"zip": "96941"}),
    ],
)
def test_clean_zip_rejects(text, problem, params):
    assert rejection(clean_zip, text) == ("zip", problem, params)


def test_check_zip_state():
    check_zip_state("94117", "CA")
    check_zip_state("94117-1234", "CA")
    check_zip_state("09001", "AE")
    assert rejection(lambda z: check_zip_state(z, "NY"), "94117-1234") == (
        "zip",
        "mismatch",
        {"zip": "94117", "state": "NY", "actual": "CA"},
    )
    assert rejection(lambda z: check_zip_state(z, "CA"), "00000") == (
        "zip",
        "unknown",
        {"zip": "00000"},
    )


def test_cities_for_lists_primary_then_acceptable():
    assert cities_for("94117") == ("San Francisco",)
    assert cities_for("00802") == ("St Thomas", "Charlotte Ama", "Charlotte Amalie")
    assert cities_for("84101-0001") == ("Salt Lake City", "Salt Lake Cty", "Slc")
    assert cities_for("00000") == ()


@pytest.mark.parametrize(
    ("zip_code", "written", "stored"),
    [
        ("94117", "San Francisco", "San Francisco"),
        ("94117", "SAN FRANCISCO", "SAN FRANCISCO"),  # case is the writer's
        ("27101", "Winston-Salem", "Winston-Salem"),  # so are hyphens and apostrophes
        ("83814", "Coeur d'Alene", "Coeur d'Alene"),
        ("84101-0001", "SLC", "SLC"),  # one of the ZIP's other names
        ("63101", "St. Louis", "Saint Louis"),  # St./Ft./Mt. take the data's spelling
        ("63101", "ST LOUIS", "Saint Louis"),
        ("00802", "Saint Thomas", "St Thomas"),
        ("33301", "Ft. Lauderdale", "Ft. Lauderdale"),  # the data has both spellings
        ("94117", "Oakland", None),
        ("94117", "San Fran", None),
        ("00000", "San Francisco", None),
    ],
)
def test_zip_city(zip_code, written, stored):
    assert zip_city(zip_code, written) == stored


def test_zip_city_approximate_is_for_transliterations():
    assert zip_city("94117", "San-Frantsisko") is None
    assert zip_city("94117", "San-Frantsisko", approximate=True) == "San Francisco"
    assert zip_city("94117", "Sacramento", approximate=True) is None


def test_check_city():
    assert check_city("63101", "St. Louis") == "Saint Louis"
    assert rejection(lambda city: check_city("84101-0001", city), "Provo") == (
        "city",
        "not_in_zip",
        {"value": "Provo", "zip": "84101", "cities": "Salt Lake City, Salt Lake Cty, Slc"},
    )


def test_is_city_of_state():
    assert is_city_of_state("MO", "St. Louis")
    assert is_city_of_state("CT", "hartford")
    assert not is_city_of_state("CT", "Orlando")


def test_load_is_fast_and_happens_once(monkeypatch):
    monkeypatch.setattr(zip_data, "_ZIPS", None)
    started = time.perf_counter()
    zip_data.warm()
    elapsed = time.perf_counter() - started
    loaded = zip_data._ZIPS
    zip_data.warm()
    assert zip_data._ZIPS is loaded
    assert len(loaded) > 40_000
    assert elapsed < 2.0, f"ZIP data took {elapsed:.2f}s to load"  # ~0.5 s; slack for CI
