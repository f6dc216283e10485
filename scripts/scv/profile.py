"""Profile a table of a delivery: structure, content and quality, with DuckDB over the whole file.

How it stays fast on ten million rows: a column with few distinct values (titles, countries,
dates of birth) is first grouped into (value, count) pairs, and every check runs once per
distinct value, weighted by its count, which is exact and cheap. A column of nearly unique
values (ids, emails) is checked value by value, but only with the checks that apply to it (an
email column gets the email rule, not the date parser). Which checks apply is decided on a
random sample; the checks themselves run over every row. Only value patterns and the length
chart of nearly-unique columns come from the sample, and the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import duckdb

from scv import kinds
from scv.kinds import ident, q
from scv.mapping import PERSONAL, Evidence, suggest
from scv.read import TABLE, Table

SAMPLE_ROWS = 50_000
GROUPED_MAX = 200_000  # distinct values up to which a column is profiled over its (value, count) pairs
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
    advance("counting values")
    _counts(con, table, cols)
    advance("sampling")
    sampled = _sample(con, table.rows)
    _sample_stats(con, cols)
    evidence = [_evidence(c, table.rows) for c in cols.values()]
    if key is not None and key not in cols:
        key = None  # reported by the caller, who knows where the key was declared
    mapping = suggest(evidence, key)
    for s in mapping:
        cols[s.column]["mapping"] = s.as_dict()
    key = key or _guess_key(mapping, cols, table.rows)
    _choose_kinds(cols)
    advance("checking every value")
    grouped = [c for c in cols.values() if c["distinct"] <= GROUPED_MAX or table.rows <= GROUPED_MAX]
    per_cell = [c for c in cols.values() if c not in grouped]
    for c in grouped:
        c["grouped"] = True
    if grouped:
        _group(con, grouped)
        _grouped_metrics(con, grouped)
    for start in range(0, len(per_cell), BATCH):
        _cell_metrics(con, per_cell[start : start + BATCH])
    advance("top values, patterns, dates and numbers")
    _top_values(con, cols, show_values)
    _patterns_and_lengths(con, cols, sampled)
    _dates(con, cols)
    _numbers(con, cols)
    advance("duplicates")
    duplicate_rows = _duplicate_rows(con, names) if table.rows else 0
    key_info = _key(con, key, cols, show_values) if key else None
    for c in cols.values():
        _finish(c, table.rows)
    result = {
        **_table_info(table, show_values),
        "rows": table.rows,
        "sampled_rows": SAMPLE_ROWS if sampled else None,
        "duplicate_rows": duplicate_rows,
        "key": key_info,
        "mapping": [s.as_dict() for s in mapping],
        "columns": list(cols.values()),
    }
    from scv.findings import findings

    result["findings"] = findings(result, table)
    con.execute("drop table if exists vals; drop table if exists svals")
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


def _counts(con, table: Table, cols: dict[str, dict]) -> None:
    """Non-null values and (approximate, HyperLogLog) distinct values, every row."""
    for batch in _batches(list(cols.values())):
        exprs = ", ".join(
            f"count({ident(c['name'])}), approx_count_distinct({ident(c['name'])})" for c in batch
        )
        row = con.execute(f"select {exprs} from {TABLE}").fetchone()
        for i, c in enumerate(batch):
            c["values"], c["distinct"] = row[2 * i], row[2 * i + 1]
            c["nulls"] = table.rows - c["values"]
            c["distinct_exact"] = False


def _sample(con, rows: int) -> bool:
    """A uniform random sample (the whole table when it is small); True when it is a sample."""
    if rows <= SAMPLE_ROWS:
        con.execute(f"create or replace temp view sample as select * from {TABLE}")
        return False
    con.execute(
        f"create or replace temp table sample as select * from {TABLE} "
        f"using sample reservoir({SAMPLE_ROWS} rows) repeatable (42)"
    )
    return True


def _sample_stats(con, cols: dict[str, dict]) -> None:
    """Per column in the sample: which types and kinds its values have. Decides the checks."""
    type_names = kinds.TYPE_ORDER
    kind_names = tuple(kinds.kind_looks("x"))
    for batch in _batches(list(cols.values())):
        exprs = []
        for c in batch:
            v = ident(c["name"])
            filled = f"{v} is not null and not {kinds.is_blank(v)}"
            exprs.append(f"count(*) filter (where {filled})")
            exprs.append(f"count(distinct {v})")
            exprs += [f"count(*) filter (where {filled} and {p})" for p in kinds.type_predicates(v).values()]
            exprs += [f"count(*) filter (where {filled} and {p})" for p in kinds.kind_looks(v).values()]
            # decimal comma: '12,50' with no '.' anywhere in the column
            exprs.append(f"count(*) filter (where regexp_matches({v}, '\\d,\\d{{1,2}}\\s*$'))")
            exprs.append(f"count(*) filter (where contains({v}, '.'))")
        row = con.execute(f"select count(*), {', '.join(exprs)} from sample").fetchone()
        sample_rows, it = row[0], iter(row[1:])
        for c in batch:
            filled, distinct = next(it), next(it)
            fits = {t: next(it) for t in type_names}
            looks = {k: next(it) for k in kind_names}
            comma, dot = next(it), next(it)
            c["sample"] = {"rows": sample_rows, "filled": filled, "distinct": distinct}
            c["type"] = next((t for t in type_names if filled and fits[t] >= 0.9 * filled), "text")
            c["decimal_comma"] = c["type"] == "decimal" and comma > 0 and dot == 0
            c["kind_shares"] = {k: (n / filled if filled else 0.0) for k, n in looks.items()}
            c["kind_shares"]["date"] = fits["timestamp"] / filled if filled else 0.0


def _evidence(c: dict, rows: int) -> Evidence:
    s = c["sample"]
    values_in_sample = s["rows"] - round(s["rows"] * c["nulls"] / rows) if rows else 0
    return Evidence(
        name=c["name"],
        type=c["type"],
        kind_shares=c["kind_shares"],
        unique_share=s["distinct"] / values_in_sample if values_in_sample else 0.0,
        filled_share=s["filled"] / s["rows"] if s["rows"] else 0.0,
    )


def _guess_key(mapping, cols: dict[str, dict], rows: int) -> str | None:
    for s in mapping:
        if s.field == "source_record_id":
            return s.column
    for c in cols.values():  # else the first column whose sampled values are all there and unique
        s = c["sample"]
        if rows and s["filled"] == s["rows"] == s["distinct"]:
            return c["name"]
    return None


def _choose_kinds(cols: dict[str, dict]) -> None:
    """The kind whose validity rule a column gets: from its mapped field, else from its values."""
    by_field = {"email": "email", "phone": "phone", "postcode": "postcode", "orcid": "orcid",
                "birth_date": "date", "record_updated_at": "date"}  # fmt: skip
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


def _group(con, grouped: list[dict]) -> None:
    """(column, value, count) for the columns with few distinct values: every later check runs
    once per distinct value instead of once per row."""
    con.execute("drop table if exists vals")
    for i, batch in enumerate(_batches(grouped)):
        listed = ", ".join(ident(c["name"]) for c in batch)
        into = "create temp table vals as" if i == 0 else "insert into vals"
        con.execute(
            f"{into} select col, value, count(*)::bigint as n from "
            f"(unpivot (select {listed} from {TABLE}) on {listed} into name col value value) group by all"
        )
    for name, distinct in con.execute("select col, count(*) from vals group by col").fetchall():
        for c in grouped:
            if c["name"] == name:
                c["distinct"], c["distinct_exact"] = distinct, True
    for c in grouped:
        if not c["values"]:
            c["distinct"], c["distinct_exact"] = 0, True


METRICS = ("blank", "stray_spaces", "formula", "mojibake", "type_fit", "kind_invalid")


def _metrics(c: dict, v: str, n: str | None) -> list[str]:
    """Column c's counts over value expression v, weighted by n (None: one row each).

    Every column gets the same slots so columns can share one query; a check that does not
    apply to the column (the email rule for a date) is null and costs nothing.
    """
    checks = {
        "blank": kinds.is_blank(v),
        "stray_spaces": kinds.has_stray_spaces(v),
        "formula": kinds.is_formula(v),
        "mojibake": kinds.has_mojibake(v),
        "type_fit": kinds.type_predicates(v)[c["type"]] if c["type"] != "text" else None,
        "kind_invalid": None,
    }
    if c["kind"] and (rule := kinds.kind_valid(c["kind"], v)):
        checks["kind_invalid"] = f"not {kinds.is_blank(v)} and not ({rule})"
    count = (
        (lambda cond: f"sum({n}) filter (where {cond})")
        if n
        else (lambda cond: f"count(*) filter (where {cond})")
    )
    exprs = [count(checks[m]) if checks[m] else "null" for m in METRICS]
    average = f"sum({n} * length({v})) / sum({n})" if n else f"avg(length({v}))"
    return [*exprs, f"min(length({v}))", f"max(length({v}))", average]


def _grouped_metrics(con, grouped: list[dict]) -> None:
    """One pass over the (value, count) pairs: each column's checks, weighted by count."""
    for batch in _batches(grouped):
        sql = " union all ".join(
            f"select {q(c['name'])} as col, {', '.join(_metrics(c, 'value', 'n'))} "
            f"from vals where col = {q(c['name'])}"
            for c in batch
        )
        by_name = {c["name"]: c for c in batch}
        for col, *row in con.execute(sql).fetchall():
            _store(by_name[col], row)


