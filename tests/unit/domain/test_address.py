import pytest

from shipbot.domain.address import ADDRESS_FIELDS, Address

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
