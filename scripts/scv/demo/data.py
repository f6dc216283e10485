"""Synthetic deliveries for the demo client, with the mess real deliveries have, and the truth.

A population of people is drawn from a seed, with names, employers and addresses shaped like a real
population's at any size (tables.py); each person leaves records in the four sources of
clients/demo/client.yml, each source in its own system's format and encoding. `truth.csv` says
which person every record belongs to, so matching can be measured (`scv match-eval`).

Every person draws from their own random stream (seed, person), and every week's churn from
(seed, person, week), so week K+1 is week K plus churn: people who did not change keep identical
rows and ids, and the same arguments always give the same files.
"""

from __future__ import annotations

import csv
import io
import random
import string
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from scv.core.errors import ScvError
from scv.demo import tables
from scv.demo.tables import Organisation, Origin

# Week 1's delivery is dated Monday 5 January 2026; week K is K-1 weeks later.
WEEK_ONE = date(2026, 1, 5)

# Record ids are one to one up to this many people (events: 16 per person in 8 digits).
MAX_PEOPLE = 6_000_000

# Weekly churn, as shares of the week-1 population.
NEW_PEOPLE = 0.02
CRM_DELETED = 0.01
CHANGED = 0.03

# Shared mailboxes of academic institutions, which several people buy or subscribe through.
SHARED_MAILBOXES = ("library", "orders")

# Abroad: (country code, ways sources write the country, city, postcode maker)
ABROAD: list[tuple[str, tuple[str, ...], str, Callable[[random.Random], str]]] = [
    ("IE", ("Ireland", "IE", "Eire", "Republic of Ireland"), "Dublin",
     lambda r: f"D{r.randint(1, 24):02d} {r.choice('ACDEFHKNPRTVWXY')}{r.randint(100, 999)}"),
    ("US", ("United States", "USA", "US", "U.S.A."), "Boston", lambda r: f"{r.randint(1000, 99999):05d}"),
    ("DE", ("Germany", "DE", "Deutschland"), "Berlin", lambda r: f"{r.randint(10000, 99999)}"),
    ("FR", ("France", "FR", "FRA"), "Paris",
     lambda r: f"75{r.randint(1, 20):03d}"),
    ("NL", ("Netherlands", "NL", "The Netherlands", "Holland"), "Amsterdam",
     lambda r: f"{r.randint(1000, 9999)} {''.join(r.choices(string.ascii_uppercase, k=2))}"),
    ("IN", ("India", "IN", "IND"), "Bengaluru", lambda r: f"560{r.randint(0, 999):03d}"),
    ("CN", ("China", "CN", "PRC"), "Shanghai", lambda r: f"200{r.randint(0, 999):03d}"),
]  # fmt: skip
UK_AS = ("United Kingdom", "UK", "GB", "England", "Great Britain", "U.K.")

FREE_MAIL = (
    "gmail.com",
    "gmail.com",
    "hotmail.co.uk",
    "outlook.com",
    "yahoo.co.uk",
    "icloud.com",
    "btinternet.com",
)
JOURNALS = ("Journal of Northbridge Studies", "Quarterly Review of Data", "Annals of Applied Matching",
            "Northbridge Law Review", "Modern Linguistics", "History Today Quarterly")  # fmt: skip
EVENTS = ("Annual Conference", "Open Access Webinar", "Editors' Summit", "Book Launch", "Data Day")
PRODUCTS = (("Print book", 34.5), ("E-book", 24.99), ("Article access", 39.0), ("Journal issue", 18.0),
            ("Conference ticket", 120.0), ("Bundle", 75.0))  # fmt: skip
JOBS = ("Lecturer", "Professor", "Librarian", "Research Fellow", "PhD Student", "Editor", "Consultant")
OTHER_JOBS = ("Manager", "Analyst", "Engineer", "Teacher", "Nurse", "Director", "Officer", "Consultant")

CRM_COLUMNS = ["contact_id", "title", "first_name", "last_name", "email", "phone", "organisation",
               "address_line1", "city", "postcode", "country", "orcid", "date_of_birth", "created_at",
               "updated_at"]  # fmt: skip
SHOP_COLUMNS = ["order_id", "order_date", "customer_email", "billing_name", "billing_postcode",
                "billing_country", "product", "amount", "currency"]  # fmt: skip
SUBS_COLUMNS = ["subscription_id", "subscriber_no", "salutation", "forename", "surname", "email",
                "institution", "journal", "start_date", "end_date", "postcode",
                "country"]  # fmt: skip
