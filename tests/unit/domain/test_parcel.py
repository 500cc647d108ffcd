from decimal import Decimal

import pytest

from shipbot.domain.parcel import (
    MAX_OUNCES,
    MIN_OUNCES,
    PRESETS,
    Dimensions,
    clean_dimensions,
    clean_weight,
    describe_weight,
)
from tests.unit.domain._support import rejection

D = Decimal

# --- weight ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ounces"),
    [
        ("2", "32.00"),  # a bare number means pounds
        ("2.5", "40.00"),
        ("2,5", "40.00"),  # comma decimal
        (".5", "8.00"),
        ("2 lb", "32.00"),
        ("2lb", "32.00"),
        ("2lbs", "32.00"),
        ("2 lbs.", "32.00"),
        ("2 LB", "32.00"),
        ("2 pound", "32.00"),
        ("2 pounds", "32.00"),
        ("2#", "32.00"),
        ("32 oz", "32.00"),
        ("32oz", "32.00"),
        ("32 ounces", "32.00"),
        ("2 lb 4 oz", "36.00"),
        ("2lb4oz", "36.00"),
        ("2 lbs 4.5 oz", "36.50"),
        ("2 lb 0 oz", "32.00"),
        ("0 lb 8 oz", "8.00"),
        ("1.2 kg", "42.33"),  # 42.3288 rounded up
        ("0.5 kg", "17.64"),  # 17.6370 rounded up
        ("0,5 kg", "17.64"),
        ("500 g", "17.64"),
        ("500g", "17.64"),
        ("1 kg 200 g", "42.33"),
        ("2 кг", "70.55"),
        ("1 oz", "1.00"),  # the minimum
        ("150", "2400.00"),  # the maximum
        ("150 lb", "2400.00"),
        ("2400 oz", "2400.00"),
        ("  3 \n lb ", "48.00"),
        ("1.001 oz", "1.01"),  # rounded up, never down
    ],
)
def test_clean_weight_accepts(text, ounces):
    assert clean_weight(text) == D(ounces)


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("   ", "empty", {}),
        ("abc", "format", {}),
        ("two pounds", "format", {}),
        ("2 stone", "format", {}),
        ("2 lb 4", "format", {}),
        ("4 oz 2 lb", "format", {}),  # pounds come first
        ("2 lb 3 lb", "format", {}),
        ("1.2.3", "format", {}),
        ("2 lbx", "format", {}),
        ("2x3", "format", {}),
        ("9" * 4096, "format", {}),
        ("0", "too_light", {"minimum": "1 oz"}),
        ("0 lb 0 oz", "too_light", {"minimum": "1 oz"}),
        ("0.5 oz", "too_light", {"minimum": "1 oz"}),
        ("28 g", "too_light", {"minimum": "1 oz"}),  # 0.988 oz
        ("-2", "too_light", {"minimum": "1 oz"}),
        ("-2 lb", "too_light", {"minimum": "1 oz"}),
        ("150.01", "too_heavy", {"maximum": "150 lb"}),
        ("2401 oz", "too_heavy", {"maximum": "150 lb"}),
        ("70 kg", "too_heavy", {"maximum": "150 lb"}),
        ("99999999999999999999 lb", "too_heavy", {"maximum": "150 lb"}),
    ],
)
def test_clean_weight_rejects(text, problem, params):
    assert rejection(clean_weight, text) == ("weight", problem, params)


def test_weight_limits():
    assert MIN_OUNCES == 1
    assert MAX_OUNCES == 150 * 16


@pytest.mark.parametrize(
    ("ounces", "text"),
    [
        ("36", "2 lb 4 oz"),
        ("12", "12 oz"),
        ("32", "2 lb"),
        ("32.00", "2 lb"),
        ("16.5", "1 lb 0.5 oz"),
        ("17.64", "1 lb 1.64 oz"),
        ("1", "1 oz"),
        ("0.25", "0.25 oz"),
        ("2400", "150 lb"),
        ("160.10", "10 lb 0.1 oz"),
    ],
)
def test_describe_weight(ounces, text):
    assert describe_weight(D(ounces)) == text


