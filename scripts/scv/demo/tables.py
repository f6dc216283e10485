"""Names, organisations and addresses for the demo population, shaped like a real one at scale.

At millions of people a population drawn from a few hundred names shares full names far more
often than a real one does, so matching is measured against the generator rather than against real
ambiguity. These tables follow real-world shapes instead:

- Names come from the Faker package's per-locale lists (real names, several with real frequency
  weights: en_GB's surnames are shares of the UK population, en_US's the US census's). A person
  has an origin (British and Irish, South Asian, Chinese, German…, with shares assumed for a UK
  publisher read worldwide), and draws a first name and a surname from that origin's lists.
- Faker holds some 18,000 distinct Latin-script surnames, but a real country has hundreds of
  thousands: in the US 2000 census the ~3,300 most common surnames cover half the people, the
  ~150,000 names borne by 100 or more people cover 90%, and the rest are rare names spread roughly
  evenly per decade of rank (Zipf, exponent about 1). So each origin's real names make the head
  and a further TAIL share of people carries a rarer surname, drawn log-uniformly over ranks from
  the end of the head to a hundred times it, and spelt by joining a stem and a productive ending
  (-worth, -ington, -ski, -ini…) taken from that origin's real names.
- First names follow a Zipf law over each list's popularity order (or over a fixed shuffle where
  Faker lists them alphabetically); nicknames are those of seeds/nicknames.csv, which the matcher
  reads, so both agree on who "Bob" is.
- Addresses use the UK's real postcode areas and post towns with the real shape of a postcode;
  streets are named as British streets are (a common word or a surname, and a kind). Employers are
  real universities plus generated companies, councils, NHS trusts, colleges and schools, each with
  its own email domain, sized by a Zipf law.

Everything is built once per process from a fixed seed (functools.cache), so the same Faker
version (pinned in uv.lock) gives the same tables; Faker is imported only here, lazily.
"""

from __future__ import annotations

import csv
import importlib
import random
import unicodedata
from bisect import bisect
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from scv.core.paths import repo_root

# Share of each origin's people whose surname is rarer than its real list (see the docstring).
TAIL = 0.3
# Tail ranks run from the end of the head to this many times it.
TAIL_SPAN = 100

# (origin, share of people, surname locales, first-name locales, most common names first where Faker
# lists them alphabetically and gives no weights). The shares are an assumption: a UK publisher
# whose readers are mostly British and Irish, with academics from everywhere.
ORIGINS: list[tuple[str, float, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
    ("british", 0.60, ("en_GB", "en_NZ", "en_IE", "en_US", "en"), ("en_GB", "en_US", "en_NZ", "en_IE", "en"),
     ()),
    ("south_asian", 0.07, ("en_IN", "en_PK"), ("en_IN", "en_PK", "hi_IN"), ("Patel", "Khan", "Singh", "Shah",
     "Ahmed", "Ali", "Hussain", "Sharma", "Kumar", "Begum", "Rahman", "Kaur", "Iqbal", "Gupta", "Mahmood")),
    # Faker's Chinese surnames with weights are in characters; its romanised list is alphabetical, so
    # the head follows the Ministry of Public Security's 2020 ranking.
    ("chinese", 0.04, ("zh_CN",), ("zh_CN",), ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao",
     "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang")),
    ("japanese", 0.01, ("ja_JP",), ("ja_JP",), ()),
    ("east_asian", 0.01, ("id_ID", "en_TH", "vi_VN"), ("id_ID", "en_TH", "vi_VN"),
     ("Nguyen", "Tran", "Le")),
    ("german", 0.04, ("de_DE", "de_AT", "de_CH"), ("de_DE", "de_AT", "de_CH"), ("Müller", "Schmidt",
     "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann")),
    ("french", 0.03, ("fr_BE", "fr_FR", "fr_CA"), ("fr_BE", "fr_FR", "fr_CA"), ()),
    ("italian", 0.03, ("it_IT",), ("it_IT",), ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
     "Colombo", "Ricci", "Marino", "Greco")),
    ("spanish", 0.04, ("es_CO", "es_AR", "es_CL", "es_ES", "es_MX"), ("es_CO", "es_AR", "es_CL", "es_ES"),
     ()),
    ("portuguese", 0.015, ("pt_PT", "pt_BR"), ("pt_PT", "pt_BR"), ("Silva", "Santos", "Ferreira", "Pereira",
     "Oliveira", "Costa", "Rodrigues", "Martins")),
    ("dutch", 0.015, ("nl_BE", "nl_NL"), ("nl_BE", "nl_NL"), ()),
    ("nordic", 0.02, ("sv_SE", "fi_FI", "da_DK", "no_NO"), ("sv_SE", "fi_FI", "da_DK", "no_NO"), ()),
    ("central_european", 0.03, ("pl_PL", "cs_CZ", "sk_SK", "hr_HR", "sl_SI", "hu_HU", "ro_RO"),
     ("pl_PL", "cs_CZ", "sk_SK", "hr_HR", "hu_HU", "ro_RO"), ("Nowak", "Kowalski", "Wiśniewski", "Novák")),
    ("baltic", 0.005, ("et_EE", "lv_LV", "lt_LT"), ("et_EE", "lv_LV", "lt_LT"), ()),
    ("turkish", 0.01, ("tr_TR", "az_AZ"), ("tr_TR",), ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik")),  # noqa: RUF001
    ("african", 0.03, ("en_KE", "yo_NG", "ig_NG", "tw_GH", "zu_ZA", "sw"),
     ("en_KE", "yo_NG", "ig_NG", "tw_GH", "zu_ZA"), ()),
]  # fmt: skip

