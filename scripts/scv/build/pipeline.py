"""`scv build CLIENT`: delivery -> DuckDB -> dbt build -> a complete, immutable build directory.

The build is assembled in a hidden `.<build_id>.partial` folder and renamed into place only
when everything is written, so a build directory that exists is always complete.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from rich.console import Console
from rich.markup import escape

from scv.build import checks as check
from scv.build import dbt as dbt_worker
from scv.build import segments, spark
from scv.build import store as builds
from scv.clients import Client, load_client, load_corrections
from scv.core import memory, paths
from scv.core.db import connect
from scv.core.errors import ScvError, display_path
from scv.core.manifest import write_sha256sums
from scv.core.progress import steps
from scv.delivery import LoadedFile, load_delivery

console = Console(emoji=False)

# The tables of the single customer view that are also exported as Parquet, each in the order
# that lets the client site read one person's rows without reading the rest: Parquet keeps each
# row group's min and max, so a lookup by customer_id fetches one row group.
EXPORTS = ("customers", "customer_sources", "customer_id_history")
SITE_EXPORTS = {
    "customers": "customer_id",
    "customer_sources": "customer_id, survivorship_rank",
    "customer_id_history": "customer_id, build_id",
    "customer_activity": "customer_id, activity_type",
    "activities": "customer_id, activity_at",
    "match_explanations": "customer_id, left_source, left_record_id, right_source, right_record_id, field",
}
# Rows per row group of those files. The browser reads a file's footer (every row group's
# statistics), then for a lookup one row group, in requests of 16 kB, 64 kB, 256 kB, 1 MB, 4 MB;
# for a scan (the segment builder on customers or activities) every row group, each with
# requests of its own. 65,536 rows keeps footers and scans to few requests; the tables that are
# only looked up by a person's page, in fewer, so that their row group (under 1 MB) needs no
# larger read.
SITE_ROW_GROUP = 65_536
SITE_ROW_GROUP_OF = {"customer_sources": 32_768, "customer_id_history": 16_384}


@dataclass
class BuildResult:
    client: str
    build_id: str
    path: Path
    verdict: str
    inputs: list[LoadedFile] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)


def git_sha() -> tuple[str, bool]:
    """The checkout's short sha and whether it has uncommitted changes (recorded, not refused)."""
    root = paths.repo_root()
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=7", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        return "0000000", True
    return sha, dirty


def new_build_id(now: datetime, sha: str) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{sha}"


