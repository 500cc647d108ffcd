"""A generated corpus of pasted addresses, built from the offline ZIP data (issue 11).

Every state, DC, territory and military "state" in the data gets PER_STATE pastes, each in
every layout twice: one per line, commas, one line without commas, pipes, semicolons. Each
paste draws a name, an optional company, a street line (house numbers with directionals and
street types, Queens-style hyphenated numbers, highways, PO Boxes, rural routes; PSC/Unit/CMR
boxes for APO/FPO/DPO), an optional unit, one of the ZIP's cities (sometimes with St./Saint,
Ft./Fort, Mt./Mount swapped, lower or upper case), the state as a code or a full name in any
case, a ZIP or ZIP+4, an optional USA line and an optional phone in one of several formats
anywhere. The seed makes it the same corpus on every run. The expected address is known
from how the paste was built, so the test needs no hand-written answers.

The valid pastes must parse exactly right at PARSE_RATE or better; the invalid ones (wrong
ZIP for the state, no ZIP, no street, gibberish, a ZIP that does not exist, two addresses)
must all be refused with the right reason. A failure lists the pastes that went wrong.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

from shipbot.domain import zip_data
from shipbot.domain.address import Address
from shipbot.domain.address_parsing import looks_like_full_address, parse_address
from shipbot.domain.errors import Rejected
from shipbot.domain.states import STATES
from shipbot.domain.text_fields import clean_city

SEED = 11
PER_STATE = 10
PARSE_RATE = 0.99
LAYOUTS = ("lines", "commas", "one_line", "pipes", "semicolons")
MILITARY = ("AA", "AE", "AP")

# The issue's own examples: each is drawn once for its state, spelt as people spell it.
PINNED = {
    "FL": ("32801", "Orlando"),
    "MO": ("63101", "St. Louis"),
    "UT": ("84101", "Salt Lake City"),
    "NC": ("27101", "Winston-Salem"),
    "ID": ("83814", "Coeur d'Alene"),
    "CT": ("06103", "Hartford"),
    "IN": ("46204", "Indianapolis"),
    "OR": ("97201", "Portland"),
    "ME": ("04101", "Portland"),
    "LA": ("70112", "New Orleans"),
    "DE": ("19901", "Dover"),
}

FIRST = ["John", "Maria", "Wei", "Aisha", "Carlos", "Emily", "Dmitri", "Priya", "James",
         "Fatima", "Liam", "Olivia", "Noah", "Sofia", "Mateo", "Chloe", "Hiroshi", "Grace",
         "Omar", "Hannah", "Mary Ann", "Jean-Luc"]  # fmt: skip
LAST = ["Smith", "Garcia", "Chen", "Johnson", "O'Brien", "Nguyen", "Kowalski", "Patel",
        "Williams", "Rodriguez", "Kim", "Brown", "Martinez", "Davis", "Lee", "Anderson",
        "Thompson", "Lopez", "Wilson", "Clark-Hill", "McDonald", "St. James"]  # fmt: skip
COMPANIES = ["Acme Widgets Inc", "Blue Ridge Supply LLC", "Northwind Traders",
             "Smith & Sons Co", "Lakeside Dental Clinic", "Summit Logistics",
             "Pine Valley Farm", "Redwood Studio", "Harbor View Cafe", "Golden Gate Bakery",
             "Orion Software Corp", "Maple Leaf Books"]  # fmt: skip
STREET_NAMES = ["Main", "Oak", "Maple", "Cedar", "Park", "Washington", "Lincoln", "Lake",
                "Hill", "Church", "Elm", "Pine", "5th", "2nd", "42nd", "Sunset", "Ridge",
                "River", "Jefferson", "Madison", "Franklin", "Highland", "Forest", "Indiana",
                "Florida", "Virginia", "Delaware", "Ocean", "Mill", "Spring", "Market",
                "Union", "Broad", "Martin Luther King Jr", "Old Mill", "Saint Charles",
                "Fort Hamilton", "Mount Vernon"]  # fmt: skip
STREET_TYPES = ["St", "Street", "Ave", "Avenue", "Blvd", "Rd", "Road", "Dr", "Drive", "Ln",
                "Lane", "Ct", "Court", "Pl", "Way", "Pkwy", "Cir", "Ter", "Trl"]  # fmt: skip
PRE_DIRECTIONS = ["N", "S", "E", "W", "North", "South", "N.", "SW"]
POST_DIRECTIONS = ["NE", "NW", "SE", "SW", "N", "E", "S", "W"]
HIGHWAYS = ["Hwy", "Highway", "US Hwy", "US Highway", "State Route", "SR", "County Road",
            "Route", "FM"]  # fmt: skip
BOXES = ["PO Box", "P.O. Box", "Po Box", "P O Box", "Post Office Box"]
USA = ["USA", "United States", "US", "U.S.A.", "United States of America"]
AREA_CODES = ["202", "212", "305", "312", "415", "503", "617", "702", "713", "801", "907",
              "808", "787", "340", "671", "670", "206", "314", "407", "919"]  # fmt: skip
PHONE_FORMATS = ["({a}) {p}-{l}", "{a}-{p}-{l}", "{a}.{p}.{l}", "{a}{p}{l}", "+1 {a} {p} {l}",
                 "+1-{a}-{p}-{l}", "1 ({a}) {p}-{l}", "+1{a}{p}{l}", "Tel: {a}-{p}-{l}",
                 "Phone: ({a}) {p}-{l}", "ph {a}.{p}.{l}", "Cell: {a} {p} {l}"]  # fmt: skip
# Word swaps people make in city names; the parser stores the ZIP data's spelling for them.
CITY_WORDS = {"saint": "St.", "st": "Saint", "fort": "Ft.", "ft": "Fort", "mount": "Mt.",
              "mt": "Mount"}  # fmt: skip


@dataclass(frozen=True)
class Paste:
    text: str
    expected: Address
    layout: str


def _state_zips() -> dict[str, list[str]]:
    by_state: dict[str, list[str]] = {}
    for zip5, row in sorted(zip_data._zips().items()):
        by_state.setdefault(row[1], []).append(zip5)
    return by_state


def _usable_city(city: str) -> bool:
    try:
        clean_city(city)
    except Rejected:
        return False
    return True


def _loose(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]", " ", text.lower()).split())


def _expected_city(zip5: str, written: str, source: str) -> str:
    """The user's spelling when it is one of the ZIP's cities but for case and punctuation;
    otherwise (an abbreviation swapped) the ZIP data's spelling it was made from."""
    same = any(_loose(city) == _loose(written) for city in zip_data.cities_for(zip5))
    return written if same else source


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.zips = _state_zips()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def name(self) -> str:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        if self.chance(0.15):
            return f"{first} {self.rng.choice('ABCDEJKLMPRT')}. {last}"
        return f"{first} {last}"

    def street(self, state: str, city: str | None = None) -> tuple[str, bool]:
        """A street line, and whether a unit may follow it."""
        rng = self.rng
        if state in MILITARY:
            kind = rng.choice(["PSC", "Unit", "CMR"])
            return f"{kind} {rng.randint(100, 9999)} Box {rng.randint(1, 9999)}", False
        kind = rng.choices(["plain", "queens", "highway", "box", "rural"], [62, 8, 10, 12, 8])[0]
        if kind == "box":
            return f"{rng.choice(BOXES)} {rng.randint(1, 99999)}", False
        if kind == "rural":
            route = rng.choice(["RR", "Rural Route", "HC", "RR"])
            return f"{route} {rng.randint(1, 9)} Box {rng.randint(1, 999)}", False
        number = str(
            rng.choice([rng.randint(1, 99), rng.randint(100, 9999), rng.randint(1, 99999)])
        )
        if kind == "queens":
            number = f"{rng.randint(10, 250)}-{rng.randint(1, 99):02d}"
        if kind == "highway":
            road = f"{rng.choice(HIGHWAYS)} {rng.randint(1, 999)}"
            if self.chance(0.3):
                road += f" {rng.choice(POST_DIRECTIONS[4:])}"
            return (f"{number} {road}" if self.chance(0.85) else road), True
        parts = [number]
        if self.chance(0.3):
            parts.append(rng.choice(PRE_DIRECTIONS))
        # Now and then the street is named after the town it is in: "12 Portland Ave, Portland".
        street_name = city.split()[0] if city and self.chance(0.08) else rng.choice(STREET_NAMES)
        parts += [street_name, rng.choice(STREET_TYPES)]
        if self.chance(0.15):
            parts.append(rng.choice(POST_DIRECTIONS))
        line = " ".join(parts)
        return (line, True) if len(line) <= 35 else self.street(state, city)

    def unit(self) -> str:
        rng = self.rng
        n = rng.randint(1, 40)
        return rng.choice([
            f"Apt {n}{rng.choice('ABCD')}", f"#{n}", f"Ste. {n}", f"Unit {n}",
            f"Bldg {rng.choice('ABCDE')}", f"Fl {rng.randint(2, 30)}", f"Suite {n * 10}",
            f"Apt. {n}", f"Apartment {n}", f"Rm {100 + n}", f"# {n}", f"Apt #{n}",
        ])  # fmt: skip

    def city(self, zip5: str) -> tuple[str, str]:
        """(the city as written, the ZIP data's city it was written from)."""
        cities = [c for c in zip_data.cities_for(zip5) if _usable_city(c)]
        source = cities[0] if self.chance(0.75) else self.rng.choice(cities)
        words = source.split()
        if self.chance(0.5) and any(w.lower() in CITY_WORDS for w in words):
            words = [CITY_WORDS.get(w.lower(), w) for w in words]
        written = " ".join(words)
        case = self.rng.choices(["as is", "lower", "upper"], [6, 2, 2])[0]
        written = {"lower": written.lower(), "upper": written.upper()}.get(case, written)
        return written, source

    def state(self, code: str) -> str:
        if code in MILITARY:
            return code if self.chance(0.8) else STATES[code]
        form = self.rng.choices(["code", "name", "lower code", "lower name", "upper name"],
                                [50, 25, 10, 10, 5])[0]  # fmt: skip
        name = STATES[code]
        return {"code": code, "name": name, "lower code": code.lower(),
                "lower name": name.lower(), "upper name": name.upper()}[form]  # fmt: skip

    def zip_code(self, zip5: str) -> tuple[str, str]:
        """(as written, as stored)."""
        if self.chance(0.6):
            return zip5, zip5
        plus4 = f"{self.rng.randint(1, 9999):04d}"
        sep = "-" if self.chance(0.85) else " "
        return f"{zip5}{sep}{plus4}", f"{zip5}-{plus4}"

    def phone(self) -> tuple[str, str]:
        """(as written, E.164)."""
        area, prefix, line = self.rng.choice(AREA_CODES), "555", f"01{self.rng.randint(0, 99):02d}"
        return self.rng.choice(PHONE_FORMATS).format(a=area, p=prefix, l=line), (
            f"+1{area}{prefix}{line}"
        )

    def paste(self, state: str, zip5: str, layout: str, city: str | None = None) -> Paste:
        rng = self.rng
        one_line = layout == "one_line"
        name = self.name()
        company = rng.choice(COMPANIES) if not one_line and self.chance(0.25) else None
        written_city, source = (city, zip_data.cities_for(zip5)[0]) if city else self.city(zip5)
        street, unit_ok = self.street(state, source)
        unit = self.unit() if unit_ok and self.chance(0.4) else None
        state_text = self.state(state)
        zip_text, zip_stored = self.zip_code(zip5)
        phone, e164 = self.phone() if self.chance(0.6) else (None, None)
        usa = rng.choice(USA) if self.chance(0.25) else None
        case = rng.choices(["as is", "upper", "lower"], [8, 1, 1])[0]
        recase = {"upper": str.upper, "lower": str.lower}.get(case, lambda s: s)
        name, street, written_city, state_text = map(recase, (name, street, written_city,
                                                             state_text))  # fmt: skip
        company = recase(company) if company else None
        unit = recase(unit) if unit else None

        sep = {"lines": "\n", "commas": ", ", "one_line": " ", "pipes": " | ",
               "semicolons": "; "}[layout]  # fmt: skip
        if one_line:
            locality = [f"{written_city} {state_text} {zip_text}"]
        elif layout == "lines":
            locality = [rng.choice([f"{written_city}, {state_text} {zip_text}",
                                    f"{written_city} {state_text} {zip_text}",
                                    f"{written_city}\n{state_text} {zip_text}"])]  # fmt: skip
        elif layout == "commas":
            locality = rng.choice([[written_city, f"{state_text} {zip_text}"],
                                   [written_city, state_text, zip_text]])  # fmt: skip
        else:
            locality = rng.choice([[f"{written_city}, {state_text} {zip_text}"],
                                   [written_city, state_text, zip_text],
                                   [f"{written_city} {state_text} {zip_text}"]])  # fmt: skip
        street_parts = [street]
        if unit:
            street_parts = [f"{street} {unit}"] if one_line or self.chance(0.5) else [street, unit]
        parts = [name, *([company] if company else []), *street_parts, *locality]
        if usa:
            parts.append(usa)
        if phone:
            at = rng.randint(0, len(parts))
            if not one_line and at == len(parts) - (2 if usa else 1) and self.chance(0.5):
                parts[at] += f" {phone}"  # on the ZIP's line: "Orlando, FL 32801 407-555-0100"
            else:
                parts.insert(at, phone)
        expected = Address(
            name=name,
            company=company,
            street1=street,
            street2=unit,
            city=_expected_city(zip5, written_city, source),
            state=state,
            zip=zip_stored,
            phone=e164,
        )
        return Paste(sep.join(parts), expected, layout)

    def valid(self) -> list[Paste]:
        pastes = []
        for state in sorted(STATES):
            pinned = PINNED.get(state)
            for i in range(PER_STATE):
                layout = LAYOUTS[i % len(LAYOUTS)]
                if pinned and i == 0:
                    pastes.append(self.paste(state, pinned[0], layout, city=pinned[1]))
                else:
                    pastes.append(self.paste(state, self.rng.choice(self.zips[state]), layout))
        return pastes


