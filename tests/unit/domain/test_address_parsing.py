"""Rules of the paste parser beyond the corpus: detection, units, order of problems."""

import pytest

from shipbot.domain.address_parsing import looks_like_full_address, parse_address
from tests.unit.domain._support import rejection


@pytest.mark.parametrize(
    "text",
    [
        "John Smith, 215 Clayton St, San Francisco, CA 94117",
        "John Smith\n215 Clayton St\nSan Francisco, CA 94117-1234",
        "John Smith\nCA 94117",
        "a, b, 94117",
    ],
)
def test_looks_like_full_address(text):
    assert looks_like_full_address(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "John Smith",
        "215 Clayton St",
        "94117",
        "94117-1234",
        "San Francisco, CA 94117",  # one comma: a city-and-ZIP answer, not a whole address
        "415-555-0100",
        "John Smith\n215 Clayton St",  # no ZIP
        "123456, a, b",  # six digits are not a ZIP
        "2 lb 4 oz",
        "12x10x8",
        "\n\n94117\n\n",
    ],
)
def test_does_not_look_like_full_address(text):
    assert not looks_like_full_address(text)


def address_of(text):
    return parse_address(text).address


def test_unit_in_line1_moves_to_line2():
    address = address_of("John Smith, 215 Clayton St Apt. 4B, San Francisco, CA 94117")
    assert (address.street1, address.street2) == ("215 Clayton St", "Apt. 4B")


def test_unit_in_line1_stays_when_line2_is_written():
    address = address_of("John Smith\n215 Clayton St Apt 4\nBuilding C\nSan Francisco CA 94117")
    assert (address.street1, address.street2) == ("215 Clayton St Apt 4", "Building C")


@pytest.mark.parametrize(
    ("line", "street1", "street2"),
    [
        ("215 Clayton St Suite 200", "215 Clayton St", "Suite 200"),
        ("215 Clayton St Ste 200", "215 Clayton St", "Ste 200"),
        ("215 Clayton St Unit B", "215 Clayton St", "Unit B"),
        ("215 Clayton St Fl 2", "215 Clayton St", "Fl 2"),
        ("215 Clayton St # 4", "215 Clayton St", "# 4"),
        ("215 Clayton St Apt #4", "215 Clayton St", "Apt #4"),
        ("215 Clayton St", "215 Clayton St", None),
        ("215 Unit Rd", "215 Unit Rd", None),  # "Unit" here is the street's name
        ("PO Box 12", "PO Box 12", None),
    ],
)
def test_unit_split(line, street1, street2):
    address = address_of(f"John Smith\n{line}\nSan Francisco, CA 94117")
    assert (address.street1, address.street2) == (street1, street2)


@pytest.mark.parametrize("unit", ["Apt 4", "Suite 200", "Unit B", "Fl 2", "#4"])
def test_separate_unit_line_is_line2(unit):
    address = address_of(f"John Smith\n215 Clayton St\n{unit}\nSan Francisco, CA 94117")
    assert (address.street1, address.street2) == ("215 Clayton St", unit)


def test_washington_dc_without_comma():
    address = address_of("Jane Doe\n1600 Pennsylvania Ave NW\nWashington DC 20500")
    assert (address.city, address.state) == ("Washington", "DC")


def test_zip_plus_four_with_a_space():
    assert address_of("John Smith, 215 Clayton St, San Francisco, CA 94117 1234").zip == (
        "94117-1234"
    )


def test_number_led_company_is_not_the_street():
    address = address_of("John Smith\n3M Company\n215 Clayton St\nSan Francisco, CA 94117")
    assert (address.company, address.street1) == ("3M Company", "215 Clayton St")


def test_company_label():
    address = address_of(
        "Company: Acme Inc\nName: John Smith\n215 Clayton St\nSan Francisco, CA 94117"
    )
    assert (address.name, address.company) == ("John Smith", "Acme Inc")


def test_first_of_two_phones_is_kept():
    address = address_of(
        "John Smith\n(415) 555-0100\n215 Clayton St\nSan Francisco, CA 94117\n415-555-0199"
    )
    assert address.phone == "+14155550100"


def test_phone_on_the_city_line():
    address = address_of("John Smith\n215 Clayton St\nSan Francisco, CA 94117 415-555-0100")
    assert (address.zip, address.phone) == ("94117", "+14155550100")


def test_phone_on_the_name_line():
    address = address_of("John Smith 4155550100, 215 Clayton St, San Francisco, CA 94117")
    assert (address.name, address.phone) == ("John Smith", "+14155550100")


def test_city_not_in_zip_data_is_kept_as_written():
    address = address_of("John Smith, 215 Clayton St, SF, CA 94117")
    assert address.city == "SF"


def test_city_run_into_street_found_by_usaddress():
    address = address_of("John Smith\n215 Clayton St Sanfran, CA 94117")
    assert (address.street1, address.city) == ("215 Clayton St", "Sanfran")


def test_transliterated_flags_any_field():
    assert parse_address("John Smith, 5 ул. Ленина, San Francisco, CA 94117").transliterated
    assert not parse_address("John Smith, 215 Clayton St, San Francisco, CA 94117").transliterated


def test_problems_are_reported_in_field_order():
    # Both the name and the ZIP are wrong; the name comes first.
    assert rejection(parse_address, "J, 215 Clayton St, New York, NY 94117") == (
        "name",
        "length",
        {"min": 2, "max": 35},
    )


def test_missing_lists_every_gap_in_order():
    assert rejection(parse_address, "hello") == (
        "address",
        "missing",
        {"fields": ("street1", "city", "state", "zip")},
    )
    assert rejection(parse_address, "") == (
        "address",
        "missing",
        {"fields": ("name", "street1", "city", "state", "zip")},
    )


def test_street2_too_long():
    text = "John Smith, 215 Clayton St, " + "B" * 36 + ", San Francisco, CA 94117"
    assert rejection(parse_address, text) == ("street2", "length", {"max": 35})


def test_company_too_short():
    text = "John Smith\nX\n215 Clayton St\nSan Francisco, CA 94117"
    assert rejection(parse_address, text) == ("company", "length", {"min": 2, "max": 35})


def test_city_characters():
    text = "John Smith, 215 Clayton St, San Francisco!, CA 94117"
    assert rejection(parse_address, text) == ("city", "characters", {"chars": "!"})


def test_an_unreadable_city_line_is_kept_and_the_city_comes_from_the_zip():
    parsed = parse_address("John Smith, 215 Clayton St, San Francisco 2, CA 94117")
    assert (parsed.address.street2, parsed.address.city) == ("San Francisco 2", "San Francisco")
    assert parsed.city_from_zip  # the UI shows the city as filled in, for confirmation
