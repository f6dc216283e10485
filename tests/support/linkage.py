"""A second generator of people and deliveries, independent of scv.demo.data.

The demo generator writes a publisher's CRM, shop, subscriptions and events with its own kind
of mess. This one is shaped like the public record-linkage benchmarks instead (FEBRL, voter
rolls): people with a national identifier, a date of birth and an address in parts, delivered
by registries, and a corruption model of its own:

- typos of three kinds: keyboard (a neighbouring key), OCR (0/O, 1/l, rn/m…) and phonetic
  (ph/f, c/k, ie/y, a doubled or single letter), plus letters dropped, doubled or swapped;
- first and last names swapped, values missing;
- dates in compact (19560409), day-first, month-first and two-digit-year layouts, with day and
  month transposed or a few days off;
- identifiers with one digit wrong or two digits transposed;
- addresses in parts (street number, street, second line, suburb, state, postcode).

Three deliveries, each a folder with truth.csv (source,source_record_id,entity_id), its sources
named as `scv client new --inbox` names them (after their files):
(a) `duplicates`: one source, a quarter of its people there two to four times;
(b) `linked`: two sources, every person once in each (one to one), from two registries;
(c) `mixed`: three sources of different shapes (a CRM export with one full-name column, a
    members' list with the address in parts, event registrations without any address).

`python -m support.linkage KIND --records N --out DIR` writes one from the command line.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

KINDS = ("duplicates", "linked", "mixed")


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN = words(
    "james john robert michael william david richard joseph thomas charles christopher daniel matthew "
    "anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason "
    "jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel "
    "gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas "
    "zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald harold sean austin carl "
    "arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne "
    "elijah randy roy vincent ralph eugene russell bobby mason philip louis mary patricia jennifer linda "
    "elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily "
    "donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy "
    "angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn "
    "janet catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina "
    "joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances "
    "kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly "
    "isabella theresa diana natalie brittany charlotte marie kayla alexis lori chloe mia zara priya aisha "
    "mohammed ahmed fatima yusuf omar leila wei li chen hiroshi yuki kenji sofia lucas mateo ivan olga "
    "dmitri anastasia kwame amara chidi ngozi siobhan niamh ciaran aoife declan eoin"
)
SURNAMES = words(
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez "
    "wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark "
    "ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams "
    "nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker "
    "cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper "
    "peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james "
    "bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez "
    "powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez "
    "simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno west cole "
    "hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro marshall owens "
    "harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman webb tucker "
    "guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz "
    "hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice "
    "schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley "
    "spencer hawkins arnold pierce vazquez hansen peters santos hart bradley knight elliott cunningham "
    "duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston "
    "matthews pena richards willis carpenter lawrence sandoval"
)
# Syllables for the long tail of rarer surnames every real population has.
ONSETS = ("b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p", "pr",
          "r", "s", "sh", "st", "t", "tr", "v", "w", "z")  # fmt: skip
NUCLEI = ("a", "e", "i", "o", "u", "ai", "ee", "ou", "ie", "oa")
CODAS = ("", "n", "r", "s", "t", "l", "m", "nd", "rt", "ck", "ng", "ll", "ss")
ENDINGS = ("", "son", "ton", "man", "er", "ley", "ford", "wood", "berg", "ski", "ini", "ez", "ova", "sen")
STREETS = words(
    "main oak pine maple cedar elm view washington lake hill park river church high station mill school "
    "queen king george victoria albert bridge north south west east spring valley forest meadow garden "
    "sunset highland jackson lincoln madison franklin chestnut walnut willow birch poplar cherry"
)
STREET_TYPES = ("street", "road", "avenue", "drive", "lane", "court", "place", "crescent", "close", "way")
SUBURBS = words(
    "riverside fairview greenwood kingston ashford brookfield clifton dalton easton fulham granville "
    "harlow ivanhoe jamestown kensington lakewood marston newbury oakley preston quarry redhill "
    "stanton thornbury upton vernon westbury yarra zetland belmont carlton dunmore elwood glenroy "
    "hawthorn inglewood kew lilydale mordialloc northcote orbost portsea rosebud sorrento toorak"
)
STATES = ("nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt")
UNITS = ("unit {n}", "flat {n}", "apt {n}", "level {n}", "suite {n}")
DOMAINS = ("mail.example", "post.example", "inbox.example", "web.example")

# Neighbouring keys on a QWERTY keyboard.
ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
KEYBOARD = {}
for row_index, row in enumerate(ROWS):
    for col, key in enumerate(row):
        near = [row[c] for c in (col - 1, col + 1) if 0 <= c < len(row)]
        for other in (row_index - 1, row_index + 1):
            if 0 <= other < len(ROWS):
                near += [ROWS[other][c] for c in (col, col + 1) if 0 <= c < len(ROWS[other])]
        KEYBOARD[key] = "".join(near)
OCR = (("0", "o"), ("1", "l"), ("5", "s"), ("8", "b"), ("m", "rn"), ("cl", "d"), ("vv", "w"), ("2", "z"),
       ("6", "b"), ("e", "c"), ("h", "b"), ("u", "v"))  # fmt: skip
PHONETIC = (("ph", "f"), ("c", "k"), ("ck", "k"), ("ie", "y"), ("ee", "ea"), ("s", "z"), ("ou", "ow"),
            ("th", "t"), ("ai", "ay"), ("mm", "m"), ("ll", "l"), ("tt", "t"), ("an", "en"), ("er", "or"))  # fmt: skip


@dataclass
class Person:
    entity_id: str
    given: str
    surname: str
    born: dt.date
    street_number: str
    street: str
    unit: str
    suburb: str
    state: str
    postcode: str
    national_id: str
    phone: str
    email: str
    member_no: str


def _zipf_choice(r: random.Random, values: list[str] | tuple[str, ...], s: float = 1.0) -> str:
    # Inverse-rank weights, computed once per list.
    cum = _CUM.get(id(values))
    if cum is None:
        total, cum = 0.0, []
        for k in range(len(values)):
            total += 1 / (k + 8) ** s
            cum.append(total)
        _CUM[id(values)] = cum
    x = r.random() * cum[-1]
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return values[lo]


_CUM: dict[int, list[float]] = {}


def _rare_surname(r: random.Random) -> str:
    parts = [r.choice(ONSETS) + r.choice(NUCLEI) + r.choice(CODAS) for _ in range(r.choice((1, 2, 2)))]
    return "".join(parts) + r.choice(ENDINGS)


def people(n: int, seed: int) -> list[Person]:
    r = random.Random(seed)
    ids: set[str] = set()
    emails: set[str] = set()
    out = []
    for i in range(n):
        while (national := str(r.randrange(1_000_000, 9_999_999))) in ids:
            pass
        ids.add(national)
        given = _zipf_choice(r, GIVEN, 0.8)
        surname = _zipf_choice(r, SURNAMES) if r.random() < 0.6 else _rare_surname(r)
        born = dt.date(1935, 1, 1) + dt.timedelta(days=r.randrange(0, 70 * 365))
        local = r.choice((f"{given}.{surname}", f"{given[0]}{surname}", f"{surname}{r.randrange(10, 99)}"))
        while f"{local}@" in emails:  # an address is one person's
            local += str(r.randrange(10))
        emails.add(f"{local}@")
        out.append(
            Person(
                entity_id=f"E{i:07d}",
                given=given,
                surname=surname,
                born=born,
                street_number=str(r.choice((r.randrange(1, 60), r.randrange(1, 400)))),
                street=f"{r.choice(STREETS)} {r.choice(STREET_TYPES)}",
                unit=r.choice(UNITS).format(n=r.randrange(1, 30)) if r.random() < 0.2 else "",
                suburb=_zipf_choice(r, SUBURBS, 0.5),
                state=_zipf_choice(r, STATES, 0.5),
                postcode=str(r.randrange(2000, 7999)),
                national_id=national,
                phone="0" + str(r.choice((2, 3, 4, 7, 8))) + "".join(str(r.randrange(10)) for _ in range(8)),
                email=f"{local}@{r.choice(DOMAINS)}",
                member_no=f"M{r.randrange(100_000, 999_999)}",
            )
        )
    return out


# --- corruption ---------------------------------------------------------------------------------


def typo(r: random.Random, text: str) -> str:
    """One error of the kinds people and scanners make."""
    if not text:
        return text
    kind = r.random()
    i = r.randrange(len(text))
    if kind < 0.3:  # keyboard: a neighbouring key
        near = KEYBOARD.get(text[i].lower())
        return text[:i] + r.choice(near) + text[i + 1 :] if near else text
    if kind < 0.45:  # OCR
        pairs = [(a, b) for a, b in OCR if a in text] + [(b, a) for a, b in OCR if b in text]
        if pairs:
            a, b = r.choice(pairs)
            return text.replace(a, b, 1)
    if kind < 0.65:  # phonetic
        pairs = [(a, b) for a, b in PHONETIC if a in text] + [(b, a) for a, b in PHONETIC if b in text]
        if pairs:
            a, b = r.choice(pairs)
            return text.replace(a, b, 1)
    if kind < 0.78 and len(text) > 3:  # a letter dropped
        return text[:i] + text[i + 1 :]
    if kind < 0.88:  # a letter doubled
        return text[:i] + text[i] + text[i:]
    if len(text) > 1:  # two letters swapped
        i = min(i, len(text) - 2)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def digit_error(r: random.Random, digits: str) -> str:
    """One digit wrong, or two neighbouring digits transposed."""
    positions = [i for i, c in enumerate(digits) if c.isdigit()]
    if len(positions) < 2:
        return digits
    if r.random() < 0.5:
        i = r.choice(positions)
        return digits[:i] + r.choice([d for d in "0123456789" if d != digits[i]]) + digits[i + 1 :]
    i = r.choice(positions[:-1])
    return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]


def date_error(r: random.Random, born: dt.date) -> dt.date:
    kind = r.random()
    if kind < 0.4 and born.day <= 12 and born.day != born.month:  # day and month transposed
        return born.replace(day=born.month, month=born.day)
    if kind < 0.8:  # a few days off
        return born + dt.timedelta(days=r.choice((-3, -2, -1, 1, 2, 3)))
    try:  # a digit of the year
        return born.replace(year=born.year + r.choice((-10, -1, 1, 10)))
    except ValueError:
        return born + dt.timedelta(days=1)


FIELDS = ("given", "surname", "born", "street_number", "street", "suburb", "postcode", "national_id",
          "phone", "email", "member_no", "unit", "state")  # fmt: skip


def corrupt(r: random.Random, p: Person, errors: int) -> Person:
    """A copy of p with `errors` corruptions, then a few values missing."""
    q = Person(**p.__dict__)
    for _ in range(errors):
        field = r.choices(FIELDS, weights=(6, 6, 4, 2, 3, 2, 2, 2, 1, 1, 1, 1, 1))[0]
        if field in ("given", "surname", "street", "suburb", "email", "unit"):
            setattr(q, field, typo(r, getattr(q, field)))
        elif field == "born":
            q.born = date_error(r, q.born)
        elif field in ("street_number", "postcode", "national_id", "phone", "member_no"):
            setattr(q, field, digit_error(r, getattr(q, field)))
        elif field == "state":
            q.state = r.choice(STATES)
    if r.random() < 0.05:
        q.given, q.surname = q.surname, q.given
    for field in ("given", "street_number", "street", "suburb", "postcode", "national_id", "phone",
                  "email", "unit", "state", "member_no"):  # fmt: skip
        if r.random() < 0.06:
            setattr(q, field, "")
    if r.random() < 0.04:
        q.born = None  # type: ignore[assignment]
    return q


def _errors(r: random.Random) -> int:
    return r.choices((0, 1, 2, 3, 4), weights=(10, 30, 30, 20, 10))[0]


# --- layouts --------------------------------------------------------------------------------------


def compact(d: dt.date | None) -> str:
    return d.strftime("%Y%m%d") if d else ""


def day_first(d: dt.date | None) -> str:
    return f"{d.day}/{d.month}/{d.year}" if d else ""


def month_first_short(d: dt.date | None) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}" if d else ""


def iso(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def spelled(d: dt.date | None) -> str:
    return f"{d.day} {d.strftime('%b')} {d.year}" if d else ""


def _write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


class Truth:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def add(self, source: str, record_id: str, entity: str) -> None:
        self.rows.append((source, record_id, entity))

    def write(self, folder: Path) -> None:
        _write_csv(
            folder / "truth.csv", ["source", "source_record_id", "entity_id"], [list(t) for t in self.rows]
        )


def _record_ids(r: random.Random, n: int, prefix: str) -> list[str]:
    ids = [f"{prefix}{i:07d}" for i in range(n)]
    r.shuffle(ids)
    return ids


def duplicates(folder: Path, records: int, seed: int) -> None:
    """(a) One source with duplicates: FEBRL's layout, compact dates, the address in parts."""
    r = random.Random(seed)
    population = people(int(records / 1.45), seed)
    truth, rows = Truth(), []
    for p in population:
        copies = [p]
        if r.random() < 0.25:
            copies += [corrupt(r, p, max(1, _errors(r))) for _ in range(r.choice((1, 1, 1, 2, 3)))]
        copies[0] = corrupt(r, p, 0)
        for q in copies:
            rows.append((q, p.entity_id))
    ids = _record_ids(r, len(rows), "rec-")
    out = []
    for (q, entity), rec in zip(rows, ids, strict=True):
        truth.add("people", rec, entity)
        out.append([rec, q.given, q.surname, q.street_number, q.street, q.unit, q.suburb, q.postcode,
                    q.state, compact(q.born), q.national_id])  # fmt: skip
    out.sort(key=lambda row: row[0])
    header = ["rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb",
              "postcode", "state", "date_of_birth", "soc_sec_id"]  # fmt: skip
    _write_csv(folder / "people.csv", header, out)
    truth.write(folder)