def run_build(
    name: str,
    inbox: Path | None = None,
    preview: dict | None = None,
    engine: str | None = None,
    keep_intermediate: bool = False,
) -> BuildResult:
    """preview: the pull request a preview build is for ({"pr": N, "head_sha": …}), None for a weekly one.
    engine overrides client.yml's for this build (to try a client on Spark before switching).
    keep_intermediate: write the matching's intermediate tables into scv.duckdb too (slower)."""
    client = load_client(name)
    engine = engine or client.config.engine
    budget = memory.resolve(client.config.memory_budget)
    inbox = (inbox or paths.inbox_dir(name)).resolve()
    started = datetime.now(UTC).replace(microsecond=0)
    sha, dirty = git_sha()
    build_id = new_build_id(started, sha)
    final = paths.builds_dir(name) / build_id
    if final.exists():
        raise ScvError(f"{display_path(final)} already exists; builds are never overwritten (wait a second)")
    partial = final.with_name(f".{build_id}.partial")
    partial.mkdir(parents=True)
    spill = partial / "work" / "spill"  # DuckDB's, beyond the budget; gone with work/ at the end
    timings: dict[str, float] = {}
    worker = None
    # Stopped from outside (a workflow's timeout): clean up as on Ctrl-C, dbt and Spark included.
    in_main_thread = threading.current_thread() is threading.main_thread()
    on_term = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    on_spark = engine == "spark"
    if on_spark:
        spark.require_java()
    # Every DuckDB connection of the build keeps to the budget; the whole process tree is watched.
    watch = ExitStack()
    watch.enter_context(memory.within(budget))
    peak = watch.enter_context(memory.Peak(spill=spill))
    try:
        worker = start_dbt(client, partial, build_id, engine, keep_intermediate, budget)
        with steps(console=console) as progress:
            task = progress.add_task("Loading delivery", total=len(client.config.sources))
            clock = time.perf_counter()
            with connect(partial / "scv.duckdb", spill=spill / "load") as con:
                inputs = load_delivery(
                    con,
                    client,
                    inbox,
                    partial / "work",
                    advance=lambda what: progress.update(task, description=what, advance=1),
                )
                previous = load_previous_build(con, name, build_id)
                load_corrections(con, client)  # corrections.yml, applied by the matching models
                if on_spark:
                    spark.hand_over(con, partial)
            progress.update(task, description="Delivery loaded", completed=len(client.config.sources))
            timings["load"] = time.perf_counter() - clock

            clock = time.perf_counter()
            dbt_ok, dbt_summary = run_dbt(worker, client, partial, progress, engine)
            timings["dbt"] = time.perf_counter() - clock

        if on_spark:
            clock = time.perf_counter()
            spark.take_back(partial, keep_intermediate)
            timings["copy_back"] = time.perf_counter() - clock
        row_counts = _row_counts(partial / "scv.duckdb")
        if dbt_ok:
            _export(partial)
            previous_build = paths.builds_dir(name) / previous if previous else None
            saved_segments = segments.export(client, partial, previous_build)
        finished = datetime.now(UTC).replace(microsecond=0)
        build_json = {
            "client": name,
            "build_id": build_id,
            "git_sha": sha,
            "git_dirty": dirty,
            "engine": engine,
            "dbt_target": _dbt_target_name(engine),
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "duration_s": round((finished - started).total_seconds(), 1),
            "timings_s": {k: round(v, 2) for k, v in timings.items()},
            # Served to the client with the build (/build.json): no path of the builder's machine.
            "inbox": inbox_label(inbox),
            "previous_build": previous,
            "inputs": [i.as_dict() for i in inputs],
            "row_counts": row_counts,
            "dbt": dbt_summary,
        }
        if dbt_ok:
            build_json["segments"] = saved_segments
        if preview:
            build_json["preview"] = preview
        # The last step: checks, queries and the verdict (scv check), against last week and live.
        clock = time.perf_counter()
        build_json.update(check.evaluate(client, partial, build_json))
        build_json["timings_s"]["check"] = round(time.perf_counter() - clock, 2)
        build_json["memory"] = {**budget.as_dict(), **peak.as_dict()}
        verdict = build_json["verdict"]
        shutil.rmtree(partial / "work", ignore_errors=True)
        (partial / "build.json").write_text(json.dumps(build_json, indent=2) + "\n", encoding="utf-8")
        write_sha256sums(partial)
        partial.rename(final)
    except BaseException:
        if worker is not None:
            dbt_worker.stop(worker)
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        watch.close()
        if in_main_thread:
            signal.signal(signal.SIGTERM, on_term)
    result = BuildResult(name, build_id, final, verdict, inputs, row_counts)
    _print_summary(result, build_json)
    return result


def inbox_label(inbox: Path) -> str:
    """The delivery folder as build.json names it: relative to SCV_HOME (`inbox/demo`), or only
    its own name when it is elsewhere; files in `inputs` are named relative to it."""
    try:
        return inbox.resolve().relative_to(paths.scv_home()).as_posix()
    except ValueError:
        return inbox.name


