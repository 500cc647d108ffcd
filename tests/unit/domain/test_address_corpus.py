"""Realistic pasted addresses, each with the full address the parser must produce.

Every ZIP here is real and belongs to the state written next to it (checked against the
offline ZIP data). Phones use the 555-01xx range reserved for fiction where possible.
"""

import pytest

from shipbot.domain.address import ADDRESS_FIELDS, Address
from shipbot.domain.address_parsing import looks_like_full_address, parse_address
from tests.unit.domain._support import rejection


def A(name, street1, city, state, zip, *, company=None, street2=None, phone=None):
    return Address(name, street1, city, state, zip, company, street2, phone)


SF = ("San Francisco", "CA", "94117")

# (pasted text, expected address, transliterated, city_from_zip)
CORPUS = [
    pytest.param(
        "John Smith, 215 Clayton St Apt 4, San Francisco, CA 94117, 415-555-0100",
        A("John Smith", "215 Clayton St", *SF, street2="Apt 4", phone="+14155550100"),
        False, False, id="spec-example-comma-unit-in-line1-phone-last",
    ),
    pytest.param(
        "John Smith\n215 Clayton St\nApt 4\nSan Francisco, CA 94117\nUSA\n(415) 555-0100",
        A("John Smith", "215 Clayton St", *SF, street2="Apt 4", phone="+14155550100"),
        False, False, id="multiline-separate-unit-usa-phone-last",
    ),
    pytest.param(
        "Jane Doe\nAcme Widgets Inc\n500 W Madison St Suite 1200\nChicago, IL 60661\n"
        "(312) 555-0147",
        A("Jane Doe", "500 W Madison St", "Chicago", "IL", "60661",
          company="Acme Widgets Inc", street2="Suite 1200", phone="+13125550147"),
        False, False, id="company-suite-in-line1",
    ),
    pytest.param(
        "Robert Brown\nPO Box 1234\nAustin, TX 78767",
        A("Robert Brown", "PO Box 1234", "Austin", "TX", "78767"),
        False, False, id="po-box",
    ),
    pytest.param(
        "Alice Nguyen, P.O. Box 55, Juneau, AK 99802-0055",
        A("Alice Nguyen", "P.O. Box 55", "Juneau", "AK", "99802-0055"),
        False, False, id="po-box-dotted-zip4",
    ),
    pytest.param(
        "The White House, 1600 Pennsylvania Ave NW, Washington, DC 20500",
        A("The White House", "1600 Pennsylvania Ave NW", "Washington", "DC", "20500"),
        False, False, id="dc",
    ),
    pytest.param(
        "Ana Gomez, 1100 4th St SW, Apt 605, Washington, D.C. 20024, USA",
        A("Ana Gomez", "1100 4th St SW", "Washington", "DC", "20024", street2="Apt 605"),
        False, False, id="dc-dotted-usa",
    ),
    pytest.param(
        "Maria Rivera\nUrb Las Gladiolas\n150 Calle A\nSan Juan PR 00926",
        A("Maria Rivera", "150 Calle A", "San Juan", "PR", "00926",
          street2="Urb Las Gladiolas"),
        False, False, id="pr-urbanization",
    ),
    pytest.param(
        "Luis Ortiz, 1250 Ave Ponce de Leon, San Juan, PR 00907, +1 787 555 0123",
        A("Luis Ortiz", "1250 Ave Ponce de Leon", "San Juan", "PR", "00907",
          phone="+17875550123"),
        False, False, id="pr-phone",
    ),
    pytest.param(
        "SGT John Smith\nPSC 1234, Box 5678\nAPO AE 09021",
        A("SGT John Smith", "PSC 1234 Box 5678", "APO", "AE", "09021"),
        False, False, id="military-ae-psc-box",
    ),
    pytest.param(
        "Lt Anna Lee\nUnit 2050 Box 4190\nAPO AP 96278-2050",
        A("Lt Anna Lee", "Unit 2050 Box 4190", "APO", "AP", "96278-2050"),
        False, False, id="military-ap-unit-box-zip4",
    ),
    pytest.param(
        "PO1 Mark Davis\nUnit 100100 Box 2\nFPO AA 34090",
        A("PO1 Mark Davis", "Unit 100100 Box 2", "FPO", "AA", "34090"),
        False, False, id="military-aa-fpo",
    ),
    pytest.param(
        "Emily Clark, 350 5th Ave Fl 34, New York, New York 10118-0110",
        A("Emily Clark", "350 5th Ave", "New York", "NY", "10118-0110", street2="Fl 34"),
        False, False, id="full-state-name-same-as-city-zip4",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, San Francisco, CA, 94117",
        A("John Smith", "215 Clayton St", *SF),
        False, False, id="comma-between-state-and-zip",
    ),
    pytest.param(
        "john smith\n215 clayton st #4\nsan francisco ca 94117-1234\nunited states",
        A("john smith", "215 clayton st", "san francisco", "CA", "94117-1234", street2="#4"),
        False, False, id="lowercase-hash-unit-united-states",
    ),
    pytest.param(
        "JOHN SMITH\n215 CLAYTON ST\nSAN FRANCISCO CA 94117\nPH 415.555.0100",
        A("JOHN SMITH", "215 CLAYTON ST", "SAN FRANCISCO", "CA", "94117",
          phone="+14155550100"),
        False, False, id="uppercase-ph-prefix",
    ),
    pytest.param(
        "tel: +1 (206) 555-0188\nMike Chen\n88 Pine St, Apt 4B\nSeattle, WA 98101",
        A("Mike Chen", "88 Pine St", "Seattle", "WA", "98101", street2="Apt 4B",
          phone="+12065550188"),
        False, False, id="phone-first-with-tel",
    ),
    pytest.param(
        "Mike Chen, 88 Pine St, Apt 4B, Seattle, WA 98101 US\nPhone: 206.555.0188",
        A("Mike Chen", "88 Pine St", "Seattle", "WA", "98101", street2="Apt 4B",
          phone="+12065550188"),
        False, False, id="us-after-zip-phone-label-line",
    ),
    pytest.param(
        "Иван Петров, 215 Clayton St, San Francisco, CA 94117",
        A("Ivan Petrov", "215 Clayton St", *SF),
        True, False, id="cyrillic-name",
    ),
    pytest.param(
        "Ольга Щукина\n1200 Main St\nDallas, Texas 75202\n+1 214 555 0199",
        A("Olga Shchukina", "1200 Main St", "Dallas", "TX", "75202", phone="+12145550199"),
        True, False, id="cyrillic-name-full-state",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, Сан-Франциско, CA 94117",
        A("John Smith", "215 Clayton St", *SF),  # the ZIP's city closest to the transliteration
        True, False, id="cyrillic-city",
    ),
    pytest.param(
        "José Müller, 1 Federal St, Springfield, MA 01103",
        A("Jose Muller", "1 Federal St", "Springfield", "MA", "01103"),
        True, False, id="diacritics",
    ),
    pytest.param(
        "Tom Lee\n742 Evergreen Terrace #3\nSpringfield, OR 97477",
        A("Tom Lee", "742 Evergreen Terrace", "Springfield", "OR", "97477", street2="#3"),
        False, False, id="hash-unit-in-line1",
    ),
    pytest.param(
        "Bill Jones\nRR 2 Box 152\nHartford, SD 57033",
        A("Bill Jones", "RR 2 Box 152", "Hartford", "SD", "57033"),
        False, False, id="rural-route",
    ),
    pytest.param(
        "Sam Hill\nGeneral Delivery\nJuneau, AK 99801",
        A("Sam Hill", "General Delivery", "Juneau", "AK", "99801"),
        False, False, id="general-delivery",
    ),
    pytest.param(
        "Kai Kahale\n2255 Kalakaua Ave\nHonolulu HI 96815",
        A("Kai Kahale", "2255 Kalakaua Ave", "Honolulu", "HI", "96815"),
        False, False, id="hawaii-no-comma",
    ),
    pytest.param(
        "Maria Cruz, 123 Marine Corps Dr, Hagatna, GU 96910",
        A("Maria Cruz", "123 Marine Corps Dr", "Hagatna", "GU", "96910"),
        False, False, id="guam",
    ),
    pytest.param(
        "Ann Jacobs\n5 Norre Gade\nCharlotte Amalie VI 00802",
        A("Ann Jacobs", "5 Norre Gade", "Charlotte Amalie", "VI", "00802"),
        False, False, id="virgin-islands-acceptable-city",
    ),
    pytest.param(
        "Leilani Fa'amoe, 1 Main Rd, Pago Pago, AS 96799",
        A("Leilani Fa'amoe", "1 Main Rd", "Pago Pago", "AS", "96799"),
        False, False, id="american-samoa",
    ),
    pytest.param(
        "Rosa Santos\nPO Box 10001\nSaipan MP 96950",
        A("Rosa Santos", "PO Box 10001", "Saipan", "MP", "96950"),
        False, False, id="northern-marianas-po-box",
    ),
    pytest.param(
        "Acme Inc\nJohn Smith\n500 Main Street Suite 200\nSpringfield IL 62701",
        A("John Smith", "500 Main Street", "Springfield", "IL", "62701", company="Acme Inc",
          street2="Suite 200"),
        False, False, id="company-before-name",
    ),
    pytest.param(
        "Globex Corporation\nAttn: Hank Scorpio\n1200 Main St\nDallas, TX 75202",
        A("Hank Scorpio", "1200 Main St", "Dallas", "TX", "75202",
          company="Globex Corporation"),
        False, False, id="company-with-attn",
    ),
    pytest.param(
        "Dana White\nSmith & Wesson Store\n1 Federal St\nSpringfield, ma 01103-1234",
        A("Dana White", "1 Federal St", "Springfield", "MA", "01103-1234",
          company="Smith & Wesson Store"),
        False, False, id="company-ampersand-lowercase-state",
    ),
    pytest.param(
        "John Smith, Acme, Inc., 500 Main St, Springfield, Illinois 62701-1234",
        A("John Smith", "500 Main St", "Springfield", "IL", "62701-1234",
          company="Acme, Inc."),
        False, False, id="company-with-comma-inc",
    ),
    pytest.param(
        "\n\n   John    Smith   \n\n 215   Clayton St  \n\n\n   San Francisco ,  CA   94117   \n",
        A("John Smith", "215 Clayton St", *SF),
        False, False, id="extra-whitespace-blank-lines",
    ),
    pytest.param(
        "Jane Doe\njane.doe@example.com\n100 Congress Ave\nAustin TX 78701",
        A("Jane Doe", "100 Congress Ave", "Austin", "TX", "78701"),
        False, False, id="email-line-ignored",
    ),
    pytest.param(
        "John Smith, 215 Clayton St San Francisco CA 94117",
        A("John Smith", "215 Clayton St", *SF),
        False, False, id="street-and-city-run-together",
    ),
    pytest.param(
        "John Smith 215 Clayton St San Francisco CA 94117\n",
        A("John Smith", "215 Clayton St", *SF),
        False, False, id="everything-on-one-line",
    ),
    pytest.param(
        "Jane Doe, 100 Congress Ave, Austin, TX 78701, ph 512.555.0199 ext 12",
        A("Jane Doe", "100 Congress Ave", "Austin", "TX", "78701", phone="+15125550199"),
        False, False, id="phone-extension-dropped",
    ),
    pytest.param(
        "Name: Jane Doe\nAddress: 100 Congress Ave\nCity: Austin\nState: TX\nZip: 78701\n"
        "Phone: 512-555-0199",
        A("Jane Doe", "100 Congress Ave", "Austin", "TX", "78701", phone="+15125550199"),
        False, False, id="labelled-form",
    ),
    pytest.param(
        "John Smith, Jr., 233 S Wacker Dr, Suite 3100, Chicago, IL 60606",
        A("John Smith, Jr.", "233 S Wacker Dr", "Chicago", "IL", "60606",
          street2="Suite 3100"),
        False, False, id="name-suffix-separate-suite",
    ),
    pytest.param(
        "Sarah Kim\n200 N Spring St\nLos Angeles, Calif. 90012",
        A("Sarah Kim", "200 N Spring St", "Los Angeles", "CA", "90012"),
        False, False, id="ap-style-state",
    ),
    pytest.param(
        "Jane Doe\n100 Congress Ave\nTX 78701",
        A("Jane Doe", "100 Congress Ave", "Austin", "TX", "78701"),
        False, True, id="city-filled-from-zip",
    ),
    pytest.param(
        "Peter Parker, 20 Ingram St, Kansas City Missouri 64105",
        A("Peter Parker", "20 Ingram St", "Kansas City", "MO", "64105"),
        False, False, id="full-state-no-comma",
    ),
    pytest.param(
        "Chris Moore\n1900 Kanawha Blvd E\nCharleston, West Virginia 25301",
        A("Chris Moore", "1900 Kanawha Blvd E", "Charleston", "WV", "25301"),
        False, False, id="two-word-state-containing-another",
    ),
    pytest.param(
        "Zoë Ångström, 100 Main St Ste 5, Boston, Massachusetts 02116, (617) 555-0142",
        A("Zoe Angstrom", "100 Main St", "Boston", "MA", "02116", street2="Ste 5",
          phone="+16175550142"),
        True, False, id="diacritics-suite-full-state-phone",
    ),
    pytest.param(
        "Jane Doe\n100 Congress Ave\nAustin\nTX\n78701",
        A("Jane Doe", "100 Congress Ave", "Austin", "TX", "78701"),
        False, False, id="one-part-per-line",
    ),
    pytest.param(
        "Raj Patel, 123-45 Queens Blvd, Forest Hills, NY 11375",
        A("Raj Patel", "123-45 Queens Blvd", "Forest Hills", "NY", "11375"),
        False, False, id="queens-hyphenated-number",
    ),
    pytest.param(
        "Jane Doe, N6W23001 Bluemound Rd, Waukesha, WI 53188",
        A("Jane Doe", "N6W23001 Bluemound Rd", "Waukesha", "WI", "53188"),
        False, False, id="wisconsin-grid-number",
    ),
    pytest.param(
        "Jane Roe\nEmpire State Building\n350 Fifth Avenue\nNew York NY 10118",
        A("Jane Roe", "350 Fifth Avenue", "New York", "NY", "10118",
          company="Empire State Building"),
        False, False, id="building-name-as-company",
    ),
    pytest.param(
        "John Smith\n215 Clayton Street, Apartment 4\nSan Francisco, California 94117",
        A("John Smith", "215 Clayton Street", *SF, street2="Apartment 4"),
        False, False, id="unit-after-comma-on-street-line",
    ),
    pytest.param(
        "Mary Major\n1 Main St\nMoab, UT 84532\nmobile: 435-555-0111",
        A("Mary Major", "1 Main St", "Moab", "UT", "84532", phone="+14355550111"),
        False, False, id="mobile-label",
    ),
    pytest.param(
        "Ship to\nJohn Smith\n215 Clayton St\nSan Francisco, CA 94117-1234\nUnited States",
        A("John Smith", "215 Clayton St", "San Francisco", "CA", "94117-1234"),
        False, False, id="marketplace-ship-to-heading",
    ),
    pytest.param(
        "Shipping address:\nJOHN SMITH\n215 CLAYTON ST APT 4\nSAN FRANCISCO, CA 94117-1234\n"
        "United States\nPhone: 4155550100",
        A("JOHN SMITH", "215 CLAYTON ST", "SAN FRANCISCO", "CA", "94117-1234",
          street2="APT 4", phone="+14155550100"),
        False, False, id="marketplace-export-uppercase",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected", "transliterated", "city_from_zip"), CORPUS)
def test_corpus(text, expected, transliterated, city_from_zip):
    assert looks_like_full_address(text)  # one-line pastes too: a street number, state, ZIP
    parsed = parse_address(text)
    for field in ADDRESS_FIELDS:
        assert getattr(parsed.address, field) == getattr(expected, field), field
    assert parsed.transliterated is transliterated
    assert parsed.city_from_zip is city_from_zip


def test_corpus_is_big_and_varied():
    addresses = [p.values[1] for p in CORPUS]
    assert len(addresses) >= 35
    states = {a.state for a in addresses}
    assert {"DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP"} <= states


REJECTED = [
    pytest.param(
        "John Smith, 215 Clayton St, San Francisco, CA",
        ("address", "missing", {"fields": ("zip",)}), id="missing-zip",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, New York, NY 94117",
        ("zip", "mismatch", {"zip": "94117", "state": "NY", "actual": "CA"}),
        id="zip-in-wrong-state",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, San Francisco, CA 00000",
        ("zip", "unknown", {"zip": "00000"}), id="unknown-zip",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, CA 00000",
        ("zip", "unknown", {"zip": "00000"}), id="unknown-zip-no-city",
    ),
    pytest.param(
        "John Smith, Clayton St, San Francisco, CA 94117",
        ("street1", "needs_number", {}), id="no-street-number",
    ),
    pytest.param(
        "215 Clayton St, San Francisco, CA 94117",
        ("address", "missing", {"fields": ("name",)}), id="no-name",
    ),
    pytest.param(
        "San Francisco, CA 94117\n",
        ("address", "missing", {"fields": ("name", "street1")}), id="only-city-line",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, San Francisco 94117",
        ("address", "missing", {"fields": ("state",)}), id="no-state",
    ),
    pytest.param(
        "John Smith, Apt 4, San Francisco, CA 94117",
        ("address", "missing", {"fields": ("street1",)}), id="unit-but-no-street",
    ),
    pytest.param(
        "John Smith, 100 Queen St W, Toronto, ON M5H 2N2",
        ("address", "missing", {"fields": ("city", "state", "zip")}), id="canadian",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, San Francisco, CA 94117, tel: 555-0100",
        ("phone", "format", {}), id="phone-without-area-code",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, San Francisco, CA 94117, +44 20 7946 0958",
        ("phone", "not_us", {}), id="uk-phone",
    ),
    pytest.param(
        "😀😀, 215 Clayton St, San Francisco, CA 94117",
        ("name", "characters", {"chars": "😀"}), id="emoji-name",
    ),
    pytest.param(
        "<b>John</b>, 215 Clayton St, San Francisco, CA 94117",
        ("name", "characters", {"chars": "<>"}), id="html-name",
    ),
    pytest.param(
        "John Smith, 21500 Clayton Street Northwest Building Seven Apt 4, San Francisco, CA 94117",
        ("street1", "length", {"min": 3, "max": 35}), id="street-too-long-even-without-unit",
    ),
    pytest.param(
        "John Smith, 215 Clayton Ct, 94117",
        ("address", "missing", {"fields": ("state",)}), id="court-is-not-connecticut",
    ),
    pytest.param(
        ("John Smith, 215 Clayton St, San Francisco, CA 94117\n" * 80)[:4096],
        ("address", "two_addresses", {}), id="4096-chars",
    ),
    pytest.param(
        "John Smith\n215 Clayton St\nSan Francisco, CA 94117\n\n"
        "Jane Doe\n100 Congress Ave\nAustin, TX 78701",
        ("address", "two_addresses", {}), id="sender-and-recipient-in-one-message",
    ),
    pytest.param(
        "John Smith, 215 Clayton St, SF, CA 94117",
        ("city", "not_in_zip", {"value": "SF", "zip": "94117", "cities": "San Francisco"}),
        id="city-not-of-the-zip",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), REJECTED)
def test_rejected_pastes(text, expected):
    assert rejection(parse_address, text) == expected
