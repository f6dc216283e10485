"""`scv diff`: what changed in the single customer view from one build to another.

Two build directories' scv.duckdb, attached side by side in one DuckDB session: the schema of
every model (tables and columns added, removed or retyped), rows per model, customers added,
removed and changed (by their stable customer_id) with the golden-record fields that changed,
records that moved to another customer, a few changed golden records with personal values
masked, and the new build's check verdict. A change request's preview comment, the promotion
PR and the command line all show this.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from scv.build import store as builds
from scv.clients import load_client
from scv.core.db import connect
from scv.core.errors import ScvError, display_path
from scv.core.sql import ident, literal
from scv.profiling import PERSONAL, mask

# Schemas that hold the delivery as loaded, not the output of a model.
NOT_MODELS = ("raw",)
EXAMPLES = 3


def run_diff(client: str, build_id: str, against: str = "live") -> dict:
    """`scv diff`: a build against the live build (release.yml) or another build of the client."""
    path = builds.resolve(client, build_id)
    if against == "live":
        live_id, base = builds.live(load_client(client))
        if live_id and base is None:
            raise ScvError(f"the live build {live_id} (release.yml) is not in {display_path(path.parent)}")
    else:
        base = builds.resolve(client, against)
    return diff_builds(base, path)


def diff_builds(base: Path | None, new: Path, examples: int = EXAMPLES) -> dict:
    """The difference from build `base` (usually live; None when nothing is live) to build `new`."""
    new_meta = builds.read(new)
    base_meta = builds.read(base) if base is not None else None
    for path in (new, base):
        if path is not None and not (path / "scv.duckdb").is_file():
            raise ScvError(f"{display_path(path)}: no scv.duckdb (is it a complete build?)")
    with connect() as con:
        con.execute(f"attach {literal(new / 'scv.duckdb')} as new (read_only)")
        if base is not None:
            con.execute(f"attach {literal(base / 'scv.duckdb')} as base (read_only)")
        new_cols = _columns(con, "new")
        base_cols = _columns(con, "base") if base is not None else {}
        out = {
            "base": base_meta["build_id"] if base_meta else None,
            "new": new_meta["build_id"],
            "verdict": _verdict(new_meta),
            "inputs": _inputs(base_meta, new_meta),
            "schema": _schema(base_cols, new_cols),
            "rows": _rows(con, base_cols, new_cols),
        }
        if base is not None and {"customers", "customer_sources"} <= _main_tables(base_cols, new_cols):
            out["customers"] = _customers(con, base_cols, new_cols, examples)
            out["records_moved"] = _records_moved(con)
            out["corrections"] = _corrections(con, base_cols, new_cols)
        else:
            out["customers"] = None
            out["records_moved"] = None
            out["corrections"] = None
    return out


def _columns(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, dict[str, str]]:
    """{'schema.table' (main tables bare): {column: type}} for the model relations of a build."""
    rows = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where table_catalog = ? and table_schema not in ({', '.join('?' for _ in NOT_MODELS)}) "
        "order by table_schema, table_name, ordinal_position",
        [db, *NOT_MODELS],
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for schema, table, column, kind in rows:
        out.setdefault(table if schema == "main" else f"{schema}.{table}", {})[column] = kind
    return out


def _main_tables(*sides: dict[str, dict[str, str]]) -> set[str]:
    common = set.intersection(*(set(side) for side in sides))
    return {t for t in common if "." not in t}


def _relation(db: str, name: str) -> str:
    schema, _, table = name.rpartition(".")
    return f"{db}.{ident(schema or 'main')}.{ident(table)}"


def _schema(base: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> dict:
    changed = []
    for model in sorted(set(base) & set(new)):
        before, after = base[model], new[model]
        added = [c for c in after if c not in before]
        removed = [c for c in before if c not in after]
        retyped = [
            {"column": c, "before": before[c], "now": after[c]}
            for c in after
            if c in before and before[c] != after[c]
        ]
        if added or removed or retyped:
            changed.append({"model": model, "added": added, "removed": removed, "retyped": retyped})
    return {
        "models_added": sorted(set(new) - set(base)) if base else [],
        "models_removed": sorted(set(base) - set(new)),
        "changed": changed,
    }


def _rows(con: duckdb.DuckDBPyConnection, base: dict, new: dict) -> list[dict]:
    """Rows of every model in either build (None where the build has no such model)."""
    out = []
    for model in sorted(set(base) | set(new)):
        counts = {}
        for db, side in (("base", base), ("new", new)):
            counts[db] = (
                con.execute(f"select count(*) from {_relation(db, model)}").fetchone()[0]
                if model in side
                else None
            )
        out.append({"model": model, "before": counts["base"], "now": counts["new"]})
    return out


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int | None:
    """Rows of a relation; None for a view whose tables a failed build never made."""
    try:
        return con.execute(f"select count(*) from {relation}").fetchone()[0]
    except duckdb.Error:
        return None


def _customers(con: duckdb.DuckDBPyConnection, base: dict, new: dict, examples: int) -> dict:
    key = "customer_id"
    common = [c for c in new["customers"] if c in base["customers"] and c != key]
    # Compared as text: a column that changed type still compares value by value.
    differs = {c: f"b.{ident(c)}::varchar is distinct from n.{ident(c)}::varchar" for c in common}
    any_differs = " or ".join(differs.values()) or "false"
    counts = con.execute(
        f"""
        select
            (select count(*) from base.main.customers) as before,
            (select count(*) from new.main.customers) as now,
            (select count(*) from new.main.customers anti join base.main.customers using ({key})) as added,
            (select count(*) from base.main.customers anti join new.main.customers using ({key})) as removed,
            count(*) filter (where {any_differs}) as changed,
            {", ".join(f"count(*) filter (where {cond})" for cond in differs.values()) or "0"}
        from base.main.customers b join new.main.customers n using ({key})
        """
    ).fetchone()
    before, now, added, removed, changed, *per_column = counts
    fields = {c: n for c, n in zip(common, per_column, strict=False) if n}
    sample = con.execute(
        f"""
        select {key}, {", ".join(f"b.{ident(c)}::varchar, n.{ident(c)}::varchar" for c in common)}
        from base.main.customers b join new.main.customers n using ({key})
        where {any_differs}
        order by hash({key}), {key}
        limit {int(examples)}
        """
    ).fetchall()
    records = []
    for row in sample:
        changes = []
        for i, column in enumerate(common):
            old, new_value = row[1 + 2 * i], row[2 + 2 * i]
            if old != new_value:
                changes.append(
                    {"field": column, "before": _shown(column, old), "now": _shown(column, new_value)}
                )
        records.append({"customer_id": row[0], "changes": changes})
    return {
        "before": before,
        "now": now,
        "added": added,
        "removed": removed,
        "changed": changed,
        "changed_fields": dict(sorted(fields.items(), key=lambda kv: (-kv[1], kv[0]))),
        "examples": records,
    }


def _shown(column: str, value: str | None) -> str | None:
    """Personal values are masked: a diff comment on a PR is no place for a customer's email."""
    return mask(value) if column in PERSONAL else value


