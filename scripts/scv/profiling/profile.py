"""Profile a table of a delivery: structure, content and quality, with DuckDB over the whole file.

How it stays fast on ten million rows. A random sample decides, per column, its type, what
kind of contact data it holds (and so which validity rule applies) and whether its values
repeat. A column whose values repeat (titles, countries, dates of birth) is grouped once into
(value, count) pairs and every check runs once per distinct value, weighted by its count:
exact, and cheap. A column of nearly unique values (ids, emails) is checked row by row, in one
scan with the other such columns, with only the rules that apply to it (an email column gets
the email rule, not the date parser). Every count is over every row; only the value patterns
and length chart of nearly-unique columns, and which of their values to count as frequent,
come from the sample, and the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

from scv.core.sql import ident, literal
from scv.delivery import TABLE, Table
from scv.profiling import kinds
from scv.profiling.findings import findings
from scv.profiling.mapping import PERSONAL, Evidence, suggest

SAMPLE_ROWS = 50_000
GROUPED_MAX = 200_000  # a table this small is profiled over (value, count) pairs in every column
GROUPED_DISTINCT = 2_000_000  # else a column is, when it has at most this many distinct values…
GROUPED_SHARE = 0.25  # …and at most this share of its rows (grouping must save most of the work)
BATCH = 100  # columns per query: a 1,000-column file must not become one 100,000-term query
TOP = 10
SHOW_MIN_COUNT = 5  # a value seen this often is not one person's: shown unmasked (unless personal)
COMMON = ("blank", "stray_spaces", "formula", "mojibake")


def mask(value: str | None) -> str | None:
    """'Jane.Smith@uni.example' -> 'J•••.S••••@u••.e••••••': the shape, not the content."""
    if value is None:
        return None
    return re.sub(r"(?<=\w)\w", "•", value)


def profile_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    key: str | None = None,
    show_values: bool = False,
    advance: Callable[[str], None] = lambda step: None,
) -> dict:
    """Everything the report shows about one table loaded in `data`."""
    names = table.columns
    cols: dict[str, dict] = {name: {"name": name, "position": i + 1} for i, name in enumerate(names)}
    advance("sampling")
    sampled = _sample(con, table.rows)
    _long(con, "svals", "sample", list(cols.values()))
    _sample_stats(con, cols)
    evidence = [_evidence(c) for c in cols.values()]
    if key is not None and key not in cols:
        key = None  # reported by the caller, who knows where the key was declared
    mapping = suggest(evidence, key)
    for s in mapping:
        cols[s.column].setdefault("mapping", s.as_dict())
    key = next((s.column for s in mapping if s.field == "source_record_id"), None)
    _choose_kinds(cols)
    advance("checking every value")
    for c in cols.values():
        estimate = _distinct_estimate(c["sample"])
        c["grouped"] = table.rows <= GROUPED_MAX or estimate <= min(
            GROUPED_DISTINCT, GROUPED_SHARE * table.rows
        )
    _column_info(con, cols)
    grouped = [c for c in cols.values() if c["grouped"]]
    if grouped:
        _group(con, grouped, table.rows)
        _grouped_metrics(con, cols)
    per_cell = [c for c in cols.values() if not c.get("grouped")]
    for batch in _batches(per_cell):
        _cell_metrics(con, batch)
    advance("top values, patterns, dates and numbers")
    _top_values(con, cols, show_values)
    _patterns_and_lengths(con, cols, sampled)
    _dates(con, cols)
    _numbers(con, cols)
    for c in cols.values():
        _finish(c, table.rows)
    advance("duplicates")
    key_info = _key(con, key, cols, show_values) if key else None
    duplicate_rows = _duplicate_rows(con, names, key) if table.rows else 0
    result = {
        **_table_info(table, show_values),
        "rows": table.rows,
        "sampled_rows": con.execute("select count(*) from sample").fetchone()[0] if sampled else None,
        "duplicate_rows": duplicate_rows,
        "key": key_info,
        "mapping": [s.as_dict() for s in mapping],
        "columns": list(cols.values()),
    }
    result["findings"] = findings(result, table)
    for name in ("vals", "svals", "colinfo", "_key_counts"):
        con.execute(f"drop table if exists {name}")
    con.execute("drop view if exists sample" if not sampled else "drop table if exists sample")
    return result


def _table_info(table: Table, show_values: bool) -> dict:
    return {
        "file": str(table.file),
        "name": table.name,
        "format": table.format,
        "compression": table.compression,
        "bytes": table.bytes,
        "encoding": table.encoding,
        "bom": table.bom,
        "delimiter": table.delimiter,
        "quote": table.quote,
        "header": table.header,
        "sheet": table.sheet,
        "sheets": table.sheets,
        "line_endings": table.line_endings,
        "first_row": table.first_row if show_values or table.header else [mask(v) for v in table.first_row],
        "rejected_rows": table.rejected_rows,
        "rejects": [{**r, "raw": r["raw"] if show_values else mask(r["raw"])} for r in table.rejects],
        "notes": table.notes,
        "declared_types": table.declared_types,
    }


def _batches(cols: list[dict]) -> list[list[dict]]:
    return [cols[i : i + BATCH] for i in range(0, len(cols), BATCH)]


def _sample(con, rows: int) -> bool:
    """A uniform random sample of about SAMPLE_ROWS rows (the whole table when it is small);
    True when it is a sample."""
    if rows <= SAMPLE_ROWS:
        con.execute(f"create or replace temp view sample as select * from {TABLE}")
        return False
    # Rows whose row id hashes to 0 modulo k: uniform, repeatable, and read in parallel
    # (DuckDB's reservoir sample runs on one thread: eight times slower on ten million rows).
    con.execute(
        f"create or replace temp table sample as select * from {TABLE} "
        f"where hash(rowid) % {rows // SAMPLE_ROWS} = 0"
    )
    return True


def _long(con, name: str, relation: str, cols: list[dict]) -> None:
    """`name`(col, value, n): the columns' distinct non-null values with their counts.

    Every check written once over `value` then serves every column, however many there are:
    a 1,000-column file costs one query, not a thousand.
    """
    con.execute(f"create or replace temp table {name} (col varchar, value varchar, n bigint)")
    for batch in _batches(cols):
        listed = ", ".join(ident(c["name"]) for c in batch)
        con.execute(
            f"insert into {name} select col, value, count(*) from "
            f"(unpivot (select {listed} from {relation}) on {listed} into name col value value) group by all"
        )


def _group(con, grouped: list[dict], rows: int) -> None:
    """vals(col, value, count) for the grouped columns: one hash aggregation per column, which
    on ten million rows is far cheaper than checking every row. A small table is unpivoted
    instead: one pass however many columns it has."""
    if rows <= GROUPED_MAX:
        _long(con, "vals", TABLE, grouped)
        return
    con.execute("create or replace temp table vals (col varchar, value varchar, n bigint)")
    for batch in _batches(grouped):
        con.execute(
            "insert into vals "
            + " union all ".join(
                f"select {literal(c['name'])}, {ident(c['name'])}, count(*) from {TABLE} "
                f"where {ident(c['name'])} is not null group by all"
                for c in batch
            )
        )


def _sample_stats(con, cols: dict[str, dict]) -> None:
    """Per column in the sample: which types and kinds its values have. Decides the checks."""
    sample_rows = con.execute("select count(*) from sample").fetchone()[0]
    type_names, kind_looks = kinds.TYPE_ORDER, kinds.kind_looks("value")
    filled = "filled"
    exprs = [
        f"sum(n) filter (where {filled})",
        "count(*)",
        "sum(n)",
        "count(*) filter (where n = 1)",
        "count(*) filter (where n = 2)",
    ]
    # the date label and parse are written once, in the inner select: the query stays small
    dates_only = ", ".join(literal(f.label) for f in kinds.DATE_FORMATS if not f.has_time)
    types = {t: p for t, p in kinds.type_predicates("value").items() if t not in DATE_TYPES}
    types |= {"date": f"label in ({dates_only}) and is_date", "timestamp": "label is not null and is_date"}
    exprs += [f"sum(n) filter (where {filled} and {types[t]})" for t in type_names]
    exprs += [f"sum(n) filter (where {filled} and {p})" for p in kind_looks.values()]
    # decimal comma: '12,50' and no '.' anywhere in the column
    exprs += [
        "sum(n) filter (where regexp_matches(value, '\\d,\\d{1,2}\\s*$'))",
        "sum(n) filter (where contains(value, '.'))",
    ]
    # day-first or month-first: a first part over 12 is a day, a second part over 12 is one too
    slashed = f"label in ({', '.join(literal(x) for x in kinds.SLASHED)})"
    exprs += [
        f"sum(n) filter (where {slashed} and try_cast(split_part(trim(value), '/', {i}) as int) > 12)"
        for i in (1, 2)
    ]
    inner = (
        f"(select col, value, n, label, not {kinds.is_blank('value')} as filled, "
        f"{kinds.date_value('value', 'label', None)} is not null as is_date "
        f"from (select *, {kinds.date_label('value')} as label from svals))"
    )
    stats = {
        row[0]: [int(v or 0) for v in row[1:]]
        for row in con.execute(f"select col, {', '.join(exprs)} from {inner} group by col").fetchall()
    }
    for c in cols.values():
        it = iter(stats.get(c["name"], [0] * (len(exprs))))
        filled_n, distinct, values, once, twice = next(it), next(it), next(it), next(it), next(it)
        fits = {t: next(it) for t in type_names}
        looks = {k: next(it) for k in kind_looks}
        comma, dot, day_first, month_first = next(it), next(it), next(it), next(it)
        c["sample"] = {
            "rows": sample_rows,
            "filled": filled_n,
            "distinct": distinct,
            "values": values,
            "once": once,
            "twice": twice,
        }
        c["month_first"] = month_first > 0 and day_first == 0
        c["type"] = next((t for t in type_names if filled_n and fits[t] >= 0.9 * filled_n), "text")
        c["decimal_comma"] = c["type"] == "decimal" and comma > 0 and dot == 0
        c["kind_shares"] = {k: (n / filled_n if filled_n else 0.0) for k, n in looks.items()}
        c["kind_shares"]["date"] = fits["timestamp"] / filled_n if filled_n else 0.0


def _distinct_estimate(sample: dict) -> float:
    """Distinct values in the whole column, from the sample (Chao1: the values seen once and
    twice tell how many were not seen at all). Values all seen once: as many as rows."""
    seen, once, twice = sample["distinct"], sample["once"], sample["twice"]
    if once and not twice:
        return float("inf")
    return seen + (once * once / (2 * twice) if twice else 0)


def _evidence(c: dict) -> Evidence:
    s = c["sample"]
    return Evidence(
        name=c["name"],
        type=c["type"],
        kind_shares=c["kind_shares"],
        unique_share=s["distinct"] / s["values"] if s["values"] else 0.0,
        filled_share=s["filled"] / s["rows"] if s["rows"] else 0.0,
    )


def _choose_kinds(cols: dict[str, dict]) -> None:
    """The kind whose validity rule a column gets: from its mapped field, else from its values."""
    by_field = {
        "email": "email",
        "phone": "phone",
        "postcode": "postcode",
        "orcid": "orcid",
        "birth_date": "date",
        "record_updated_at": "date",
    }
    for c in cols.values():
        field = c.get("mapping", {}).get("field")
        kind = by_field.get(field)
        if kind is None:
            shares = {k: c["kind_shares"].get(k, 0) for k in ("email", "orcid", "phone")}
            best = max(shares, key=shares.get)
            kind = best if shares[best] >= 0.8 else None
        if kind is None and c["type"] in ("date", "timestamp"):
            kind = "date"
        c["kind"] = kind


def _column_info(con, cols: dict[str, dict]) -> None:
    """colinfo(col, type, kind, is_birth, month_first): one query applies each column's own checks."""
    con.execute(
        "create or replace temp table colinfo "
        "(col varchar, type varchar, kind varchar, is_birth bool, month_first bool)"
    )
    rows = [
        f"({literal(c['name'])}, {literal(c['type'])}, {literal(c['kind']) if c['kind'] else 'null'}, "
        f"{c.get('mapping', {}).get('field') == 'birth_date'}, {c['month_first']})"
        for c in cols.values()
    ]
    con.execute(f"insert into colinfo values {', '.join(rows)}")  # one statement: executemany is slow


