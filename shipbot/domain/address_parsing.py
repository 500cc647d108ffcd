"""Reading a whole address pasted in one message.

People write the parts in a fairly fixed order (name, company, street, unit, city, state,
ZIP) but separate them with newlines, commas, semicolons or pipes as they like, or not at
all, and add phones, e-mails and "USA" anywhere. The parser therefore works on segments
(lines split at those separators): it takes the phone out wherever it is, anchors on the
ZIP, reads the state and the city backwards from it, and assigns what is left in order. The
ZIP's own city names settle where a street ends and the city begins when no separator says
so ("215 Clayton St San Francisco CA 94117"), and its state settles whether "FL" or "Ct"
before it is the state or a floor or a court; usaddress splits the city off when it is not
in the ZIP data, and recognises a street that lacks its number. Every field then goes
through the same cleaner as in field-by-field entry, and the city must be one of the ZIP's,
so a paste is held to exactly the same rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import usaddress

from shipbot.domain.address import ADDRESS_FIELDS, Address
from shipbot.domain.errors import Rejected
from shipbot.domain.phones import clean_phone
from shipbot.domain.states import clean_state, state_code
from shipbot.domain.text_fields import (
    clean_city,
    clean_company,
    clean_name,
    clean_street1,
    clean_street2,
    squash,
)
from shipbot.domain.zip_data import (
    check_city,
    check_zip_state,
    cities_for,
    clean_zip,
    is_city_of_state,
    lookup,
    zip_city,
)

T = TypeVar("T")


@dataclass(frozen=True)
class ParsedAddress:
    address: Address
    transliterated: bool  # any field was transliterated
    city_from_zip: bool  # the city was not written and was filled in from the ZIP


@dataclass(frozen=True)
class PartialAddress:
    """What a paste gives even when some of it is missing or wrong (parse_partial).

    - `fields`: every key of ADDRESS_FIELDS, the value as it would be stored, or None when
      the paste does not have it or it is invalid.
    - `missing`: the required fields the paste does not have, in field order.
    - `invalid`: field -> the Rejected it broke (the bot's rejection_text for it), in the order
      parse_address reports them. A ZIP of another state than the one written is
      `invalid["zip"]` ("mismatch"); a city that is not one of the ZIP's is `invalid["city"]`
      ("not_in_zip", naming the ZIP's cities: offer zip_data.cities_for(zip) as buttons, and
      check a typed answer with zip_data.check_city).
    - The city is checked against the ZIP only when the ZIP is known and in the state written;
      until then `fields["city"]` holds it as written, unchecked, and the ZIP is the problem:
      ask the ZIP first, then the city from the new ZIP's cities, as field-by-field entry does.
      A city not written comes from the ZIP (`city_from_zip`), as in parse_address.

    The bot shows `fields` as the parsed card, marks `problems` and asks only for those;
    when `complete`, `address()` is the Address.
    """

    fields: dict[str, str | None]
    missing: tuple[str, ...]
    invalid: dict[str, Rejected]
    transliterated: bool  # any field was transliterated; the UI asks to confirm
    city_from_zip: bool

    @property
    def problems(self) -> tuple[str, ...]:
        """Every field that needs an answer, in field order."""
        return tuple(f for f in ADDRESS_FIELDS if f in self.missing or f in self.invalid)

    @property
    def complete(self) -> bool:
        return not self.problems

    def first_problem(self) -> Rejected | None:
        """What parse_address raises: all missing fields at once, else the first bad one."""
        if self.missing:
            return Rejected("address", "missing", fields=self.missing)
        return next(iter(self.invalid.values()), None)

    def address(self) -> Address:
        if not self.complete:
            raise ValueError(f"the address is not complete: {self.problems}")
        return Address(**self.fields)  # type: ignore[arg-type]


_ZIP_TOKEN = re.compile(r"(?<![0-9])[0-9]{5}(?:-[0-9]{4})?(?![0-9])")


def looks_like_full_address(text: str) -> bool:
    """A whole address rather than one field: a ZIP-like number, and 2+ lines, 2+ separators
    (commas, semicolons, pipes), or on one line a name, a street and a city before "state
    ZIP"."""
    zip_tokens = list(_ZIP_TOKEN.finditer(text))
    if not zip_tokens:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) >= 2 or len(_SEPARATORS.findall(text)) >= 2:
        return True
    states = (_trailing_state(text[: token.start()].rstrip(" ,;|")) for token in zip_tokens)
    return any(
        state and len(state[0].split()) >= 3 and _street_start(state[0]) is not None
        for state in states
    )


