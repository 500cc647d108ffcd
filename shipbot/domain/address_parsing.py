"""Reading a whole address pasted in one message.

People write the parts in a fairly fixed order (name, company, street, unit, city, state,
ZIP) but separate them with newlines or commas as they like, and add phones, e-mails and
"USA" anywhere. The parser therefore works on segments (lines split at commas): it anchors on
the ZIP, reads the state and the city backwards from it, and assigns what is left in order.
The ZIP's own city names settle where a street ends and the city begins when no comma says
so ("215 Clayton St San Francisco CA 94117"); usaddress does it when the city is not in the
ZIP data, and recognises a street that lacks its number. Every field then goes through the
same cleaner as in field-by-field entry, so a paste is held to exactly the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import usaddress

from shipbot.domain.address import Address
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
from shipbot.domain.zip_data import check_zip_state, cities_for, clean_zip, lookup


@dataclass(frozen=True)
class ParsedAddress:
    address: Address
    transliterated: bool  # any field was transliterated
    city_from_zip: bool  # the city was not written and was filled in from the ZIP


_ZIP_TOKEN = re.compile(r"(?<![0-9])[0-9]{5}(?:-[0-9]{4})?(?![0-9])")


def looks_like_full_address(text: str) -> bool:
    """A whole address rather than one field: a ZIP-like number and 2+ lines or 2+ commas."""
    if not _ZIP_TOKEN.search(text):
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 2 or text.count(",") >= 2


# --- recognising segments ---------------------------------------------------------------

_I = re.IGNORECASE
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
_TRAILING_PHONE = re.compile(
    r"^(?P<head>.*?\S)[\s,;]+(?P<phone>(?:(?:tel|phone|ph|cell|mobile)\.?\s*:?\s*)?"
    r"(?:\+?1[\s.-]?)?\(?[0-9]{3}\)?[\s.-]?[0-9]{3}[\s.-]?[0-9]{4}"
    r"(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?)$",
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
_NOT_ZIP_BEFORE = re.compile(r"(?:\b(?:box|unit|apt|suite|ste|no|rm|room|fl)\.?|#)\s*#?$", _I)
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


@dataclass
class _Segment:
    text: str
    hint: str | None = None  # from a "Company:"-style label or an "Attn" prefix


def _segments(text: str) -> list[_Segment]:
    out: list[_Segment] = []
    for line in text.splitlines():
        for part in squash(line).split(","):
            part = part.strip(" ;|")
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
            if out and part.lower().rstrip(".") in _SUFFIXES:
                out[-1].text += f", {part}"  # "Acme, Inc." was cut at its comma
            elif out and _MILITARY_UNIT.match(out[-1].text) and _BOX_ONLY.match(part):
                out[-1].text += f" {part}"  # "PSC 1234, Box 5678" is one line
            else:
                out.append(_Segment(part, hint))
    return out


def _is_phone(seg: _Segment) -> bool:
    if seg.hint and re.match(r"phone|tel|mobile|cell|ph", seg.hint):
        return True
    number = _PHONE_LABEL.sub("", seg.text, count=1)
    digits = sum(ch.isdigit() for ch in number)
    labelled = number != seg.text
    return bool(_PHONE_CHARS.fullmatch(number)) and (labelled or 10 <= digits <= 15)


def _is_street(text: str) -> bool:
    return bool(_STREET_START.match(text) or _BOX_LINE.match(text))


def _split_words(text: str, count: int) -> tuple[str, str]:
    words = text.split()
    return " ".join(words[:-count]), " ".join(words[-count:])


def _trailing_state(text: str) -> tuple[str, str] | None:
    """("San Francisco", "CA") from "San Francisco CA"; None when it does not end in a state."""
    words = text.split()
    for count in range(min(4, len(words)), 0, -1):
        head, tail = _split_words(text, count)
        code = state_code(tail, in_paste=True)
        # "215 Clayton Ct 94117": "Ct" is the street's Court, not Connecticut.
        if code and not (tail.lower().rstrip(".") == "ct" and tail != "CT" and _has_digit(head)):
            return head.rstrip(" ,"), code
    return None


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _loose(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def _split_city(text: str, zip5: str | None) -> tuple[str, str | None]:
    """Split a city off the end of a street line: ("215 Clayton St", "San Francisco")."""
    loose = _loose(text)
    for city in cities_for(zip5) if zip5 else ():
        want = _loose(city)
        if loose == want:
            return "", text
        if want and loose.endswith(" " + want):
            words = len(want.split())
            head, tail = _split_words(text, words)
            if _loose(tail) == want:
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
        trailing = _TRAILING_PHONE.match(seg.text)
        if trailing and not _is_street(seg.text):
            found.phone = found.phone or _PHONE_LABEL.sub("", trailing.group("phone"), count=1)
            seg = _Segment(_TRAILING_COUNTRY.sub("", trailing.group("head")), seg.hint)
            if _COUNTRY.match(seg.text):
                continue
        rest.append(seg)
    return rest


def _take_locality(segs: list[_Segment], found: _Found) -> list[_Segment]:
    """Find ZIP, state and city from the end; return the segments before them."""
    for i in range(len(segs) - 1, -1, -1):
        match = _ZIP_AT_END.match(segs[i].text)
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
    # The state ends the ZIP's own segment ("CA 94117") or the one before ("CA, 94117").
    if not tail and pre and _trailing_state(pre[-1].text):
        tail = pre.pop().text
    state = _trailing_state(tail) if tail else None
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
    head, city = _split_city(last.text, found.zip[:5] if found.zip else None)
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
        # "John Smith 215 Clayton St" on one line: the street starts at the first number.
        first = pre[0].text
        number = re.search(r"\s(?=[0-9])", first)
        name = first[: number.start()] if number else ""
        if number and not _has_digit(name) and re.search(r"[^\W\d_]", name):
            pre = [_Segment(name, pre[0].hint), _Segment(first[number.end() :]), *pre[1:]]
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
        if unit and street[:1].isdigit() and len(street.split()) >= 2:  # "215 Clayton St"
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


def parse_address(text: str) -> ParsedAddress:
    """Parse a pasted address; raise the first Rejected, or "missing" naming every gap."""
    found = _Found()
    segments = _take_contacts(_segments(text), found)
    pre = _take_locality(segments, found)
    _take_people_and_street([s for s in pre if s.text], found)

    city_from_zip = False
    if found.zip and not found.city and lookup(found.zip[:5]):
        found.city = cities_for(found.zip)[0]
        city_from_zip = True
    # With a ZIP written, a city the ZIP cannot supply is reported as the unknown ZIP.
    missing = tuple(
        field
        for field in ("name", "street1", "city", "state", "zip")
        if not getattr(found, field) and not (field == "city" and found.zip)
    )
    if missing:
        raise Rejected("address", "missing", fields=missing)
    assert found.name and found.street1 and found.state and found.zip

    name = clean_name(found.name)
    company = clean_company(found.company) if found.company else None
    street1 = clean_street1(found.street1)
    street2 = clean_street2(found.street2) if found.street2 else None
    if not found.city:
        clean_zip(found.zip)  # raises: the ZIP is unknown, which is why there is no city
    city = clean_city(found.city or "")
    state = clean_state(found.state)
    zip_code = clean_zip(found.zip)
    phone = clean_phone(found.phone) if found.phone else None
    check_zip_state(zip_code, state)
    parts = (name, company, street1, street2, city)
    return ParsedAddress(
        address=Address(
            name=name.value,
            company=company.value if company else None,
            street1=street1.value,
            street2=street2.value if street2 else None,
            city=city.value,
            state=state,
            zip=zip_code,
            phone=phone,
        ),
        transliterated=any(p.transliterated for p in parts if p),
        city_from_zip=city_from_zip,
    )