# Where Faker gives no weights, the name at popularity rank r weighs 1 / (r + ZIPF_OFFSET): the
# flat top real lists have (China's five commonest surnames each cover 5-7% of people, not 20%).
ZIPF_OFFSET = 5
# First names are steeper: a British cohort's ten commonest names cover about a quarter of it.
FIRST_OFFSET = 1

# Ways of writing a name that a record can hold: letters, spaces, hyphens and apostrophes inside.
_NAME_PUNCTUATION = frozenset(" -'")


class Sampler:
    """Items drawn with fixed weights: one bisect over cumulative weights per draw."""

    def __init__(self, items: list, weights: list[float]) -> None:
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def draw(self, r: random.Random):
        return self.items[bisect(self.cum, r.random() * self.total)]

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Origin:
    name: str
    male: Sampler
    female: Sampler
    surname_head: Sampler
    endings: list[str]
    stems: list[list[str]]  # per ending, the stems that join it as the origin's real names join
    tail_start: int  # the rank the tail starts at: the head's length

    def surname(self, r: random.Random) -> str:
        if r.random() >= TAIL or not self.endings:
            return self.surname_head.draw(r)
        rank = int(self.tail_start * TAIL_SPAN ** r.random()) - self.tail_start
        return _tail_name(self, rank)