def _cell_metrics(con, batch: list[dict]) -> None:
    """The same checks over every row, for columns of nearly unique values: one scan."""
    exprs = []
    for c in batch:
        v = ident(c["name"])
        exprs += [*_metrics(c, v, None), f"approx_top_k({v}, {TOP})"]
    row = con.execute(f"select {', '.join(exprs)} from {TABLE}").fetchone()
    width = len(METRICS) + 4
    for i, c in enumerate(batch):
        part = row[i * width : (i + 1) * width]
        _store(c, part[:-1])
        c["top_candidates"] = part[-1] or []


def _store(c: dict, row) -> None:
    for name, value in zip(METRICS, row, strict=False):
        if value is not None or name in COMMON:
            c[name] = int(value or 0)
    lmin, lmax, lavg = row[len(METRICS) : len(METRICS) + 3]
    c["length"] = {"min": lmin, "max": lmax, "avg": round(float(lavg), 1) if lavg is not None else None}


def _values(c: dict) -> str:
    """The column as (value, n) pairs: its groups, or every row with n = 1."""
    if c.get("grouped"):
        return f"(select value, n from vals where col = {q(c['name'])})"
    return f"(select {ident(c['name'])} as value, 1::bigint as n from {TABLE} where {ident(c['name'])} is not null)"


