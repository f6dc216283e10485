"""`scv check CLIENT BUILD`: what the team used to read by hand after every weekly build.

The check reads the dbt log and run_results, the loader's rejects and the single customer view,
and compares the build with the previous build and with the live one (release.yml): rows per
source, new/changed/removed records, customers, match rate, fill rates of the golden record,
schema changes and stale files, and the build's duration against the client's ready-by time.

Each finding is pass, warn or fail. A finding only the client can explain is also a *query*: a
question in plain language with the figures, for the team to send. The verdict is `fail` when
anything failed, `query` while a question is open, `pass` otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from croniter import croniter
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from scv.build import store as builds
from scv.build.corrections import applied_corrections
from scv.clients import Checks, Client, load_client
from scv.core import memory, paths
from scv.core.db import connect
from scv.core.errors import display_path
from scv.core.sql import ident, literal

console = Console(emoji=False)

OUTCOMES = ("pass", "warn", "fail")
# Columns of `customers` that are bookkeeping rather than golden-record fields.
NOT_GOLDEN = {"customer_id", "source_count", "record_count", "sources"}


@dataclass
class Finding:
    name: str  # what was looked at: "rows", "rejected rows", "dbt tests"…
    subject: str  # the source, field or file it is about ("" for the build as a whole)
    outcome: str  # pass | warn | fail
    detail: str  # a sentence with the figures
    query: str | None = None  # the question for the client, when only the client can answer
    against: str = ""  # the baseline of a comparison: "previous <build id>" or "live <build id>"

    def as_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# Measurements of one build


def metrics(db: Path) -> dict:
    """Figures of a single customer view that are compared from build to build."""
    with connect(db, read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if not {"customers", "customer_sources"} <= tables:
            return {}  # dbt stopped before the marts: the dbt findings say why
        (customers,) = con.execute("select count(*) from customers").fetchone()
        # One pass over the records per customer (a window here took minutes at ten million).
        records, matched, multi_source = con.execute(
            "select coalesce(sum(n), 0), coalesce(sum(n) filter (where n > 1), 0), "
            "count(*) filter (where k > 1) from (select count(*) as n, count(distinct source) as k "
            "from customer_sources group by customer_id)"
        ).fetchone()
        by_source = dict(
            con.execute("select source, count(*) from customer_sources group by 1 order by 1").fetchall()
        )
        fields = [
            name
            for name, kind in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'main' and table_name = 'customers' order by ordinal_position"
            ).fetchall()
            if name not in NOT_GOLDEN and kind == "VARCHAR"
        ]
        fill = {}
        if customers and fields:
            counts = con.execute(
                "select "
                + ", ".join(f'count("{f}") filter (where trim("{f}") <> \'\')' for f in fields)
                + " from customers"
            ).fetchone()
            fill = {f: round(n / customers, 4) for f, n in zip(fields, counts, strict=True)}
    return {
        "customers": customers,
        "records": records,
        "records_by_source": by_source,
        "matched_records": matched,
        "match_rate": round(matched / records, 4) if records else None,
        "multi_source_customers": multi_source,
        "fill_rates": fill,
    }


def compare(
    client: Client, build_dir: Path, meta: dict, base_dir: Path | None, base: dict, role: str
) -> dict:
    """This build against a baseline build: per source rows, records, files and columns."""
    now_inputs = _by_source(meta.get("inputs", []))
    base_inputs = _by_source(base.get("inputs", []))
    records = _record_changes(client, build_dir, base_dir) if base_dir else {}
    sources = {}
    for source, now in now_inputs.items():
        before = base_inputs.get(source)
        if before is None:
            sources[source] = {"new_source": True, "rows": now["rows"]}
            continue
        sources[source] = {
            "files": now["files"],
            "rows_before": before["rows"],
            "rows": now["rows"],
            "identical_files": now["sha256"] == before["sha256"],
            "columns_added": [c for c in now["columns"] if c not in before["columns"]],
            "columns_removed": [c for c in before["columns"] if c not in now["columns"]],
            **records.get(source, {}),
        }
    return {
        "role": role,
        "build_id": base.get("build_id"),
        "finished_at": base.get("finished_at"),
        "sources": sources,
        "metrics_before": base.get("metrics", {}),
    }


def _by_source(inputs: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for i in inputs:
        entry = out.setdefault(i["source"], {"rows": 0, "files": [], "sha256": [], "columns": []})
        entry["rows"] += i["rows"]
        entry["files"].append(i["file"])
        entry["sha256"].append(i["sha256"])
        entry["columns"] += [c for c in i.get("columns", []) if c not in entry["columns"]]
    return out


def _record_changes(client: Client, build_dir: Path, base_dir: Path) -> dict[str, dict]:
    """New, changed and removed records per source, by the source's key and the record's content.

    Both builds keep the delivery as loaded (text) in raw.<source>, so this compares what the
    client sent, before any of our cleaning: a change in our models is not a change in their data.
    """
    base_db = base_dir / "scv.duckdb"
    if not base_db.is_file():
        return {}
    out = {}
    with connect(build_dir / "scv.duckdb", read_only=True) as con:
        con.execute(f"attach {literal(base_db)} as base (read_only)")
        for source in client.config.sources:
            columns_now = _columns(con, "scv", source.name)
            columns_base = _columns(con, "base", source.name)
            common = [c for c in columns_now if c in columns_base and c not in ("_scv_file", "_scv_line")]
            if source.key not in common:
                continue
            key = ident(source.key)
            fields = ", ".join(f"coalesce({ident(c)}, '\x00')" for c in common)
            table = ident(source.name)
            fingerprint = (
                f"select {key} as k, min(md5(concat_ws('\x1f', {fields}))) as h from {{db}}.raw.{table}"
            )
            fingerprint += " group by 1"
            new, changed, removed = con.execute(
                f"with now as ({fingerprint.format(db='scv')}), base as ({fingerprint.format(db='base')}) "
                "select count(*) filter (where base.k is null), "
                "count(*) filter (where now.k is not null and base.k is not null and now.h <> base.h), "
                "count(*) filter (where now.k is null) "
                "from now full join base on now.k = base.k"
            ).fetchone()
            out[source.name] = {"new": new, "changed": changed, "removed": removed}
        con.execute("detach base")
    return out


def _columns(con, db: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = ? and table_schema = 'raw' and table_name = ? order by ordinal_position",
            [db, table],
        ).fetchall()
    ]


# ---------------------------------------------------------------------------------------------
# Findings


def evaluate(client: Client, build_dir: Path, meta: dict) -> dict:
    """checks, queries, verdict, metrics and comparisons for build.json."""
    build_id = meta["build_id"]
    measured = metrics(build_dir / "scv.duckdb") if (build_dir / "scv.duckdb").is_file() else {}
    baselines: list[tuple[str, Path, dict]] = []
    if (prev := builds.previous(client.name, build_id)) is not None:
        baselines.append(("previous", prev, builds.read(prev)))
    live_id, live_dir = builds.live(client)
    findings: list[Finding] = []
    if live_id and live_dir is None:
        findings.append(
            Finding("baseline", "live", "warn", f"the live build {live_id} (release.yml) is not here")
        )
    elif live_dir is not None and live_id != build_id:
        if baselines and baselines[0][1] == live_dir:
            baselines[0] = ("previous and live", live_dir, baselines[0][2])
        else:
            baselines.append(("live", live_dir, builds.read(live_dir)))
    comparisons = [compare(client, build_dir, meta, d, m, role) for role, d, m in baselines]

    findings += _dbt_findings(build_dir, meta)
    findings += _accounting_findings(meta)
    findings += _reject_findings(client, meta)
    if (build_dir / "scv.duckdb").is_file():
        findings += delivery_findings(client, build_dir / "scv.duckdb")
        findings += correction_findings(client, build_dir / "scv.duckdb")
    for comparison in comparisons:
        findings += _comparison_findings(client, meta, measured, comparison)
    if not comparisons:
        findings.append(Finding("baseline", "", "pass", "first build of the client: nothing to compare"))
    findings.append(_timing_finding(client, meta))
    if measured.get("customers") == 0:
        findings.append(Finding("customers", "", "fail", "the single customer view has no customers"))

    queries, asked = [], set()
    for f in findings:
        # The same question against last week and against live is asked once, with last week's figures.
        if f.query and (f.name, f.subject) not in asked:
            asked.add((f.name, f.subject))
            queries.append({"check": f.name, "subject": f.subject, "question": f.query})
    verdict = "fail" if any(f.outcome == "fail" for f in findings) else ("query" if queries else "pass")
    return {
        "metrics": measured,
        "comparisons": comparisons,
        "checks": [f.as_dict() for f in findings],
        "queries": queries,
        "verdict": verdict,
    }


def _dbt_findings(build_dir: Path, meta: dict) -> list[Finding]:
    dbt = meta.get("dbt", {})
    out = []
    results_path = build_dir / "logs" / "run_results.json"
    results = json.loads(results_path.read_text())["results"] if results_path.is_file() else []
    if not results:
        why = dbt.get("error", "no run_results.json")
        out.append(Finding("dbt build", "", "fail", f"dbt did not run: {why}"))
        return out
    nodes = [r for r in results if not r["unique_id"].startswith("test.")]
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    errors = [r for r in nodes if r["status"] == "error"]
    skipped = [r for r in results if r["status"] == "skipped"]
    out.append(
        Finding(
            "dbt build",
            "",
            "fail" if errors or not dbt.get("success", True) else "pass",
            f"{len(nodes) - len(errors)} of {len(nodes)} models and seeds built"
            + (f"; errors: {_names(errors)}" if errors else "")
            + (f"; {len(skipped)} skipped after an error" if skipped else ""),
        )
    )
    failed = [r for r in tests if r["status"] in ("fail", "error")]
    warned = [r for r in tests if r["status"] == "warn"]
    out.append(
        Finding(
            "dbt tests",
            "",
            "fail" if failed else ("warn" if warned else "pass"),
            f"{sum(r['status'] == 'pass' for r in tests)} of {len(tests)} tests passed"
            + (f"; failed: {_names(failed)}" if failed else "")
            + (f"; warned: {_names(warned)}" if warned else ""),
        )
    )
    log = build_dir / "logs" / "dbt.log"
    if log.is_file():
        warnings = [line.split("[WARNING]", 1)[1].strip(" :") for line in log.read_text().splitlines()
                    if "[WARNING]" in line]  # fmt: skip
        out.append(
            Finding(
                "dbt log",
                "",
                "warn" if warnings else "pass",
                f"{len(warnings)} warning(s), first: {warnings[0][:200]}" if warnings else "no warnings",
            )
        )
    else:
        out.append(Finding("dbt log", "", "warn", "logs/dbt.log is missing"))
    return out


def _names(results: list[dict]) -> str:
    def one(r: dict) -> str:
        name = r["unique_id"].split(".")[2]
        return f"{name} ({r['failures']} rows)" if r.get("failures") else name

    more = f" and {len(results) - 5} more" if len(results) > 5 else ""
    return ", ".join(one(r) for r in results[:5]) + more


def _accounting_findings(meta: dict) -> list[Finding]:
    """Every data line of every file is a row loaded, a line of a loaded row's quoted value, a
    rejected row or a blank line (the loader stops the build otherwise; this shows it did)."""
    out = []
    for i in meta.get("inputs", []):
        if "data_lines" not in i:
            continue  # a build made before lines were accounted for
        parts = [f"{i['rows']:,} rows loaded", f"{i['rejected_rows']:,} rejected"]
        if i["continued_lines"]:
            parts.append(f"{i['continued_lines']:,} lines inside quoted values")
        if i["blank_lines"]:
            parts.append(f"{i['blank_lines']:,} blank")
        balanced = i["data_lines"] == i["rows"] + i["rejected_rows"] + i["continued_lines"] + i["blank_lines"]
        detail = f"{i['file']}: {i['data_lines']:,} data lines = {', '.join(parts)}"
        if not balanced:
            detail = f"{i['file']}: {i['data_lines']:,} data lines do not add up to {', '.join(parts)}"
        out.append(Finding("row accounting", i["file"], "pass" if balanced else "fail", detail))
    return out


# What a staging expression checks, by the macro or function that makes a bad value null.
VALIDATED = (
    ("parse_date", "dates"),
    ("parse_timestamp", "dates"),
    ("clean_email", "email addresses"),
    ("clean_phone", "phone numbers"),
    ("clean_identifier", "identifiers"),
    ("normalise_orcid", "ORCID iDs"),
    ("try_cast", "numbers"),
    ("try_strptime", "dates"),
)
_SELECTED = re.compile(r"^\s*(?P<expression>.+?)\s+as\s+(?P<name>\w+),?\s*$")
_RAW_COLUMN = re.compile(r"""\(\s*'"?([^'"]+)"?'\s*\)""")  # ('email') or ('"e-mail address"')
# A value shaped like a date (ISO or day-first) that no calendar has: 2023-02-30, 31/04/2024.
_DATE_SHAPED = r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})([ T].*)?\s*$"


