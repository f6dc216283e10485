"""Synthetic deliveries for the demo client, with the mess real deliveries have, and the truth.

A population of people is drawn from a seed; each person leaves records in the four sources of
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
from itertools import accumulate
from pathlib import Path
from xml.sax.saxutils import escape

from scv.core.errors import ScvError

# Week 1's delivery is dated Monday 5 January 2026; week K is K-1 weeks later.
WEEK_ONE = date(2026, 1, 5)

# Weekly churn, as shares of the week-1 population.
NEW_PEOPLE = 0.02
CRM_DELETED = 0.01
CHANGED = 0.03

# (first name, nicknames used in informal sources); nicknames agree with seeds/nicknames.csv.
FIRST_NAMES: list[tuple[str, tuple[str, ...]]] = [
    ("James", ("Jim", "Jimmy", "Jamie")), ("John", ("Johnny", "Jack")), ("Robert", ("Bob", "Rob", "Robbie")),
    ("Michael", ("Mike", "Mick")), ("William", ("Bill", "Will")), ("David", ("Dave",)),
    ("Richard", ("Rich", "Dick")), ("Thomas", ("Tom", "Tommy")), ("Christopher", ("Chris",)),
    ("Daniel", ("Dan", "Danny")), ("Matthew", ("Matt",)), ("Anthony", ("Tony",)),
    ("Andrew", ("Andy",)), ("Joseph", ("Joe",)), ("Steven", ("Steve",)), ("Edward", ("Ed", "Eddie")),
    ("Peter", ("Pete",)), ("Philip", ("Phil",)), ("Nicholas", ("Nick",)), ("Benjamin", ("Ben",)),
    ("Samuel", ("Sam",)), ("Alexander", ("Alex",)), ("Timothy", ("Tim",)), ("Kenneth", ("Ken",)),
    ("Frederick", ("Fred", "Freddie")), ("Henry", ("Harry",)), ("Charles", ("Charlie",)),
    ("Jonathan", ("Jon",)), ("Gregory", ("Greg",)), ("Patrick", ("Pat",)), ("Nathan", ("Nate",)),
    ("Joshua", ("Josh",)), ("Ronald", ("Ron",)), ("Mary", ()),
    ("Patricia", ("Pat",)),
    ("Jennifer", ("Jen", "Jenny")), ("Elizabeth", ("Liz", "Beth", "Lizzie")), ("Susan", ("Sue", "Susie")),
    ("Margaret", ("Maggie", "Meg", "Peggy")), ("Catherine", ("Kate", "Cathy")),
    ("Katherine", ("Kate", "Katie")),
    ("Rebecca", ("Becky",)), ("Victoria", ("Vicky",)), ("Abigail", ("Abby",)), ("Deborah", ("Debbie",)),
    ("Pamela", ("Pam",)), ("Alexandra", ("Alex",)), ("Samantha", ("Sam",)), ("Natalie", ("Nat",)),
    ("Sarah", ()), ("Emma", ()), ("Laura", ()), ("Rachel", ()), ("Helen", ()), ("Claire", ()),
    ("Louise", ()), ("Hannah", ()), ("Sophie", ()), ("Lucy", ()), ("Charlotte", ()), ("Olivia", ()),
    ("Amelia", ()), ("Isla", ()), ("Grace", ()), ("Ruth", ()), ("Anna", ()), ("Julia", ()),
    ("Fiona", ()), ("Gemma", ()), ("Joanne", ("Jo",)), ("Nicola", ()), ("Angela", ()), ("Karen", ()),
    ("Mark", ()), ("Paul", ()), ("Simon", ()), ("Stephen", ("Steve",)), ("Ian", ()), ("Gary", ()),
    ("Neil", ()), ("Adam", ()), ("Oliver", ()), ("George", ()), ("Jacob", ()), ("Oscar", ()),
    ("Leo", ()), ("Arthur", ()), ("Noah", ()), ("Ethan", ()), ("Ryan", ()), ("Liam", ()),
    ("José", ()), ("María", ()), ("Zoë", ()), ("Chloé", ()), ("Søren", ()), ("François", ()),
    ("Jürgen", ()), ("Siobhán", ()), ("Aoife", ()), ("Seán", ()), ("Małgorzata", ()), ("Łukasz", ()),
    ("Wei", ()), ("Xin", ()), ("Priya", ()), ("Arjun", ()), ("Ananya", ()), ("Mohammed", ()),
    ("Fatima", ()), ("Aisha", ()), ("Oluwaseun", ()), ("Chinedu", ()), ("Hiroshi", ()), ("Yuki", ()),
    ("Ines", ()), ("Matteo", ()), ("Giulia", ()), ("Lars", ()), ("Ingrid", ()), ("Pieter", ()),
    ("Harriet", ()), ("Imogen", ()), ("Eleanor", ()), ("Beatrice", ()), ("Florence", ()), ("Matilda", ()),
    ("Rosalind", ()), ("Miriam", ()), ("Naomi", ()), ("Esther", ()), ("Judith", ()), ("Bridget", ()),
    ("Eilidh", ()), ("Morag", ()), ("Ffion", ()), ("Cerys", ()), ("Niamh", ()), ("Orla", ()),
    ("Rhys", ()), ("Dylan", ()), ("Gareth", ()), ("Owain", ()), ("Hamish", ()), ("Angus", ()),
    ("Callum", ()), ("Fraser", ()), ("Declan", ()), ("Ciaran", ()), ("Padraig", ()), ("Rory", ()),
    ("Hugo", ()), ("Felix", ()), ("Rupert", ()), ("Jasper", ()), ("Crispin", ()), ("Barnaby", ()),
    ("Tobias", ()), ("Quentin", ()), ("Ambrose", ()), ("Cuthbert", ()), ("Ignatius", ()), ("Lucian", ()),
    ("Keiko", ()), ("Haruto", ()), ("Mei", ()), ("Jun", ()), ("Min-jun", ()), ("Seo-yeon", ()),
    ("Kwame", ()), ("Ama", ()), ("Tendai", ()), ("Zanele", ()), ("Thabo", ()), ("Nomvula", ()),
    ("Rahul", ()), ("Deepa", ()), ("Sanjay", ()), ("Kavya", ()), ("Vikram", ()), ("Lakshmi", ()),
    ("Omar", ()), ("Layla", ()), ("Yusuf", ()), ("Noor", ()), ("Karim", ()), ("Samira", ()),
    ("Dmitri", ()), ("Olga", ()), ("Anton", ()), ("Katarzyna", ()), ("Piotr", ()), ("Agnieszka", ()),
    ("Björn", ()), ("Astrid", ()), ("Henrik", ()), ("Sigrid", ()), ("Mikael", ()), ("Elin", ()),
]  # fmt: skip

LAST_NAMES: list[str] = """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin
Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips
Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey
Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum
Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen
Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon
Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds
Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson
Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson
Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone
Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner
Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross
Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis
Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler
Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard
Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber
Nelson Slater Austin Sullivan Whitehouse Fraser Müller Schmidt Schneider Fischer Weber Becker
García Fernández López Martínez González Rodríguez Rossi Russo Ferrari Bianchi Romano Dubois
Lefèvre Moreau Laurent Girard Nowak Kowalski Wiśniewski Jansen de_Vries van_den_Berg Bakker Visser
Nielsen Jensen Hansen Kim Park Wang Li Zhang Liu Chen Yang Huang Tanaka Suzuki Sato Nguyen Tran
O'Sullivan Ó_Briain MacLeod MacDonald Ferreira Silva Santos Costa Novák Horváth Kovács Andersson
Johansson Karlsson Okafor Adeyemi Mensah Banerjee Chatterjee Iyer Sharma Gupta Kapoor Malik Rahman
Haddad Nasser Cohen Levi Friedman Kowalczyk Petrov Ivanova Popescu Dimitrov Papadopoulos Yilmaz
Abbott Acton Ainsworth Aldridge Alexander Allsopp Ambrose Appleby Archer Ashby Ashworth Aston Atherton
Aylward Bagshaw Bainbridge Balfour Bamford Banks Barlow Barraclough Bartlett Baxter Beckett Bellamy
Benson Bentley Beresford Bingham Birch Blackburn Blackwell Blake Blakemore Blundell Bolton Bond
Boswell Bowen Bowler Boyle Bradshaw Bramwell Brennan Brewer Bridger Briggs Broadbent Bromley Buckingham
Bullock Burrows Bushell Cadogan Calvert Cantrell Carling Cartwright Caulfield Chadwick Challis
Charlton Chesterton Chivers Clayton Clements Clifford Coates Cobb Colbert Compton Conway Corbett
Cotterill Cowley Crabtree Crawford Croft Crowther Cunliffe Dalton Darby Davenport Dawkins Deacon
Denton Devlin Dickinson Dobson Donovan Dorsey Draper Drummond Duckworth Dudley Dunbar Durrant Eastwood
Eaton Eccleston Edgar Emerson Everett Fairbanks Fairclough Farley Farrell Fawcett Fenwick Fielding
Finch Fitzgerald Fleming Forsyth Fowler Froggatt Fulton Gale Galloway Garside Gascoigne Gibbs Godfrey
Goodwin Goulding Greenwood Gresham Grimshaw Hadley Halliday Hancock Hargreaves Harrington Hartley
Haworth Haywood Heath Hemingway Hepworth Hickman Hinchcliffe Hirst Holden Holloway Horton Houghton
Hulme Ingham Ireland Jarvis Jennings Kaye Kendall Kershaw Kirby Kitching Lamb Langley Latham Lawson
Leach Lindley Livesey Lockwood Lomax Lynch Maddox Mallory Marsden Mellor Metcalfe Milburn Molloy
Monroe Moorcroft Mortimer Nash Naylor Nolan Norris Nuttall Oakley Ogden Oldham Ormerod Padgett
Partridge Pennington Pickering Pilkington Platt Pollard Preston Quinn Radcliffe Ramsden Rawlinson
Redfern Rhodes Rigby Rowbotham Royle Sanderson Scholes Sedgwick Sheridan Shuttleworth Skinner
Smethurst Southworth Stanfield Starkey Stott Sugden Sykes Tattersall Thornton Tomlinson Townsend
Underwood Vaughan Wainwright Walmsley Whitaker Whittaker Wilde Winterbottom Woodhead Worsley Yeats
Achterberg Bergström Castellano Dąbrowski De_Luca Esposito Fontaine Gallagher Horvat Ibáñez Jovanović
Kaczmarek Lindqvist Mancini Navarro Olsen Pereira Quintero Rinaldi Sørensen Toivonen Urbano Varga
Wójcik Xu Yamamoto Zhou Abe Bhatt Choudhury Das Desai Joshi Krishnan Menon Nair Pillai Rao Reddy
""".replace("_", " ").split()

TITLES = ["Dr", "Prof", "Mr", "Ms", "Mrs", "Mx", "Dr", "Dr"]

# (name, email domain, city, postcode, switchboard): the institutions people work at.
INSTITUTIONS: list[tuple[str, str, str, str, str]] = [
    (f"University of {city}", f"{slug}.ac.uk", city, postcode, f"+44 {area} {num}")
    for city, slug, postcode, area, num in [
        ("Northbridge", "northbridge", "NB1 2UP", "1632", "960 000"),
        ("Oxford", "ox", "OX1 2JD", "1865", "270 000"),
        ("Cambridge", "cam", "CB2 1TN", "1223", "337 733"),
        ("Edinburgh", "ed", "EH8 9YL", "131", "650 1000"),
        ("Manchester", "manchester", "M13 9PL", "161", "306 6000"),
        ("Leeds", "leeds", "LS2 9JT", "113", "243 1751"),
        ("Bristol", "bristol", "BS8 1QU", "117", "928 9000"),
        ("Glasgow", "gla", "G12 8QQ", "141", "330 2000"),
        ("York", "york", "YO10 5DD", "1904", "320 000"),
        ("Sheffield", "sheffield", "S10 2TN", "114", "222 2000"),
        ("Nottingham", "nottingham", "NG7 2RD", "115", "951 5151"),
        ("Birmingham", "bham", "B15 2TT", "121", "414 3344"),
        ("Exeter", "exeter", "EX4 4QJ", "1392", "661 000"),
        ("Durham", "durham", "DH1 3LE", "191", "334 2000"),
        ("Warwick", "warwick", "CV4 7AL", "24", "7652 3523"),
        ("Bath", "bath", "BA2 7AY", "1225", "388 388"),
        ("Cardiff", "cardiff", "CF10 3AT", "29", "2087 4000"),
        ("Southampton", "soton", "SO17 1BJ", "23", "8059 5000"),
        ("Liverpool", "liverpool", "L69 3BX", "151", "794 2000"),
        ("Aberdeen", "abdn", "AB24 3FX", "1224", "272 000"),
        ("Dundee", "dundee", "DD1 4HN", "1382", "383 000"),
        ("St Andrews", "st-andrews", "KY16 9AJ", "1334", "476 161"),
        ("Stirling", "stir", "FK9 4LA", "1786", "473 171"),
        ("Swansea", "swansea", "SA2 8PP", "1792", "205 678"),
        ("Bangor", "bangor", "LL57 2DG", "1248", "351 151"),
        ("Lancaster", "lancaster", "LA1 4YW", "1524", "65 201"),
        ("Leicester", "le", "LE1 7RH", "116", "252 2522"),
        ("Reading", "reading", "RG6 6AH", "118", "987 5123"),
        ("Sussex", "sussex", "BN1 9RH", "1273", "606 755"),
        ("Kent", "kent", "CT2 7NZ", "1227", "764 000"),
        ("Essex", "essex", "CO4 3SQ", "1206", "873 333"),
        ("East Anglia", "uea", "NR4 7TJ", "1603", "456 161"),
        ("Hull", "hull", "HU6 7RX", "1482", "346 311"),
        ("Keele", "keele", "ST5 5BG", "1782", "732 000"),
        ("Surrey", "surrey", "GU2 7XH", "1483", "300 800"),
        ("Plymouth", "plymouth", "PL4 8AA", "1752", "600 600"),
        ("Portsmouth", "port", "PO1 2UP", "23", "9284 8484"),
        ("Salford", "salford", "M5 4WT", "161", "295 5000"),
        ("Ulster", "ulster", "BT37 0QB", "28", "7012 3456"),
        ("Belfast", "qub", "BT7 1NN", "28", "9024 5133"),
        ("Newcastle", "ncl", "NE1 7RU", "191", "208 6000"),
        ("Loughborough", "lboro", "LE11 3TU", "1509", "222 222"),
        ("Brunel", "brunel", "UB8 3PH", "1895", "274 000"),
        ("Aston", "aston", "B4 7ET", "121", "204 3000"),
        ("Strathclyde", "strath", "G1 1XQ", "141", "552 4400"),
        ("Heriot-Watt", "hw", "EH14 4AS", "131", "449 5111"),
        ("Coventry", "coventry", "CV1 5FB", "24", "7765 7688"),
        ("Huddersfield", "hud", "HD1 3DH", "1484", "422 288"),
        ("Bradford", "bradford", "BD7 1DP", "1274", "232 323"),
    ]
]
# Informal ways people write the same institution.
INSTITUTION_VARIANTS = ("{name}", "{name}", "Univ. of {city}", "{city} University", "UNIVERSITY OF {CITY}")
SHARED_MAILBOXES = ("library", "orders")

# Home postcode areas and their towns, for people's own addresses.
AREAS = [
    ("AB", "Aberdeen"), ("B", "Birmingham"), ("BA", "Bath"), ("BN", "Brighton"), ("BS", "Bristol"),
    ("CB", "Cambridge"), ("CF", "Cardiff"), ("CV", "Coventry"), ("DH", "Durham"), ("E", "London"),
    ("EH", "Edinburgh"), ("EX", "Exeter"), ("G", "Glasgow"), ("L", "Liverpool"), ("LS", "Leeds"),
    ("M", "Manchester"), ("N", "London"), ("NE", "Newcastle upon Tyne"), ("NG", "Nottingham"),
    ("NW", "London"), ("OX", "Oxford"), ("S", "Sheffield"), ("SE", "London"), ("SO", "Southampton"),
    ("SW", "London"), ("W", "London"), ("YO", "York"), ("NR", "Norwich"), ("PL", "Plymouth"),
]  # fmt: skip
STREETS = ("High", "Church", "Station", "Victoria", "Park", "Mill", "School", "Queen", "King", "George",
           "Manor", "Grange", "New", "Green", "Albert", "Richmond", "Windsor", "York", "Chapel", "Bridge",
           "Castle", "Orchard", "Meadow", "Kings", "Springfield", "Highfield")  # fmt: skip
STREET_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Gardens")

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

# A few names are common, most are not (Zipf-like, as in a real population).
FIRST_WEIGHTS = [1 / (k + 20) for k in range(len(FIRST_NAMES))]
LAST_WEIGHTS = [1 / (k + 30) for k in range(len(LAST_NAMES))]
_FIRST_CUM = list(accumulate(FIRST_WEIGHTS))
_LAST_CUM = list(accumulate(LAST_WEIGHTS))


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
    title: str
    nicknames: tuple[str, ...]
    institution: tuple[str, str, str, str, str] | None
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


def _person(seed: int, i: int, born: int, taken: set[str]) -> Person:
    r = _rng(seed, i, 0)
    first, nicknames = r.choices(FIRST_NAMES, cum_weights=_FIRST_CUM)[0]
    last = r.choices(LAST_NAMES, cum_weights=_LAST_CUM)[0]
    academic = r.random() < 0.7
    institution = r.choice(INSTITUTIONS) if academic else None
    personal = (
        _unique_email(r, first, last, r.choice(FREE_MAIL), taken)
        if not academic or r.random() < 0.8
        else None
    )
    work = _unique_email(r, first, last, institution[1], taken, formal=True) if institution else None
    person = Person(
        index=i,
        entity_id=f"P{i:07d}",
        born_week=born,
        title=r.choice(TITLES) if academic else r.choice(("Mr", "Ms", "Mrs", "Mx", "")),
        nicknames=nicknames,
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
            after = replace(before, last=r.choices(LAST_NAMES, cum_weights=_LAST_CUM)[0])
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
    # UK mobiles in Ofcom's drama range; stored as digits, formatted per source.
    return f"7700{r.randint(0, 999999):06d}" if r.random() < 0.75 else None


def _address(r: random.Random) -> Address:
    if r.random() < 0.85:
        area, city = r.choice(AREAS)
        unit = "".join(r.choices("ABDEFGHJLNPQRSTUWXYZ", k=2))
        postcode = f"{area}{r.randint(1, 29)} {r.randint(0, 9)}{unit}"
        return Address(
            f"{r.randint(1, 240)} {r.choice(STREETS)} {r.choice(STREET_KINDS)}", city, postcode, "GB", UK_AS
        )
    code, names, city, postcode = r.choice(ABROAD)
    return Address(f"{r.randint(1, 240)} {r.choice(STREETS)} Street", city, postcode(r), code, names)


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
    # Ids look random but never collide: multiplication by a unit modulo 10**width.
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

    def _organisation(self, r: random.Random, institution) -> str:
        if not institution:
            return ""
        name, city = institution[0], institution[2]
        return r.choice(INSTITUTION_VARIANTS).format(name=name, city=city, CITY=city.upper())

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
                if p.institution and self._chance(r, 0.03):  # bought through the department's mailbox
                    email = f"{r.choice(SHARED_MAILBOXES)}@{p.institution[1]}"
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
                record_id = f"SUB-{_bijection(p.index * 8 + n, 7):07d}"
                crm_number = _bijection(p.index * 4, 8) if p.crm_deleted_week != p.born_week else None
                first = s.first if not self._chance(r, 0.05) else f"{s.first[0]}."
                # Some institutions subscribe through the library's shared mailbox.
                library = f"library@{p.institution[1]}" if p.institution and self._chance(r, 0.05) else None
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
                    phone = p.institution[4]
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
                    r.choice(JOBS) if p.institution else "",
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
