"""A delivery against the source's previous one: columns added, removed or retyped, volume,
fill rates, and how the file is written.

The previous delivery is the last profile of the same client and source (kept under
SCV_HOME/profiles/<client>/<source>/history/), or, before any profile exists, what the
client's latest build recorded about that source's input (its columns and rows).
"""

from __future__ import annotations

import json
from pathlib import Path

from scv.core import paths

VOLUME_WARN = 0.2  # a fifth more or fewer rows than last time is worth a question to the client
FILL_WARN = 0.05  # five points of fill rate


def history_dir(client: str, source: str) -> Path:
    return paths.scv_home() / "profiles" / client / source / "history"


def previous(client: str, source: str) -> dict | None:
    """The previous delivery's profile (or build record) of the source, or None."""
    history = sorted(history_dir(client, source).glob("*.json"))
    if history:
        data = json.loads(history[-1].read_text(encoding="utf-8"))
        data["from"] = f"profile of {data.get('profiled_at', history[-1].stem)}"
        return data
    return _from_build(client, source)


def _from_build(client: str, source: str) -> dict | None:
    builds = (
        sorted(p for p in paths.builds_dir(client).glob("*/build.json"))
        if paths.builds_dir(client).is_dir()
        else []
    )
    for build_json in reversed(builds):
        build = json.loads(build_json.read_text(encoding="utf-8"))
        inputs = [i for i in build.get("inputs", []) if i.get("source") == source]
        if inputs:
            tables = [
                {
                    "name": i["file"],
                    "rows": i["rows"] + i.get("rejected_rows", 0),
                    "encoding": i.get("encoding"),
                    "format": i.get("format"),
                    "columns": [{"name": n} for n in i.get("columns", [])],
                }
                for i in inputs
            ]
            return {"from": f"build {build['build_id']}", "tables": tables}
    return None


def compare(table: dict, before: dict) -> dict:
    """What changed between a previous table profile and this one."""
    prev_tables = before.get("tables", [])
    prev = next((t for t in prev_tables if table.get("sheet") and t.get("sheet") == table["sheet"]), None)
    prev = prev or (prev_tables[0] if prev_tables else {})
    old = {c["name"]: c for c in prev.get("columns", [])}
    new = {c["name"]: c for c in table["columns"]}
    retyped = [
        {"column": n, "before": old[n]["type"], "now": new[n]["type"]}
        for n in new
        if n in old and "type" in old[n] and old[n]["type"] != new[n]["type"]
    ]
    fill = [
        {"column": n, "before": old[n]["filled_share"], "now": new[n]["filled_share"]}
        for n in new
        if n in old
        and "filled_share" in old[n]
        and abs(old[n]["filled_share"] - new[n]["filled_share"]) >= FILL_WARN
    ]
    rows_before = prev.get("rows")
    change = (table["rows"] - rows_before) / rows_before if rows_before else None
    written = {
        k: {"before": prev.get(k), "now": table.get(k)}
        for k in ("format", "encoding", "delimiter", "header")
        if prev.get(k) is not None and table.get(k) is not None and prev.get(k) != table.get(k)
    }
    return {
        "previous": before.get("from"),
        "previous_file": prev.get("name"),
        "added": [n for n in new if n not in old],
        "removed": [n for n in old if n not in new],
        "retyped": retyped,
        "rows_before": rows_before,
        "rows_now": table["rows"],
        "rows_change": change,
        "fill_changes": fill,
        "written": written,
    }


def comparison_findings(diff: dict) -> list[dict]:
    out = []

    def add(severity: str, check: str, message: str, column: str | None = None) -> None:
        out.append(
            {
                "severity": severity,
                "check": check,
                "column": column,
                "message": message,
                "count": None,
                "examples": [],
            }
        )

    since = f"since {diff['previous']}"
    if diff["removed"]:
        add("fail", "columns_removed", f"column(s) gone {since}: {', '.join(diff['removed'])}")
    if diff["added"]:
        add("warn", "columns_added", f"new column(s) {since}: {', '.join(diff['added'])}")
    for r in diff["retyped"]:
        add("warn", "column_retyped", f"{r['column']!r} was {r['before']}, now {r['now']}", r["column"])
    if diff["rows_change"] is not None and abs(diff["rows_change"]) >= VOLUME_WARN:
        add(
            "warn",
            "volume",
            f"{diff['rows_now']:,} rows, {diff['rows_change']:+.0%} {since} ({diff['rows_before']:,})",
        )
    for f in diff["fill_changes"]:
        add(
            "warn",
            "fill_rate",
            f"{f['column']!r} filled in {f['now']:.0%} of rows, was {f['before']:.0%}",
            f["column"],
        )
    for key, change in diff["written"].items():
        add("warn", "written", f"{key} was {change['before']!r}, now {change['now']!r}")
    return out