def _records_moved(con: duckdb.DuckDBPyConnection) -> int:
    """Input records that belong to another customer now: merges and splits of people."""
    return con.execute(
        """
        select count(*)
        from base.main.customer_sources b
        join new.main.customer_sources n using (source, source_record_id)
        where b.customer_id <> n.customer_id
        """
    ).fetchone()[0]


CORRECTION_KEY = ("kind", "source_l", "record_id_l", "source_r", "record_id_r")


def _corrections(con: duckdb.DuckDBPyConnection, base: dict, new: dict) -> dict:
    """The corrections one build has and the other not (corrections.yml changed), and for each
    whether its two records went from one customer to two (a split) or from two to one (a merge)."""

    def entries(db: str, cols: dict) -> set[tuple]:
        if "match_corrections" not in cols:  # a build from before corrections
            return set()
        fields = ", ".join(CORRECTION_KEY)
        return set(con.execute(f"select {fields} from {db}.main.match_corrections").fetchall())

    def together(db: str, entry: tuple) -> bool | None:
        found = con.execute(
            f"select count(distinct customer_id), count(*) from {db}.main.customer_sources "
            "where (source = ? and source_record_id = ?) or (source = ? and source_record_id = ?)",
            list(entry[1:]),
        ).fetchone()
        return None if found[1] < 2 else found[0] == 1  # None: a record is not in that build

    before, now = entries("base", base), entries("new", new)
    changes = []
    for change, group in (("added", now - before), ("removed", before - now)):
        for entry in sorted(group):
            was, is_ = together("base", entry), together("new", entry)
            effect = "split" if was and is_ is False else ("merged" if was is False and is_ else "none")
            record = dict(zip(CORRECTION_KEY, entry, strict=True))
            changes.append({"change": change, **record, "effect": effect})
    return {
        "added": sum(c["change"] == "added" for c in changes),
        "removed": sum(c["change"] == "removed" for c in changes),
        "splits": sum(c["effect"] == "split" for c in changes),
        "merges": sum(c["effect"] == "merged" for c in changes),
        "changes": changes,
    }