EVENT_COLUMNS = ["registration_id", "event_name", "event_date", "registered_at", "first_name",
                 "last_name", "badge_name", "email", "phone", "organisation", "job_title",
                 "country"]  # fmt: skip


@dataclass
class Address:
    line1: str
    city: str
    postcode: str
    country: str  # ISO code
    country_names: tuple[str, ...]


@dataclass
class State:
    """What is true about a person in a given week."""

    first: str
    last: str
    personal_email: str | None
    work_email: str | None
    phone: str | None
    address: Address
    changed_week: int = 1

    @property
    def first_email(self) -> str | None:
        return self.personal_email or self.work_email


@dataclass
class Person:
    index: int
    entity_id: str
    born_week: int  # 1 for the week-1 population
    origin: Origin  # where their names come from
    title: str
    nicknames: tuple[str, ...]
    institution: Organisation | None
    orcid: str | None
    birth_date: date | None
    states: dict[int, State] = field(default_factory=dict)
    crm_deleted_week: int | None = None
    crm_duplicate: bool = False
    orders: list[tuple[int, int]] = field(default_factory=list)  # (week, n)
    subscriptions: list[tuple[int, int]] = field(default_factory=list)
    events: list[tuple[int, int]] = field(default_factory=list)

    def state(self, week: int) -> State:
        return self.states[max(w for w in self.states if w <= max(week, self.born_week))]


def generate(
    out: Path,
    *,
    customers: int = 10_000,
    seed: int = 42,
    week: int = 1,
    mess: float = 1.0,
    progress: Callable[[str, int], None] = lambda what, n: None,
) -> dict[str, int]:
    """Write the week's delivery and truth.csv to `out`; returns rows written per file."""
    if customers < 1 or week < 1:
        raise ScvError("demo-data: --customers and --week must be at least 1")
    if customers * (1 + NEW_PEOPLE * (week - 1)) > MAX_PEOPLE:
        raise ScvError(f"demo-data: at most {MAX_PEOPLE:,} people (--customers plus the weeks' newcomers)")
    out.mkdir(parents=True, exist_ok=True)
    people = _population(customers, seed, week, progress)
    writer = _Writer(seed, week, mess)
    summary = {
        "crm_contacts.csv": writer.crm(out / "crm_contacts.csv", people),
        "shop_orders.csv": writer.shop(out / "shop_orders.csv", people),
        "subscriptions.xlsx": writer.subscriptions(out / "subscriptions.xlsx", people),
        "event_registrations.txt": writer.events(out / "event_registrations.txt", people),
    }
    progress("Writing truth.csv", 0)
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source", "source_record_id", "entity_id"])
        w.writerows(writer.truth)
    summary["truth.csv"] = len(writer.truth)
    summary["people"] = len(people)
    return summary


# --- the population -------------------------------------------------------------------------


def _rng(seed: int, person: int, stream: int) -> random.Random:
    # One stream per (seed, person, stream): independent, stable across runs and Python versions.
    return random.Random((seed << 48) | (person << 16) | stream)


