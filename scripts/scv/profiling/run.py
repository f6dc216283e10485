"""`scv profile FILE…`: profile new files before anything processes them; write HTML and JSON.

Each file is read and profiled on its own: a file that cannot be read gets its one-line error
and the others still get their report. With --client and --source the files are also checked
against what client.yml declares for that source and compared with its previous delivery.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from scv.clients import Source, load_client
from scv.core import paths
from scv.core.errors import ScvError, display_path
from scv.core.sql import literal
from scv.delivery import read_tables
from scv.profiling.compare import compare, comparison_findings, history_dir, previous
from scv.profiling.findings import ORDER
from scv.profiling.profile import profile_table

MEMORY_LIMIT = "3GB"  # DuckDB's own; spills to disk beyond it. The bench's peak target is 4 GiB.


@dataclass
class ProfileRun:
    out: Path
    tables: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def connect(work: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"set temp_directory = {literal(str(work / 'spill'))}")
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    # Row order is not needed for profiling; dropping it lets DuckDB load in parallel with less memory.
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    return con


@dataclass(frozen=True)
class Reading:
    """How to read the files: the key column, whether there is a header, which sheet (None: from
    the source's client.yml entry, else detected)."""

    key: str | None = None
    header: bool | None = None
    sheet: str | None = None


def run_profile(
    files: list[Path],
    client: str | None = None,
    source: str | None = None,
    out: Path | None = None,
    reading: Reading = Reading(),
    show_values: bool = False,
    advance: Callable[[str], None] = lambda step: None,
) -> ProfileRun:
    if (client is None) != (source is None):
        raise ScvError("--client and --source go together: name both, or neither")
    declared = _declared(client, source) if client and source else None
    key = reading.key or (declared.key if declared else None)
    sheet = reading.sheet or (declared.sheet if declared else None)  # the sheet the build reads
    header = reading.header
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    out = out or paths.scv_home() / "profiles" / (f"{client}/{source}" if client else "") / stamp
    before = previous(client, source) if client and source else None
    run = ProfileRun(out)
    home_tmp = paths.scv_home() / "tmp"
    home_tmp.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="profile-", dir=home_tmp))
    try:
        for path in files:
            started = time.perf_counter()
            con = connect(work)
            try:
                for table in read_tables(con, path, work / "files", header=header, sheet=sheet):
                    advance(f"Profiling {table.name}")
                    result = profile_table(
                        con, table, key, show_values, advance=lambda s, n=table.name: advance(f"{n}: {s}")
                    )
                    if key and key not in table.columns:
                        result["findings"].insert(
                            0, _finding("fail", "key", f"the declared key {key!r} is not a column")
                        )
                    if declared:
                        result["findings"] += _against_declared(result, declared, client, source)
                    if before:
                        result["comparison"] = compare(result, before)
                        result["findings"] += comparison_findings(result["comparison"])
                    result["findings"].sort(key=lambda f: ORDER[f["severity"]])
                    result["seconds"] = round(time.perf_counter() - started, 2)
                    run.tables.append(result)
            except ScvError as exc:
                run.errors.append(str(exc))
            except OSError as exc:  # unreadable: permissions, a vanished mount
                run.errors.append(f"{display_path(path)}: cannot read it ({exc.strerror or exc})")
            except duckdb.Error as exc:
                # a file DuckDB could read but not profile; its first line says why, the others go on
                run.errors.append(f"{display_path(path)}: could not be profiled: {str(exc).splitlines()[0]}")
            finally:
                con.close()
                shutil.rmtree(work / "files", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if run.tables:
        _write(run, client, source, stamp, show_values)
    return run


def _finding(severity: str, check: str, message: str, column: str | None = None) -> dict:
    return {
        "severity": severity,
        "check": check,
        "column": column,
        "message": message,
        "count": None,
        "examples": [],
    }


def _declared(client: str, source: str) -> Source | None:
    """The source as client.yml declares it; None for a source that is being proposed."""
    config = load_client(client).config
    return next((s for s in config.sources if s.name == source), None)


def _against_declared(result: dict, declared: Source, client: str, source: str) -> list[dict]:
    """The file as the build would read it: a mismatch here fails the weekly build."""
    where = f"clients/{client}/client.yml source {source}"
    out = []
    fmt = "csv" if result["format"] == "csv" else result["format"]
    if result["compression"]:
        out.append(
            _finding(
                "fail",
                "declared",
                f"the file is {result['compression']}-compressed; the loader reads plain files",
            )
        )
    if fmt != declared.format:
        out.append(
            _finding("fail", "declared", f"the file is {fmt}; {where} declares format {declared.format}")
        )
    if (
        result["encoding"]
        and result["encoding"] != declared.encoding
        and declared.format in ("csv", "ndjson")
    ):
        out.append(
            _finding(
                "fail",
                "declared",
                f"the file reads as {result['encoding']}; {where} declares encoding {declared.encoding}",
            )
        )
    if result["delimiter"] and declared.format == "csv" and result["delimiter"] != declared.delimiter:
        out.append(
            _finding(
                "fail",
                "declared",
                f"the delimiter is {result['delimiter']!r}; {where} declares {declared.delimiter!r}",
            )
        )
    if declared.format == "csv" and result["header"] is not None and result["header"] != declared.header:
        said = "has a header row" if result["header"] else "starts with data, not a header row"
        out.append(
            _finding("fail", "declared", f"the file {said}; {where} declares header: {declared.header}")
        )
    names = {c["name"] for c in result["columns"]}
    missing = [c for c in declared.columns if c not in names]
    if missing:
        out.append(
            _finding("fail", "declared", f"column(s) {', '.join(missing)} declared in {where} are missing")
        )
    return out


def _write(run: ProfileRun, client: str | None, source: str | None, stamp: str, show_values: bool) -> None:
    from scv.profiling.page import write_page

    doc = {
        "profiled_at": stamp,
        "client": client,
        "source": source,
        "values_masked": not show_values,
        "tables": run.tables,
        "errors": run.errors,
    }
    run.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1, default=str, ensure_ascii=False) + "\n"
    (run.out / "profile.json").write_text(text, encoding="utf-8")
    write_page(run.out / "index.html", doc)
    if client and source:
        history = history_dir(client, source)
        history.mkdir(parents=True, exist_ok=True)
        (history / f"{stamp}.json").write_text(text, encoding="utf-8")


def summary_lines(run: ProfileRun) -> list[str]:
    """What `scv profile` prints: per table its shape, then its fail and warn findings."""
    lines = []
    for t in run.tables:
        written = t["format"] + (f"+{t['compression']}" if t["compression"] else "")
        if t["encoding"]:
            written += f", {t['encoding']}{' with BOM' if t['bom'] else ''}"
        if t["delimiter"]:
            written += f", delimiter {t['delimiter']!r}, {'header' if t['header'] else 'no header'}"
        counts = {s: sum(f["severity"] == s for f in t["findings"]) for s in ORDER}
        lines.append(
            f"{display_path(Path(t['file'])) if not t['sheet'] else t['name']}: {t['rows']:,} rows × "
            f"{len(t['columns']):,} columns ({written}); {counts['fail']} fail, {counts['warn']} warn, "
            f"{counts['info']} info"
        )
        shown = [f for f in t["findings"] if f["severity"] != "info"]
        for f in shown[:8]:
            lines.append(f"  {f['severity']:<4}  {f['message']}")
        if len(shown) > 8:
            lines.append(f"  … and {len(shown) - 8} more in the report")
    return lines
