import pytest

from shipbot.domain.phones import clean_phone, display_phone
from tests.unit.domain._support import rejection


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("415-555-0100", "+14155550100"),
        ("(415) 555-0100", "+14155550100"),
        ("415.555.0100", "+14155550100"),
        ("+1 415 555 0100", "+14155550100"),
        ("1 (415) 555-0100", "+14155550100"),
        ("1-415-555-0100", "+14155550100"),
        ("4155550100", "+14155550100"),
        ("+14155550100", "+14155550100"),
        ("  415 555 0100 \n", "+14155550100"),
        ("tel: 415-555-0100", "+14155550100"),
        ("Phone: (212) 736-5000", "+12127365000"),
        ("415-555-0100 ext 23", "+14155550100"),  # the extension is dropped, never its digits
        ("415-555-0100 x23", "+14155550100"),
        ("415-555-0100 ext. 7", "+14155550100"),
        ("(787) 555-0100", "+17875550100"),  # Puerto Rico
        ("340-555-0100", "+13405550100"),  # US Virgin Islands
        ("671-555-0100", "+16715550100"),  # Guam
        ("+1 684 633 1234", "+16846331234"),  # American Samoa
        ("670-555-0100", "+16705550100"),  # Northern Mariana Islands
    ],
)
def test_clean_phone_accepts(text, value):
    assert clean_phone(text) == value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "format"),
        ("555-0100", "format"),  # seven digits: the area code would have to be invented
        ("415-555-010", "format"),
        ("415-555-01000", "format"),
        ("(000) 000-0000", "format"),
        ("1-800-FLOWERS", "format"),  # vanity letters would become invented digits
        ("call me 415 555 0100", "format"),
        ("4" * 4096, "format"),
        ("+1 416 555 0100", "not_us"),  # Toronto: valid, +1, but Canada
        ("+1 876 555 0100", "not_us"),  # Jamaica
        ("+44 20 7946 0958", "not_us"),
        ("+7 495 123-45-67", "not_us"),
    ],
)
def test_clean_phone_rejects(text, problem):
    assert rejection(clean_phone, text) == ("phone", problem, {})


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+14155550100", "+1 415-555-0100"), ("+17875550100", "+1 787-555-0100"), ("", "")],
)
def test_a_stored_number_is_shown_the_way_people_read_it(stored, shown):
    assert display_phone(stored) == shown