# --- recognising segments ---------------------------------------------------------------

_I = re.IGNORECASE
_SEPARATORS = re.compile(r"[,;|]")
_LABEL = re.compile(
    r"^(?P<label>full\s+name|name|recipient|ship\s+to|deliver\s+to|to|from|sender|attn|attention"
    r"|company(?:\s+name)?|business|organi[sz]ation|(?:street\s+)?address(?:\s+line)?(?:\s*[12])?"
    r"|street|line\s*[12]|city|town|state|province|zip(?:\s*code)?|postal\s+code|post\s*code"
    r"|country|phone(?:\s+number)?|tel(?:ephone)?|mobile|cell|ph|e-?mail)\s*:\s*",
    _I,
)
_ATTN = re.compile(r"^(?:attn|attention)\b\.?\s*:?\s*", _I)
# Headings that marketplaces copy along with the address ("Ship to", "Shipping address").
_HEADING = re.compile(
    r"^(?:ship(?:ping)?\s+(?:to|address)|deliver(?:y)?\s+(?:to|address)|(?:mailing\s+|return\s+)?"
    r"address|recipient|sender|from|to)\s*:?$",
    _I,
)
_PHONE_LABEL = re.compile(
    r"^(?:(?:tel(?:ephone)?|phone|ph|mobile|mob|cell)\b\.?|[tp]\s*:)\s*:?\s*", _I
)
_PHONE_CHARS = re.compile(r"\+?[0-9 ()./\-]+(?:\s*(?:x|ext\.?|extension|#)\s*[0-9]{1,6})?", _I)
# A phone inside a segment, before, after or between the other parts; ten digits in a phone's
# shape, which no house number, ZIP or box has.
_PHONE_IN_TEXT = re.compile(
    r"(?<![^\s,;:|])(?:(?:tel(?:ephone)?|phone|ph|cell|mobile|mob)\b\.?\s*:?\s*)?"
    r"(?P<phone>(?:\+?1[\s.-]?)?(?:\([0-9]{3}\)\s?|[0-9]{3}[\s.-]?)[0-9]{3}[\s.-]?[0-9]{4}"
    r"(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?)(?![\w-])",
    _I,
)
_USA = r"u\.?\s?s\.?(?:\s?a\.?)?|united\s+states(?:\s+of\s+america)?"
_COUNTRY = re.compile(rf"^(?:{_USA}|america)$", _I)
_TRAILING_COUNTRY = re.compile(rf"(?<=[0-9])[\s,]+(?:{_USA})$", _I)  # "CA 94117 USA"
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
# A segment that ends with the ZIP; the unit words keep "Unit 12345" from passing as one.
_ZIP_AT_END = re.compile(
    r"^(?P<head>.*?)\s*(?P<zip>(?<![0-9])[0-9]{5}(?:\s*-\s*[0-9]{4}|\s[0-9]{4})?)$"
)
# No floor has a five-digit number, so "FL 32801" is Florida's ZIP.
_NOT_ZIP_BEFORE = re.compile(r"(?:\b(?:box|unit|apt|suite|ste|no|rm|room)\.?|#)\s*#?$", _I)
# Appended to the previous segment when a comma cut them off: "Acme, Inc.", "John Smith, Jr."
_SUFFIXES = {"inc", "llc", "ltd", "corp", "co", "lp", "llp", "pllc", "plc", "jr", "sr", "ii",
             "iii", "iv", "md", "phd", "esq", "dds"}  # fmt: skip