def _shown(c: dict, value: str, count: int, show_values: bool) -> str:
    personal = c.get("mapping", {}).get("field") in PERSONAL or c.get("kind") in ("email", "phone", "orcid")
    return value if show_values or (count >= SHOW_MIN_COUNT and not personal) else mask(value)


def _top_values(con, cols: dict[str, dict], show_values: bool) -> None:
    grouped = [c for c in cols.values() if c.get("grouped")]
    if grouped:
        rows = con.execute(
            f"select col, value, n from vals qualify row_number() over (partition by col order by n desc, value) "
            f"<= {TOP} order by col, n desc, value"
        ).fetchall()
        for c in grouped:
            c["top_values"] = [{"value": _shown(c, v, n, show_values), "count": n} for col, v, n in rows
                               if col == c["name"]]  # fmt: skip
    for c in cols.values():
        if c.get("grouped") or not c.get("top_candidates"):
            c.setdefault("top_values", [])
            continue
        # approx_top_k found the candidates in one pass; their exact counts need one more
        listed = ", ".join(q(v) for v in c.pop("top_candidates"))
        counted = con.execute(
            f"select {ident(c['name'])}, count(*) from {TABLE} where {ident(c['name'])} in ({listed}) "
            f"group by 1 having count(*) > 1 order by 2 desc, 1 limit {TOP}"
        ).fetchall()
        c["top_values"] = [{"value": _shown(c, v, n, show_values), "count": n} for v, n in counted]
    for c in cols.values():
        c.pop("top_candidates", None)


