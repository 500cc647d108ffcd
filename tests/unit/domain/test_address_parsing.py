"""Rules of the paste parser beyond the corpora: detection, units, states that are also
address words, city spellings, order of problems, two addresses, the partial parse."""

import pytest

from shipbot.domain.address import ADDRESS_FIELDS, Address
from shipbot.domain.address_parsing import looks_like_full_address, parse_address, parse_partial
from shipbot.domain.errors import Rejected
from shipbot.domain.zip_data import lookup
from tests.unit.domain._support import rejection


@pytest.mark.parametrize(
    "text",
    [
        "John Smith, 215 Clayton St, San Francisco, CA 94117",
        "John Smith\n215 Clayton St\nSan Francisco, CA 94117-1234",
        "John Smith\nCA 94117",
        "a, b, 94117",
        "John Smith 215 Clayton St San Francisco CA 94117",  # one line, no commas
        "John Smith PO Box 12345 Austin TX 78767",
        "John Smith | 215 Clayton St | San Francisco CA 94117",
        "John Smith; 215 Clayton St; San Francisco, CA 94117",
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
        "San Francisco CA 94117",  # no street number before the state
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


@pytest.mark.parametrize("separator", [", ", "\n", " | "])
def test_a_stray_number_after_the_locality_is_not_taken_for_the_zip(separator):
    text = separator.join(["John Smith", "215 Clayton St", "San Francisco, CA 94117", "12345"])
    address = address_of(text)
    assert (address.city, address.state, address.zip) == ("San Francisco", "CA", "94117")


def test_a_zip_on_its_own_line_after_the_state_is_still_the_zip():
    address = address_of("John Smith\n215 Clayton St\nSan Francisco, CA\n94117")
    assert (address.city, address.state, address.zip) == ("San Francisco", "CA", "94117")


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


def test_city_must_be_one_of_the_zips_cities():
    assert rejection(parse_address, "John Smith, 215 Clayton St, Oakland, CA 94117") == (
        "city",
        "not_in_zip",
        {"value": "Oakland", "zip": "94117", "cities": "San Francisco"},
    )


def test_city_run_into_street_found_by_usaddress():
    partial = parse_partial("John Smith\n215 Clayton St Sanfran, CA 94117")
    assert partial.fields["street1"] == "215 Clayton St"
    assert partial.invalid["city"].params["value"] == "Sanfran"


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


# --- issue 11: real addresses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "street1", "city", "state"),
    [
        ("Jane Roe, 1 Orange Ave, Orlando, FL 32801", "1 Orange Ave", "Orlando", "FL"),
        ("Jane Roe\n10 Asylum St\nHartford CT 06103", "10 Asylum St", "Hartford", "CT"),
        ("jane roe 10 oak ct hartford ct 06103", "10 oak ct", "hartford", "CT"),  # Court first
        ("Jane Roe, 1 Monument Cir, Indianapolis, IN 46204", "1 Monument Cir", "Indianapolis",
         "IN"),
        ("Jane Roe, 1221 SW 4th Ave, Portland, OR 97201", "1221 SW 4th Ave", "Portland", "OR"),
        ("Jane Roe, 389 Congress St, Portland, ME 04101", "389 Congress St", "Portland", "ME"),
        ("Jane Roe, 1300 Perdido St, New Orleans, la 70112", "1300 Perdido St", "New Orleans",
         "LA"),
        ("Jane Roe, 411 Legislative Ave, Dover, DE 19901", "411 Legislative Ave", "Dover", "DE"),
        ("Jane Roe, 1 Main St, Boise, idaho 83702", "1 Main St", "Boise", "ID"),
        ("Jane Roe, 1 Main St, Pago Pago, as 96799", "1 Main St", "Pago Pago", "AS"),
        ("Jane Roe 1 Main St Oklahoma City OK 73102", "1 Main St", "Oklahoma City", "OK"),
        ("Jane Roe\n1 Main St\nWashington, District of Columbia 20001", "1 Main St",
         "Washington", "DC"),
        ("Jane Roe\n1 Main St\nIndiana PA 15701", "1 Main St", "Indiana", "PA"),
    ],
)  # fmt: skip
def test_state_codes_and_names_that_are_also_words(text, street1, city, state):
    address = address_of(text)
    assert (address.street1, address.street2, address.city, address.state) == (
        street1,
        None,
        city,
        state,
    )


@pytest.mark.parametrize(
    ("written", "zip_code", "stored"),
    [
        ("St. Louis", "63101", "Saint Louis"),  # an abbreviation takes the ZIP data's spelling
        ("Saint Louis", "63101", "Saint Louis"),
        ("St. Paul", "55102", "Saint Paul"),
        ("Saint Thomas", "00802", "St Thomas"),
        ("Salt Lake City", "84101", "Salt Lake City"),
        ("Winston-Salem", "27101", "Winston-Salem"),  # case and punctuation are the writer's
        ("coeur d'alene", "83814", "coeur d'alene"),
        ("Ft. Lauderdale", "33301", "Ft. Lauderdale"),  # the data has "Ft Lauderdale" too
        ("Fort Lauderdale", "33301", "Fort Lauderdale"),
    ],
)
def test_multi_word_and_abbreviated_cities(written, zip_code, stored):
    state = lookup(zip_code).state
    for text in (
        f"Ann Lee\n1200 Market St\n{written}, {state} {zip_code}",
        f"Ann Lee 1200 Market St {written} {state} {zip_code}",
    ):
        address = address_of(text)
        assert (address.street1, address.city) == ("1200 Market St", stored), text


@pytest.mark.parametrize(
    ("line", "street1", "street2"),
    [
        ("4500 Hwy 101", "4500 Hwy 101", None),
        ("Hwy 101 N Ste. 5", "Hwy 101 N", "Ste. 5"),
        ("123-45 Queens Blvd Fl 2", "123-45 Queens Blvd", "Fl 2"),
        ("500 Main St Bldg C", "500 Main St", "Bldg C"),
        ("500 Main St Unit 3", "500 Main St", "Unit 3"),
        ("RR 2 Box 152", "RR 2 Box 152", None),
        ("PO Box 12345", "PO Box 12345", None),  # a five-digit box is not the ZIP
    ],
)
def test_street_lines_on_one_line_with_the_rest(line, street1, street2):
    address = address_of(f"John Smith {line} Eureka CA 95501 707-555-0100")
    assert (address.name, address.street1, address.street2) == ("John Smith", street1, street2)
    assert (address.city, address.zip, address.phone) == ("Eureka", "95501", "+17075550100")


@pytest.mark.parametrize(
    "text",
    [
        "John Smith | 215 Clayton St | Apt 4 | San Francisco | CA | 94117 | (415) 555-0100",
        "John Smith; 215 Clayton St Apt 4; San Francisco, CA 94117; USA; 415.555.0100",
        "(415) 555-0100 John Smith 215 Clayton St Apt 4 San Francisco CA 94117",
        "John Smith 215 Clayton St Apt 4 Tel: 415-555-0100 San Francisco California 94117 US",
        "John Smith\n+1 415 555 0100\n215 Clayton St\nApt 4\nsan francisco\nca 94117",
    ],
)
def test_layouts_and_a_phone_anywhere(text):
    address = address_of(text)
    assert (address.name, address.street1, address.street2, address.state, address.zip) == (
        "John Smith",
        "215 Clayton St",
        "Apt 4",
        "CA",
        "94117",
    )
    assert address.city.lower() == "san francisco"
    assert address.phone == "+14155550100"


@pytest.mark.parametrize(
    "text",
    [
        "John Smith\n215 Clayton St\nSan Francisco, CA 94117\nJane Doe\n100 Congress Ave\n"
        "Austin, TX 78701",
        "From: John Smith, 215 Clayton St, San Francisco, CA 94117\n"
        "To: Jane Doe, 100 Congress Ave, Austin, TX 78701",
        "John Smith 215 Clayton St San Francisco CA 94117 Jane Doe 100 Congress Ave Austin TX "
        "78701",
    ],
)
def test_two_addresses_in_one_message(text):
    assert rejection(parse_address, text) == ("address", "two_addresses", {})
    assert rejection(parse_partial, text) == ("address", "two_addresses", {})


# --- the partial parse -------------------------------------------------------------------

FULL = "John Smith, Acme Inc, 215 Clayton St, Apt 4, San Francisco, CA 94117, 415-555-0100"
SMITH = Address(
    "John Smith", "215 Clayton St", "San Francisco", "CA", "94117", "Acme Inc", "Apt 4",
    "+14155550100",
)  # fmt: skip


def test_partial_of_a_complete_paste_is_the_address():
    partial = parse_partial(FULL)
    assert partial.complete and partial.problems == () and partial.first_problem() is None
    assert partial.address() == SMITH == parse_address(FULL).address
    assert partial.fields == SMITH.to_dict()


def expect_fields(partial, **changed):
    assert partial.fields == {**SMITH.to_dict(), **changed}


def test_partial_keeps_everything_but_the_missing_field():
    partial = parse_partial(FULL.replace(" 94117", ""))
    assert (partial.missing, partial.invalid, partial.problems) == (("zip",), {}, ("zip",))
    expect_fields(partial, zip=None)
    assert partial.first_problem().params == {"fields": ("zip",)}
    with pytest.raises(ValueError):
        partial.address()


def test_partial_keeps_everything_but_the_bad_field():
    partial = parse_partial(FULL.replace("415-555-0100", "tel: 555-0100"))
    assert partial.missing == () and partial.problems == ("phone",)
    assert (partial.invalid["phone"].field, partial.invalid["phone"].problem) == (
        "phone",
        "format",
    )
    expect_fields(partial, phone=None)


def test_partial_city_not_of_the_zip_names_its_cities():
    partial = parse_partial(FULL.replace("San Francisco", "Oakland"))
    assert partial.problems == ("city",)
    assert partial.invalid["city"].params == {
        "value": "Oakland",
        "zip": "94117",
        "cities": "San Francisco",
    }
    expect_fields(partial, city=None)


def test_partial_zip_of_another_state():
    partial = parse_partial(FULL.replace("CA 94117", "NY 94117"))
    assert partial.problems == ("zip",)
    assert partial.invalid["zip"].problem == "mismatch"
    expect_fields(partial, state="NY", zip=None)  # the city is asked again with a new ZIP


def test_partial_unknown_zip_leaves_the_city_unchecked():
    partial = parse_partial(FULL.replace("94117", "00000"))
    assert partial.problems == ("zip",)
    assert partial.invalid["zip"].problem == "unknown"
    expect_fields(partial, zip=None)


def test_partial_reports_several_problems_in_field_order():
    partial = parse_partial("J, 215 Clayton St, Oakland, CA 94117, tel: 555-0100")
    assert partial.problems == ("name", "city", "phone")
    assert list(partial.invalid) == ["name", "city", "phone"]
    assert partial.fields["street1"] == "215 Clayton St"
    assert partial.first_problem() is partial.invalid["name"]


def test_partial_fills_the_city_from_the_zip():
    partial = parse_partial("John Smith\n215 Clayton St\nCA 94117")
    assert partial.complete and partial.city_from_zip
    assert partial.fields["city"] == "San Francisco"


def test_partial_of_nothing():
    partial = parse_partial("")
    assert partial.missing == ("name", "street1", "city", "state", "zip")
    assert partial.fields == dict.fromkeys(ADDRESS_FIELDS)


def test_parse_address_raises_what_the_partial_names_first():
    for text in (FULL.replace("CA 94117", "NY 94117"), "J, 215 Clayton St, Oakland, CA 94117"):
        with pytest.raises(Rejected) as raised:
            parse_address(text)
        expected = parse_partial(text).first_problem()
        assert (raised.value.field, raised.value.problem, raised.value.params) == (
            expected.field,
            expected.problem,
            expected.params,
        )
