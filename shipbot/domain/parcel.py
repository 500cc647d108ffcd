"""Parcel weight and size as people type them, normalised to ounces and inches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from shipbot.domain.errors import Rejected
from shipbot.domain.text_fields import squash

MIN_OUNCES = Decimal("1")
MAX_OUNCES = Decimal("2400")  # 150 lb
MIN_SIDE = Decimal("1")
MAX_SIDE = Decimal("108")
MAX_LENGTH_PLUS_GIRTH = Decimal("165")

_CENT = Decimal("0.01")
_OUNCES_PER = {  # exact: 1 lb = 16 oz, 1 oz = 28.349523125 g
    "lb": Decimal(16),
    "oz": Decimal(1),
    "kg": Decimal(1000) / Decimal("28.349523125"),
    "g": Decimal(1) / Decimal("28.349523125"),
}
_INCHES_PER = {
    "in": Decimal(1),
    "cm": Decimal(1) / Decimal("2.54"),
    "mm": Decimal("0.1") / Decimal("2.54"),
}
_WEIGHT_UNITS = {
    "lb": "lb|lbs|pounds?|#|фунт(?:а|ов)?",
    "oz": "oz|ozs|ounces?|унци(?:я|и|й)",
    "kg": "kg|kgs|kilos?|kilograms?|кг",
    "g": "g|gr|grams?|г|гр",
}
_LENGTH_UNITS = {"in": 'in|inch|inches|"|дюйм(?:а|ов)?', "cm": "cm|см", "mm": "mm|мм"}
_NUM = r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+"
_WEIGHT_UNIT = "|".join(f"(?P<{unit}>{pattern})" for unit, pattern in _WEIGHT_UNITS.items())
# One "<number> [unit]" term; the look-ahead stops "2 lbx" from reading as "2 lb".
_WEIGHT_TERM = re.compile(rf"\s*({_NUM})\s*(?:(?:{_WEIGHT_UNIT})\.?)?(?![a-zа-я])", re.IGNORECASE)


def _unit_of(match: re.Match[str], units: dict[str, str]) -> str | None:
    return next((u for u in units if match.group(u)), None)


def _num(value: Decimal) -> str:
    """12.50 -> "12.5", 8.00 -> "8": at most two decimals, no trailing zeros."""
    text = f"{value.quantize(_CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _ceil_cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_CEILING)


def clean_weight(text: str) -> Decimal:
    """Ounces, rounded up to the cent-ounce. A bare number means pounds."""
    value = squash(text).lower().replace(",", ".")
    if not value:
        raise Rejected("weight", "empty")
    negative = value.startswith("-")
    terms, pos = [], 1 if negative else 0
    while pos < len(value) and len(value) <= 64:
        match = _WEIGHT_TERM.match(value, pos)
        if match is None or match.end() == pos:
            raise Rejected("weight", "format")
        terms.append((Decimal(match.group(1)), _unit_of(match, _WEIGHT_UNITS)))
        pos = match.end()
    units = [unit for _, unit in terms]
    if units == [None]:
        units = ["lb"]
    # One term, or the two-part "2 lb 4 oz" / "1 kg 200 g"; nothing else makes sense.
    if not ((len(units) == 1 and units[0]) or units in (["lb", "oz"], ["kg", "g"])):
        raise Rejected("weight", "format")
    ounces = sum((n * _OUNCES_PER[u] for (n, _), u in zip(terms, units, strict=True)), Decimal(0))
    if negative or ounces < MIN_OUNCES:
        raise Rejected("weight", "too_light", minimum="1 oz")
    if ounces > MAX_OUNCES:
        raise Rejected("weight", "too_heavy", maximum="150 lb")
    return _ceil_cents(ounces)


def describe_weight(ounces: Decimal) -> str:
    """36 -> "2 lb 4 oz", 12 -> "12 oz", 32 -> "2 lb", 16.5 -> "1 lb 0.5 oz"."""
    pounds, rest = divmod(Decimal(ounces), 16)
    if not pounds:
        return f"{_num(rest)} oz"
    if not rest.quantize(_CENT):
        return f"{_num(pounds)} lb"
    return f"{_num(pounds)} lb {_num(rest)} oz"


@dataclass(frozen=True)
class Dimensions:
    length: Decimal  # inches; length >= width >= height, whatever order they were given in
    width: Decimal
    height: Decimal

    def __post_init__(self) -> None:
        sides = sorted(Decimal(str(s)) for s in (self.length, self.width, self.height))
        for name, side in zip(("height", "width", "length"), sides, strict=True):
            object.__setattr__(self, name, side)

    @property
    def girth(self) -> Decimal:
        return 2 * (self.width + self.height)

    @property
    def length_plus_girth(self) -> Decimal:
        return self.length + self.girth

    def describe(self) -> str:
        return f"{_num(self.length)} × {_num(self.width)} × {_num(self.height)} in"


PRESETS: dict[str, Dimensions] = {
    "envelope": Dimensions(Decimal("12.5"), Decimal("9.5"), Decimal("1")),
    "small": Dimensions(Decimal("8"), Decimal("6"), Decimal("4")),
    "medium": Dimensions(Decimal("12"), Decimal("10"), Decimal("8")),
    "large": Dimensions(Decimal("18"), Decimal("14"), Decimal("12")),
}

_UNIT = "|".join(f"(?P<{u}{{i}}>{p})" for u, p in _LENGTH_UNITS.items())
_SIDE = rf"(?P<n{{i}}>{_NUM})\s*(?:{_UNIT}\.?)?"
_SEP = r"\s*(?:[x×*хХ]|by)\s*"  # Latin x, the multiplication sign, Cyrillic х
_DIMENSIONS = re.compile(
    _SIDE.format(i=1) + _SEP + _SIDE.format(i=2) + _SEP + _SIDE.format(i=3)
    + rf"\s*(?:{_UNIT.format(i=4)}\.?)?",
    re.IGNORECASE,
)  # fmt: skip


def clean_dimensions(text: str) -> Dimensions:
    """Read "12x10x8", "12 x 10 x 8 in", "30x20x10 cm", "12,5×10×8": inches, rounded up."""
    value = squash(text).lower().replace(",", ".")
    if not value:
        raise Rejected("dimensions", "empty")
    match = _DIMENSIONS.fullmatch(value) if len(value) <= 64 else None
    if match is None:
        raise Rejected("dimensions", "format")
    found = {u for u in _LENGTH_UNITS for i in range(1, 5) if match.group(f"{u}{i}")}
    if len(found) > 1:  # "12 in x 30 cm x 8": mixed units are a typo, not a conversion job
        raise Rejected("dimensions", "format")
    per_inch = _INCHES_PER[found.pop() if found else "in"]
    sides = [Decimal(match.group(f"n{i}")) * per_inch for i in (1, 2, 3)]
    if min(sides) < MIN_SIDE:
        raise Rejected("dimensions", "side_short", minimum="1 in")
    if max(sides) > MAX_SIDE:
        raise Rejected("dimensions", "side_long", maximum="108 in")
    dims = Dimensions(*(_ceil_cents(s) for s in sides))
    if dims.length_plus_girth > MAX_LENGTH_PLUS_GIRTH:
        raise Rejected(
            "dimensions", "girth", total=f"{_num(dims.length_plus_girth)} in", maximum="165 in"
        )
    return dims