def _terminated(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def load_previous_build(con: duckdb.DuckDBPyConnection, name: str, build_id: str) -> str | None:
    """raw.previous_customer_sources and raw.previous_customer_id_history from the previous build
    that did not fail (empty on a client's first build), so a customer keeps its id."""
    build = builds.previous(name, build_id)
    exports = build / "exports" if build else None
    con.execute(
        "create or replace table raw.previous_customer_sources "
        "(customer_id varchar, source varchar, source_record_id varchar)"
    )
    con.execute(
        "create or replace table raw.previous_customer_id_history (build_id varchar, customer_id varchar, "
        "previous_customer_id varchar, change_type varchar, record_count bigint)"
    )
    if exports is None or not (exports / "customer_sources.parquet").exists():
        return None
    con.execute(
        "insert into raw.previous_customer_sources select customer_id, source, source_record_id "
        f"from read_parquet('{exports / 'customer_sources.parquet'}')"
    )
    if (exports / "customer_id_history.parquet").exists():
        con.execute(
            "insert into raw.previous_customer_id_history by name "
            f"select * from read_parquet('{exports / 'customer_id_history.parquet'}')"
        )
    return build.name


def start_dbt(
    client: Client,
    build_dir: Path,
    build_id: str,
    engine: str = "duckdb",
    keep_intermediate: bool = False,
    budget: memory.Budget | None = None,
) -> subprocess.Popen:
    """dbt build for this client only (its folder, the shared models and the seeds), started
    now so that dbt imports while the delivery loads; it runs when `run_dbt` says go."""
    logging = [
        "--no-use-colors",
        "--log-level-file",
        "info",
        "--log-format-file",
        "text",
        "--log-path",
        str(build_dir / "logs"),
    ]
    project = [
        "--project-dir",
        str(paths.repo_root()),
        "--profiles-dir",
        str(paths.repo_root()),
        "--target",
        _dbt_target_name(engine),
        "--target-path",
        str(_dbt_target(client, engine)),
        "--vars",
        json.dumps(dbt_worker.dbt_vars(client, keep_intermediate)),
    ]
    select = ["--select", f"path:models/clients/{client.name}", "path:models/shared", "path:seeds"]
    # dbt's unit tests check the SQL, and the seeds' tests the seed files, not the delivery: the
    # same for every build of the same commit, so CI runs them (tests/test_build.py) and the
    # weekly build does not.
    select += ["--exclude-resource-type", "unit_test", "--exclude", "resource_type:test,path:seeds"]
    # Nothing on the console: the worker reports results and errors itself (scv.build.dbt._report),
    # and the build's dbt.log has the whole story. The parse's errors come again from the
    # build, which parses itself when handed no manifest.
    parse = [*logging, "--log-level", "none", "parse", *project]
    command = [*logging, "--log-level", "none", "build", *project, *select]
    # The target folder is kept between builds (partial parsing), but not the last build's results:
    # a build that stops before running anything must not report them as its own.
    for stale in ("run_results.json", "manifest.json"):
        (_dbt_target(client, engine) / stale).unlink(missing_ok=True)
    env = dbt_worker.dbt_env(build_id, budget or memory.current(), build_dir)
    # Spark's JVM writes its warnings to stderr: they go to the build's logs, not the console.
    stderr = build_dir / "logs" / "spark.log" if engine == "spark" else None
    return dbt_worker.start(command, parse, env, build_dir, stderr)


def _dbt_target_name(engine: str) -> str:
    """The profiles.yml target: `duckdb`, or the Spark one (SCV_SPARK_TARGET)."""
    return spark.target() if engine == "spark" else "duckdb"


def _dbt_target(client: Client, engine: str = "duckdb") -> Path:
    # Kept between builds for partial parsing; one per engine, as a change of target re-parses.
    suffix = "" if engine == "duckdb" else f"-{engine}"
    return paths.scv_home() / "dbt-target" / f"{client.name}{suffix}"


def run_dbt(
    worker: subprocess.Popen, client: Client, build_dir: Path, progress, engine: str = "duckdb"
) -> tuple[bool, dict]:
    """Let the started dbt run, following its JSON log for the progress bar."""
    logs, target = build_dir / "logs", _dbt_target(client, engine)
    task = progress.add_task("dbt build", total=None)
    dbt_worker.go(worker)
    errors: list[str] = []
    with worker as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            name, data = event["info"]["name"], event.get("data", {})
            if name in ("LogModelResult", "LogTestResult", "LogSeedResult"):
                progress.update(
                    task,
                    total=data.get("total"),
                    advance=1,
                    description=f"dbt build: {data.get('node_info', {}).get('node_name', '')}",
                )
            elif event["info"].get("level") == "error":
                errors.append(event["info"]["msg"])
    ok = proc.returncode == 0
    dbt_worker.stop(worker)  # dbt is done: nothing it started (Spark's JVM) outlives it
    for name in ("run_results.json", "manifest.json"):
        if (target / name).exists():
            shutil.copy2(target / name, logs / name)
    progress.update(task, description="dbt build finished" if ok else "dbt build FAILED")
    return ok, _dbt_summary(logs / "run_results.json", ok, errors)


def _dbt_summary(run_results: Path, ok: bool, errors: list[str]) -> dict:
    if not run_results.exists():
        # dbt stopped before running anything (a compile error): its first error says why.
        return {"success": False, "error": (errors or ["dbt did not run"])[0].strip()[:500], "results": {}}
    data = json.loads(run_results.read_text())
    counts: dict[str, int] = {}
    failures = []
    for r in data["results"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        if r["status"] in ("error", "fail", "warn"):
            failures.append(
                {
                    "node": r["unique_id"],
                    "status": r["status"],
                    # dbt's first line names the node; the next says what went wrong.
                    "message": " ".join(x.strip() for x in (r.get("message") or "").splitlines()[:2])[:300],
                }
            )
    return {
        "success": ok,
        "elapsed_s": round(data.get("elapsed_time", 0), 2),
        "results": counts,
        "problems": failures,
    }


def _row_counts(db: Path) -> dict[str, int]:
    # dbt's worker ends with os._exit, which leaves DuckDB's write-ahead log beside the file: a
    # checkpoint folds it in, so the build's database is one self-contained file.
    with connect(db) as con:
        con.execute("checkpoint")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'main') and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {
            f"{s}.{t}" if s != "main" else t: con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
            for s, t in tables
        }


def _export(build_dir: Path) -> None:
    exports = build_dir / "exports"
    exports.mkdir()
    with connect(build_dir / "scv.duckdb", read_only=True) as con:
        present = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        for table, order in SITE_EXPORTS.items():
            if table in present:
                rows = SITE_ROW_GROUP_OF.get(table, SITE_ROW_GROUP)
                con.execute(
                    f"copy (select * from {table} order by {order}) to '{exports / table}.parquet' "
                    f"(format parquet, compression zstd, row_group_size {rows})"
                )


def _matching_line(db: Path) -> str | None:
    """The blocking estimate and its cap, and the training: what matching did with this delivery."""
    if not db.is_file():
        return None
    with connect(db, read_only=True) as con:
        try:
            used, pairs, empty, capped = con.execute(
                "select count(*) filter (where is_used), sum(candidate_pairs) filter (where is_used), "
                "count(*) filter (where candidate_pairs = 0), count(*) filter (where candidate_pairs > 0 "
                "and not is_used) from match_blocking_rules"
            ).fetchone()
            (rounds,) = con.execute("select max(training_rounds) from match_parameters").fetchone()
        except duckdb.Error:  # a build that failed before matching
            return None
    over = f", [yellow]{capped} over the cap (matching.max_pairs_per_record)[/]" if capped else ""
    return (
        f"  matching: about {int(pairs or 0):,} candidate pairs from {used} blocking rules ({empty} without "
        f"values{over}); m learned in {rounds} rounds of expectation-maximisation"
    )


def _print_summary(result: BuildResult, build_json: dict) -> None:
    colour = {"pass": "green", "query": "yellow", "fail": "red"}[result.verdict]
    console.print(
        f"\nBuild [bold]{result.build_id}[/] of {result.client}: [{colour} bold]{result.verdict}[/]"
    )
    for i in result.inputs:
        rejected = f", [yellow]{i.rejected_rows:,} rejected[/]" if i.rejected_rows else ""
        console.print(f"  {i.source:<22} {escape(i.file):<28} {i.rows:>10,} rows{rejected}")
    for table in EXPORTS:
        if table in result.row_counts:
            console.print(f"  {table:<22} {'':<28} {result.row_counts[table]:>10,} rows")
    if line := _matching_line(result.path / "scv.duckdb"):
        console.print(line)
    m = build_json["memory"]
    gib = m["peak_spilled_bytes"] / 2**30
    spilled = f", {gib:.2f} GiB spilled to disk" if gib else ""
    console.print(
        f"  memory: peak {m['peak_tree_bytes'] / 2**30:.2f} GiB of a {m['budget_bytes'] / 2**30:.2f} GiB "
        f"budget ({m['budget_from']}){spilled}"
    )
    check.print_findings(result.build_id, build_json, only_problems=True)
    for problem in build_json["dbt"].get("problems", []):
        console.print(f"  [red]{problem['status']}[/] {problem['node']}: {escape(problem['message'])}")
    console.print(f"  build directory  {escape(display_path(result.path))}")
    console.print(f"  build.json       {display_path(result.path / 'build.json')}")
    console.print(f"  customer view    {display_path(result.path / 'scv.duckdb')}")
    console.print(f"  dbt log          {display_path(result.path / 'logs' / 'dbt.log')}")
