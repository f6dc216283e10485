"""`make bench-scv`: the demo client built at 1M and 10M source records (other sizes with --sizes);
`make bench-spark`: the same at 1M on Spark (local, dbt-spark) beside DuckDB.

Prints, per engine and size: records, wall seconds and records per second of each step (load,
dbt models, dbt tests), the whole build's wall time and peak memory, and the matching quality
at that size. Peak memory is the whole process tree's (Spark runs a JVM beside the Python
processes), sampled every 0.2 s. Deliveries are generated
once and kept under SCV_HOME/bench/ (they take longer to write than to build); each build
starts from a fresh builds folder so no previous build carries ids over.

    python -m benchmarks.scv_build [--sizes 1000000,10000000] [--engines duckdb,spark]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import scv.demo.data
from scv.build.match_eval import evaluate
from scv.core import paths
from scv.core.memory import tree_rss
from scv.core.progress import steps
from scv.demo.data import generate

RECORDS_PER_PERSON = 2.98  # what the demo generator writes, on average, per person
console = Console(width=160, emoji=False)  # the figures table needs the width, even in CI logs


def delivery(records: int) -> Path:
    # Kept per version of the generator: a changed population must not be measured on old files.
    version = hashlib.sha256(Path(scv.demo.data.__file__).read_bytes()).hexdigest()[:8]
    folder = paths.scv_home() / "bench" / f"delivery-{records}-{version}"
    if not (folder / "truth.csv").exists():
        with steps(console=console) as progress:
            task = progress.add_task(f"Generating {records:,} records", total=None)
            generate(
                folder,
                customers=round(records / RECORDS_PER_PERSON),
                seed=42,
                progress=lambda what, n: progress.update(task, description=f"{records:,}: {what}"),
            )
    return folder


def build(inbox: Path, home: Path, engine: str = "duckdb") -> dict:
    """One `scv build demo` in its own process, timed, with the peak memory of its process tree."""
    shutil.rmtree(home / "builds", ignore_errors=True)  # no previous build: every size starts alike
    env = {**os.environ, "SCV_HOME": str(home)}
    scv = Path(sys.executable).with_name("scv")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(scv), "build", "demo", "--inbox", str(inbox), "--engine", engine],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(0.2):
            peak_tree = max(peak_tree, tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"bench: the build of {inbox} failed (exit {proc.returncode})")
    (build_dir,) = (home / "builds" / "demo").glob("2*")
    meta = json.loads((build_dir / "build.json").read_text())
    results = json.loads((build_dir / "logs" / "run_results.json").read_text())
    busy: dict[str, float] = {}
    for result in results["results"]:
        kind = result["unique_id"].split(".")[0]
        busy[kind] = busy.get(kind, 0.0) + result["execution_time"]
    return {
        "build_dir": build_dir,
        "engine": engine,
        "wall_s": wall,
        "load_s": meta["timings_s"]["load"],
        "dbt_s": meta["timings_s"]["dbt"],
        "dbt_run_s": results["elapsed_time"],
        "models_s": busy.get("model", 0.0) + busy.get("seed", 0.0),
        "tests_s": busy.get("test", 0.0) + busy.get("unit_test", 0.0),
        # CPU seconds of the whole process tree: the work done, whatever else the machine is doing.
        "cpu_s": usage.ru_utime + usage.ru_stime,
        # The build's own record of its tree's peak (not getrusage's ru_maxrss: Linux keeps across
        # exec the high-water mark of the child forked from this process, which holds the generator's).
        "build_peak_gib": meta["memory"]["peak_tree_bytes"] / 2**30,
        "peak_tree_gib": peak_tree / 2**30,
        # What the build itself recorded: its budget and the most DuckDB spilled beyond it.
        "budget_gib": meta["memory"]["budget_bytes"] / 2**30,
        "spilled_gib": meta["memory"]["peak_spilled_bytes"] / 2**30,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scv_build", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--sizes",
        default="1000000,10000000",
        help="Source records per build, comma-separated (10M takes about three quarters of an hour, "
        "half of it writing the delivery once).",
    )
    parser.add_argument(
        "--engines", default="duckdb", help="Engines to build on, comma-separated: duckdb, spark."
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    home = paths.scv_home() / "bench" / "home"
    rows = []
    for records in sizes:
        inbox = delivery(records)
        for engine in engines:
            console.print(f"Building {records:,} records on {engine}…")
            figures = build(inbox, home, engine)
            quality = evaluate(figures.pop("build_dir"), inbox / "truth.csv")
            rows.append({"records": quality["records"], **figures, "pairwise": quality["pairwise"]})

    table = Table(
        title="scv build of the demo client (load + dbt build, tests included)", title_justify="left"
    )
    for column in ("engine", "records", "load s", "rec/s", "dbt s", "models s*", "rec/s", "tests s*",
                   "load+dbt s", "build wall s", "cpu s", "tree GiB", "build's GiB", "budget GiB",
                   "spilled GiB", "precision", "recall", "F1"):  # fmt: skip
        table.add_column(column, justify="right")
    for r in rows:
        n = r["records"]
        table.add_row(
            r["engine"],
            f"{n:,}",
            f"{r['load_s']:.1f}",
            f"{n / r['load_s']:,.0f}",
            f"{r['dbt_s']:.1f}",
            f"{r['models_s']:.1f}",
            f"{n / r['models_s']:,.0f}",
            f"{r['tests_s']:.1f}",
            f"{r['load_s'] + r['dbt_s']:.1f}",
            f"{r['wall_s']:.1f}",
            f"{r['cpu_s']:.1f}",
            f"{r['peak_tree_gib']:.2f}",
            f"{r['build_peak_gib']:.2f}",
            f"{r['budget_gib']:.2f}",
            f"{r['spilled_gib']:.2f}",
            f"{r['pairwise']['precision']:.4f}",
            f"{r['pairwise']['recall']:.4f}",
            f"{r['pairwise']['f1']:.4f}",
        )
    console.print(table)
    console.print(
        "* models s and tests s are dbt's per-node execution times summed (2 threads run side by side); "
        "dbt s is the dbt process's wall time, start-up included. Build wall adds exports and checksums "
        "(and on Spark the copy of its tables into scv.duckdb); cpu s is user + system CPU of the build's "
        "processes (on 2 cores, wall cannot go below half of it). tree GiB: the peak of all the build's "
        "processes together (Spark's JVM and Python side by side), sampled here every 0.2 s; build's GiB: "
        "the same as the build recorded it in build.json; budget GiB: the build's memory budget "
        "(SCV_MEMORY_BUDGET, else a third of the machine); spilled GiB: the most DuckDB held on disk beyond "
        "its share."
    )
    out = paths.scv_home() / "bench" / "results.json"
    out.write_text(json.dumps(rows, indent=2) + "\n")
    console.print(f"Figures written to {out}")


if __name__ == "__main__":
    main()