def _patterns_and_lengths(con, cols: dict[str, dict], sampled: bool) -> None:
    """Value shapes and the length distribution: over the (value, count) pairs of grouped
    columns (exact), over the sample for the others (labelled as such)."""
    others = [c for c in cols.values() if not c.get("grouped")]
    con.execute("drop table if exists svals")
    con.execute("create temp table svals (col varchar, value varchar, n bigint)")
    for batch in _batches(others):
        listed = ", ".join(ident(c["name"]) for c in batch)
        con.execute(
            f"insert into svals select col, value, count(*) from "
            f"(unpivot (select {listed} from sample) on {listed} into name col value value) group by all"
        )
    for c in cols.values():
        c["patterns"], c["lengths"], c["patterns_sampled"] = [], [], sampled and not c.get("grouped")
    source = (
        "(select * from vals union all select * from svals)"
        if any(c.get("grouped") for c in cols.values())
        else "svals"
    )
    for col, p, n in con.execute(
        f"select col, p, total from (select col, {kinds.pattern('value')} as p, sum(n) as total from {source} "
        f"group by col, p) qualify row_number() over (partition by col order by total desc, p) <= 8 "
        f"order by col, total desc, p"
    ).fetchall():
        cols[col]["patterns"].append({"pattern": p, "count": int(n)})
    for col, length, n in con.execute(
        f"select col, least(length(value), 41) as l, sum(n) from {source} group by all order by col, l"
    ).fetchall():
        cols[col]["lengths"].append((int(length), int(n)))


def _dates(con, cols: dict[str, dict]) -> None:
    """Formats found, day/month order, real dates, their range, and implausible ones."""
    today = date.today()
    for c in cols.values():
        if c["kind"] != "date":
            continue
        values = _values(c)
        slashed = ", ".join(q(s) for s in kinds.SLASHED)
        label = kinds.date_label("value")
        labels = con.execute(
            f"select {label} as label, sum(n), "
            f"sum(n) filter (where label in ({slashed}) and try_cast(split_part(trim(value), '/', 1) as int) > 12), "
            f"sum(n) filter (where label in ({slashed}) and try_cast(split_part(trim(value), '/', 2) as int) > 12) "
            f"from {values} where not {kinds.is_blank('value')} group by label order by 2 desc"
        ).fetchall()
        day_first = sum(r[2] or 0 for r in labels)
        month_first = sum(r[3] or 0 for r in labels)
        is_month_first = month_first > 0 and day_first == 0
        formats = {}
        for lab, n, *_ in labels:
            name = (
                "no date format"
                if lab is None
                else kinds.month_first(lab)
                if is_month_first and lab in kinds.SLASHED
                else lab
            )
            formats[name] = formats.get(name, 0) + int(n)
        parsed = kinds.date_value("value", is_month_first)
        future = (
            "current_date"
            if c.get("mapping", {}).get("field") == "birth_date"
            else "current_date + interval 1 year"
        )
        row = con.execute(
            f"select sum(n) filter (where d is null), min(d), max(d), "
            f"sum(n) filter (where d < date '1900-01-01' or d > {future}) "
            f"from (select n, {parsed} as d from {values} where not {kinds.is_blank('value')})"
        ).fetchone()
        years = con.execute(
            f"select year(d) as y, sum(n) from (select n, {parsed} as d from {values} "
            f"where not {kinds.is_blank('value')}) where d is not null group by y order by y"
        ).fetchall()
        c["dates"] = {
            "formats": formats,
            "order": "month-first" if is_month_first else "day-first" if day_first else None,
            "ambiguous_order": bool(day_first and month_first),
            "day_first_values": int(day_first),
            "month_first_values": int(month_first),
            "invalid": int(row[0] or 0),
            "min": row[1].date().isoformat() if row[1] else None,
            "max": row[2].date().isoformat() if row[2] else None,
            "implausible": int(row[3] or 0),
            "by_year": [(int(y), int(n)) for y, n in years],
            "today": today.isoformat(),
        }