_COMPANY_WORDS = re.compile(
    r"\b(?:inc|llc|l\.l\.c|corp|corporation|co|company|ltd|limited|store|shop|group|studio"
    r"|services?|solutions|enterprises?|industries|holdings|partners|associates|gmbh|plc|llp"
    r"|pllc|lp|foundation|university|college|school|hospital|clinic|bank|church|restaurant"
    r"|cafe|bakery|market|warehouse|logistics|c/o)\b",
    _I,
)
_BOX_LINE = re.compile(
    r"^(?:(?:p\.?\s*o\.?|post\s+office)\s*box|pob\b|box\s+[0-9]|psc\s|cmr\s|unit\s+[0-9]+\s*,?\s*box"
    r"|r\.?\s*r\.?\s|rural\s+route|hc\s|h\.c\.\s|highway\s+contract|rfd\s|general\s+delivery)",
    _I,
)
_MILITARY_UNIT = re.compile(r"^(?:psc|cmr|unit)\s+[0-9]+$", _I)
_BOX_ONLY = re.compile(r"^box\s+[0-9]+$", _I)
_STREET_START = re.compile(r"^[0-9]+[a-z]?(?:[-/][0-9a-z]+)?\b", _I)
# A highway written without a house number: "US Hwy 101 N", "County Road 12", "FM 1960".
_HIGHWAY = re.compile(
    r"^(?:(?:(?:us|state|county)\s+)?(?:hwy|highway|route|rte)|county\s+(?:road|rd)|sr|cr|fm|us)"
    r"\s+[0-9]+\b",
    _I,
)
_UNIT_WORDS = (
    r"apt|apartment|suite|ste|unit|fl|floor|rm|room|bldg|building|dept|department|lot|spc"
    r"|space|trlr|trailer|ph|penthouse|hngr|hangar|pier|slip|stop|key"
)
_UNIT = rf"(?:(?:{_UNIT_WORDS})\b\.?\s*#?\s*|#\s*)[a-z0-9][a-z0-9-]*"  # "Apt 4", "Ste. 2B", "#4"
_UNIT_LINE = re.compile(rf"^{_UNIT}$", _I)
_UNIT_AT_END = re.compile(rf"[\s,]+(?P<unit>{_UNIT})$", _I)
_UNIT_LABEL = re.compile(rf"^((?:{_UNIT_WORDS}))\s*:\s*", _I)
_URBANIZATION = re.compile(r"^urb(?:anizaci[oó]n)?\b\.?", _I)  # Puerto Rico's extra line
_CITY_LIKE = re.compile(r"^[^\W\d_][^\W\d_ .'-]*(?:[ .'-]+[^\W\d_]+)*\.?$")
_MILITARY_CITY = re.compile(r"^(?P<head>.*?)\s*\b(?P<city>apo|fpo|dpo)$", _I)
# State codes that are also street words: "Ct" is as often a Court, "Fl" a floor.
_STREET_WORD_STATES = {"ct", "fl"}


@dataclass
class _Segment:
    text: str
    hint: str | None = None  # from a "Company:"-style label or an "Attn" prefix


def _segments(text: str) -> list[_Segment]:
    out: list[_Segment] = []
    for line in text.splitlines():
        for part in _SEPARATORS.split(squash(line)):
            part = part.strip()
            if not part:
                continue
            if _HEADING.match(part):
                continue
            hint = None
            label = _LABEL.match(part)
            if label:
                hint = label.group("label").lower()
                part = part[label.end() :].strip()
            elif _ATTN.match(part):
                hint, part = "attn", _ATTN.sub("", part)
            part = _UNIT_LABEL.sub(r"\1 ", part)  # "Apt: 4" -> "Apt 4"
            if not part:
                continue
            if out and part.lower().rstrip(".") in _SUFFIXES and not _is_phone(out[-1]):
                out[-1].text += f", {part}"  # "Acme, Inc." was cut at its comma
            elif out and _MILITARY_UNIT.match(out[-1].text) and _BOX_ONLY.match(part):
                out[-1].text += f" {part}"  # "PSC 1234, Box 5678" is one line
            else:
                out.append(_Segment(part, hint))
    return out


