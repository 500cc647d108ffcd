"""Cyrillic to Latin, readable like a passport (Щукин -> Shchukin), with our own table.

Carriers print labels in ASCII, so Russian/Ukrainian input is converted and shown back to
the user for confirmation instead of being rejected.
"""

from __future__ import annotations

import re

_LOWER = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Ukrainian and Belarusian letters.
    "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
}  # fmt: skip
_TABLE = {**_LOWER, **{k.upper(): v.capitalize() for k, v in _LOWER.items()}}
_CYRILLIC = re.compile("[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]")


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def transliterate(text: str) -> str:
    """Convert Cyrillic letters; everything else passes through unchanged."""
    if not has_cyrillic(text):
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        latin = _TABLE.get(ch)
        if latin is None:
            out.append(ch)
        elif len(latin) > 1 and ch.isupper() and _in_caps_word(text, i):
            out.append(latin.upper())  # "ЩУКИН" -> "SHCHUKIN", not "ShchUKIN"
        else:
            out.append(latin)
    return "".join(out)


def _in_caps_word(text: str, i: int) -> bool:
    """An uppercase letter is part of an all-caps word when its neighbour letter is uppercase."""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if nxt.isalpha():
        return nxt.isupper()
    prev = text[i - 1] if i > 0 else ""
    return prev.isalpha() and prev.isupper()