def linked(folder: Path, records: int, seed: int) -> None:
    """(b) Two sources, every person once in each: an electoral roll (day-first dates) and a
    health registry (month-first two-digit years, tab-separated, files dated in a sub-folder)."""
    r = random.Random(seed)
    population = people(records // 2, seed)
    truth = Truth()
    roll, registry = [], []
    roll_ids, registry_ids = _record_ids(r, len(population), "V"), _record_ids(r, len(population), "H")
    for p, a_id, b_id in zip(population, roll_ids, registry_ids, strict=True):
        a, b = corrupt(r, p, r.choice((0, 0, 1))), corrupt(r, p, _errors(r))
        truth.add("roll", a_id, p.entity_id)
        truth.add("registry", b_id, p.entity_id)
        roll.append([a_id, a.given.title(), a.surname.upper(), day_first(a.born), f"{a.street_number} {a.street}".strip(),
                     a.suburb.title(), a.state.upper(), a.postcode, a.national_id, a.phone])  # fmt: skip
        registry.append([b_id, b.surname.title(), b.given.title(), month_first_short(b.born), b.street_number,
                         b.street.title(), b.unit, b.suburb.upper(), b.postcode, b.national_id])  # fmt: skip
    roll.sort()
    registry.sort()
    _write_csv(folder / "roll.csv", ["voter_id", "first_name", "last_name", "birth_date", "residential_address",
               "locality", "state", "postcode", "national_id", "phone"], roll)  # fmt: skip
    _write_csv(folder / "registry" / "2026-11" / "registry_20261130.csv",
               ["patient_id", "family_name", "given_names", "dob", "street_no", "street_name", "address_line_2",
                "town", "post_code", "ssn"], registry, delimiter="\t")  # fmt: skip
    truth.write(folder)


def mixed(folder: Path, records: int, seed: int) -> None:
    """(c) Three sources of different shapes: a CRM export with one full-name column, members with
    the address in parts and membership numbers, event registrations (NDJSON, no address)."""
    r = random.Random(seed)
    population = people(int(records / 1.9), seed)
    truth = Truth()
    crm, members, events = [], [], []
    for p in population:
        where = [s for s in ("crm", "members", "events") if r.random() < 0.65] or [
            r.choice(("crm", "members"))
        ]
        for source in where:
            # People type their own registrations: fewer errors than a members' office keying forms.
            q = corrupt(r, p, _errors(r) if source == "members" else r.choice((0, 0, 1)))
            if source == "crm":
                name = (
                    f"{q.surname.upper()}, {q.given.title()}"
                    if r.random() < 0.5
                    else f"{q.given.title()} {q.surname.title()}"
                )
                crm.append([q, p, [name.strip(" ,"), q.email, q.phone, iso(q.born), q.member_no,
                                   f"{q.street_number} {q.street}, {q.suburb}".strip(" ,"), q.postcode]])  # fmt: skip
            elif source == "members":
                members.append([q, p, [q.member_no, q.given.title(), q.surname.title(), spelled(q.born),
                                       q.street_number, q.street.title(), q.unit, q.suburb.title(),
                                       q.state.upper(), q.postcode, q.email]])  # fmt: skip
            else:
                events.append([q, p, [q.given.title(), q.surname.title(), q.email, q.phone]])
    crm_ids, member_ids, event_ids = (
        _record_ids(r, len(x), pre) for x, pre in ((crm, "C"), (members, "K"), (events, "R"))
    )
    rows = []
    for rid, (_, p, row) in zip(crm_ids, crm, strict=True):
        truth.add("crm_export", rid, p.entity_id)
        rows.append([rid, *row])
    _write_csv(folder / "crm_export.csv", ["customer_ref", "name", "email", "telephone", "date_of_birth",
               "membership_number", "address", "postcode"], sorted(rows), delimiter=";")  # fmt: skip
    rows = []
    for rid, (_, p, row) in zip(member_ids, members, strict=True):
        truth.add("members", rid, p.entity_id)
        rows.append([rid, *row])
    _write_csv(folder / "members.csv", ["member_key", "membership_no", "forename", "surname", "born",
               "house_number", "street", "address_line_2", "suburb", "state", "postcode", "email"], sorted(rows))  # fmt: skip
    lines = []
    for rid, (_, p, row) in sorted(zip(event_ids, events, strict=True), key=lambda x: x[0]):
        truth.add("registrations", rid, p.entity_id)
        given, surname, email, phone = row
        lines.append(json.dumps({"registration": rid, "firstName": given, "lastName": surname,
                                 "emailAddress": email or None, "mobile": phone or None}))  # fmt: skip
    (folder / "events").mkdir(parents=True, exist_ok=True)
    (folder / "events" / "registrations.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    truth.write(folder)


def write(kind: str, folder: Path, records: int, seed: int = 7) -> Path:
    """Write delivery `kind` of about `records` records into folder (with truth.csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    {"duplicates": duplicates, "linked": linked, "mixed": mixed}[kind](folder, records, seed)
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.kind, args.out, args.records, args.seed)