METRICS = ("blank", "stray_spaces", "formula", "mojibake", "type_fit", "kind_invalid")
DATE_TYPES = ("date", "timestamp")


def _metrics(v: str, n: str | None, type_fit: str | None, kind_valid: str | None) -> list[str]:
    """The counts every column gets, over value expression v weighted by n (None: one row each).

    type_fit and kind_valid are the column's own rules (None when it has none): written out for
    one column, or as a CASE over colinfo when one query serves many.
    """
    checks = {
        "blank": kinds.is_blank(v),
        "stray_spaces": kinds.has_stray_spaces(v),
        "formula": kinds.is_formula(v),
        "mojibake": kinds.has_mojibake(v),
        "type_fit": type_fit,
        "kind_invalid": f"not {kinds.is_blank(v)} and not ({kind_valid})" if kind_valid else None,
    }
    if n:
        exprs = [f"sum({n}) filter (where {cond})" if cond else "null" for cond in checks.values()]
        lengths = [f"min(length({v}))", f"max(length({v}))", f"sum({n} * length({v})) / sum({n})"]
        return [*exprs, *lengths, f"sum({n})", "count(*)"]
    exprs = [f"count(*) filter (where {cond})" if cond else "null" for cond in checks.values()]
    lengths = [f"min(length({v}))", f"max(length({v}))", f"avg(length({v}))"]
    return [*exprs, *lengths, f"count({v})", f"approx_count_distinct({v})"]


