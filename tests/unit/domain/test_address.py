from dataclasses import replace

import pytest

from shipbot.domain.address import ADDRESS_FIELDS, Address, corrected_fields

FULL = Address(
    name="John Smith",
    company="Acme Inc",
    street1="215 Clayton St",
    street2="Apt 4",
    city="San Francisco",
    state="CA",
    zip="94117",
    phone="+14155550100",
)


def test_lines_in_label_order():
    assert FULL.lines() == [
        "John Smith",
        "Acme Inc",
        "215 Clayton St",
        "Apt 4",
        "San Francisco, CA 94117",
        "+14155550100",
    ]


def test_lines_omit_empty_optional_fields():
    minimal = Address("Jane Doe", "PO Box 123", "Austin", "TX", "78767-0123")
    assert minimal.lines() == ["Jane Doe", "PO Box 123", "Austin, TX 78767-0123"]


def test_dict_round_trip():
    data = FULL.to_dict()
    assert list(data) == list(ADDRESS_FIELDS)
    assert Address.from_dict(data) == FULL
    minimal = Address("Jane Doe", "PO Box 123", "Austin", "TX", "78767")
    assert minimal.to_dict()["company"] is None
    assert Address.from_dict(minimal.to_dict()) == minimal


def test_from_dict_tolerates_extra_keys_and_empty_optionals():
    data = {**FULL.to_dict(), "company": "", "street2": None, "label": "Home"}
    del data["phone"]
    assert Address.from_dict(data) == Address(
        "John Smith", "215 Clayton St", "San Francisco", "CA", "94117"
    )


def test_from_dict_requires_the_required_fields():
    data = FULL.to_dict()
    del data["zip"]
    with pytest.raises(KeyError):
        Address.from_dict(data)


def test_a_carrier_answering_in_capitals_corrects_nothing():
    capitals = replace(FULL, street1="215 CLAYTON ST", street2="APT 4", city="SAN FRANCISCO")
    assert corrected_fields(FULL, capitals) == ()
    assert (
        corrected_fields(replace(FULL, city="Winston-Salem"), replace(FULL, city="WINSTON SALEM"))
        == ()
    )


def test_a_changed_word_a_zip4_or_a_unit_moved_is_a_correction():
    assert corrected_fields(FULL, replace(FULL, street1="215 Clayton Ave")) == ("street1",)
    assert corrected_fields(FULL, replace(FULL, zip="94117-1234")) == ("zip",)
    merged = replace(FULL, street1="215 CLAYTON ST APT 4", street2=None)
    assert corrected_fields(FULL, merged) == ("street1", "street2")
    # Name and phone are not the carrier's to correct.
    assert corrected_fields(FULL, replace(FULL, name="J SMITH", phone=None)) == ()