def staging_checks(client: Client) -> dict[str, tuple[str, list[tuple[str, str, str]]]]:
    """Per source: its staging model and the (raw column, staged column, what it holds) of every
    expression that turns a bad value into null, read from the model's SQL."""
    out: dict[str, tuple[str, list[tuple[str, str, str]]]] = {}
    folder = paths.repo_root() / "models" / "clients" / client.name
    for model in sorted(folder.glob("stg_*.sql")):
        sql = model.read_text(encoding="utf-8")
        read = re.search(r"source\(\s*'[^']+'\s*,\s*'(\w+)'\s*\)", sql)
        if not read:
            continue
        checked = []
        for line in sql.splitlines():
            selected = _SELECTED.match(line)
            if not selected or not (raw := _RAW_COLUMN.findall(selected["expression"])):
                continue
            kind = next((what for name, what in VALIDATED if name + "(" in selected["expression"]), None)
            if kind:
                checked.append((raw[0], selected["name"], kind))
        out[read[1]] = (model.stem, checked)
    return out


def delivery_findings(client: Client, db: Path) -> list[Finding]:
    """Values the staging models left empty because they are not what the column holds (an
    ORCID "n/a", an email without an @, a date that does not exist), and keys delivered twice.
    Each with its count and the first lines, so the client can find them in the file."""
    out: list[Finding] = []
    staging = staging_checks(client)
    with connect(db, read_only=True) as con:
        views = {name: schema for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}  # fmt: skip
        for source in client.config.sources:
            raw_columns = _columns(con, "scv", source.name)
            if "_scv_line" not in raw_columns:
                continue
            raw = f"raw.{ident(source.name)}"
            out += _duplicate_findings(con, source, raw, raw_columns)
            model, checked = staging.get(source.name, (None, []))
            if model not in views:
                continue
            staged = f"{ident(views[model])}.{ident(model)}"
            staged_columns = {r[0] for r in con.execute(f"describe {staged}").fetchall()}
            if not {"_scv_file", "_scv_line"} <= staged_columns:
                continue  # a staging model that does not carry the line: nothing to point at
            checked = [(c, n, k) for c, n, k in checked if c in raw_columns and n in staged_columns]
            if not checked:
                continue
            # One join of the raw rows to the staged ones for all of a source's checked columns:
            # at ten million rows each join is a minute.
            figures = []
            for column, name, kind in checked:
                nulled = f"nullif(trim(r.{ident(column)}), '') is not null and s.{ident(name)} is null"
                # only a date column can hold a date no calendar has
                value = f"r.{ident(column)}"
                shaped = f"regexp_matches({value}, '{_DATE_SHAPED}')" if kind == "dates" else "false"
                figures += [
                    f"count(*) filter (where {nulled})",
                    f"(list(r._scv_line order by r._scv_line) filter (where {nulled}))[1:5]",
                    f"count(*) filter (where {nulled} and {shaped})",
                ]
            row = con.execute(
                f"select {', '.join(figures)} from {raw} as r join {staged} as s using (_scv_file, _scv_line)"
            ).fetchone()
            for i, (column, _, kind) in enumerate(checked):
                nulled, lines, impossible = row[3 * i : 3 * i + 3]
                if not nulled:
                    continue
                where = f"{_files(source)}, column {column}"
                out.append(
                    Finding(
                        "invalid values",
                        f"{source.name}.{column}",
                        "warn",
                        f"{where}: {nulled:,} value(s) are not valid {kind} and were left empty "
                        f"({_lines(lines, nulled)})",
                    )
                )
                if kind == "dates" and impossible:
                    out.append(
                        Finding(
                            "impossible dates",
                            f"{source.name}.{column}",
                            "warn",
                            f"{where}: {impossible:,} date(s) that no calendar has (like 2023-02-30) "
                            f"were left empty",
                        )
                    )
    return out