def _tail_name(origin: Origin, rank: int) -> str:
    # Rank -> (ending, stem), scrambled so that neighbouring ranks differ in both.
    k = rank * 2_654_435_761
    e = k % len(origin.endings)
    stems = origin.stems[e]
    return stems[(k // len(origin.endings)) % len(stems)] + origin.endings[e]


@cache
def _latin_letter(c: str) -> bool:
    return c.isalpha() and unicodedata.name(c, "").startswith("LATIN")


def _latin_name(name: str) -> bool:
    return (
        len(name) > 1
        and _latin_letter(name[0])
        and all(c in _NAME_PUNCTUATION or _latin_letter(c) for c in name)
    )


def _faker_list(locale: str, attribute: str) -> list[tuple[str, float | None]]:
    """A Faker person list as (name, weight or None), most common first where Faker knows."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attribute, ())
    if isinstance(values, dict):
        return sorted(((k, float(v)) for k, v in values.items()), key=lambda kv: -kv[1])
    if not isinstance(values, list | tuple):
        return []
    names = list(dict.fromkeys(values))
    if names == sorted(names):  # alphabetical says nothing of popularity: a fixed shuffle instead
        random.Random(f"{locale}.{attribute}").shuffle(names)
    return [(name, None) for name in names]


def _first_names(locale: str, sex: str) -> list[tuple[str, float | None]]:
    # Locales without lists per sex (en_PK, zh_CN…) give their one list to both.
    for attributes in (
        (f"first_names_{sex}", f"first_romanized_names_{sex}"),
        ("first_names", "first_romanized_names"),
    ):
        found = [(n, w) for a in attributes for n, w in _faker_list(locale, a) if _latin_name(n.strip())]
        if found:
            return found
    return []


def _ranked(lists: list[list[tuple[str, float | None]]]) -> list[tuple[str, float | None]]:
    """One origin's names from several lists, most common first, each name once."""
    seen: set[str] = set()
    ranked: list[tuple[str, float | None]] = []
    for entries in lists:
        for name, weight in entries:
            name = name.strip()
            if name not in seen and _latin_name(name):
                seen.add(name)
                ranked.append((name, weight))
    return ranked


def _surname_weights(ranked: list[tuple[str, float | None]]) -> list[float]:
    # Real weights as long as the first weighted list runs (en_GB's are shares of the UK); after
    # them, or with none, a Zipf law 1 / (rank + ZIPF_OFFSET) continues from the last one.
    weights: list[float] = []
    real = True
    for rank, (_, weight) in enumerate(ranked, start=1):
        real = real and weight is not None and (not weights or weight <= weights[-1])
        if real:
            weights.append(weight)
        elif not weights:
            weights.append(1 / (rank + ZIPF_OFFSET))
        else:
            weights.append(weights[-1] * (rank - 1 + ZIPF_OFFSET) / (rank + ZIPF_OFFSET))
    return weights


_VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýąęěůőűı")  # noqa: RUF001
# Consonant pairs that can open a syllable, so an ending may start with them (-ski, -stone, -thorpe).
_ONSETS = frozenset(
    [
        "bl",
        "br",
        "ch",
        "cl",
        "cr",
        "dr",
        "fl",
        "fr",
        "gl",
        "gr",
        "kl",
        "kr",
        "ph",
        "pl",
        "pr",
        "sc",
        "sch",
        "sh",
        "sk",
        "sl",
        "sm",
        "sn",
        "sp",
        "st",
        "sw",
        "sz",
        "th",
        "tr",
        "ts",
        "tz",
        "wh",
        "wr",
    ]
)


def _stems_and_endings(names: list[str]) -> tuple[list[str], list[list[str]]]:
    """Real stems and productive endings, split where a syllable starts (Ash|worth, Kowal|ski).

    An ending is 3 to 6 letters, opens a syllable (a consonant before a vowel, or an onset such as
    "st") and ends at least four of the origin's real names; a stem keeps a vowel and 3+ letters.
    """
    words = [n for n in names if n.isalpha() and len(n) >= 6]

    def splits(word: str):
        low = word.lower()
        for k in range(6, 2, -1):
            stem, ending = word[:-k], low[-k:]
            if (
                len(stem) >= 3
                and any(c in _VOWELS for c in stem.lower())
                and ending[0] not in _VOWELS
                and ending[0] != low[-k - 1]
                and (ending[1] in _VOWELS or ending[:2] in _ONSETS or ending[:3] in _ONSETS)
            ):
                yield stem, ending

    counts = Counter(ending for word in words for _, ending in splits(word))
    stems: dict[str, None] = {}
    endings: dict[str, None] = {}
    for word in words:
        for stem, ending in splits(word):
            if counts[ending] >= 4:
                stems.setdefault(stem)
                endings.setdefault(ending)
                break
    # A stem joins an ending only where the two letters meeting there are common in real names of
    # the origin (Ash|worth: "hw"), which keeps out Reynold|nane and Fisc|van.
    pairs = Counter(pair for n in names for pair in zip(n.lower(), n.lower()[1:], strict=False))
    common = {pair for pair, n in pairs.items() if n >= max(3, pairs.total() / 3000)}
    joined = [[s for s in stems if (s[-1].lower(), e[0]) in common] for e in endings]
    kept = [k for k, found in enumerate(joined) if found]
    return [list(endings)[k] for k in kept], [joined[k] for k in kept]


# Faker romanises only some fifty Japanese surnames and given names, where Japan has tens of
# thousands: the rest are made as real ones are, of two common morphemes (Yama|moto, Hiro|shi, Yu|ko).
COMPOUNDS: dict[tuple[str, str], tuple[str, str]] = {
    ("japanese", "surname"): (
        "Yama Naka Matsu Ishi Kawa Hashi Yoshi Fuji Ino Mori Taka Shima Nishi Kita Oka Saka Kuro Shira Hira "
        "Hori Uchi Kiku Sugi Masu Miya Sawa Shimo Kami Kane Hoshi Ichi Mizu Iwa Haya Asa Fuku Hama Kado",
        "moto mura kawa da ta no zaki shita guchi hara yama oka mori shima uchi be saki gawa numa sawa ya",
    ),
    ("japanese", "male"): (
        "Hiro Kazu Masa Taka Yoshi Nobu Toshi Haru Aki Yasu Shin Tomo Tetsu Kei Dai Ken Ryo Sho Tada Mitsu",
        "shi ki ya to o hiko nori yuki hito suke ta ji",
    ),
    ("japanese", "female"): (
        "Yu Mi Sa Ha Na Ka Ma Chi Mo Ri Ai Aya Haru Mari Sachi Tomo Kyo Nori Fumi Aki",
        "ko mi ka na e ri ho yo no",
    ),
}  # fmt: skip


def _compounds(origin: str, kind: str) -> list[tuple[str, float | None]]:
    stems, endings = COMPOUNDS.get((origin, kind), ("", ""))
    return [(stem + end, None) for stem in stems.split() for end in endings.split() if stem.lower() != end]


@cache
def nicknames() -> dict[str, tuple[str, ...]]:
    """First name (lower case) -> its nicknames, as the matcher's seeds/nicknames.csv lists them."""
    found: dict[str, list[str]] = {}
    with (repo_root() / "seeds" / "nicknames.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found.setdefault(row["name"], []).append(row["nickname"].capitalize())
    return {name: tuple(nicks) for name, nicks in found.items()}


@cache
def origins() -> tuple[Sampler, list[Origin]]:
    """A sampler over origins (by share of people) and each origin's name tables."""
    built = []
    for name, _, surname_locales, first_locales, common in ORIGINS:
        lists = [[(n, None) for n in common]] + [
            _faker_list(locale, attribute)
            for locale in surname_locales
            for attribute in ("last_names", "last_romanized_names", "last_names_male")
        ]
        surnames = _ranked([*lists, _compounds(name, "surname")])
        names = [n for n, _ in surnames]
        endings, stems = _stems_and_endings(names)
        samplers = []
        for sex in ("male", "female"):
            first = [
                n
                for n, _ in _ranked(
                    [*(_first_names(loc, sex) for loc in first_locales), _compounds(name, sex)]
                )
            ]
            if name == "chinese":  # Mandarin given names are one syllable or, more often, two: Wei, Jianming
                pairs = [a + b.lower() for a in first for b in first if a != b and len(a) + len(b) <= 8]
                rest = first[5:] + pairs
                random.Random("chinese given names").shuffle(rest)
                first = first[:5] + rest
            samplers.append(Sampler(first, [1 / (r + FIRST_OFFSET) for r in range(1, len(first) + 1)]))
        built.append(
            Origin(name, samplers[0], samplers[1], Sampler(names, _surname_weights(surnames)), endings, stems,
                   len(names))
        )  # fmt: skip
    return Sampler(built, [share for _, share, *_ in ORIGINS]), built


# --- organisations ----------------------------------------------------------------------------

# Real UK universities and research institutes: (name, email domain, postcode area). The first is
# the demo client's own (fictional) university, which most academic customers belong to.
UNIVERSITIES: list[tuple[str, str, str]] = [
    (name, domain, area)
    for name, domain, area in (
        line.split(" | ")
        for line in """
University of Northbridge | northbridge.ac.uk | NB
University of Oxford | ox.ac.uk | OX
University of Cambridge | cam.ac.uk | CB
University of Edinburgh | ed.ac.uk | EH
University of Manchester | manchester.ac.uk | M
University of Leeds | leeds.ac.uk | LS
University of Bristol | bristol.ac.uk | BS
University of Glasgow | gla.ac.uk | G
University of York | york.ac.uk | YO
University of Sheffield | sheffield.ac.uk | S
University of Nottingham | nottingham.ac.uk | NG
University of Birmingham | bham.ac.uk | B
University of Exeter | exeter.ac.uk | EX
Durham University | durham.ac.uk | DH
University of Warwick | warwick.ac.uk | CV
University of Bath | bath.ac.uk | BA
Cardiff University | cardiff.ac.uk | CF
University of Southampton | soton.ac.uk | SO
University of Liverpool | liverpool.ac.uk | L
University of Aberdeen | abdn.ac.uk | AB
University of Dundee | dundee.ac.uk | DD
University of St Andrews | st-andrews.ac.uk | KY
University of Stirling | stir.ac.uk | FK
Swansea University | swansea.ac.uk | SA
Bangor University | bangor.ac.uk | LL
Lancaster University | lancaster.ac.uk | LA
University of Leicester | le.ac.uk | LE
University of Reading | reading.ac.uk | RG
University of Sussex | sussex.ac.uk | BN
University of Kent | kent.ac.uk | CT
University of Essex | essex.ac.uk | CO
University of East Anglia | uea.ac.uk | NR
University of Hull | hull.ac.uk | HU
Keele University | keele.ac.uk | ST
University of Surrey | surrey.ac.uk | GU
University of Plymouth | plymouth.ac.uk | PL
University of Portsmouth | port.ac.uk | PO
University of Salford | salford.ac.uk | M
Ulster University | ulster.ac.uk | BT
Queen's University Belfast | qub.ac.uk | BT
Newcastle University | ncl.ac.uk | NE
Loughborough University | lboro.ac.uk | LE
Brunel University London | brunel.ac.uk | UB
Aston University | aston.ac.uk | B
University of Strathclyde | strath.ac.uk | G
Heriot-Watt University | hw.ac.uk | EH
Coventry University | coventry.ac.uk | CV
University of Huddersfield | hud.ac.uk | HD
University of Bradford | bradford.ac.uk | BD
Imperial College London | imperial.ac.uk | SW
University College London | ucl.ac.uk | WC
King's College London | kcl.ac.uk | WC
London School of Economics | lse.ac.uk | WC
Queen Mary University of London | qmul.ac.uk | E
Royal Holloway, University of London | rhul.ac.uk | TW
Goldsmiths, University of London | gold.ac.uk | SE
SOAS University of London | soas.ac.uk | WC
Birkbeck, University of London | bbk.ac.uk | WC
City, University of London | city.ac.uk | EC
University of Westminster | westminster.ac.uk | W
University of Greenwich | gre.ac.uk | SE
Kingston University | kingston.ac.uk | KT
Middlesex University | mdx.ac.uk | NW
University of Roehampton | roehampton.ac.uk | SW
Oxford Brookes University | brookes.ac.uk | OX
Manchester Metropolitan University | mmu.ac.uk | M
Leeds Beckett University | leedsbeckett.ac.uk | LS
Sheffield Hallam University | shu.ac.uk | S
Nottingham Trent University | ntu.ac.uk | NG
De Montfort University | dmu.ac.uk | LE
Northumbria University | northumbria.ac.uk | NE
Liverpool John Moores University | ljmu.ac.uk | L
Birmingham City University | bcu.ac.uk | B
The Open University | open.ac.uk | MK
Edinburgh Napier University | napier.ac.uk | EH
Robert Gordon University | rgu.ac.uk | AB
Glasgow Caledonian University | gcu.ac.uk | G
Aberystwyth University | aber.ac.uk | SY
Cardiff Metropolitan University | cardiffmet.ac.uk | CF
Bournemouth University | bournemouth.ac.uk | BH
University of Brighton | brighton.ac.uk | BN
University of Chester | chester.ac.uk | CH
University of Derby | derby.ac.uk | DE
University of Lincoln | lincoln.ac.uk | LN
University of Sunderland | sunderland.ac.uk | SR
Teesside University | tees.ac.uk | TS
University of Wolverhampton | wlv.ac.uk | WV
University of Hertfordshire | herts.ac.uk | AL
University of Gloucestershire | glos.ac.uk | GL
University of Winchester | winchester.ac.uk | SO
University of Worcester | worc.ac.uk | WR
University of Central Lancashire | uclan.ac.uk | PR
Edge Hill University | edgehill.ac.uk | L
Canterbury Christ Church University | canterbury.ac.uk | CT
Bath Spa University | bathspa.ac.uk | BA
University of the West of England | uwe.ac.uk | BS
Falmouth University | falmouth.ac.uk | TR
Cranfield University | cranfield.ac.uk | MK
Anglia Ruskin University | aru.ac.uk | CB
Staffordshire University | staffs.ac.uk | ST
Abertay University | abertay.ac.uk | DD
University of the West of Scotland | uws.ac.uk | PA
University of South Wales | southwales.ac.uk | CF
University of Northampton | northampton.ac.uk | NN
University of Bedfordshire | beds.ac.uk | LU
University of Cumbria | cumbria.ac.uk | CA
University of Suffolk | uos.ac.uk | IP
University of Buckingham | buckingham.ac.uk | MK
Solent University | solent.ac.uk | SO
York St John University | yorksj.ac.uk | YO
Liverpool Hope University | hope.ac.uk | L
University of Chichester | chi.ac.uk | PO
University of the Highlands and Islands | uhi.ac.uk | IV
Queen Margaret University | qmu.ac.uk | EH
University of Bolton | bolton.ac.uk | BL
London South Bank University | lsbu.ac.uk | SE
University of East London | uel.ac.uk | E
London Metropolitan University | londonmet.ac.uk | N
University of the Arts London | arts.ac.uk | WC
Royal College of Art | rca.ac.uk | SW
Royal Veterinary College | rvc.ac.uk | NW
London School of Hygiene and Tropical Medicine | lshtm.ac.uk | WC
St George's, University of London | sgul.ac.uk | SW
Harper Adams University | harper-adams.ac.uk | TF
The Francis Crick Institute | crick.ac.uk | NW
Wellcome Sanger Institute | sanger.ac.uk | CB
Rothamsted Research | rothamsted.ac.uk | AL
The Alan Turing Institute | turing.ac.uk | NW
Natural History Museum | nhm.ac.uk | SW
British Library | bl.uk | NW
""".strip().splitlines()
    )
]

INDUSTRIES = ("Engineering", "Consulting", "Software", "Logistics", "Print", "Design", "Media", "Analytics",
              "Energy", "Building Services", "Recruitment", "Systems", "Publishing", "Pharma", "Foods",
              "Architects", "Surveyors", "Insurance", "Technology", "Healthcare")  # fmt: skip
NORTHBRIDGE = 0.15
EMPLOYERS = 4000  # generated companies, besides every town's council, NHS trust and college


@dataclass(frozen=True)
class Organisation:
    name: str
    domain: str
    city: str
    postcode: str
    switchboard: str
    academic: bool
    variants: tuple[str, ...]  # how people write it: the name, abbreviated, in capitals…


def _slug(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text).lower() if c.isascii() and c.isalnum())


def _variants(name: str) -> tuple[str, ...]:
    """Informal ways people write an organisation's name (the name itself twice: the commonest)."""
    forms = [name, name, name.upper()]
    bare = name.removeprefix("The ")
    if bare.startswith("University of "):
        place = bare.removeprefix("University of ")
        forms += [f"Univ. of {place}", f"{place} University"]
    elif bare.endswith(" University"):
        forms += [bare.replace(" University", " Univ."), bare.replace(" University", " Uni")]
    for long, short in (("Limited", "Ltd"), (" and ", " & "), ("NHS Foundation Trust", "NHS FT")):
        if long in name:
            forms.append(name.replace(long, short))
        elif short in name:
            forms.append(name.replace(short, long))
    if bare != name:
        forms.append(bare)
    return tuple(forms)


_DRAMA_NUMBERS = (
    ("113", "496 0"), ("114", "496 0"), ("115", "496 0"), ("116", "496 0"), ("117", "496 0"),
    ("118", "496 0"), ("121", "496 0"), ("131", "496 0"), ("141", "496 0"), ("151", "496 0"),
    ("161", "496 0"), ("191", "498 0"), ("20", "7946 0"), ("1632", "960 "),
)  # fmt: skip


def _switchboard(r: random.Random) -> str:
    # Ofcom's numbers reserved for drama (0113 496 0000-0999…): real in shape, never anyone's line.
    area, local = r.choice(_DRAMA_NUMBERS)
    return f"+44 {area} {local}{r.randrange(1000):03d}"


@cache
def organisations() -> tuple[Sampler, Sampler]:
    """Academic institutions and other employers, each sized by a Zipf law over a fixed order."""
    r = random.Random("scv demo organisations")
    towns = {area: town for area, town, _ in POSTCODE_AREAS}
    towns["NB"] = "Northbridge"

    def org(name: str, domain: str, area: str, academic: bool) -> Organisation:
        return Organisation(
            name, domain, towns[area], _postcode(r, area), _switchboard(r), academic, _variants(name)
        )

    academic = [org(name, domain, area, True) for name, domain, area in UNIVERSITIES]
    others: dict[str, Organisation] = {}
    for area, town, _ in POSTCODE_AREAS:
        slug = _slug(town)
        for name, domain in ((f"{town} City Council", f"{slug}.gov.uk"),
                             (f"{town} Hospitals NHS Foundation Trust", f"{slug}hospitals.nhs.uk"),
                             (f"{town} College", f"{slug}college.ac.uk")):  # fmt: skip
            others.setdefault(domain, org(name, domain, area, False))
    surnames = origins()[1][0].surname_head.items[:2000]
    while len(others) < EMPLOYERS:
        area, town, _ = r.choice(POSTCODE_AREAS)
        a, b, industry = r.choice(surnames), r.choice(surnames), r.choice(INDUSTRIES)
        name, domain = r.choice((
            (f"{a} & {b} LLP", f"{_slug(a)}{_slug(b)}.co.uk"),
            (f"{a} {industry} Ltd", f"{_slug(a)}{_slug(industry)}.co.uk"),
            (f"{town} {industry} Ltd", f"{_slug(town)}{_slug(industry)}.co.uk"),
            (f"{a} Group plc", f"{_slug(a)}group.com"),
            (f"{a} Associates", f"{_slug(a)}associates.co.uk"),
            (f"{a} {b} Academy", f"{_slug(a)}{_slug(b)}.sch.uk"),
        ))  # fmt: skip
        others.setdefault(domain, org(name, domain, area, False))
    employers = list(others.values())
    r.shuffle(employers)
    # The client's own university has NORTHBRIDGE of the academics; other sizes fall off as
    # 1 / (rank + 10).
    sizes = [1 / (k + 10) for k in range(1, len(academic))]
    return (
        Sampler(academic, [sum(sizes) * NORTHBRIDGE / (1 - NORTHBRIDGE), *sizes]),
        Sampler(employers, [1 / (k + 10) for k in range(1, len(employers) + 1)]),
    )


# --- addresses --------------------------------------------------------------------------------

# The UK's postcode areas, each with its post town and (roughly) how many districts it has; people
# are spread over areas in proportion to districts.
POSTCODE_AREAS: list[tuple[str, str, int]] = [
    (area, town, int(n))
    for area, town, n in (
        entry.replace("_", " ").split(":")
        for entry in """
AB:Aberdeen:56 AL:St_Albans:10 B:Birmingham:99 BA:Bath:16 BB:Blackburn:18 BD:Bradford:24 BH:Bournemouth:31
BL:Bolton:9 BN:Brighton:45 BR:Bromley:8 BS:Bristol:49 BT:Belfast:94 CA:Carlisle:28 CB:Cambridge:25
CF:Cardiff:83 CH:Chester:66 CM:Chelmsford:24 CO:Colchester:16 CR:Croydon:9 CT:Canterbury:21 CV:Coventry:47
CW:Crewe:12 DA:Dartford:18 DD:Dundee:11 DE:Derby:75 DG:Dumfries:16 DH:Durham:9 DL:Darlington:17
DN:Doncaster:41 DT:Dorchester:11 DY:Dudley:14 E:London:20 EC:London:4 EH:Edinburgh:55 EN:Enfield:11
EX:Exeter:39 FK:Falkirk:21 FY:Blackpool:8 G:Glasgow:84 GL:Gloucester:56 GU:Guildford:52 HA:Harrow:9
HD:Huddersfield:9 HG:Harrogate:5 HP:Hemel_Hempstead:27 HR:Hereford:9 HS:Stornoway:9 HU:Hull:20 HX:Halifax:7
IG:Ilford:11 IP:Ipswich:33 IV:Inverness:63 KA:Kilmarnock:30 KT:Kingston_upon_Thames:24 KW:Kirkwall:17
KY:Kirkcaldy:16 L:Liverpool:40 LA:Lancaster:23 LD:Llandrindod_Wells:8 LE:Leicester:67 LL:Llandudno:78
LN:Lincoln:13 LS:Leeds:29 LU:Luton:7 M:Manchester:50 ME:Rochester:20 MK:Milton_Keynes:46 ML:Motherwell:12
N:London:22 NE:Newcastle_upon_Tyne:71 NG:Nottingham:34 NN:Northampton:29 NP:Newport:26 NR:Norwich:35
NW:London:11 OL:Oldham:16 OX:Oxford:49 PA:Paisley:80 PE:Peterborough:38 PH:Perth:50 PL:Plymouth:35
PO:Portsmouth:41 PR:Preston:26 RG:Reading:45 RH:Redhill:20 RM:Romford:20 S:Sheffield:81 SA:Swansea:73
SE:London:28 SG:Stevenage:19 SK:Stockport:23 SL:Slough:9 SM:Sutton:7 SN:Swindon:26 SO:Southampton:53
SP:Salisbury:11 SR:Sunderland:9 SS:Southend-on-Sea:17 ST:Stoke-on-Trent:21 SW:London:20 SY:Shrewsbury:25
TA:Taunton:24 TD:Galashiels:15 TF:Telford:13 TN:Tonbridge:40 TQ:Torquay:14 TR:Truro:27 TS:Middlesbrough:29
TW:Twickenham:20 UB:Southall:11 W:London:14 WA:Warrington:16 WC:London:2 WD:Watford:25 WF:Wakefield:17
WN:Wigan:8 WR:Worcester:15 WS:Walsall:15 WV:Wolverhampton:16 YO:York:62 ZE:Lerwick:3
""".split()  # noqa: SIM905
    )
]
_DISTRICTS = {area: n for area, _, n in POSTCODE_AREAS} | {"NB": 9}
# The last two letters of a postcode never use C, I, K, M, O or V.
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

STREET_WORDS = (
    "High", "Church", "Station", "Victoria", "Park", "Mill", "School", "Queen", "King", "George", "Manor",
    "Grange", "New", "Green", "Albert", "Richmond", "Windsor", "York", "Chapel", "Bridge", "Castle",
    "Orchard", "Meadow", "Kings", "Queens", "Springfield", "Highfield", "Elm", "Oak", "Beech", "Ash",
    "Willow", "Cedar", "Holly", "Hawthorn", "Rectory", "Vicarage", "Chestnut", "Princes", "Marlborough",
    "Cromwell", "Nelson", "Wellington", "Jubilee", "Coronation", "Market", "North", "South", "East",
    "West", "Main", "Garden", "Field", "Hill", "Broad", "Long", "Back", "Water", "Forge", "Well", "Cherry",
    "Lime", "Sycamore", "Poplar", "Alexandra", "Stanley", "Clarence", "Albion", "Trinity", "Abbey",
    "Priory", "Regent", "Grove", "Sandy",
)  # fmt: skip
STREET_KINDS = (
    ("Road", 30), ("Street", 15), ("Lane", 10), ("Avenue", 8), ("Close", 8), ("Drive", 6), ("Way", 4),
    ("Gardens", 3), ("Crescent", 3), ("Grove", 3), ("Place", 2), ("Court", 2), ("Terrace", 2), ("Walk", 1),
    ("Mews", 1), ("Rise", 1), ("Hill", 1), ("Row", 1), ("Square", 1), ("View", 1),
)  # fmt: skip
HOUSE_KINDS = ("Cottage", "House", "Lodge", "Farm", "Barn")


def _postcode(r: random.Random, area: str) -> str:
    district = r.randint(1, _DISTRICTS[area])
    outward = f"{area}{district}"
    if area in ("EC", "WC"):  # central London districts carry a letter: EC1A, WC2N
        outward += r.choice("ABEHMNPRVWXY")
    return f"{outward} {r.randrange(10)}{r.choice(_UNIT_LETTERS)}{r.choice(_UNIT_LETTERS)}"


@cache
def places() -> tuple[Sampler, Sampler, Sampler]:
    """Postcode areas (by districts), street names (a common word or a surname, and a kind) and kinds."""
    areas = Sampler(POSTCODE_AREAS, [n for *_, n in POSTCODE_AREAS])
    surnames = [n for n in origins()[1][0].surname_head.items[:800] if " " not in n]
    words = [*STREET_WORDS, *surnames]
    # A common word is more likely than any one surname: High Street, Church Road.
    streets = Sampler(
        words, [1 / (k + 5) if k < len(STREET_WORDS) else 0.1 / len(STREET_WORDS) for k in range(len(words))]
    )
    kinds = Sampler([k for k, _ in STREET_KINDS], [w for _, w in STREET_KINDS])
    return areas, streets, kinds


def street_address(r: random.Random) -> str:
    """A first address line: "14 Hartley Close", "Flat 3, 2 Mill Lane", "Rose Cottage, Mill Lane"."""
    _, streets, kinds = places()
    street = f"{streets.draw(r)} {kinds.draw(r)}"
    roll = r.random()
    if roll < 0.85:
        return f"{r.randint(1, 240)} {street}"
    if roll < 0.95:
        return f"Flat {r.randint(1, 30)}, {r.randint(1, 240)} {street}"
    return f"{r.choice(STREET_WORDS)} {r.choice(HOUSE_KINDS)}, {street}"


def uk_postcode(r: random.Random) -> tuple[str, str]:
    """(post town, postcode) of a home in the UK."""
    area, town, _ = places()[0].draw(r)
    return town, _postcode(r, area)