def _is_phone_hint(hint: str | None) -> bool:
    return bool(hint and re.match(r"phone|tel|mobile|cell|ph", hint))


def _is_phone(seg: _Segment) -> bool:
    """The whole segment is a phone; "94117 415-555-0100" holds one, but is not one."""
    number = _PHONE_LABEL.sub("", seg.text, count=1)
    strict = _PHONE_IN_TEXT.search(number)
    if strict and strict.span() != (0, len(number)):
        return False
    if _is_phone_hint(seg.hint):
        return True
    digits = sum(ch.isdigit() for ch in number)
    labelled = number != seg.text
    return bool(_PHONE_CHARS.fullmatch(number)) and (labelled or 10 <= digits <= 15)


def _is_street(text: str) -> bool:
    return bool(_STREET_START.match(text) or _BOX_LINE.match(text))


def _split_words(text: str, count: int) -> tuple[str, str]:
    words = text.split()
    return " ".join(words[:-count]), " ".join(words[-count:])


def _trailing_state(text: str, zip_state: str | None = None) -> tuple[str, str] | None:
    """("San Francisco", "CA") from "San Francisco CA"; None when it does not end in a state.

    `zip_state` is the state of the ZIP that follows, when it is known.
    """
    words = text.split()
    for count in range(min(4, len(words)), 0, -1):
        head, tail = _split_words(text, count)
        code = state_code(tail, in_paste=True)
        if code is None:
            continue
        # "215 Clayton Ct 94117": the street's Court, not Connecticut, unless the ZIP is
        # there, or with a ZIP that does not exist, a city of Connecticut comes before it.
        street_word = tail.lower().rstrip(".") in _STREET_WORD_STATES and tail != code
        if street_word and _has_digit(head) and code != zip_state:
            city_of = functools.partial(is_city_of_state, code)
            if zip_state or not _city_words_at_end(head, city_of):
                continue
        return head.rstrip(" ,"), code
    return None


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _city_words_at_end(text: str, is_city: Callable[[str], bool]) -> int:
    """How many words at the end of `text` name a city, longest first ("Salt Lake City", not
    "City"); 0 when none do. No city in the ZIP data has more than five words."""
    words = text.split()
    longest = min(len(words), 6)
    return next((n for n in range(longest, 0, -1) if is_city(" ".join(words[-n:]))), 0)


def _split_city(text: str, zip5: str | None, state: str | None) -> tuple[str, str | None]:
    """Split a city off the end of a street line: ("215 Clayton St", "San Francisco").

    The ZIP's cities say where it starts; with a ZIP that does not exist, the state's.
    """
    if zip5 and cities_for(zip5):
        count = _city_words_at_end(text, lambda tail: zip_city(zip5, tail) is not None)
    elif state:
        count = _city_words_at_end(text, lambda tail: is_city_of_state(state, tail))
    else:
        count = 0
    if count:
        head, tail = _split_words(text, count)
        return head.rstrip(" ,"), tail
    military = _MILITARY_CITY.match(text)
    if military:
        return military.group("head").rstrip(" ,"), military.group("city").upper()
    if _has_digit(text):
        return _usaddress_city(text)
    return text, None


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """usaddress's (token, label, offset in text); [] when it has no opinion."""
    if len(text) > 100:  # no address line is that long; spare the tagger a 4096-char paste
        return []
    try:
        tagged = usaddress.parse(text)
    except Exception:  # the tagger failing must never fail the paste
        return []
    cursor, out = 0, []
    for token, label in tagged:
        at = text.find(token, cursor)
        if at < 0:
            return []
        out.append((token, label, at))
        cursor = at + len(token)
    return out


def _usaddress_city(text: str) -> tuple[str, str | None]:
    """Split usaddress's PlaceName off the end of a line that also holds a street number."""
    tokens = _tokens(text)
    place = len(tokens)
    while place > 0 and tokens[place - 1][1] == "PlaceName":
        place -= 1
    if place in (0, len(tokens)):
        return text, None
    head, city = text[: tokens[place][2]].rstrip(" ,"), text[tokens[place][2] :].strip(" ,")
    if _has_digit(head) and _CITY_LIKE.match(city):
        return head, city
    return text, None