def _duplicate_findings(con, source, raw: str, raw_columns: list[str]) -> list[Finding]:
    """A key delivered on several rows: one row of it is kept, the most recently updated (ties
    by the values, so the same delivery always keeps the same row)."""
    key = f"nullif(trim({ident(source.key)}), '')"
    values = [c for c in raw_columns if c not in ("_scv_file", "_scv_line")]
    content = f"md5(concat_ws(chr(31), {', '.join(f'coalesce({ident(c)}, chr(0))' for c in values)}))"
    keys, rows, identical, samples = con.execute(
        f"select count(*), coalesce(sum(n), 0), count(*) filter (where versions = 1), "
        f"list(k || ' on lines ' || array_to_string(lines, ', ') order by first)[1:3] from ("
        f"select {key} as k, count(*) as n, count(distinct {content}) as versions, "
        f"list(_scv_line order by _scv_line)[1:5] as lines, min(_scv_line) as first "
        f"from {raw} where {key} is not null group by 1 having count(*) > 1)"
    ).fetchone()
    if not keys:
        return [
            Finding("duplicate keys", source.name, "pass", f"{_files(source)}: every {source.key} is unique")
        ]
    how = "identical rows" if identical == keys else f"{keys - identical:,} with different values"
    detail = (
        f"{_files(source)}: {keys:,} {source.key} value(s) appear on more than one row ({rows:,} rows; "
        f"{how}), e.g. {'; '.join(samples)}. One row of each is kept: the most recently updated, and "
        f"between rows updated at the same time the first by their values, so the same delivery "
        f"always keeps the same row"
    )
    return [Finding("duplicate keys", source.name, "warn", detail)]


