"""Any text at all either passes a cleaner or is Rejected; nothing else ever escapes (G7)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipbot.domain import zip_data
from shipbot.domain.address_parsing import looks_like_full_address, parse_address
from shipbot.domain.errors import Rejected
from shipbot.domain.parcel import clean_dimensions, clean_weight
from shipbot.domain.phones import clean_phone
from shipbot.domain.states import clean_state
from shipbot.domain.text_fields import (
    clean_city,
    clean_company,
    clean_label,
    clean_name,
    clean_street1,
    clean_street2,
)
from shipbot.domain.zip_data import clean_zip

# Fragments that steer random text into the parsers' interesting paths.
PIECES = [
    "John Smith", "Иван Петров", "José", "Acme Inc", "Inc.", "Attn:", "Name:", "c/o",
    "215 Clayton St", "Apt 4", "#4", "Suite 200", "PO Box 12", "PSC 1234", "Box 5", "Unit 2050",
    "General Delivery", "San Francisco", "CA", "california", "Washington", "DC", "Ct", "APO",
    "AE", "94117", "94117-1234", "00000", "09001", "USA", "tel:", "415-555-0100", "+44 20 7946",
    "x12", "a@b.c", "2 lb", "4 oz", "1.2 kg", "12x10x8", "cm", "×", "😀", "\u202e", "\u200b",
    "שלום", "<b>", "&amp;", "\x00", "\r\n", ",", ", ", "\n", " ", "-", ".",
]  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=4096),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=40).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=12).map("\n".join),
    st.lists(st.sampled_from(PIECES), max_size=12).map(", ".join),
)

CLEANERS = [
    clean_name, clean_company, clean_street1, clean_street2, clean_city, clean_label,
    clean_state, clean_zip, clean_phone, clean_weight, clean_dimensions, parse_address,
    looks_like_full_address,
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _zips_loaded():
    zip_data.warm()  # the one-off load must not count against any example


@pytest.mark.parametrize("clean", CLEANERS, ids=lambda f: f.__name__)
def test_any_text_returns_or_is_rejected(clean):
    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(TEXT)
    def check(text):
        try:
            clean(text)
        except Rejected as rejected:
            assert rejected.field and rejected.problem
            assert isinstance(rejected.params, dict)

    check()


@settings(max_examples=200, deadline=None, database=None)
@given(TEXT)
def test_accepted_text_fields_are_fixed_points(text):
    # What a cleaner accepts is stored; cleaning it again must give the same value.
    for clean in (clean_name, clean_company, clean_street1, clean_street2, clean_city):
        try:
            value = clean(text).value
        except Rejected:
            continue
        assert clean(value).value == value
        assert value == value.strip() and "  " not in value and value.isascii()