def _is_numberless_street(text: str) -> bool:
    """A street without its number ("Main Street"): usaddress sees a name and a type."""
    labels = {label for _, label, _ in _tokens(text)}
    return "StreetName" in labels and bool(
        labels & {"StreetNamePostType", "StreetNamePreType", "StreetNamePostDirectional"}
    )


def _street_start(text: str) -> int | None:
    """Where the street begins in "John Smith 215 Clayton St": a number, box or highway."""
    for space in re.finditer(r"\s+", text):
        rest = text[space.end() :]
        if rest[:1].isdigit() or _BOX_LINE.match(rest) or _HIGHWAY.match(rest):
            return space.start()
    return None


# --- the parse --------------------------------------------------------------------------


@dataclass
class _Found:
    name: str | None = None
    company: str | None = None
    street1: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None


def _take_contacts(segments: list[_Segment], found: _Found) -> list[_Segment]:
    """Drop countries and e-mails, take the phone; what is left is the address proper."""
    rest = []
    for seg in segments:
        text = _TRAILING_COUNTRY.sub("", seg.text)
        email = _EMAIL.fullmatch(text) and "." in text.partition("@")[2]
        if _COUNTRY.match(text) or email or seg.hint in ("country", "email", "e-mail"):
            continue
        seg = _Segment(text, seg.hint)
        if _is_phone(seg):
            found.phone = found.phone or _PHONE_LABEL.sub("", seg.text, count=1)
            continue
        phone = _PHONE_IN_TEXT.search(seg.text)
        if phone:
            found.phone = found.phone or phone.group("phone")
            text = squash(f"{seg.text[: phone.start()]} {seg.text[phone.end() :]}")
            hint = None if _is_phone_hint(seg.hint) else seg.hint  # "Tel: 415… John Smith"
            seg = _Segment(_TRAILING_COUNTRY.sub("", text).strip(" ,"), hint)
            if not seg.text or _COUNTRY.match(seg.text):
                continue
        rest.append(seg)
    return rest


def _addresses_in(segs: list[_Segment]) -> int:
    """How many "state ZIP" pairs that agree the paste holds: one per address."""
    count = 0
    for i, seg in enumerate(segs):
        for zip_token in _ZIP_TOKEN.finditer(seg.text):
            info = lookup(zip_token.group()[:5])
            before = seg.text[: zip_token.start()].rstrip(" ,") or (segs[i - 1].text if i else "")
            state = _trailing_state(before, info.state) if info else None
            count += bool(info and state and state[1] == info.state)
    return count


def _ends_with_state_zip(text: str) -> bool:
    """Whether the text ends with a ZIP written after its own state ("..., CA 94117")."""
    match = _ZIP_AT_END.match(text)
    info = lookup(match.group("zip")[:5]) if match else None
    state = _trailing_state(match.group("head"), info.state) if info else None
    return bool(state and state[1] == info.state)