@functools.cache
def valid_pastes() -> tuple[Paste, ...]:
    return tuple(_Builder(random.Random(SEED)).valid())


def _tidy(text: str) -> str:
    """A paste with a part taken out: the separators left around the gap are merged."""
    out = re.sub(r"(\n\s*){2,}", "\n", text)
    out = re.sub(r"([,;|])\s*(?:[,;|]\s*)+", r"\1 ", out)
    return re.sub(r"  +", " ", out).strip(" ,;|\n")


@dataclass(frozen=True)
class Invalid:
    category: str
    text: str
    reason: tuple[str, str] | None  # (field, problem) it must be refused with; None: any
    names: str | None = None  # a field that the "missing" reason must name


def invalid_pastes() -> list[Invalid]:
    rng = random.Random(SEED + 1)
    builder = _Builder(rng)
    known = zip_data._zips()
    out = []
    states = sorted(set(STATES) - set(MILITARY))
    for i in range(40):
        state = states[i % len(states)]
        layout = LAYOUTS[i % len(LAYOUTS)]
        paste = builder.paste(state, rng.choice(builder.zips[state]), layout)
        other = rng.choice([s for s in states if s != state])
        out.append(Invalid("wrong state", _with_state(paste, other), ("zip", "mismatch")))

        head, _, tail = paste.text.rpartition(_zip_as_written(paste))
        out.append(Invalid("no zip", _tidy(head + tail), ("address", "missing"), "zip"))

        no_street = paste.text
        for part in (paste.expected.street2, paste.expected.street1):
            if part:
                no_street = _tidy(no_street.replace(part, "", 1))
        out.append(Invalid("no street", no_street, ("address", "missing"), "street1"))

        fake = next(
            z for z in (f"{rng.randint(0, 99999):05d}" for _ in range(99)) if z not in known
        )
        out.append(Invalid("unknown zip", head + fake + tail, ("zip", "unknown")))

        other = rng.choice(states)
        second = builder.paste(other, rng.choice(builder.zips[other]), layout)
        joiner = {"one_line": " ", "lines": rng.choice(["\n\n", "\n"])}.get(layout, "\n")
        text = paste.text + joiner + second.text
        out.append(Invalid("two addresses", text, ("address", "two_addresses")))
    return out + [Invalid("gibberish", text, None) for text in _gibberish(rng)]


