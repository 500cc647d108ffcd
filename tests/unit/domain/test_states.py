import pytest

from shipbot.domain.states import STATES, clean_state, state_code
from tests.unit.domain._support import rejection


def test_state_list_is_the_spec_list():
    territories = {"DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP"}
    assert len(STATES) == 50 + len(territories)
    assert territories <= STATES.keys()
    assert STATES["AE"] == "Armed Forces Europe"
    assert STATES["AA"] == "Armed Forces Americas"
    assert STATES["AP"] == "Armed Forces Pacific"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CA", "CA"),
        ("ca", "CA"),
        ("Ca.", "CA"),
        (" ny ", "NY"),
        ("N.Y.", "NY"),
        ("california", "CA"),
        ("CALIFORNIA", "CA"),
        ("New  York", "NY"),
        ("new\nyork", "NY"),
        ("West Virginia", "WV"),
        ("W. Va.", "WV"),
        ("district of columbia", "DC"),
        ("D.C.", "DC"),
        ("Washington DC", "DC"),
        ("Washington, D.C.", "DC"),
        ("Washington", "WA"),
        ("Puerto Rico", "PR"),
        ("U.S. Virgin Islands", "VI"),
        ("Guam", "GU"),
        ("American Samoa", "AS"),
        ("Northern Mariana Islands", "MP"),
        ("Armed Forces Europe", "AE"),
        ("armed forces pacific", "AP"),
        ("Armed Forces Americas", "AA"),
        ("Calif.", "CA"),
        ("Mass.", "MA"),
        ("Tex", "TX"),
    ],
)
def test_clean_state_accepts(text, code):
    assert clean_state(text) == code


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ZZ", "ZZ"),
        ("Ontario", "Ontario"),
        ("FM", "FM"),  # Micronesia: a USPS code, but not on our list
        ("Калифорния", "Калифорния"),
        ("  Cali fornia  ", "Cali fornia"),
        ("x" * 4096, "x" * 40),
    ],
)
def test_clean_state_rejects_unknown(text, value):
    assert rejection(clean_state, text) == ("state", "unknown", {"value": value})


def test_in_a_paste_washington_dc_leaves_washington_to_the_city():
    assert state_code("Washington DC", in_paste=True) is None
    assert state_code("DC", in_paste=True) == "DC"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_clean_state_rejects_empty(text):
    assert rejection(clean_state, text) == ("state", "empty", {})
