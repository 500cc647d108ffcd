import pytest

from shipbot.domain.text_fields import (
    Cleaned,
    clean_city,
    clean_company,
    clean_label,
    clean_name,
    clean_street1,
    clean_street2,
)
from tests.unit.domain._support import rejection

LONG = "A" * 4096

# --- name and company: 2-35 characters, Latin letters, digits, space and . , ' - & / # ------


@pytest.mark.parametrize("clean", [clean_name, clean_company])
@pytest.mark.parametrize(
    ("text", "value", "transliterated"),
    [
        ("John Smith", "John Smith", False),
        ("  John   Smith  ", "John Smith", False),
        ("John\nSmith", "John Smith", False),
        ("John\t\r\nSmith", "John Smith", False),
        ("Jo", "Jo", False),
        ("A" * 35, "A" * 35, False),
        ("O'Brien & Sons, Inc.", "O'Brien & Sons, Inc.", False),
        ("Smith-Jones / Acme #2", "Smith-Jones / Acme #2", False),
        ("O’Brien", "O'Brien", False),  # typographic apostrophe from a phone keyboard
        ("Иван Петров", "Ivan Petrov", True),
        ("Щукин", "Shchukin", True),
        ("ЩУКИНА ОЛЬГА", "SHCHUKINA OLGA", True),
        ("José Müller", "Jose Muller", True),
        ("Zoë Ångström", "Zoe Angstrom", True),
        ("Łukasz Straße", "Lukasz Strasse", True),
        ("François\u00a0Dupont", "Francois Dupont", True),  # non-breaking space is whitespace
        ("John\u200bSmith", "JohnSmith", False),  # zero-width space is dropped
    ],
)
def test_name_and_company_accepted(clean, text, value, transliterated):
    assert clean(text) == Cleaned(value, transliterated)


@pytest.mark.parametrize(("clean", "field"), [(clean_name, "name"), (clean_company, "company")])
@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("   \n\t ", "empty", {}),
        ("J", "length", {"min": 2, "max": 35}),
        (" J ", "length", {"min": 2, "max": 35}),
        ("A" * 36, "length", {"min": 2, "max": 35}),
        (LONG, "length", {"min": 2, "max": 35}),
        ("Щ" * 9, "length", {"min": 2, "max": 35}),  # 9 typed, 36 after transliteration
        ("John 😀 Smith 😀", "characters", {"chars": "😀"}),
        ("<b>John</b>", "characters", {"chars": "<>"}),
        ("John@Smith!", "characters", {"chars": "@!"}),
        ("John_Smith (Jr)", "characters", {"chars": "_()"}),
        ("שלום עולם", "characters", {"chars": "שלוםע"}),  # RTL: distinct, in order
        ("北京 Corp", "characters", {"chars": "北京"}),
    ],
)
def test_name_and_company_rejected(clean, field, text, problem, params):
    assert rejection(clean, text) == (field, problem, params)


def test_name_of_exactly_35_after_transliteration_is_accepted():
    text = "щ" * 8 + "abc"  # 8 * 4 + 3 = 35
    assert clean_name(text) == Cleaned("shch" * 8 + "abc", True)
    assert rejection(clean_name, text + "d") == ("name", "length", {"min": 2, "max": 35})


def test_offending_characters_are_capped_for_display():
    text = "".join(chr(0x1F600 + i) for i in range(20)) + "ab"
    assert rejection(clean_name, text[:30]) == (
        "name",
        "characters",
        {"chars": "".join(chr(0x1F600 + i) for i in range(10))},
    )


# --- street line 1: 3-35 characters, same alphabet, a number unless a box / route ---------


