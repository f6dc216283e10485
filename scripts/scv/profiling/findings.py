"""What a person must know about a new source, from its profile: one line each, worst first.

Severity: `fail` stops a build or loses records as the file stands (rejected rows, duplicate
or empty keys, a file that is not what client.yml declares); `warn` is data the client should
fix or we must handle (invalid emails, mixed date formats, formula cells); `info` is worth
knowing (a byte-order mark, stray spaces the staging models trim anyway).
"""

from __future__ import annotations

from scv.delivery import Table
from scv.profiling.kinds import KIND_RULES

ORDER = {"fail": 0, "warn": 1, "info": 2}


def _pct(part: int, whole: int) -> str:
    if not whole:
        return "0%"
    share = 100 * part / whole
    return f"{share:.0f}%" if share >= 10 or share == 0 else f"{share:.1f}%" if share >= 0.1 else "<0.1%"


def findings(profile: dict, table: Table) -> list[dict]:
    rows = profile["rows"]
    out: list[dict] = []

    def add(
        severity: str,
        check: str,
        message: str,
        column: str | None = None,
        count: int | None = None,
        examples: list | None = None,
    ) -> None:
        out.append(
            {
                "severity": severity,
                "check": check,
                "column": column,
                "message": message,
                "count": count,
                "examples": examples or [],
            }
        )

    for note in table.notes:
        add("warn", "reading", note)
    if profile["rejected_rows"]:
        first = profile["rejects"][0]
        add(
            "fail",
            "rejected_rows",
            f"{profile['rejected_rows']:,} line(s) do not parse and would be rejected by the loader; "
            f"first: line {first['line']} ({first['error'].lower()})",
            count=profile["rejected_rows"],
            examples=[f"line {r['line']}: {r['raw']}" for r in profile["rejects"]],
        )
    if rows == 0:
        add("warn", "rows", "no data rows: the file has a header and nothing else")
    if profile["bom"] and profile["encoding"] == "utf-8":
        add("info", "encoding", "starts with a UTF-8 byte-order mark (the loader strips it)")
    if profile["line_endings"] == "mixed":
        add("info", "line_endings", "mixes line endings (CRLF and LF): written by more than one tool?")
    if profile["duplicate_rows"]:
        add(
            "warn",
            "duplicate_rows",
            f"{profile['duplicate_rows']:,} row(s) repeat an earlier row exactly "
            f"({_pct(profile['duplicate_rows'], rows)})",
            count=profile["duplicate_rows"],
        )
    key = profile["key"]
    if key is None and rows:
        add(
            "warn",
            "key",
            "no column has a value in every row that is unique: which column identifies a record?",
        )
    elif key:
        if key["duplicates"]:
            add(
                "fail",
                "duplicate_keys",
                f"key {key['column']!r}: {key['duplicates']:,} value(s) repeat an earlier one",
                key["column"],
                key["duplicates"],
                [f"{e['value']} ×{e['count']}" for e in key["examples"]],
            )
        if key["empty"]:
            add(
                "fail",
                "empty_keys",
                f"key {key['column']!r} is empty in {key['empty']:,} row(s): the loader rejects them",
                key["column"],
                key["empty"],
            )
    for c in profile["columns"]:
        _column_findings(c, rows, add)
    return sorted(out, key=lambda f: (ORDER[f["severity"]], f["column"] or "", f["check"]))


def _column_findings(c: dict, rows: int, add) -> None:
    name, filled = c["name"], c["filled"]
    if rows and filled == 0:
        add("warn", "empty_column", f"{name!r} is empty in every row", name)
        return
    if c.get("kind_invalid"):
        add(
            "warn",
            f"invalid_{c['kind']}",
            f"{name!r}: {c['kind_invalid']:,} value(s) ({_pct(c['kind_invalid'], filled)}) "
            f"are not valid {c['kind']}s ({KIND_RULES[c['kind']]})",
            name,
            c["kind_invalid"],
        )
    dates = c.get("dates")
    if dates:
        if dates["invalid"]:
            add(
                "warn",
                "invalid_date",
                f"{name!r}: {dates['invalid']:,} value(s) are not real dates in a known format",
                name,
                dates["invalid"],
            )
        found = [f for f in dates["formats"] if f != "no date format"]
        if len(found) > 1:
            listed = ", ".join(f"{f} ({n:,})" for f, n in dates["formats"].items() if f != "no date format")
            add("warn", "date_formats", f"{name!r} mixes date formats: {listed}", name, len(found))
        if dates["ambiguous_order"]:
            add(
                "warn",
                "date_order",
                f"{name!r}: some dates are day-first ({dates['day_first_values']:,}) and "
                f"some month-first ({dates['month_first_values']:,}): 03/04 cannot be read safely",
                name,
            )
        if dates["implausible"]:
            add(
                "warn",
                "implausible_date",
                f"{name!r}: {dates['implausible']:,} date(s) before 1900 or in the future",
                name,
                dates["implausible"],
            )
    if c["type"] != "text" and not dates and c.get("type_fit", 0) < filled:  # dates: said above
        other = filled - c.get("type_fit", 0)
        add(
            "warn",
            "mixed_types",
            f"{name!r} is mostly {c['type']}, but {other:,} value(s) ({_pct(other, filled)}) are not",
            name,
            other,
        )
    if c.get("mojibake"):
        add(
            "warn",
            "mojibake",
            f"{name!r}: {c['mojibake']:,} value(s) look like text decoded in the wrong encoding (Ã©, â€™…)",
            name,
            c["mojibake"],
        )
    if c.get("formula"):
        add(
            "warn",
            "formula_cells",
            f"{name!r}: {c['formula']:,} value(s) start with =, +, - or @ and would run "
            f"as spreadsheet formulas",
            name,
            c["formula"],
        )
    numbers = c.get("numbers")
    if numbers and numbers["outliers"]:
        lo, hi = numbers["fences"]
        add(
            "info",
            "outliers",
            f"{name!r}: {numbers['outliers']:,} value(s) far outside the rest "
            f"(below {lo:,.4g} or above {hi:,.4g})",
            name,
            numbers["outliers"],
        )
    if c.get("stray_spaces"):
        add(
            "info",
            "stray_spaces",
            f"{name!r}: {c['stray_spaces']:,} value(s) have leading, trailing or double spaces",
            name,
            c["stray_spaces"],
        )
    blanks = c["blank"]
    if blanks and c["values"]:
        add("info", "blanks", f"{name!r}: {blanks:,} value(s) are blank rather than empty", name, blanks)