def _files(source) -> str:
    return source.file


def _lines(lines: list[int], count: int) -> str:
    shown = ", ".join(str(n) for n in lines)
    return f"line {shown}" if count == 1 else f"lines {shown}" + (" …" if count > len(lines) else "")


def _reject_findings(client: Client, meta: dict) -> list[Finding]:
    limits = client.config.checks
    out = []
    for i in meta.get("inputs", []):
        total = i["rows"] + i["rejected_rows"]
        pct = 100 * i["rejected_rows"] / total if total else 0.0
        figure = f"{i['rejected_rows']:,} of {total:,} rows ({_pct(pct)})"
        if i["rejected_rows"] == 0 or pct <= limits.rejected_rows_warn_pct:
            out.append(Finding("rejected rows", i["file"], "pass", f"{figure} could not be read"))
            continue
        outcome = "fail" if pct > limits.rejected_rows_fail_pct else "warn"
        query = None
        if pct > limits.rejected_rows_query_pct:
            query = (
                f"{figure} of {i['file']} could not be read (they are listed in raw.rejects with the "
                f"line and reason): can you send a corrected file?"
            )
        out.append(Finding("rejected rows", i["file"], outcome, f"{figure} could not be read", query))
    return out


def correction_findings(client: Client, db: Path) -> list[Finding]:
    """A correction that no longer applies (a record not delivered any more) or that a
    cannot-link overrules is a warning for the team: edit corrections.yml, or ask the client."""
    applied = applied_corrections(db)
    if not applied:
        return []
    path = f"clients/{client.name}/corrections.yml"
    out = []
    for c in applied:
        first, second = f"{c['source_l']}:{c['record_id_l']}", f"{c['source_r']}:{c['record_id_r']}"
        asked = f"asked by {c['who']} on {c['asked_on']}"
        if c["effect"] == "stale":
            missing = [
                r for r, cid in ((first, c["customer_id_l"]), (second, c["customer_id_r"])) if cid is None
            ]
            detail = (
                f"{path}:{c['line']}: {' and '.join(missing)} not in this delivery, so "
                f"`{c['kind']}: [{first}, {second}]` ({asked}) no longer applies: remove it or ask the client"
            )
            out.append(Finding("corrections", f"line {c['line']}", "warn", detail))
        elif c["effect"] == "contradicted":
            detail = (
                f"{path}:{c['line']}: `same: [{first}, {second}]` ({asked}) is overruled by a cannot-link "
                f"joining them through other records: they stay customers {c['customer_id_l']} and "
                f"{c['customer_id_r']}"
            )
            out.append(Finding("corrections", f"line {c['line']}", "warn", detail))
    effects = {e: sum(c["effect"] == e for c in applied) for e in ("split", "joined", "agreed")}
    summary = ", ".join(f"{n} {e}" for e, n in effects.items() if n) or "none in effect"
    out.append(Finding("corrections", "", "pass", f"{len(applied)} correction(s) in {path}: {summary}"))
    return out