def _take_locality(segs: list[_Segment], found: _Found) -> list[_Segment]:
    """Find ZIP, state and city from the end; return the segments before them."""
    for i in range(len(segs) - 1, -1, -1):
        match = _ZIP_AT_END.match(segs[i].text)
        if match and not match.group("head") and i and _ends_with_state_zip(segs[i - 1].text):
            continue  # "CA 94117, 12345": a stray number after the locality, not its ZIP
        if match and not _NOT_ZIP_BEFORE.search(match.group("head")):
            found.zip = match.group("zip")
            pre, tail = segs[:i], match.group("head")
            break
    else:
        # No ZIP: the state is the last thing that reads like one, outside street lines.
        at = next(
            (i for i in range(len(segs) - 1, 0, -1)
             if not _is_street(segs[i].text) and _trailing_state(segs[i].text)),
            None,
        )  # fmt: skip
        if at is None:
            return list(segs)
        pre, tail = segs[:at], segs[at].text
    info = lookup(found.zip[:5]) if found.zip else None
    zip_state = info.state if info else None
    # The state ends the ZIP's own segment ("CA 94117") or the one before ("CA, 94117").
    if not tail and pre and _trailing_state(pre[-1].text, zip_state):
        tail = pre.pop().text
    state = _trailing_state(tail, zip_state) if tail else None
    if state:
        found.state = state[1]
        tail = state[0]
    # The city: what is left of that segment, else the one before it, when the ZIP data or
    # its look says so. A lone segment left before it is the name, not a city.
    if tail:
        last, standalone = _Segment(tail), True
    elif pre:
        last, standalone = pre.pop(), bool(pre)
    else:
        return pre
    head, city = _split_city(last.text, info.zip5 if info else None, found.state)
    if city is None and standalone and _looks_like_city(last.text):
        head, city = "", last.text
    found.city = city
    if head:
        pre.append(_Segment(head, last.hint))
    return pre


def _looks_like_city(text: str) -> bool:
    return bool(_CITY_LIKE.match(text)) and not (_UNIT_LINE.match(text) or _BOX_LINE.match(text))


def _take_people_and_street(pre: list[_Segment], found: _Found) -> None:
    """Name first, then an optional company, the street line, and unit lines after it."""
    if not pre:
        return
    streets = [i for i, s in enumerate(pre) if i and _is_street(s.text)]
    streets = streets or [i for i, s in enumerate(pre) if i and _HIGHWAY.match(s.text)]
    # "John Smith / 3M Company / 215 Main St": a number-led company line is not the street.
    plain = [i for i in streets if not _COMPANY_WORDS.search(pre[i].text)]
    street_at = (plain or streets or [None])[0]
    if street_at is None and _is_street(pre[0].text):
        street_at = 0
    if street_at is None:
        street_at = next(
            (i for i, s in enumerate(pre)
             if i and _has_digit(s.text) and not _UNIT_LINE.match(s.text)),
            None,
        )  # fmt: skip
    if street_at is None:
        # "John Smith 215 Clayton St" on one line: the street starts at its number or box.
        first = pre[0].text
        start = _street_start(first)
        name = first[:start] if start is not None else ""
        if start is not None and not _has_digit(name) and re.search(r"[^\W\d_]", name):
            pre = [_Segment(name, pre[0].hint), _Segment(first[start:].strip()), *pre[1:]]
            street_at = 1
        else:
            # "John Smith / Main Street": a street without a number is still the street
            # line, so the user hears that it needs a number rather than that it is missing.
            named = [i for i, seg in enumerate(pre) if i and _is_numberless_street(seg.text)]
            street_at = named[-1] if named else len(pre)
    people, street, after = pre[:street_at], pre[street_at : street_at + 1], pre[street_at + 1 :]
    urbanization = [s.text for s in people[1:] if _URBANIZATION.match(s.text)]
    people = [s for s in people if s.text not in urbanization or s is people[0]]
    if people:
        name_at = _name_index(people)
        found.name = people[name_at].text
        others = [s.text for i, s in enumerate(people) if i != name_at]
        found.company = ", ".join(others) or None
    if street:
        found.street1 = street[0].text
    extra = urbanization + [s.text for s in after]
    found.street2 = ", ".join(extra) or None
    if found.street1 and not found.street2 and not _BOX_LINE.match(found.street1):
        # A unit on line 1 ("215 Clayton St Apt 4") goes to line 2, as field-by-field entry
        # would have it; with a line 2 already written, line 1 stays as the user wrote it.
        unit = _UNIT_AT_END.search(found.street1)
        street = found.street1[: unit.start()] if unit else ""
        numbered = street[:1].isdigit() and len(street.split()) >= 2  # "215 Clayton St"
        if unit and (numbered or _HIGHWAY.match(street)):  # or "Hwy 101"
            found.street1, found.street2 = street, unit.group("unit")