def _zip_as_written(paste: Paste) -> str:
    a = paste.expected
    return next(z for z in (a.zip, a.zip.replace("-", " "), a.zip[:5]) if z in paste.text)


def _with_state(paste: Paste, state: str) -> str:
    """The paste with the state written before the ZIP replaced by another state's code."""
    a = paste.expected
    zip_written = _zip_as_written(paste)
    head, _, tail = paste.text.rpartition(zip_written)
    words = {STATES[a.state], STATES[a.state].lower(), STATES[a.state].upper(), a.state,
             a.state.lower()}  # fmt: skip
    found = [m for w in words for m in re.finditer(rf"(?<![\w.']){re.escape(w)}(?!\w)", head)]
    last = max(found, key=lambda m: (m.start(), len(m.group())))
    return f"{head[: last.start()]}{state}{head[last.end() :]}{zip_written}{tail}"


def _gibberish(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(60)]
    texts = [" ".join(rng.sample(words, rng.randint(2, 8))) for _ in range(20)]
    texts += [", ".join(rng.sample(words, rng.randint(3, 6))) for _ in range(10)]
    texts += ["\n".join(rng.sample(words, rng.randint(3, 6))) for _ in range(10)]
    texts += ["", "   ", "???", "😀😀😀\n🏠🏠", "<b>hi</b>\n<i>there</i>", "שלום עולם\nمرحبا",
              "hello, world, 12345", "1234567890", "Lorem ipsum dolor sit amet, consectetur",
              "x" * 4096, "1, 2, 3, 4, 5", "\n\n\n", "Order #12345, thanks!"]  # fmt: skip
    return texts


