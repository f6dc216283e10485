"""`make bench-preview`: what dbt's `state:modified+` would save a change request's preview build.

A preview builds the PR's code on the client's latest delivery, every model (`scv build`). dbt can
instead build only the models a change modifies and those downstream of them, comparing with the
live build's manifest (`--select state:modified+ --state <live>/logs`), and `--defer` the rest to
live's relations. A build is one DuckDB file whose catalog is named after the file (`scv`), the
same in every build, so deferred references would name relations this build's own file lacks;
the way deferral fits that design is to start the preview's file as a copy of live's, so the
unmodified relations are live's own, and build the modified ones into it. That is valid only when
the preview reads the very delivery live was built from.

This bench measures both on the demo client at the given size, for a change to a staging model
(stg_demo__crm_contacts, upstream of matching) and to a mart (customers, downstream of it):
wall seconds of the full `scv build`, and of the copy plus `dbt build --select state:modified+`.

    python -m benchmarks.preview [--records 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.scv_build import delivery
from scv.core import paths

console = Console(width=160, emoji=False)
REPO_PARTS = ["clients", "models", "macros", "seeds", "dbt_project.yml", "profiles.yml"]
CHANGES = {
    "staging model stg_demo__crm_contacts": (
        "models/clients/demo/stg_demo__crm_contacts.sql",
        "{{ clean_text('organisation') }} as organisation",
        "upper({{ clean_text('organisation') }}) as organisation",
    ),
    "mart customers": (
        "models/shared/marts/customers.sql",
        "select * from {{ ref('int_contacts_normalised') }}",
        "select * from {{ ref('int_contacts_normalised') }} -- a change request",
    ),
}


def scv(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("scv")), *args], env=env, stdout=subprocess.DEVNULL, check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench: scv {' '.join(args)} exited {done.returncode}")
    return time.perf_counter() - started


def latest(home: Path) -> Path:
    return sorted(p for p in (home / "builds" / "demo").iterdir() if not p.name.startswith("."))[-1]


def modified_only(live: Path, work: Path, env: dict[str, str]) -> dict:
    """Copy live's scv.duckdb, then dbt builds state:modified+ into the copy."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    for name in ("scv.duckdb", "scv.duckdb.wal"):  # a build's file may end with a write-ahead log
        if (live / name).exists():
            shutil.copy2(live / name, work / name)
    copied = time.perf_counter() - started
    from scv.build.dbt import dbt_vars
    from scv.clients.config import load_client

    repo = Path(env["SCV_REPO"])
    command = [
        str(Path(sys.executable).with_name("dbt")), "--no-use-colors", "--log-path", str(work / "logs"),
        "build", "--project-dir", str(repo), "--profiles-dir", str(repo),
        "--target-path", str(Path(env["SCV_HOME"]) / "dbt-target" / "bench-modified"),
        "--select", "state:modified+", "--state", str(live / "logs"),
        "--vars", json.dumps(dbt_vars(load_client("demo"))),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=work,
        env={**env, "SCV_DUCKDB_PATH": "scv.duckdb", "SCV_BUILD_ID": live.name},
        capture_output=True,
        text=True,
        check=False,
    )
    built = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench: dbt build --select state:modified+ failed:\n{done.stdout[-2000:]}")
    results = json.loads(
        (Path(env["SCV_HOME"]) / "dbt-target" / "bench-modified" / "run_results.json").read_text()
    )
    return {
        "copy_s": copied,
        "dbt_s": built,
        "nodes": len(results["results"]),
        "db_mib": sum(p.stat().st_size for p in work.glob("scv.duckdb*")) / 2**20,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.preview", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="Source records of the demo delivery.")
    args = parser.parse_args(argv)
    inbox = delivery(args.records)
    root = paths.scv_home() / "bench" / "preview"
    shutil.rmtree(root, ignore_errors=True)
    repo, home = root / "repo", root / "home"
    repo.mkdir(parents=True)
    for part in REPO_PARTS:
        source = paths.repo_root() / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, repo / part)
    env = {**os.environ, "SCV_REPO": str(repo), "SCV_HOME": str(home)}
    os.environ.update({"SCV_REPO": str(repo), "SCV_HOME": str(home)})

    console.print(f"Live build of {args.records:,} records…")
    scv(["build", "demo", "--inbox", str(inbox)], env)
    live = latest(home)
    live_results = json.loads((live / "logs" / "run_results.json").read_text())
    rows = []
    for name, (path, old, new) in CHANGES.items():
        text = (repo / path).read_text()
        if old not in text:
            raise SystemExit(f"bench: {path} no longer has {old!r}: update CHANGES")
        (repo / path).write_text(text.replace(old, new))
        console.print(f"Preview of a change to the {name}: full build…")
        full = scv(["build", "demo", "--inbox", str(inbox)], env)
        timings = json.loads((latest(home) / "build.json").read_text())["timings_s"]
        console.print(f"Preview of a change to the {name}: state:modified+ in a copy of live…")
        partial = modified_only(live, root / "modified", env)
        (repo / path).write_text(text)
        rows.append(
            {
                "change": name,
                "full_s": full,
                "full_load_s": timings["load"],
                "full_dbt_s": timings["dbt"],
                **partial,
            }
        )

    table = Table(title=f"Preview build of the demo client, {args.records:,} records", title_justify="left")
    for column in ("change", "nodes", "full: load s", "dbt s", "scv build s", "modified+: copy s", "dbt s",
                   "saving"):  # fmt: skip
        table.add_column(column, justify="right" if column != "change" else "left")
    for r in rows:
        saved = r["full_s"] - r["copy_s"] - r["dbt_s"]
        table.add_row(
            r["change"],
            f"{r['nodes']} of {len(live_results['results'])}",
            f"{r['full_load_s']:.1f}",
            f"{r['full_dbt_s']:.1f}",
            f"{r['full_s']:.1f}",
            f"{r['copy_s']:.1f} ({r['db_mib']:.0f} MiB)",
            f"{r['dbt_s']:.1f}",
            f"{saved:.1f} s ({saved / r['full_s']:.0%})",
        )
    console.print(table)
    console.print(
        "full scv build: load + dbt build of every node + checks, as a preview runs now. The modified+ "
        "figures leave out loading (the copy has live's raw tables), so they hold only when the "
        "preview's delivery is live's own."
    )
    out = root / "results.json"
    out.write_text(json.dumps(rows, indent=2) + "\n")
    console.print(f"Figures written to {out}")


if __name__ == "__main__":
    main()