def _population(customers: int, seed: int, week: int, progress: Callable[[str, int], None]) -> list[Person]:
    people: list[Person] = []
    taken: set[str] = set()
    per_week = max(1, round(customers * NEW_PEOPLE))
    total = customers + per_week * (week - 1)
    batch = max(1, total // 50)
    for i in range(total):
        born = 1 if i < customers else 2 + (i - customers) // per_week
        person = _person(seed, i, born, taken)
        for w in range(max(2, born + 1), week + 1):
            _churn(person, _rng(seed, i, w), w, taken)
        people.append(person)
        if i % batch == batch - 1:
            progress("Drawing people", batch)
    return people


def draw_name(r: random.Random) -> tuple[Origin, bool, str, str]:
    """Where a person's names come from, whether she is a woman, and her first name and surname."""
    origin = tables.origins()[0].draw(r)
    female = r.random() < 0.5
    first = (origin.female if female else origin.male).draw(r)
    last = origin.surname(r)
    if origin.name == "british" and r.random() < 0.01:  # double-barrelled
        last = f"{last}-{origin.surname(r)}"
    return origin, female, first, last


def _person(seed: int, i: int, born: int, taken: set[str]) -> Person:
    r = _rng(seed, i, 0)
    origin, female, first, last = draw_name(r)
    academic = r.random() < 0.7
    academics, employers = tables.organisations()
    institution = academics.draw(r) if academic else employers.draw(r) if r.random() < 0.5 else None
    personal = (
        _unique_email(r, first, last, r.choice(FREE_MAIL), taken)
        if not academic or r.random() < 0.8
        else None
    )
    work = (
        _unique_email(r, first, last, institution.domain, taken, formal=True)
        if institution and (academic or r.random() < 0.5)
        else None
    )
    plain = r.choice(("Ms", "Mrs", "Ms", "Miss")) if female else "Mr"
    person = Person(
        index=i,
        entity_id=f"P{i:07d}",
        born_week=born,
        origin=origin,
        title="Mx"
        if r.random() < 0.01
        else r.choice(("Dr", "Dr", "Dr", "Prof", plain, plain, plain))
        if academic
        else r.choice((plain, plain, plain, plain, "")),
        nicknames=tables.nicknames().get(first.lower(), ()),
        institution=institution,
        orcid=_orcid(r) if academic and r.random() < 0.4 else None,
        birth_date=date(1950, 1, 1) + timedelta(days=r.randrange(365 * 50)) if r.random() < 0.4 else None,
    )
    person.states[born] = State(first, last, personal, work, _phone(r), _address(r), born)
    person.crm_duplicate = r.random() < 0.03
    if born == 1:
        person.orders = [(1, n) for n in range(r.choices((0, 1, 2, 3, 4, 6), (45, 25, 15, 8, 4, 3))[0])]
        person.subscriptions = [(1, n) for n in range(r.choices((0, 1, 2), (70, 22, 8))[0])]
        person.events = [(1, n) for n in range(r.choices((0, 1, 2, 3), (65, 22, 9, 4))[0])]
    else:  # someone new this week: a first order or a first registration brought them in
        person.orders = [(born, 0)] if r.random() < 0.6 else []
        person.events = [(born, 0)] if not person.orders or r.random() < 0.3 else []
    if r.random() < 0.08:  # not in the CRM at all: only ever bought or registered
        person.crm_deleted_week = born
    return person


def _churn(person: Person, r: random.Random, week: int, taken: set[str]) -> None:
    roll = r.random()
    if roll < CRM_DELETED:
        person.crm_deleted_week = person.crm_deleted_week or week
    elif roll < CRM_DELETED + CHANGED:
        before = person.state(week)
        kind = r.choice(("moved", "moved", "email", "phone", "surname"))
        if kind == "moved":
            after = replace(before, address=_address(r))
        elif kind == "email":
            after = replace(
                before, personal_email=_unique_email(r, before.first, before.last, r.choice(FREE_MAIL), taken)
            )
        elif kind == "phone":
            after = replace(before, phone=_phone(r))
        else:
            after = replace(before, last=person.origin.surname(r))
        person.states[week] = replace(after, changed_week=week)
    if r.random() < 0.05:
        person.orders.append((week, len(person.orders)))
    if r.random() < 0.02:
        person.events.append((week, len(person.events)))
    if r.random() < 0.005:
        person.subscriptions.append((week, len(person.subscriptions)))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _unique_email(r: random.Random, first: str, last: str, domain: str, taken: set[str], formal=False) -> str:
    f, la = _ascii(first).lower().replace(" ", ""), _ascii(last).lower().replace(" ", "").replace("'", "")
    if formal:
        candidates = [f"{f}.{la}", f"{f[0]}.{la}", f"{f}.{la}{r.randint(2, 99)}"]
    else:
        style = r.randrange(4)
        local = (f"{f}.{la}", f"{f[0]}{la}", f"{f}{la}", f"{la}.{f}")[style]
        candidates = [local, f"{local}{r.randint(1, 99)}", f"{local}{r.randint(1950, 2005)}"]

    def mailbox(address: str) -> str:
        # Gmail ignores dots: jane.doe@ and janedoe@ are one mailbox, so one person.
        local, _, host = address.partition("@")
        return f"{local.replace('.', '')}@{host}" if host == "gmail.com" else address

    for local in candidates:
        address = f"{local}@{domain}"
        if mailbox(address) not in taken:
            break
    while mailbox(address) in taken:
        address = f"{local}{r.randint(100, 99999)}@{domain}"
    taken.add(mailbox(address))
    return address


def _phone(r: random.Random) -> str | None:
    # UK mobiles (07xxx xxxxxx), stored as digits, formatted per source. The whole mobile range:
    # Ofcom's drama range has a thousand numbers, and even 07700's million gave half the numbers
    # of a 3.35M-person population to two or more people, which no real population does.
    return f"7{r.randint(400_000_000, 999_999_999)}" if r.random() < 0.75 else None


def _address(r: random.Random) -> Address:
    if r.random() < 0.85:
        town, postcode = tables.uk_postcode(r)
        return Address(tables.street_address(r), town, postcode, "GB", UK_AS)
    code, names, city, postcode = r.choice(ABROAD)
    return Address(
        f"{r.randint(1, 240)} {r.choice(tables.STREET_WORDS)} Street", city, postcode(r), code, names
    )


def _orcid(r: random.Random) -> str:
    base = "0000000" + "".join(str(r.randint(0, 9)) for _ in range(8))
    total = 0
    for digit in base:  # ISO 7064 MOD 11-2, the ORCID check character
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    digits = base + ("X" if check == 10 else str(check))
    return "-".join(digits[k : k + 4] for k in range(0, 16, 4))


# --- writing the sources, with each system's habits -------------------------------------------


@cache
def _week_start(week: int) -> datetime:
    return datetime.combine(WEEK_ONE + timedelta(weeks=week - 1), datetime.min.time())


def _moment(r: random.Random, week: int) -> datetime:
    """A time within the week before week `week`'s delivery; week-1 history spans two years."""
    end = _week_start(week)
    span = timedelta(days=730) if week == 1 else timedelta(days=7)
    return end - timedelta(seconds=r.randrange(1, int(span.total_seconds())))


def _bijection(n: int, width: int) -> int:
    # Ids look random but never collide: multiplication by a unit modulo 10**width, one to one
    # while n < 10**width (the widths leave room for MAX_PEOPLE, checked by generate()).
    return (n * 7_654_321 + 1_234_567) % 10**width


class _Writer:
    def __init__(self, seed: int, week: int, mess: float) -> None:
        self.seed, self.week, self.mess = seed, week, mess
        self.truth: list[tuple[str, str, str]] = []

    def _chance(self, r: random.Random, p: float) -> bool:
        return r.random() < p * self.mess

    # Mess that happens to any free-text field typed by a person.
    def _name(self, r: random.Random, name: str, typo: float = 0.0, accents: float = 0.0) -> str:
        if accents and self._chance(r, accents):
            name = _ascii(name)
        if typo and self._chance(r, typo) and len(name) > 3:
            k = r.randrange(1, len(name) - 1)
            name = r.choice(
                (
                    name[:k] + name[k + 1 :],
                    name[:k] + name[k + 1] + name[k] + name[k + 2 :],
                    name[:k] + r.choice("aeiourn") + name[k + 1 :],
                )
            )
        roll = r.random()
        if roll < 0.04 * self.mess:
            name = name.upper()
        elif roll < 0.06 * self.mess:
            name = name.lower()
        elif roll < 0.09 * self.mess:
            name = f" {name}  "
        return name

    def _email(self, r: random.Random, email: str | None, plus: float = 0.0) -> str:
        if not email:
            return ""
        if plus and self._chance(r, plus) and email.split("@")[1] in ("gmail.com", "outlook.com"):
            local, domain = email.split("@")
            email = f"{local}+{r.choice(('shop', 'books', 'news'))}@{domain}"
        roll = r.random()
        if roll < 0.04 * self.mess:
            return email.upper()
        if roll < 0.07 * self.mess:
            return email[0].upper() + email[1:] + " "
        return email

    def _phone(self, r: random.Random, digits: str | None) -> str:
        if not digits:
            return ""
        a, b = digits[:4], digits[4:]
        return r.choice(
            (
                f"+44 {a} {b}",
                f"0{a} {b}",
                f"0{digits}",
                f"+44 (0){a} {b}",
                f"0044 {a} {b[:3]} {b[3:]}",
                f"+44{digits}",
            )
        )

    def _postcode(self, r: random.Random, postcode: str) -> str:
        roll = r.random()
        if roll < 0.05 * self.mess:
            return postcode.lower()
        if roll < 0.10 * self.mess:
            return postcode.replace(" ", "")
        return postcode

    def _organisation(self, r: random.Random, institution: Organisation | None) -> str:
        return r.choice(institution.variants) if institution else ""

    def _record(self, source: str, record_id: str, person: Person) -> None:
        self.truth.append((source, record_id, person.entity_id))

    def crm(self, path: Path, people: list[Person]) -> int:
        rows: list[list[str]] = []
        for p in people:
            if p.crm_deleted_week is not None and p.crm_deleted_week <= self.week:
                continue
            r = _rng(self.seed, p.index, 1001)
            s = p.state(self.week)
            created = _moment(r, p.born_week)
            updated = max(created, _week_start(s.changed_week) - timedelta(hours=r.randint(1, 100)))
            versions = [(0, s.first, s.personal_email or s.work_email, s.phone, True)]
            if p.crm_duplicate:  # someone created them again: informal name, their other address
                informal = r.choice(p.nicknames) if p.nicknames and r.random() < 0.6 else s.first
                other = (
                    s.work_email if s.personal_email and s.work_email and r.random() < 0.5 else versions[0][2]
                )
                versions.append((1, informal, other, s.phone if r.random() < 0.5 else None, r.random() < 0.5))
            for k, first, email, phone, full in versions:
                record_id = f"C{_bijection(p.index * 4 + k, 8):08d}"
                row = [
                    record_id,
                    p.title if r.random() < 0.9 else "",
                    self._name(r, first),
                    self._name(r, s.last),
                    self._email(r, email),
                    self._phone(r, phone),
                    self._organisation(r, p.institution) if r.random() < 0.9 else "",
                    s.address.line1 if full else "",
                    s.address.city if full else "",
                    self._postcode(r, s.address.postcode) if full or r.random() < 0.5 else "",
                    r.choice(s.address.country_names[:2])
                    if s.address.country != "GB" or r.random() < 0.9
                    else "",
                    (p.orcid if r.random() < 0.8 else f"https://orcid.org/{p.orcid}") if p.orcid else "",
                    f"{p.birth_date:%d/%m/%Y}" if p.birth_date and full else "",
                    f"{created:%Y-%m-%d %H:%M:%S}",
                    f"{updated:%Y-%m-%d %H:%M:%S}",
                ]
                rows.append(row)
                self._record("crm_contacts", record_id, p)
                if self._chance(r, 0.003):  # the export ran a page twice
                    rows.append(list(row))
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(CRM_COLUMNS)
            w.writerows(rows)
        return len(rows)

    def shop(self, path: Path, people: list[Person]) -> int:
        rows: list[list[str]] = []
        for p in people:
            for week, n in p.orders:
                if week > self.week:
                    continue
                r = _rng(self.seed, p.index, 2000 + n)
                s = p.state(week)
                when = _moment(r, week)
                record_id = f"SO{_bijection(p.index * 64 + n, 9):09d}"
                email = s.personal_email or s.work_email
                if (
                    p.institution and p.institution.academic and self._chance(r, 0.03)
                ):  # the department's mailbox
                    email = f"{r.choice(SHARED_MAILBOXES)}@{p.institution.domain}"
                first = r.choice(p.nicknames) if p.nicknames and self._chance(r, 0.05) else s.first
                first, last = (
                    self._name(r, first, typo=0.02, accents=0.3),
                    self._name(r, s.last, typo=0.02, accents=0.3),
                )
                style = r.random()
                name = (
                    f"{last}, {first}"
                    if style < 0.1
                    else f"{p.title} {first} {last}"
                    if style < 0.17 and p.title
                    else f"{first} {last}"
                )
                product, price = r.choice(PRODUCTS)
                currency = (
                    "GBP" if s.address.country == "GB" else ("USD" if s.address.country == "US" else "EUR")
                )
                rows.append([
                    record_id,
                    f"{when:%d.%m.%Y %H:%M}",
                    self._email(r, email, plus=0.04),
                    name,
                    self._postcode(r, s.address.postcode) if r.random() < 0.95 else "",
                    s.address.country,
                    product,
                    f"{price:.2f}".replace(".", ","),
                    currency,
                ])  # fmt: skip
                self._record("shop_orders", record_id, p)
                if self._chance(r, 0.002):
                    rows.append(list(rows[-1]))
        # The shop's export tool writes a UTF-8 BOM and then latin-1; what latin-1 lacks becomes "?".
        with path.open("wb") as raw:
            raw.write(b"\xef\xbb\xbf")
            text = io.TextIOWrapper(raw, encoding="latin-1", errors="replace", newline="")
            w = csv.writer(text, delimiter=";", lineterminator="\r\n")
            w.writerow(SHOP_COLUMNS)
            w.writerows(rows)
            text.flush()
            text.detach()
        return len(rows)

    def subscriptions(self, path: Path, people: list[Person]) -> int:
        rows: list[list[object]] = []
        for p in people:
            for week, n in p.subscriptions:
                if week > self.week:
                    continue
                r = _rng(self.seed, p.index, 3000 + n)
                s = p.state(week)
                start = _moment(r, week).date()
                record_id = f"SUB-{_bijection(p.index * 8 + n, 8):08d}"
                crm_number = _bijection(p.index * 4, 8) if p.crm_deleted_week != p.born_week else None
                first = s.first if not self._chance(r, 0.05) else f"{s.first[0]}."
                # Some institutions subscribe through the library's shared mailbox.
                library = (
                    f"library@{p.institution.domain}"
                    if p.institution and p.institution.academic and self._chance(r, 0.05)
                    else None
                )
                rows.append([
                    record_id,
                    crm_number if crm_number is not None and r.random() < 0.6 else None,  # a number cell
                    p.title,
                    self._name(r, first, typo=0.01),
                    self._name(r, s.last, typo=0.01),
                    self._email(r, library or s.work_email or s.first_email),
                    self._organisation(r, p.institution),
                    r.choice(JOURNALS),
                    start if r.random() < 0.9 else f"{start:%d/%m/%Y}",  # some typed in as text
                    start + timedelta(days=365) if r.random() < 0.8 else None,
                    self._postcode(r, s.address.postcode),
                    r.choice(s.address.country_names),
                ])  # fmt: skip
                self._record("subscriptions", record_id, p)
        _write_xlsx(path, "Subscribers", SUBS_COLUMNS, rows)
        return len(rows)

    def events(self, path: Path, people: list[Person]) -> int:
        rows: list[list[str]] = []
        for p in people:
            for week, n in p.events:
                if week > self.week:
                    continue
                r = _rng(self.seed, p.index, 4000 + n)
                s = p.state(week)
                when = _moment(r, week)
                record_id = f"REG-{_bijection(p.index * 16 + n, 8):08d}"
                first = r.choice(p.nicknames) if p.nicknames and self._chance(r, 0.15) else s.first
                badge = r.choice(p.nicknames) if p.nicknames and r.random() < 0.5 else first
                phone = self._phone(r, s.phone) if r.random() < 0.5 else ""
                if p.institution and self._chance(r, 0.05):  # the department's switchboard
                    phone = p.institution.switchboard
                rows.append([
                    record_id,
                    f"{r.choice(EVENTS)} {when.year}",
                    f"{(when + timedelta(days=r.randint(7, 60))).date():%Y-%m-%d}",
                    f"{when:%Y-%m-%dT%H:%M:%SZ}",
                    self._name(r, first, typo=0.02, accents=0.2),
                    self._name(r, s.last, typo=0.02, accents=0.2),
                    f"{badge} {s.last}",
                    self._email(r, r.choice((s.personal_email, s.work_email)) or s.first_email),
                    phone,
                    self._organisation(r, p.institution),
                    (r.choice(JOBS if p.institution.academic else OTHER_JOBS) if p.institution else ""),
                    r.choice(s.address.country_names),
                ])  # fmt: skip
                self._record("event_registrations", record_id, p)
        # The events platform writes UTF-16 with a byte-order mark, pipe-separated.
        with path.open("w", newline="", encoding="utf-16") as f:
            w = csv.writer(f, delimiter="|", lineterminator="\r\n")
            w.writerow(EVENT_COLUMNS)
            w.writerows(rows)
        return len(rows)


# --- a small XLSX writer: openpyxl takes most of a minute for 100k rows, this a few seconds ---

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    # Style 1 is Excel's built-in short date (numFmtId 14), so date cells read back as dates.
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        "</styleSheet>"
    ),
}
_EXCEL_EPOCH = date(1899, 12, 30)


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list[object]]) -> None:
    letters = [string.ascii_uppercase[k] for k in range(len(header))]

    def cell(ref: str, value: object) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, date):
            return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        text = escape(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'

    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    ]
    for n, row in enumerate([header, *rows], start=1):
        cells = "".join(cell(f"{letters[k]}{n}", v) for k, v in enumerate(row))
        parts.append(f'<row r="{n}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    files = {**_XLSX_PARTS, "xl/workbook.xml": workbook, "xl/worksheets/sheet1.xml": "".join(parts)}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, xml in files.items():
            # A fixed timestamp: the same delivery is the same bytes, so its sha256 is stable.
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), xml, zipfile.ZIP_DEFLATED, 1)