def _comparison_findings(client: Client, meta: dict, measured: dict, cmp: dict) -> list[Finding]:
    limits = client.config.checks
    since = {"previous": "the previous build", "live": "the live build"}.get(
        cmp["role"], "the previous build, which is live"
    )
    out: list[Finding] = []
    declared = {x.name: x for x in client.config.sources}
    for source_name, s in cmp["sources"].items():
        label = _label(declared.get(source_name), source_name, s.get("files", []))
        if s.get("new_source"):
            detail = f"{label}: new source, {s['rows']:,} rows"
            out.append(Finding("rows", source_name, "pass", detail))
        else:
            out += _source_findings(limits, since, source_name, label, s)
    if measured and cmp["metrics_before"]:
        out += _metric_findings(limits, since, cmp["metrics_before"], measured)
    for f in out:
        f.against = f"{cmp['role']} {cmp['build_id']}"
    return out


def _source_findings(limits: Checks, since: str, source_name: str, label: str, s: dict) -> list[Finding]:
    """Rows, records, staleness and columns of one source against the build compared with."""
    out: list[Finding] = []
    before, now = s["rows_before"], s["rows"]
    change = 100 * (now - before) / before if before else (0.0 if not now else 100.0)
    moved = "fell" if change < 0 else "rose"
    figures = f"{label} {moved} {_pct(abs(change))} ({before:,} → {now:,}) since {since}"
    if abs(change) > limits.rows_change_query_pct:
        question = (
            "was the export complete?" if change < 0 else "is that expected, or was something sent twice?"
        )
        out.append(Finding("rows", source_name, "warn", f"{figures}", f"{figures}: {question}"))
    elif abs(change) > limits.rows_change_warn_pct:
        out.append(Finding("rows", source_name, "warn", f"{figures}"))
    else:
        out.append(Finding("rows", source_name, "pass", f"{label}: {before:,} → {now:,} rows"))

    if "removed" in s:
        counts = f"{s['new']:,} new, {s['changed']:,} changed, {s['removed']:,} removed"
        detail = f"{label}: {counts} records"
        removed_pct = 100 * s["removed"] / before if before else 0.0
        if removed_pct > limits.removed_records_query_pct:
            question = (
                f"{s['removed']:,} of the {before:,} records of {label} in {since} ({_pct(removed_pct)}) "
                f"are not in this delivery: were they deleted on purpose?"
            )
            out.append(Finding("records", source_name, "warn", detail, question))
        else:
            out.append(Finding("records", source_name, "pass", detail))

    files = ", ".join(s.get("files", [])) or source_name
    identical = s["identical_files"] or (
        s.get("removed") == 0 and s.get("new") == 0 and s.get("changed") == 0 and now > 0
    )
    if identical and source_name not in limits.static_sources:
        how = "is byte for byte the same file" if s["identical_files"] else "has exactly the same records"
        question = f"{files} {how} as in {since} ({now:,} rows): was this week's export run?"
        out.append(Finding("stale source", source_name, "warn", f"{files}: {how}", question))
    else:
        out.append(Finding("stale source", source_name, "pass", f"{files}: changed since {since}"))

    if s["columns_added"] or s["columns_removed"]:
        parts = []
        if s["columns_added"]:
            parts.append(f"new column(s) {', '.join(s['columns_added'])}")
        if s["columns_removed"]:
            parts.append(f"no longer has {', '.join(s['columns_removed'])}")
        change_text = f"{files} has {' and '.join(parts)} since {since}"
        out.append(
            Finding(
                "schema",
                source_name,
                "warn",
                f"{change_text}",
                f"{change_text}: is the new layout permanent?",
            )
        )
    else:
        out.append(Finding("schema", source_name, "pass", f"{files}: same columns"))
    return out