@pytest.mark.parametrize(
    ("text", "value", "transliterated"),
    [
        ("215 Clayton St", "215 Clayton St", False),
        ("215 Clayton St Apt 4", "215 Clayton St Apt 4", False),
        ("215 Clayton St #4", "215 Clayton St #4", False),
        ("1600 Pennsylvania Ave NW", "1600 Pennsylvania Ave NW", False),
        ("  500   Main  Street ", "500 Main Street", False),
        ("1 A", "1 A", False),
        ("PO Box 123", "PO Box 123", False),
        ("P.O. Box 77", "P.O. Box 77", False),
        ("RR 2 Box 152", "RR 2 Box 152", False),
        ("General Delivery", "General Delivery", False),
        ("general delivery", "general delivery", False),
        ("Rural Route Box A", "Rural Route Box A", False),
        ("HC Box B", "HC Box B", False),
        ("PO Box A", "PO Box A", False),
        ("Post Office Box B", "Post Office Box B", False),
        ("ул. Ленина 5", "ul. Lenina 5", True),
        ("12 Calle José Martí", "12 Calle Jose Marti", True),
        ("9 Straße", "9 Strasse", True),
        ("1" * 35, "1" * 35, False),
    ],
)
def test_street1_accepted(text, value, transliterated):
    assert clean_street1(text) == Cleaned(value, transliterated)


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        (" \n ", "empty", {}),
        ("1A", "length", {"min": 3, "max": 35}),
        ("1" * 36, "length", {"min": 3, "max": 35}),
        (LONG, "length", {"min": 3, "max": 35}),
        ("Main Street", "needs_number", {}),
        ("Clayton St Apt", "needs_number", {}),
        ("улица Ленина", "needs_number", {}),
        ("215 Clayton St; Apt 4", "characters", {"chars": ";"}),
        ("215 Clayton St 🏠", "characters", {"chars": "🏠"}),
        ("<script>1</script>", "characters", {"chars": "<>"}),
    ],
)
def test_street1_rejected(text, problem, params):
    assert rejection(clean_street1, text) == ("street1", problem, params)


# --- street line 2: optional, at most 35 ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "transliterated"),
    [
        ("Apt 4", "Apt 4", False),
        ("#4", "#4", False),
        ("4", "4", False),  # a bare unit number is a valid second line
        ("Suite 200, Floor 3", "Suite 200, Floor 3", False),
        ("Unit B", "Unit B", False),
        ("кв. 5", "kv. 5", True),
        ("B" * 35, "B" * 35, False),
    ],
)
def test_street2_accepted(text, value, transliterated):
    assert clean_street2(text) == Cleaned(value, transliterated)


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("   ", "empty", {}),
        ("B" * 36, "length", {"max": 35}),
        (LONG, "length", {"max": 35}),
        ("Apt 4 (rear)", "characters", {"chars": "()"}),
    ],
)
def test_street2_rejected(text, problem, params):
    assert rejection(clean_street2, text) == ("street2", problem, params)


# --- city: 2-30 characters, letters, space, . ' - ----------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "transliterated"),
    [
        ("San Francisco", "San Francisco", False),
        ("  san   francisco ", "san francisco", False),
        ("St. Louis", "St. Louis", False),
        ("O'Fallon", "O'Fallon", False),
        ("Winston-Salem", "Winston-Salem", False),
        ("Ty", "Ty", False),
        ("Z" * 30, "Z" * 30, False),
        ("San José", "San Jose", True),
        ("Mayagüez", "Mayaguez", True),
        ("Сан-Франциско", "San-Frantsisko", True),
        ("Нью Йорк", "Nyu York", True),
    ],
)
def test_city_accepted(text, value, transliterated):
    assert clean_city(text) == Cleaned(value, transliterated)


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("\n\n", "empty", {}),
        ("X", "length", {"min": 2, "max": 30}),
        ("Z" * 31, "length", {"min": 2, "max": 30}),
        (LONG, "length", {"min": 2, "max": 30}),
        ("29 Palms", "characters", {"chars": "29"}),
        ("Salt Lake City, UT", "characters", {"chars": ","}),
        ("New York/Brooklyn", "characters", {"chars": "/"}),
        ("Miami 🌴", "characters", {"chars": "🌴"}),
    ],
)
def test_city_rejected(text, problem, params):
    assert rejection(clean_city, text) == ("city", problem, params)


# --- address-book label: any printable text, 1-30 ----------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Home", "Home"),
        ("  My   warehouse \n", "My warehouse"),
        ("H", "H"),
        ("Склад №2 🏭", "Склад №2 🏭"),
        ("<b>Office</b>", "<b>Office</b>"),  # stored as typed, escaped when rendered
        ("x" * 30, "x" * 30),
        ("Mom\x00's", "Mom's"),  # control characters are invisible noise
    ],
)
def test_label_accepted(text, value):
    assert clean_label(text) == value


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("  \t ", "empty", {}),
        ("x" * 31, "length", {"min": 1, "max": 30}),
        (LONG, "length", {"min": 1, "max": 30}),
    ],
)
def test_label_rejected(text, problem, params):
    assert rejection(clean_label, text) == ("label", problem, params)