def _grouped_metrics(con, cols: dict[str, dict]) -> None:
    """One pass over the (value, count) pairs of every grouped column, each with its own rules."""
    types = {t: p for t, p in kinds.type_predicates("value").items() if t not in DATE_TYPES}
    type_fit = "case i.type " + " ".join(f"when {literal(t)} then {p}" for t, p in types.items()) + " end"
    rules = {k: kinds.kind_valid(k, "value") for k in ("email", "phone", "postcode", "orcid")}
    kind_valid = (
        "case i.kind " + " ".join(f"when {literal(k)} then {r}" for k, r in rules.items()) + " else true end"
    )
    sql = (
        f"select v.col, {', '.join(_metrics('value', 'n', type_fit, kind_valid))} "
        f"from vals v join colinfo i on i.col = v.col group by v.col"
    )
    for col, *row in con.execute(sql).fetchall():
        _store(cols[col], row)
    for c in cols.values():
        if c.get("grouped"):
            c["distinct_exact"] = True
            if "values" not in c:  # a column without a single value has no groups
                _store(c, [None] * (len(METRICS) + 5))


def _cell_metrics(con, batch: list[dict]) -> None:
    """The same checks over every row, for columns of nearly unique values, in one scan. Each
    column gets only its own rules: an email column is not run through the date parser."""
    exprs = []
    for c in batch:
        v = ident(c["name"])
        type_fit = kinds.type_predicates(v)[c["type"]] if c["type"] not in ("text", *DATE_TYPES) else None
        kind_valid = kinds.kind_valid(c["kind"], v) if c["kind"] else None
        exprs += _metrics(v, None, type_fit, kind_valid)
    row = con.execute(f"select {', '.join(exprs)} from {TABLE}").fetchone()
    width = len(METRICS) + 5
    for i, c in enumerate(batch):
        _store(c, row[i * width : (i + 1) * width])
        c["distinct_exact"] = False  # HyperLogLog: within a few percent