def _metric_findings(limits: Checks, since: str, before_m: dict, measured: dict) -> list[Finding]:
    """Customers, match rate and fill rates against the build compared with."""
    out: list[Finding] = []
    c0, c1 = before_m.get("customers", 0), measured["customers"]
    change = 100 * (c1 - c0) / c0 if c0 else 0.0
    out.append(
        Finding(
            "customers",
            "",
            "warn" if abs(change) > limits.customers_change_warn_pct else "pass",
            f"customers {c0:,} → {c1:,} ({change:+.1f}%)",
        )
    )
    m0, m1 = before_m.get("match_rate"), measured.get("match_rate")
    if m0 is not None and m1 is not None:
        pts = 100 * (m1 - m0)
        out.append(
            Finding(
                "match rate",
                "",
                "warn" if abs(pts) > limits.match_rate_change_warn_pts else "pass",
                f"records matched to another record: {m0:.1%} → {m1:.1%} ({pts:+.1f} points)",
            )
        )
    for field, rate in measured.get("fill_rates", {}).items():
        rate0 = before_m.get("fill_rates", {}).get(field)
        if rate0 is None:
            continue
        drop = 100 * (rate0 - rate)
        detail = f"{field} filled for {rate:.0%} of customers ({rate0:.0%} before)"
        if drop > limits.fill_rate_drop_query_pts:
            question = (
                f"{field.replace('_', ' ').capitalize()} is filled for {rate:.0%} of customers, down "
                f"from {rate0:.0%} in {since}: has a source stopped sending it?"
            )
            out.append(Finding("fill rate", field, "warn", detail, question))
        else:
            outcome = "warn" if drop > limits.fill_rate_drop_warn_pts else "pass"
            out.append(Finding("fill rate", field, outcome, detail))
    return out


