"""What a text value is: types and kinds of contact data, as SQL over a VARCHAR expression.

Every rule is a DuckDB expression so it runs over the whole file inside the engine. Kinds are
the contact fields with a checkable shape (email, phone, postcode, ORCID iD, dates); a value
of a kind is *valid* when it has that shape (and, for ORCID iDs, the right check digit).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from scv.core import paths
from scv.core.sql import literal

# --- types ------------------------------------------------------------------------------------

INTEGER_RE = r"\s*[+-]?\d+\s*"
# 12.50, 12,50 (decimal comma), 1,234.50 (thousands), .5, 1e6
DECIMAL_RE = r"\s*[+-]?(\d{1,3}(,\d{3})+(\.\d+)?|\d+([.,]\d+)?|[.,]\d+)([eE][+-]?\d+)?\s*"
BOOLEANS = ("true", "false", "yes", "no", "y", "n", "t", "f")


@dataclass(frozen=True)
class DateFormat:
    label: str
    regex: str
    strptime: tuple[str, ...]
    has_time: bool = False


# The formats deliveries use. Day-first and month-first slashes share a regex: which one a
# column uses is decided from its values (a first part over 12 is a day).
DATE_FORMATS = (
    DateFormat("YYYY-MM-DD", r"\d{4}-\d{1,2}-\d{1,2}", ("%Y-%m-%d",)),
    DateFormat(
        "YYYY-MM-DD hh:mm:ss",
        r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?",
        (),
        has_time=True,
    ),
    DateFormat("DD/MM/YYYY", r"\d{1,2}/\d{1,2}/\d{4}", ("%d/%m/%Y",)),
    DateFormat(
        "DD/MM/YYYY hh:mm",
        r"\d{1,2}/\d{1,2}/\d{4},? \d{1,2}:\d{2}(:\d{2})?",
        ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y, %H:%M:%S", "%d/%m/%Y, %H:%M"),
        has_time=True,
    ),
    DateFormat("DD.MM.YYYY", r"\d{1,2}\.\d{1,2}\.\d{4}", ("%d.%m.%Y",)),
    DateFormat("DD-MM-YYYY", r"\d{1,2}-\d{1,2}-\d{4}", ("%d-%m-%Y",)),
    DateFormat("YYYY/MM/DD", r"\d{4}/\d{1,2}/\d{1,2}", ("%Y/%m/%d",)),
    DateFormat("D Mon YYYY", r"\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{4}", ("%d %b %Y", "%d %B %Y", "%d-%b-%Y")),
    DateFormat("DD/MM/YY", r"\d{1,2}/\d{1,2}/\d{2}", ("%d/%m/%y",)),
)
SLASHED = ("DD/MM/YYYY", "DD/MM/YYYY hh:mm", "DD/MM/YY")


def padded(regex: str) -> str:
    """The regex with optional whitespace around it: stray spaces are reported, not invalid."""
    return r"\s*" + regex + r"\s*"


def month_first(label: str) -> str:
    return label.replace("DD/MM", "MM/DD")


def date_label(v: str) -> str:
    """The label of the date format v has, or null.

    An ISO date or timestamp, by far the commonest, is recognised by DuckDB's own cast (cheap
    when it succeeds); only the rest go through the regular expressions."""
    branches = " ".join(
        f"when regexp_full_match({v}, {literal(padded(f.regex))}) then {literal(f.label)}"
        for f in DATE_FORMATS
    )
    iso = f"case when strlen(trim({v})) <= 10 then 'YYYY-MM-DD' else 'YYYY-MM-DD hh:mm:ss' end"
    return f"(case when try_cast({v} as timestamp) is not null and {v} like '%-%' then {iso} else (case {branches} end) end)"  # noqa: E501


def date_value(v: str, label: str, month_first: bool | str | None = False) -> str:
    """v as a timestamp, parsed by the one format its label names; null when it is not a real
    date (31/02/2025). Parsing by label, not by trying every format, keeps it cheap.

    month_first: for the slashed formats, False day-first, True month-first, None either (when
    the order is still unknown), or a SQL boolean expression (a column's own order).
    """
    trimmed = f"trim({v})"

    def strptime(formats: tuple[str, ...], first: bool) -> str:
        listed = ", ".join(literal(f.replace("%d/%m", "%m/%d") if first else f) for f in formats)
        return f"try_strptime({trimmed}, [{listed}])"

    branches = []
    for f in DATE_FORMATS:
        if f.label == "YYYY-MM-DD":
            parse = f"coalesce(try_cast({v} as timestamp), {strptime(f.strptime, False)})"
        elif not f.strptime:  # ISO with a time: DuckDB's own cast, with or without a zone
            zoned = f"try_cast(try_cast({trimmed} as timestamptz) as timestamp)"
            parse = f"coalesce(try_cast({v} as timestamp), {zoned})"
        elif f.label not in SLASHED or month_first is False:
            parse = strptime(f.strptime, False)
        elif month_first is True:
            parse = strptime(f.strptime, True)
        elif month_first is None:
            parse = f"coalesce({strptime(f.strptime, False)}, {strptime(f.strptime, True)})"
        else:
            either = strptime(f.strptime, True), strptime(f.strptime, False)
            parse = f"case when {month_first} then {either[0]} else {either[1]} end"
        branches.append(f"when {literal(f.label)} then {parse}")
    return f"(case {label} {' '.join(branches)} end)"


def type_predicates(v: str) -> dict[str, str]:
    """For each type we infer, a SQL condition true when the (non-blank) text v fits it."""
    label = date_label(v)
    dates_only = ", ".join(literal(f.label) for f in DATE_FORMATS if not f.has_time)
    parsed = f"{date_value(v, label, None)} is not null"
    return {
        "boolean": f"lower(trim({v})) in ({', '.join(map(literal, BOOLEANS))})",
        "integer": f"regexp_full_match({v}, {literal(INTEGER_RE)})",
        "decimal": f"regexp_full_match({v}, {literal(DECIMAL_RE)})",
        "date": f"coalesce({label} in ({dates_only}) and {parsed}, false)",
        "timestamp": f"coalesce({label} is not null and {parsed}, false)",
    }


TYPE_ORDER = ("boolean", "integer", "decimal", "date", "timestamp")


def number_value(v: str, decimal_comma: bool) -> str:
    """v as a double: '12,50' is 12.5 in a column that writes decimals with a comma,
    '1,234.50' is 1234.5 in one that groups thousands with it."""
    text = f"replace(trim({v}), ',', '.')" if decimal_comma else f"replace(trim({v}), ',', '')"
    # the plain cast first: it is right for nearly every value and three times cheaper
    return f"coalesce(try_cast({v} as double), try_cast({text} as double))"


# --- kinds of contact data ----------------------------------------------------------------------

# Letters of any script are allowed (zoë@…, internationalised addresses are valid email).
EMAIL_RE = (
    r"\s*[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+@[\p{L}\p{N}]([\p{L}\p{N}-]*[\p{L}\p{N}])?"
    r"(\.[\p{L}\p{N}]([\p{L}\p{N}-]*[\p{L}\p{N}])?)*\.\p{L}{2,}\s*"
)
# 7 to 15 digits (E.164) with the usual separators, an optional +/00 prefix and extension.
PHONE_RE = r"\s*(\+|00)?\s*(\(?\d\)?[\s.\-/]*){7,15}((x|ext\.?)\s*\d{1,5})?\s*"
PHONE_LOOKS_RE = r"\s*(\+|00)?[\d\s().\-/]{6,24}((x|ext\.?)\s*\d{1,5})?\s*"
# Postcodes of the countries clients' customers live in most; any one of them is valid.
POSTCODE_RES = {
    "UK": r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}",
    "IE": r"[A-Za-z]\d[\dWw]\s?[A-Za-z\d]{4}",
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d",
    "NL": r"\d{4}\s?[A-Za-z]{2}",
    "4-6 digits": r"\d{4,6}",
    "PL/PT/JP/BR": r"\d{2,5}-\d{3,4}",
    "SE": r"\d{3}\s\d{2}",
}
POSTCODE_RE = r"\s*(" + "|".join(f"({r})" for r in POSTCODE_RES.values()) + r")\s*"
ORCID_RE = r"\s*(https?://orcid\.org/)?\d{4}-\d{4}-\d{4}-\d{3}[\dX]\s*"
# A UTF-8 text read as latin-1/cp1252 shows a lead byte (Ã, Â, Å…) then a 0x80-0xbf byte;
# U+FFFD is what a decoder leaves for a byte it could not read.
# The characters cp1252 puts at 0x80-0x9f (the euro sign, curly quotes…): a UTF-8 continuation
# byte read as cp1252.
CP1252_HIGH = bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore")
MOJIBAKE_RE = (
    "[\u00c2\u00c3\u00c4\u00c5\u00c6\u00c7\u00d0\u00d1\u00d8][\u0080-\u00bf"
    + CP1252_HIGH
    + "]|\u00e2\u20ac|\ufffd"
)


def orcid_check_digit_ok(v: str) -> str:
    """ISO 7064 MOD 11-2 over the 15 digits, as ORCID specifies."""
    digits = f"regexp_replace(right(trim({v}), 19), '[^0-9X]', '', 'g')"
    total = f"list_reduce([0] || list_transform(string_split(left({digits}, 15), ''), lambda d: d::int), lambda acc, d: (acc + d) * 2)"  # noqa: E501
    check = f"(12 - ({total}) % 11) % 11"
    return f"(right({digits}, 1) = case when {check} = 10 then 'X' else ({check})::varchar end)"


@cache
def _seed(name: str, column: str) -> tuple[str, ...]:
    with (paths.repo_root() / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return tuple(sorted({row[column].strip().lower() for row in csv.DictReader(f)}))


def titles() -> tuple[str, ...]:
    return _seed("titles", "title")


def countries() -> tuple[str, ...]:
    return tuple(sorted(set(_seed("country_aliases", "alias")) | set(_seed("countries", "country_code"))))


def first_names() -> tuple[str, ...]:
    return tuple(sorted(set(_seed("nicknames", "name")) | set(_seed("nicknames", "nickname"))))


def kind_looks(v: str) -> dict[str, str]:
    """For each kind, a SQL condition true when v looks like one (used to recognise columns)."""
    return {
        "email": f"contains({v}, '@')",
        # nine digits or more: dates (eight) are not phone numbers
        "phone": f"regexp_full_match({v}, {literal(PHONE_LOOKS_RE)}) "
        f"and regexp_matches({v}, '(\\d\\D*){{9}}')",
        "postcode": f"regexp_full_match({v}, {literal(padded(POSTCODE_RES['UK']))})",
        "orcid": f"regexp_full_match({v}, {literal(ORCID_RE)})",
        "title": f"lower(trim({v})) in ({', '.join(map(literal, titles()))})",
        "country": f"lower(trim({v})) in ({', '.join(map(literal, countries()))})",
        "first_name": f"lower(trim({v})) in ({', '.join(map(literal, first_names()))})",
        "full_name": f"regexp_full_match({v}, '\\s*[^\\d\\s,@]+(,? [^\\d\\s,@]+){{1,4}}\\s*')",
    }


def kind_valid(kind: str, v: str) -> str | None:
    """SQL true when v (non-blank) is a valid value of the kind; None for kinds without a rule."""
    return {
        "email": f"regexp_full_match({v}, {literal(EMAIL_RE)})",
        "phone": f"regexp_full_match({v}, {literal(PHONE_RE)})",
        "postcode": f"regexp_full_match({v}, {literal(POSTCODE_RE)})",
        "orcid": f"(regexp_full_match({v}, {literal(ORCID_RE)}) and {orcid_check_digit_ok(v)})",
    }.get(kind)


KIND_RULES = {
    "email": "local part, @, and a domain with a dot",
    "phone": "7 to 15 digits with spaces, dots, dashes or brackets, optional + and extension",
    "postcode": "a UK, IE, US, CA, NL or 4-6 digit postcode",
    "orcid": "0000-0000-0000-000X with a correct check digit (ISO 7064 MOD 11-2)",
    "date": "a real date in one of " + ", ".join(f.label for f in DATE_FORMATS),
}


# --- checks every column gets ---------------------------------------------------------------------

WHITESPACE = "[\\s\u00a0]"


# Code points a blank, stray-space or formula value can start with. ascii() reads one character,
# so the rule's costlier test runs only on the few values that start with one of them: on a
# ten-million-row column that halves the cost of these checks.
SPACE_STARTS = "32, 9, 10, 13, 160"
FORMULA_STARTS = "61, 43, 45, 64, 9, 13"  # = + - @ tab CR


def is_blank(v: str) -> str:
    return (
        f"(case when {v} = '' or ascii({v}) in ({SPACE_STARTS}) "
        f"then regexp_full_match({v}, '{WHITESPACE}*') else false end)"
    )


def has_stray_spaces(v: str) -> str:
    """Leading or trailing spaces or tabs, or two spaces in a row (but not a blank value)."""
    return (
        f"(case when ascii({v}) in (32, 9) or ends_with({v}, ' ') or ends_with({v}, '\t') "
        f"or contains({v}, '  ') "
        f"then not {is_blank(v)} else false end)"
    )


def is_formula(v: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first): a CSV-injection risk.

    '+44 20 7946 0000' and '-12.5' start the same way but are numbers, not formulas.
    """
    return (
        f"(case when ascii({v}) in ({FORMULA_STARTS}) "
        f"then not regexp_full_match({v}, '[+\\-][\\d\\s().,/\\-]*|{WHITESPACE}*') else false end)"
    )


def has_mojibake(v: str) -> str:
    """Only text with a non-ASCII character can be mojibake: that test is nearly free."""
    mojibake = f"regexp_matches({v}, {literal(MOJIBAKE_RE)})"
    return f"(case when strlen({v}) <> length({v}) then {mojibake} else false end)"


def pattern(v: str) -> str:
    """'SW1A 1AA' -> 'AA9A 9AA', 'Jane' -> 'Aaaa': the shape of a value without its content."""
    shape = f"regexp_replace(regexp_replace(regexp_replace({v}, '\\p{{Lu}}', 'A', 'g'), '\\p{{Ll}}', 'a', 'g'), '\\d', '9', 'g')"  # noqa: E501
    return f"(case when length({v}) > 30 then left({shape}, 30) || '…' else {shape} end)"