def _store(c: dict, row) -> None:
    """Counts into the column; type_fit of dates comes later, from parsing them (_dates)."""
    has_rule = {
        "type_fit": c["type"] not in ("text", *DATE_TYPES),
        "kind_invalid": bool(c["kind"] and kinds.kind_valid(c["kind"], "v")),
    }
    for name, value in zip(METRICS, row, strict=False):
        if has_rule.get(name, True):
            c[name] = int(value or 0)
    lmin, lmax, lavg, values, distinct = row[len(METRICS) : len(METRICS) + 5]
    c["length"] = {"min": lmin, "max": lmax, "avg": round(float(lavg), 1) if lavg is not None else None}
    c["values"], c["distinct"] = int(values or 0), int(distinct or 0)


def _shown(c: dict, value: str, count: int, show_values: bool) -> str:
    personal = c.get("mapping", {}).get("field") in PERSONAL or c.get("kind") in ("email", "phone", "orcid")
    return value if show_values or (count >= SHOW_MIN_COUNT and not personal) else mask(value)


def _top_values(con, cols: dict[str, dict], show_values: bool) -> None:
    for c in cols.values():
        c["top_values"] = []
    if any(c.get("grouped") for c in cols.values()):
        for col, value, n in con.execute(
            f"select col, value, n from vals "
            f"qualify row_number() over (partition by col order by n desc, value) "
            f"<= {TOP} order by col, n desc, value"
        ).fetchall():
            cols[col]["top_values"].append({"value": _shown(cols[col], value, n, show_values), "count": n})
    # A nearly-unique column's frequent values (a default 'test@test.com', 'N/A') are the ones
    # seen more than once in the sample; each is then counted over every row.
    candidates: dict[str, list[str]] = {}
    for col, value in con.execute(
        f"select col, value from svals where n > 1 "
        f"qualify row_number() over (partition by col order by n desc, value) "
        f"<= {TOP}"
    ).fetchall():
        if not cols[col].get("grouped"):
            candidates.setdefault(col, []).append(value)
    for col, values in candidates.items():
        c, v = cols[col], ident(col)
        counted = con.execute(
            f"select {v}, count(*) from {TABLE} where {v} in ({', '.join(literal(x) for x in values)}) "
            f"group by 1 having count(*) > 1 order by 2 desc, 1 limit {TOP}"
        ).fetchall()
        c["top_values"] = [{"value": _shown(c, value, n, show_values), "count": n} for value, n in counted]