# --- dimensions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        ("12x10x8", ("12", "10", "8")),
        ("12 x 10 x 8", ("12", "10", "8")),
        ("12X10X8", ("12", "10", "8")),
        ("12*10*8", ("12", "10", "8")),
        ("12×10×8", ("12", "10", "8")),
        ("12х10х8", ("12", "10", "8")),  # Cyrillic х from a Russian keyboard
        ("12 by 10 by 8", ("12", "10", "8")),
        ("12x10x8 in", ("12", "10", "8")),
        ("12x10x8 inches", ("12", "10", "8")),
        ('12" x 10" x 8"', ("12", "10", "8")),
        ("12 in x 10 in x 8 in", ("12", "10", "8")),
        ("8x10x12", ("12", "10", "8")),  # sorted: length >= width >= height
        ("12,5x9,5x1", ("12.5", "9.5", "1")),
        ("12.5 x 9.5 x 1", ("12.5", "9.5", "1")),
        ("30x20x10 cm", ("11.82", "7.88", "3.94")),  # 11.811 rounded up
        ("30 x 20 x 10cm", ("11.82", "7.88", "3.94")),
        ("30х20х10 см", ("11.82", "7.88", "3.94")),
        ("300x200x100 mm", ("11.82", "7.88", "3.94")),
        ("1x1x1", ("1", "1", "1")),
        ("108x1x1", ("108", "1", "1")),  # the longest side allowed
        ("105x15x15", ("105", "15", "15")),  # length + girth = 165, the maximum
        ("100x16.25x16", ("100", "16.25", "16")),  # 164.5
        ("12.001x10x8", ("12.01", "10", "8")),
    ],
)
def test_clean_dimensions_accepts(text, sides):
    dims = clean_dimensions(text)
    assert (dims.length, dims.width, dims.height) == tuple(D(s) for s in sides)


@pytest.mark.parametrize(
    ("text", "problem", "params"),
    [
        ("", "empty", {}),
        ("  ", "empty", {}),
        ("12x10", "format", {}),
        ("12x10x8x4", "format", {}),
        ("twelve by ten", "format", {}),
        ("12x10x8 ft", "format", {}),
        ("12 in x 30 cm x 8", "format", {}),  # mixed units
        ("-12x10x8", "format", {}),
        ("1" * 4096, "format", {}),
        ("0x10x8", "side_short", {"minimum": "1 in"}),
        ("12x10x0.5", "side_short", {"minimum": "1 in"}),
        ("2x2x2 cm", "side_short", {"minimum": "1 in"}),
        ("109x1x1", "side_long", {"maximum": "108 in"}),
        ("108.01x1x1", "side_long", {"maximum": "108 in"}),
        ("300x10x10 cm", "side_long", {"maximum": "108 in"}),
        ("99999999999999999999x1x1", "side_long", {"maximum": "108 in"}),
        ("105x15.5x15", "girth", {"total": "166 in", "maximum": "165 in"}),
        ("108x20x20", "girth", {"total": "188 in", "maximum": "165 in"}),
        ("100x16.5x16.01", "girth", {"total": "165.02 in", "maximum": "165 in"}),
    ],
)
def test_clean_dimensions_rejects(text, problem, params):
    assert rejection(clean_dimensions, text) == ("dimensions", problem, params)


def test_dimensions_properties_and_describe():
    dims = Dimensions(D("8"), D("12"), D("10"))
    assert (dims.length, dims.width, dims.height) == (D(12), D(10), D(8))
    assert dims.girth == D(36)
    assert dims.length_plus_girth == D(48)
    assert dims.describe() == "12 × 10 × 8 in"
    assert clean_dimensions("12.50x9.50x1").describe() == "12.5 × 9.5 × 1 in"
    assert clean_dimensions("30x20x10 cm").describe() == "11.82 × 7.88 × 3.94 in"


def test_presets():
    assert {name: p.describe() for name, p in PRESETS.items()} == {
        "envelope": "12.5 × 9.5 × 1 in",
        "small": "8 × 6 × 4 in",
        "medium": "12 × 10 × 8 in",
        "large": "18 × 14 × 12 in",
    }
    for preset in PRESETS.values():
        assert clean_dimensions(preset.describe().replace(" in", "")) == preset