def _label(source, name: str, files: list[str]) -> str:
    """How the client calls a source: the first words of its description, and the file."""
    words = re.split(r"[,.;(]", source.description, maxsplit=1)[0].strip() if source else ""
    files_text = ", ".join(files) or name
    return f"{words} ({files_text})" if 0 < len(words) <= 50 else files_text


def _pct(value: float) -> str:
    return f"{value:.1f}%" if value < 1 else f"{value:.0f}%"


def _timing_finding(client: Client, meta: dict) -> Finding:
    """Would this build, started at the scheduled time, be ready by the client's ready-by time?

    Judged against the schedule in the client's own timezone rather than when this run happened
    to start, so a manual rerun at noon does not count as late.
    """
    tz = ZoneInfo(client.config.timezone)
    schedule = client.config.schedule
    finished = datetime.fromisoformat(meta["finished_at"]).astimezone(tz)
    start = croniter(schedule.cron, finished).get_prev(datetime)
    hour, minute = map(int, schedule.ready_by.split(":"))
    ready_by = start.replace(hour=hour, minute=minute, second=0)
    if ready_by <= start:
        ready_by += timedelta(days=1)
    duration = timedelta(seconds=meta.get("duration_s", 0))
    margin = ready_by - (start + duration)
    text = (
        f"started at the scheduled {start:%a %H:%M} ({client.config.timezone}), a build taking "
        f"{_span(duration)} is ready at {start + duration:%H:%M}, "
    )
    if margin < timedelta(0):
        late = f"{_span(-margin)} after the {schedule.ready_by} ready-by"
        return Finding("timing", "", "warn", text + late)
    outcome = "warn" if margin < timedelta(minutes=client.config.checks.ready_by_margin_minutes) else "pass"
    return Finding("timing", "", outcome, text + f"{_span(margin)} before the {schedule.ready_by} ready-by")


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {seconds:02d}s"