def _patterns_and_lengths(con, cols: dict[str, dict], sampled: bool) -> None:
    """Value shapes and the length distribution: over the (value, count) pairs of grouped
    columns (exact), over the sample for the others (labelled as such)."""
    for c in cols.values():
        c["patterns"], c["lengths"], c["patterns_sampled"] = [], [], sampled and not c.get("grouped")
    grouped = any(c.get("grouped") for c in cols.values())
    source = (
        "(select * from vals union all select * from svals where col not in (select col from vals))"
        if grouped
        else "svals"
    )
    for col, p, n in con.execute(
        f"select col, p, total from "
        f"(select col, {kinds.pattern('value')} as p, sum(n) as total from {source} "
        f"group by col, p) qualify row_number() over (partition by col order by total desc, p) <= 8 "
        f"order by col, total desc, p"
    ).fetchall():
        cols[col]["patterns"].append({"pattern": p, "count": int(n)})
    for col, length, n in con.execute(
        f"select col, least(length(value), 41) as l, sum(n) from {source} group by all order by col, l"
    ).fetchall():
        cols[col]["lengths"].append((int(length), int(n)))


def _dates(con, cols: dict[str, dict]) -> None:  # noqa: C901 (one pass over every date column)
    """Formats found, day/month order, real dates, their range and implausible ones, in one pass:
    over the (value, count) pairs of grouped date columns at once, row by row for the others.
    Each value is parsed by the one format its shape names, in the column's day/month order
    (from the sample); values with the other order are counted so a mix is reported."""
    dated = [c for c in cols.values() if c["kind"] == "date"]
    # each relation: (col, value, n, is_birth, month_first)
    relations = []
    if any(c.get("grouped") for c in dated):
        relations.append(
            "(select v.col, v.value, v.n, i.is_birth, i.month_first "
            "from vals v join colinfo i on i.col = v.col "
            "where i.kind = 'date')"
        )
    for c in dated:
        if not c.get("grouped"):
            v = ident(c["name"])
            is_birth = c.get("mapping", {}).get("field") == "birth_date"
            relations.append(
                f"(select {literal(c['name'])} as col, {v} as value, 1::bigint as n, {is_birth} as is_birth, "
                f"{c['month_first']} as month_first from {TABLE} where {v} is not null)"
            )
    slashed = ", ".join(literal(s) for s in kinds.SLASHED)
    parsed = kinds.date_value("value", "label", "month_first")

    def over_12(part: int) -> str:  # CASE, so only slashed values are split (a filter's AND is not lazy)
        return (
            f"sum(n) filter (where case when label in ({slashed}) "
            f"then try_cast(split_part(trim(value), '/', {part}) as int) > 12 else false end)"
        )

    found: dict[str, list] = {}
    years: dict[str, dict[int, int]] = {}
    for i, relation in enumerate(relations):
        values = (
            f"(select col, value, n, label, {parsed} as d, is_birth from "
            f"(select *, {kinds.date_label('value')} as label from {relation} "
            f"where not {kinds.is_blank('value')}))"
        )
        for col, *rest in con.execute(
            f"select col, label, sum(n), {over_12(1)}, {over_12(2)}, "
            f"sum(n) filter (where d is null), min(d), max(d), "
            f"sum(n) filter (where d < date '1900-01-01' or d > case when is_birth then current_date "
            f"else current_date + interval 1 year end), histogram(year(d)) "
            f"from {values} group by col, label"
        ).fetchall():
            found.setdefault(col, []).append(rest)
            for year, count in (rest[-1] or {}).items():
                years.setdefault(col, {})[year] = years.get(col, {}).get(year, 0) + count
        if i == 0 and relation.startswith("(select v.col"):
            # histogram() counts rows, but here a row is a distinct value seen n times
            for col in list(years):
                if cols[col].get("grouped"):
                    del years[col]
            for col, year, count in con.execute(
                f"select col, year(d), sum(n) from {values} where d is not null group by all"
            ).fetchall():
                years.setdefault(col, {})[year] = int(count)
    for c in dated:
        rows = found.get(c["name"], [])
        day, month = sum(int(r[2] or 0) for r in rows), sum(int(r[3] or 0) for r in rows)
        formats: dict[str, int] = {}
        for label, n, *_ in rows:
            name = "no date format" if label is None else label
            if label in kinds.SLASHED and c["month_first"]:
                name = kinds.month_first(label)
            formats[name] = formats.get(name, 0) + int(n)
        lows = [r[5] for r in rows if r[5] is not None]
        highs = [r[6] for r in rows if r[6] is not None]
        invalid = sum(int(r[4] or 0) for r in rows)
        c["dates"] = {
            "formats": dict(sorted(formats.items(), key=lambda f: -f[1])),
            "order": "month-first" if c["month_first"] else "day-first" if day else None,
            "ambiguous_order": bool(day and month),
            "day_first_values": day,
            "month_first_values": month,
            "invalid": invalid,
            "min": min(lows).date().isoformat() if lows else None,
            "max": max(highs).date().isoformat() if highs else None,
            "implausible": sum(int(r[7] or 0) for r in rows),
            "by_year": sorted((int(y), int(n)) for y, n in years.get(c["name"], {}).items() if y is not None),
        }
        if c["type"] in DATE_TYPES:
            c["type_fit"] = sum(formats.values()) - invalid