def _verdict(meta: dict) -> dict:
    outcomes = {
        o: sum(1 for c in meta.get("checks", []) if c.get("outcome") == o) for o in ("pass", "warn", "fail")
    }
    return {
        "verdict": meta.get("verdict"),
        **outcomes,
        "queries": [q["question"] for q in meta.get("queries", [])],
        "problems": [
            f"{c['name']}{' ' + c['subject'] if c.get('subject') else ''}: {c['detail']}"
            for c in meta.get("checks", [])
            if c.get("outcome") in ("warn", "fail")
        ],
    }


def _inputs(base: dict | None, new: dict) -> dict:
    """Whether both builds read the same delivery: if not, the diff is data as well as code."""
    if base is None:
        return {"same": False, "changed": []}
    before = {(i["source"], i["file"]): i.get("sha256") for i in base.get("inputs", [])}
    after = {(i["source"], i["file"]): i.get("sha256") for i in new.get("inputs", [])}
    changed = sorted(
        f"{s}/{f}" for (s, f) in set(before) | set(after) if before.get((s, f)) != after.get((s, f))
    )
    return {"same": not changed, "changed": changed}


# ---------------------------------------------------------------------------------------------
# As text


def markdown(diff: dict, *, title: str | None = None) -> str:
    """The diff as GitHub-flavoured Markdown: what a reviewer reads in a PR."""
    v = diff["verdict"]
    lines = [
        f"### {title}" if title else f"### Data diff: build `{diff['new']}` against `{diff['base']}`",
        "",
    ]
    queries = f", {len(v['queries'])} queries" if v["queries"] else ""
    lines.append(
        f"**Check verdict: {v['verdict']}** ({v['pass']} pass, {v['warn']} warn, {v['fail']} fail{queries})"
    )
    for problem in v["problems"][:10]:
        lines.append(f"- {problem}")
    for question in v["queries"]:
        lines.append(f"- query: {question}")
    lines.append("")
    if diff["base"] is None:
        lines.append("Nothing is live yet: there is nothing to compare with.")
        lines.append("")
    elif diff["inputs"]["same"]:
        lines.append(
            f"Same delivery as `{diff['base']}`: every difference below comes from the change itself."
        )
        lines.append("")
    else:
        lines.append(
            f"The delivery differs from `{diff['base']}`'s ({', '.join(diff['inputs']['changed'])}): "
            "differences below mix new data with the change."
        )
        lines.append("")
    c = diff.get("customers")
    if c is not None:
        lines.append(
            f"**Customers**: {c['before']:,} → {c['now']:,}: {c['added']:,} added, {c['removed']:,} removed, "
            f"{c['changed']:,} changed; {diff['records_moved']:,} input records moved to another customer."
        )
        if c["changed_fields"]:
            lines.append("")
            lines.append("| golden-record field | customers changed |")
            lines.append("|---|---:|")
            lines += [f"| `{f}` | {n:,} |" for f, n in c["changed_fields"].items()]
        lines.append("")
    lines += _corrections_lines(diff) + _schema_lines(diff) + _rows_lines(diff)
    if c is not None and c["examples"]:
        lines.append(f"**Changed golden records** (a few of {c['changed']:,}; personal values masked)")
        lines.append("")
        lines.append("| customer | field | before | now |")
        lines.append("|---|---|---|---|")
        for record in c["examples"]:
            for i, ch in enumerate(record["changes"]):
                who = f"`{record['customer_id']}`" if i == 0 else ""
                lines.append(f"| {who} | `{ch['field']}` | {_cell(ch['before'])} | {_cell(ch['now'])} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _corrections_lines(diff: dict) -> list[str]:
    lines: list[str] = []
    k = diff.get("corrections")
    if k and (k["added"] or k["removed"]):
        lines.append(
            f"**Corrections** (corrections.yml): {k['added']} added, {k['removed']} removed: "
            f"{k['splits']} customer(s) split in two and {k['merges']} pair(s) of customers merged "
            "because of them."
        )
        lines.append("")
        lines.append("| correction | records | customers |")
        lines.append("|---|---|---|")
        for ch in k["changes"]:
            records = f"`{ch['source_l']}:{ch['record_id_l']}` `{ch['source_r']}:{ch['record_id_r']}`"
            effect = {"split": "one → two", "merged": "two → one", "none": "unchanged"}[ch["effect"]]
            lines.append(f"| {ch['change']} `{ch['kind']}` | {records} | {effect} |")
        lines.append("")
    return lines


def _schema_lines(diff: dict) -> list[str]:
    lines: list[str] = []
    s = diff["schema"]
    if s["models_added"] or s["models_removed"] or s["changed"]:
        lines.append("**Schema**")
        lines.append("")
        lines += [f"- model `{m}` added" for m in s["models_added"]]
        lines += [f"- model `{m}` removed" for m in s["models_removed"]]
        for ch in s["changed"]:
            parts = [f"column `{col}` added" for col in ch["added"]]
            parts += [f"column `{col}` removed" for col in ch["removed"]]
            parts += [f"column `{r['column']}` {r['before']} → {r['now']}" for r in ch["retyped"]]
            lines.append(f"- `{ch['model']}`: {', '.join(parts)}")
        lines.append("")
    elif diff["base"] is not None:
        lines += ["**Schema**: no model, column or type changed.", ""]
    return lines


def _rows_lines(diff: dict) -> list[str]:
    lines: list[str] = []
    moved = [r for r in diff["rows"] if r["before"] != r["now"]]
    if moved or diff["base"] is None:
        shown = diff["rows"] if diff["base"] is None else moved
        same = len(diff["rows"]) - len(moved)
        lines.append(
            "**Rows per model**"
            + (f" (the {same} other models have the same rows)" if diff["base"] and same else "")
        )
        lines.append("")
        lines.append("| model | before | now | change |")
        lines.append("|---|---:|---:|---:|")
        for r in shown:
            lines.append(
                f"| `{r['model']}` | {_n(r['before'])} | {_n(r['now'])} | {_change(r['before'], r['now'])} |"
            )
        lines.append("")
    else:
        lines += [f"**Rows per model**: all {len(diff['rows'])} models have the same rows.", ""]
    return lines


def _n(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _change(before: int | None, now: int | None) -> str:
    if before is None:
        return "new"
    if now is None:
        return "gone"
    delta = now - before
    pct = f" ({delta / before:+.0%})" if before else ""
    return f"{delta:+,}{pct}" if delta else "0"


def _cell(value: str | None) -> str:
    if value is None:
        return "*empty*"
    return value.replace("|", "\\|").replace("\n", " ")[:60]