# ---------------------------------------------------------------------------------------------
# The command


def run_check(name: str, ref: str) -> dict:
    """Check a complete build again (thresholds or the live build may have changed since).

    build.json is updated when the outcome changed and the build is not published yet; a
    published build is never changed, so then the findings are only printed.
    """
    client = load_client(name)
    path = builds.resolve(name, ref)
    meta = builds.read(path)
    with memory.within(memory.resolve(client.config.memory_budget)):
        result = evaluate(client, path, meta)
    changed = any(meta.get(k) != result[k] for k in ("checks", "queries", "verdict"))
    note = ""
    if changed:
        published = builds.published_on(name, path.name) or (
            ["live"] if client.release.build_id == path.name else []
        )
        if published:
            note = f"build.json left as recorded (verdict {meta.get('verdict')}): the build is published"
        else:
            meta.update(result)
            builds.write(path, meta)
            if (path / "report").is_dir():
                from scv.build.report import write_pages

                write_pages(client, path)
            builds.seal(path)
            note = "build.json updated"
            if (path / "report").is_dir():
                note += ", report and site rewritten"
    print_findings(meta["build_id"], result)
    if note:
        console.print(f"  {note}")
    console.print(f"  build.json       {display_path(path / 'build.json')}")
    return result


def print_findings(build_id: str, result: dict, *, only_problems: bool = False) -> None:
    colour = {"pass": "green", "warn": "yellow", "fail": "red", "query": "yellow"}
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("outcome")
    table.add_column("check")
    table.add_column("finding", overflow="fold")
    table.add_column("against", overflow="fold", style="dim")
    for f in result["checks"]:
        if only_problems and f["outcome"] == "pass":
            continue
        # What a finding quotes from a delivery (a file or column name) is printed as it is.
        table.add_row(
            f"[{colour[f['outcome']]}]{f['outcome']}[/]", f["name"], Text(f["detail"]), f.get("against", "")
        )
    if table.row_count:
        console.print(table)
    counts = {o: sum(f["outcome"] == o for f in result["checks"]) for o in OUTCOMES}
    verdict = result["verdict"]
    console.print(
        f"Check of {build_id}: [{colour[verdict]} bold]{verdict}[/] "
        f"({counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail, "
        f"{len(result['queries'])} queries)"
    )
    for q in result["queries"]:
        console.print(f"  [yellow]query:[/] {escape(q['question'])}")