def _numbers(con, cols: dict[str, dict]) -> None:
    """Range, mean, quantiles, far-out values (Tukey's 3×IQR fences) and a histogram; two scans
    for all number columns together."""
    numeric = [c for c in cols.values() if c["type"] in ("integer", "decimal")]
    for batch in _batches(numeric):
        xs = [kinds.number_value(ident(c["name"]), c.get("decimal_comma", False)) for c in batch]
        exprs = [
            f"min({x}), max({x}), avg({x}), stddev_samp({x}), "
            f"approx_quantile({x}, [0.01, 0.25, 0.5, 0.75, 0.99])"
            for x in xs
        ]
        row = con.execute(f"select {', '.join(exprs)} from {TABLE}").fetchone()
        edges = []
        for i, c in enumerate(batch):
            lo, hi, mean, std, quantiles = row[5 * i : 5 * i + 5]
            if lo is None:
                edges.append(None)
                continue
            p1, q1, median, q3, p99 = quantiles
            fences = (q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1))
            width = (p99 - p1) / 20 or 1
            edges.append((fences, p1, width))
            c["numbers"] = {
                "min": lo,
                "max": hi,
                "mean": mean,
                "stddev": std,
                "quantiles": {"p1": p1, "p25": q1, "p50": median, "p75": q3, "p99": p99},
                "outliers": 0,
                "fences": list(fences),
                "histogram": [],
            }
        exprs = [
            f"count(*) filter (where {x} < {e[0][0]} or {x} > {e[0][1]}), "
            f"histogram(least(greatest(floor(({x} - {e[1]}) / {e[2]}), -1), 20)::int)"
            for x, e in zip(xs, edges, strict=True)
            if e
        ]
        if not exprs:
            continue
        row = iter(con.execute(f"select {', '.join(exprs)} from {TABLE}").fetchone())
        for c, e in zip(batch, edges, strict=True):
            if not e:
                continue
            outliers, bins = next(row), next(row) or {}
            _, p1, width = e
            c["numbers"]["outliers"] = int(outliers)
            c["numbers"]["histogram"] = [
                (
                    f"< {p1:,.4g}"
                    if b == -1
                    else f"≥ {p1 + 20 * width:,.4g}"
                    if b == 20
                    else f"{p1 + b * width:,.4g}",
                    int(n),
                )
                for b, n in sorted((b, n) for b, n in bins.items() if b is not None)
            ]