def _name_index(people: list[_Segment]) -> int:
    hinted = [i for i, s in enumerate(people) if s.hint in ("attn", "name", "full name")]
    if hinted:
        return hinted[0]
    companies = [i for i, s in enumerate(people) if s.hint and s.hint.startswith("company")]
    if companies and companies[0] == 0 and len(people) > 1:
        return 1
    # "Acme Inc / John Smith": a company line first and a person after it.
    first_is_company = len(people) > 1 and _COMPANY_WORDS.search(people[0].text)
    return 1 if first_is_company and not _COMPANY_WORDS.search(people[1].text) else 0


_TEXT_CLEANERS = {
    "name": clean_name,
    "company": clean_company,
    "street1": clean_street1,
    "street2": clean_street2,
}


def _try(
    clean: Callable[..., T], *args: object, **kwargs: object
) -> tuple[T | None, Rejected | None]:
    try:
        return clean(*args, **kwargs), None
    except Rejected as rejected:
        return None, rejected


def _checked(found: _Found) -> PartialAddress:
    """Each found field through its cleaner; the problems in the order they are reported."""
    fields: dict[str, str | None] = dict.fromkeys(ADDRESS_FIELDS)
    invalid: dict[str, Rejected] = {}
    converted = False

    def take(field: str, result: tuple[T | None, Rejected | None]) -> T | None:
        value, problem = result
        if problem:
            invalid[field] = problem
        return value

    for field, clean in _TEXT_CLEANERS.items():
        raw = getattr(found, field)
        cleaned = take(field, _try(clean, raw)) if raw is not None else None
        if cleaned:
            fields[field], converted = cleaned.value, converted or cleaned.transliterated
    zip_code, zip_problem = _try(clean_zip, found.zip) if found.zip else (None, None)
    state = clean_state(found.state) if found.state else None  # found only if it reads as one
    mismatch = _try(check_zip_state, zip_code, state)[1] if zip_code and state else None
    # The city is checked against a ZIP that is known and in the state written.
    trusted = None if mismatch else zip_code
    city_from_zip = False
    if found.city is not None:
        city = take("city", _try(clean_city, found.city))
        if city and trusted:
            checked = _try(check_city, trusted, city.value, transliterated=city.transliterated)
            fields["city"] = take("city", checked)
        elif city:
            fields["city"] = city.value
        converted = converted or bool(city and city.transliterated)
    elif trusted:
        fields["city"], city_from_zip = cities_for(trusted)[0], True
    fields["state"], fields["zip"] = state, trusted
    if zip_problem:
        invalid["zip"] = zip_problem
    if found.phone:
        fields["phone"] = take("phone", _try(clean_phone, found.phone))
    if mismatch:  # last, as before: the ZIP and the state are each fine on their own
        invalid["zip"] = mismatch
    # With a ZIP written, a city the ZIP cannot supply is reported as the ZIP's problem.
    missing = tuple(
        field
        for field in ("name", "street1", "city", "state", "zip")
        if getattr(found, field) is None and not (field == "city" and found.zip)
    )
    return PartialAddress(fields, missing, invalid, converted, city_from_zip)


def _found_in(text: str) -> _Found:
    found = _Found()
    segments = _take_contacts(_segments(text), found)
    if _addresses_in(segments) > 1:
        raise Rejected("address", "two_addresses")
    pre = _take_locality(segments, found)
    _take_people_and_street([s for s in pre if s.text], found)
    return found


def parse_partial(text: str) -> PartialAddress:
    """Parse a pasted address, keeping every field that is right (see PartialAddress).

    Raises Rejected only for the paste as a whole: ("address", "two_addresses") when it holds
    two addresses (two "state ZIP" endings), which no single field can fix.
    """
    return _checked(_found_in(text))


def parse_address(text: str) -> ParsedAddress:
    """Parse a pasted address; raise the first Rejected, or "missing" naming every gap."""
    partial = parse_partial(text)
    problem = partial.first_problem()
    if problem:
        raise problem
    return ParsedAddress(partial.address(), partial.transliterated, partial.city_from_zip)