def _parsed(text: str) -> Address | str:
    try:
        return parse_address(text).address
    except Rejected as rejected:
        return repr(rejected)


def _refused_rightly(case: Invalid) -> bool:
    try:
        parse_address(case.text)
    except Rejected as rejected:
        if case.reason is None:
            return True
        names = rejected.params.get("fields", ())
        return (rejected.field, rejected.problem) == case.reason and (
            case.names is None or case.names in names  # type: ignore[operator]
        )
    return False


def test_corpus_covers_every_state_and_layout():
    pastes = valid_pastes()
    assert len(pastes) >= 500
    pairs = {(p.expected.state, p.layout) for p in pastes}
    assert pairs == {(state, layout) for state in STATES for layout in LAYOUTS}
    assert len({p.text for p in pastes}) == len(pastes)


def test_every_generated_paste_is_taken_for_a_whole_address():
    # The bot reads a message on the address step as a paste only if this says so.
    assert [p.text for p in valid_pastes() if not looks_like_full_address(p.text)] == []


def test_generated_pastes_parse_exactly():
    pastes = valid_pastes()
    failures = [(p, got) for p in pastes if (got := _parsed(p.text)) != p.expected]
    rate = 1 - len(failures) / len(pastes)
    report = "\n\n".join(f"{p.text!r}\n  want {p.expected}\n  got  {got}" for p, got in failures)
    print(f"\ngenerated corpus: {len(pastes) - len(failures)}/{len(pastes)} exact ({rate:.1%})")
    assert rate >= PARSE_RATE, f"{rate:.1%} parsed exactly; the failures:\n{report}"


def test_generated_invalid_pastes_are_all_refused_for_the_right_reason():
    cases = invalid_pastes()
    wrong = [case for case in cases if not _refused_rightly(case)]
    print(f"\ngenerated invalid pastes: {len(cases) - len(wrong)}/{len(cases)} refused rightly")
    report = "\n\n".join(
        f"{c.category}: {c.text!r}\n  want {c.reason} {c.names or ''}\n  got  {_parsed(c.text)}"
        for c in wrong
    )
    assert not wrong, report