def _duplicate_rows(con, names: list[str], key: str | None) -> int:
    """Rows that repeat an earlier row exactly (compared by a 64-bit hash of the whole row).

    A repeated row repeats its key, so with a key only the rows whose key repeats (or is empty)
    need hashing: one lookup per row instead of a ten-million-entry hash table.
    """
    listed = ", ".join(ident(n) for n in names)
    where = ""
    if key:
        k = ident(key)
        where = f"where {k} is null or {k} in (select value from _key_counts) or {kinds.is_blank(k)}"
    (dups,) = con.execute(
        f"select coalesce(sum(c - 1), 0) from "
        f"(select count(*) as c from {TABLE} {where} group by hash({listed})) "
        f"where c > 1"
    ).fetchone()
    return int(dups)


def _key(con, key: str, cols: dict[str, dict], show_values: bool) -> dict:
    """Repeated and empty keys. _key_counts keeps the repeated ones for _duplicate_rows."""
    k = ident(key)
    con.execute(
        f"create or replace temp table _key_counts as select {k} as value, count(*) as c from {TABLE} "
        f"where {k} is not null and not {kinds.is_blank(k)} group by all having count(*) > 1"
    )
    (duplicates,) = con.execute("select coalesce(sum(c - 1), 0) from _key_counts").fetchone()
    repeated = con.execute("select value, c from _key_counts order by c desc, value limit 5").fetchall()
    c = cols[key]
    return {
        "column": key,
        "duplicates": int(duplicates),
        "empty": c["nulls"] + c["blank"],
        "examples": [{"value": v if show_values else mask(v), "count": n} for v, n in repeated],
    }


def _finish(c: dict, rows: int) -> None:
    """Shares a person reads, from the counts."""
    c.setdefault("length", {"min": None, "max": None, "avg": None})
    for name in COMMON:
        c.setdefault(name, 0)
    c["nulls"] = rows - c["values"]
    c["filled"] = c["values"] - c["blank"]
    c["filled_share"] = c["filled"] / rows if rows else 0.0
    if c["type"] != "text":
        c["type_fit_share"] = c.get("type_fit", 0) / c["filled"] if c["filled"] else 0.0
    if "kind_invalid" in c:
        c["kind_invalid_share"] = c["kind_invalid"] / c["filled"] if c["filled"] else 0.0
    c.pop("sample", None)
