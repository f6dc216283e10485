"""`scv report CLIENT BUILD`: the build report, the client site and the dbt docs of a build.

report/index.html is what the team reads before anything is published: verdict and queries
first, then the checks, the sources with their trend over past builds, match statistics, dbt
test results and timings. report/report.json holds the same figures for machines. The client
site (site/, see site.py) and the dbt docs (docs/) are written next to it, and the build is
re-sealed (SHA256SUMS) so publishing verifies exactly these files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from rich.console import Console

from scv import pages
from scv.build import client_site as site
from scv.build import queries_page, query_history
from scv.build import store as builds
from scv.build.corrections import applied_corrections
from scv.build.dbt import dbt_env, dbt_vars
from scv.clients import Client, load_client
from scv.core import memory, paths
from scv.core.db import connect
from scv.core.errors import ScvError, display_path
from scv.core.progress import steps

console = Console(emoji=False)


def run_report(name: str, ref: str) -> Path:
    client = load_client(name)
    path = builds.resolve(name, ref)
    builds.require_unpublished(client, path, "its report")
    timings = {}
    with steps(console=console) as progress:
        task = progress.add_task("Writing report and client site", total=3)
        clock = time.perf_counter()
        with memory.within(memory.resolve(client.config.memory_budget)):
            write_pages(client, path)
        timings["report"] = time.perf_counter() - clock
        progress.update(task, advance=2, description="Generating dbt docs")
        clock = time.perf_counter()
        docs_ok = generate_docs(client, path)
        timings["docs"] = time.perf_counter() - clock
        progress.update(task, advance=1, description="Report written")
    builds.seal(path)
    meta = builds.read(path)
    colour = {"pass": "green", "query": "yellow", "fail": "red"}[meta["verdict"]]
    console.print(f"Report of {path.name}: [{colour} bold]{meta['verdict']}[/]")
    for q in meta.get("queries", []):
        console.print(f"  [yellow]query:[/] {q['question']}")
    console.print(
        f"  report       {display_path(path / 'report' / 'index.html')}  ({timings['report']:.1f}s)"
    )
    console.print(f"  client site  {display_path(path / 'site' / 'index.html')}")
    if docs_ok:
        console.print(
            f"  dbt docs     {display_path(path / 'docs' / 'index.html')}  ({timings['docs']:.1f}s)"
        )
    else:
        console.print(f"  [yellow]dbt docs could not be generated[/]: see {display_path(path / 'docs')}")
    return path / "report" / "index.html"


def write_pages(client: Client, path: Path) -> None:
    """report/ and site/ from build.json and the single customer view (the docs are separate)."""
    meta = builds.read(path)
    data = report_data(client, path, meta)
    out = path / "report"
    out.mkdir(exist_ok=True)
    (out / "report.json").write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    pages.write(
        out / "index.html",
        "report.html.j2",
        title=f"{client.config.display_name}: build {meta['build_id']}",
        brand={"colour": client.config.branding.colour, "name": client.config.display_name},
        r=data,
    )
    site.write_site(client, path, meta)
    queries_page.write(client, path, meta)  # the page the queries email links to


def report_data(client: Client, path: Path, meta: dict) -> dict:
    """Everything the report shows, as plain data: this is report.json."""
    checks = meta.get("checks", [])
    comparison = (meta.get("comparisons") or [{}])[0]
    before = comparison.get("sources", {})
    sources = []
    for i in meta.get("inputs", []):
        s = before.get(i["source"], {})
        sources.append(
            {
                **{
                    k: i[k]
                    for k in ("source", "file", "format", "encoding", "rows", "rejected_rows", "sha256")
                },
                "rows_before": s.get("rows_before"),
                "new": s.get("new"),
                "changed": s.get("changed"),
                "removed": s.get("removed"),
            }
        )
    dbt = _dbt_results(path / "logs" / "run_results.json")
    history = builds.history(client.name, meta["build_id"])
    source_names = [s.name for s in client.config.sources]
    trends = {
        "builds": [m["build_id"] for m in history],
        "labels": builds.labels([m["build_id"] for m in history]),
        "rows": {
            name: [
                sum(i["rows"] for i in m.get("inputs", []) if i["source"] == name) or None for m in history
            ]
            for name in source_names
        },
        "customers": [m.get("metrics", {}).get("customers") for m in history],
        "match_rate": [_percent(m.get("metrics", {}).get("match_rate")) for m in history],
        "peak_memory_gib": [_gib(m.get("memory", {}).get("peak_tree_bytes")) for m in history],
        "budget_gib": [_gib(m.get("memory", {}).get("budget_bytes")) for m in history],
    }
    return {
        "client": client.name,
        "display_name": client.config.display_name,
        "build_id": meta["build_id"],
        "verdict": meta.get("verdict"),
        "queries": meta.get("queries", []),
        "outcomes": {o: sum(c["outcome"] == o for c in checks) for o in ("pass", "warn", "fail")},
        "checks": sorted(checks, key=lambda c: ("fail", "warn", "pass").index(c["outcome"])),
        "compared_with": [
            {"role": c["role"], "build_id": c["build_id"]} for c in meta.get("comparisons", [])
        ],
        "sources": sources,
        "trends": trends,
        "metrics": meta.get("metrics", {}),
        "fill_rates_pct": {
            field: round(100 * rate, 1)
            for field, rate in meta.get("metrics", {}).get("fill_rates", {}).items()
        },
        "cluster_sizes": _cluster_sizes(path / "scv.duckdb"),
        "corrections": applied_corrections(path / "scv.duckdb"),
        "query_answers": query_history.recent(client.name),
        **_matching_model(path / "scv.duckdb"),
        "dbt": dbt,
        "slowest_models": [(m["name"], m["seconds"]) for m in dbt["models"][:8]],
        "timings_s": meta.get("timings_s", {}),
        "duration_s": meta.get("duration_s"),
        "memory": _memory(meta.get("memory")),
        "started_at": _local(meta.get("started_at"), client.config.timezone),
        "finished_at": _local(meta.get("finished_at"), client.config.timezone),
        "timezone": client.config.timezone,
        "git_sha": meta.get("git_sha"),
        "git_dirty": meta.get("git_dirty"),
        "segments": meta.get("segments", []),  # the client's saved segments (segments.yml), counted
    }


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def _local(stamp: str | None, timezone: str) -> str:
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(ZoneInfo(timezone)).strftime("%a %d %b %Y %H:%M %Z")


def _cluster_sizes(db: Path) -> dict[str, int]:
    """How many customers have 1, 2, 3… source records: merging that is too eager shows here."""
    if not db.is_file():
        return {}
    with connect(db, read_only=True) as con:
        try:
            rows = con.execute(
                "select least(n, 6) as size, count(*) from "
                "(select customer_id, count(*) as n from customer_sources group by 1) group by 1 order by 1"
            ).fetchall()
        except duckdb.CatalogException:
            return {}
    return {
        ("6+" if size == 6 else str(size)) + (" record" if size == 1 else " records"): n for size, n in rows
    }


def _matching_model(db: Path, sample: int = 5) -> dict:
    """The trained model card, the blocking rules with their pairs, and a few explained pairs
    (the accepted ones with the lowest match probability: where a reviewer looks first)."""
    out: dict = {"model_card": [], "blocking_rules": [], "explained_pairs": []}
    if not db.is_file():
        return out
    with connect(db, read_only=True) as con:
        try:
            card = con.execute(
                "select field_name, level_name, m_probability, u_probability, match_weight, is_trained, "
                "training_rounds from match_parameters "
                "order by field_name = '(prior)' desc, field_name, level_order"
            ).fetchall()
            rules = con.execute(
                "select rule_number, rule_keys, candidate_pairs, records_in_skipped_blocks, is_used "
                "from match_blocking_rules order by rule_number"
            ).fetchall()
            pairs = con.execute(
                """
                with pairs as (
                    select distinct customer_id, left_source, left_record_id, right_source, right_record_id,
                        match_probability, match_weight
                    from match_explanations
                    order by match_probability, left_source, left_record_id, right_source, right_record_id
                    limit ?
                )
                select p.*, e.field, e.level, e.weight
                from pairs p join match_explanations e using (left_source, left_record_id, right_source,
                    right_record_id)
                where e.level <> 'missing'
                order by p.match_probability, p.left_source, p.left_record_id, p.right_source,
                    p.right_record_id, e.field <> '(prior)', abs(e.weight) desc
                """,
                [sample],
            ).fetchall()
        except duckdb.CatalogException:  # a build from before matching kept its model
            return out
    out["model_card"] = [
        {"field": f, "level": lv, "m": m, "u": u, "weight": round(w, 2), "trained": t, "rounds": r}
        for f, lv, m, u, w, t, r in card
    ]
    out["blocking_rules"] = [
        {"rule": n, "rule_keys": k, "pairs": int(p), "skipped_records": int(s), "used": used}
        for n, k, p, s, used in rules
    ]
    explained: dict[tuple, dict] = {}
    for customer, ls, lid, rs, rid, prob, weight, field, level, w in pairs:
        pair = explained.setdefault(
            (ls, lid, rs, rid),
            {"customer_id": customer, "left": f"{ls} {lid}", "right": f"{rs} {rid}",
             "probability": prob, "weight": round(weight, 2), "fields": []},
        )  # fmt: skip
        pair["fields"].append({"field": field, "level": level, "weight": round(w, 2)})
    out["explained_pairs"] = list(explained.values())
    for pair in out["explained_pairs"]:
        pair["bars"] = [(f"{f['field']}: {f['level']}", f["weight"]) for f in pair["fields"]]
    # The chart leaves out the fields no pair of this delivery had (u of a level never seen is 0.5)
    # and the prior, which is a figure of its own.
    out["model_weights"] = [
        (f"{c['field']}: {c['level']}", c["weight"])
        for c in out["model_card"]
        if c["field"] != "(prior)" and c["u"] < 0.5
    ]
    return out


def _dbt_results(run_results: Path) -> dict:
    if not run_results.is_file():
        return {"tests": [], "models": [], "counts": {}}
    results = json.loads(run_results.read_text())["results"]
    tests, models = [], []
    for r in results:
        kind, _, name = r["unique_id"].split(".", 2)
        entry = {
            "name": name.rsplit(".", 1)[0] if kind == "test" else name.split(".")[-1],
            "kind": kind,
            "status": r["status"],
            "seconds": round(r.get("execution_time") or 0, 2),
            "failures": r.get("failures"),
            "message": (r.get("message") or "").splitlines()[0][:200] if r.get("message") else "",
        }
        (tests if kind == "test" else models).append(entry)
    order = {"error": 0, "fail": 1, "warn": 2, "skipped": 3}
    tests.sort(key=lambda t: (order.get(t["status"], 9), t["name"]))
    models.sort(key=lambda m: -m["seconds"])
    counts: dict[str, int] = {}
    for t in tests:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    return {"tests": tests, "models": models, "counts": counts}


def generate_docs(client: Client, path: Path) -> bool:
    """`dbt docs generate --static` into docs/: one self-contained index.html, plus the JSON.

    dbt opens the database read-write, which would touch the build's scv.duckdb; it works on a
    copy instead, so the customer view stays byte for byte what was checked.
    """
    docs = path / "docs"
    target = paths.scv_home() / "dbt-target" / f"{client.name}-docs"
    scratch = paths.scv_home() / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        db = Path(tmp) / "scv.duckdb"  # same file name: the catalog's database name is the file's stem
        if (path / "scv.duckdb").is_file():
            shutil.copy2(path / "scv.duckdb", db)
        command = [
            str(Path(sys.executable).with_name("dbt")),
            "--no-use-colors",
            "--log-path",
            str(Path(tmp) / "logs"),
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(paths.repo_root()),
            "--profiles-dir",
            str(paths.repo_root()),
            "--target-path",
            str(target),
            "--select",
            f"path:models/clients/{client.name}",
            "path:models/shared",
            "path:seeds",
            "--vars",
            json.dumps(dbt_vars(client)),  # the build's own vars: the same project, parsed the same way
        ]
        env = dbt_env(path.name, memory.resolve(client.config.memory_budget), Path(tmp))
        done = subprocess.run(command, env=env, cwd=tmp, capture_output=True, text=True)
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir()
    if done.returncode != 0 or not (target / "static_index.html").is_file():
        (docs / "dbt-docs-error.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        return False
    shutil.copy2(target / "static_index.html", docs / "index.html")
    for name in ("manifest.json", "catalog.json"):
        shutil.copy2(target / name, docs / name)
    return True


def require_report(path: Path) -> None:
    missing = [p for p in ("report/index.html", "site/index.html") if not (path / p).is_file()]
    if missing:
        command = f"scv report {path.parent.name} {path.name}"
        raise ScvError(f"build {path.name} has no {' or '.join(missing)}: run `{command}` first")


def _gib(n: int | None) -> float | None:
    return round(n / 2**30, 2) if n else None


def _memory(m: dict | None) -> dict | None:
    """build.json's memory figures in GiB, as the report prints them (None before budgets)."""
    if not m:
        return None
    return {
        "peak_gib": _gib(m["peak_tree_bytes"]),
        "budget_gib": _gib(m["budget_bytes"]),
        "budget_from": m["budget_from"],
        "duckdb_memory_limit": m["duckdb_memory_limit"],
        "spilled_gib": _gib(m["peak_spilled_bytes"]) or 0,
    }