def _numbers(con, cols: dict[str, dict]) -> None:
    """Range, mean, quantiles, far-out values (Tukey's 3×IQR fences) and a histogram."""
    for c in cols.values():
        if c["type"] not in ("integer", "decimal"):
            continue
        x = kinds.number_value(ident(c["name"]), c.get("decimal_comma", False))
        row = con.execute(
            f"select min(x), max(x), avg(x), stddev_samp(x), approx_quantile(x, [0.01, 0.25, 0.5, 0.75, 0.99]) "
            f"from (select {x} as x from {TABLE}) where x is not null"
        ).fetchone()
        if row[0] is None:
            continue
        lo, hi, mean, std, (p1, q1, median, q3, p99) = row
        iqr = q3 - q1
        fence_lo, fence_hi = q1 - 3 * iqr, q3 + 3 * iqr
        width = (p99 - p1) / 20 or 1
        hist = con.execute(
            f"select sum((x < {fence_lo} or x > {fence_hi})::int), "
            f"histogram(least(greatest(floor((x - {p1}) / {width}), -1), 20)::int) "
            f"from (select {x} as x from {TABLE}) where x is not null"
        ).fetchone()
        bins = hist[1] or {}
        c["numbers"] = {
            "min": lo, "max": hi, "mean": mean, "stddev": std,
            "quantiles": {"p1": p1, "p25": q1, "p50": median, "p75": q3, "p99": p99},
            "outliers": int(hist[0] or 0), "fences": [fence_lo, fence_hi],
            "histogram": [
                (f"< {p1:,.4g}" if b == -1 else f"≥ {p1 + 20 * width:,.4g}" if b == 20
                 else f"{p1 + b * width:,.4g}", int(bins[b]))
                for b in sorted(bins)
            ],
        }  # fmt: skip


def _duplicate_rows(con, names: list[str]) -> int:
    """Rows that repeat an earlier row exactly (compared by a 64-bit hash of the whole row)."""
    listed = ", ".join(ident(n) for n in names)
    return con.execute(f"select count(*) - count(distinct hash({listed})) from {TABLE}").fetchone()[0]


def _key(con, key: str, cols: dict[str, dict], show_values: bool) -> dict:
    k = ident(key)
    blank = kinds.is_blank(k)
    total, distinct, empty = con.execute(
        f"select count(*) filter (where not {blank}), count(distinct {k}) filter (where not {blank}), "
        f"count(*) filter (where {k} is null or {blank}) from {TABLE}"
    ).fetchone()
    repeated = con.execute(
        f"select {k}, count(*) from {TABLE} where not {blank} group by 1 having count(*) > 1 "
        f"order by 2 desc, 1 limit 5"
    ).fetchall() if total != distinct else []  # fmt: skip
    return {
        "column": key,
        "duplicates": total - distinct,
        "empty": empty,
        "examples": [{"value": v if show_values else mask(v), "count": n} for v, n in repeated],
    }


def _finish(c: dict, rows: int) -> None:
    """Shares a person reads, from the counts."""
    c.setdefault("length", {"min": None, "max": None, "avg": None})
    for name in COMMON:
        c.setdefault(name, 0)
    c["filled"] = c["values"] - c["blank"]
    c["filled_share"] = c["filled"] / rows if rows else 0.0
    if c["type"] != "text":
        c["type_fit_share"] = c.get("type_fit", 0) / c["filled"] if c["filled"] else 0.0
    if "kind_invalid" in c:
        c["kind_invalid_share"] = c["kind_invalid"] / c["filled"] if c["filled"] else 0.0
    c.pop("sample", None)
