"""`scv match-eval`: how well a build resolved people, measured against a truth file.

Pairwise measures count pairs of records: a pair is predicted when both records went to one
customer, true when truth.csv gives them one entity. Cluster measures look at whole people:
how many came out exactly right, split over several customers, or merged with someone else.
B-cubed averages, per record, the precision and recall of the record's own cluster.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from scv.core import paths
from scv.core.db import connect
from scv.core.errors import ScvError, display_path


def customer_sources_of(build: Path) -> Path:
    """The build's customer_sources export (a build directory or the Parquet file itself)."""
    candidate = build / "exports" / "customer_sources.parquet" if build.is_dir() else build
    if not candidate.is_file():
        raise ScvError(f"{display_path(build)}: no exports/customer_sources.parquet (not a complete build?)")
    return candidate


def default_truth(build: Path) -> Path:
    """truth.csv beside the delivery the build was made from (build.json's inbox)."""
    try:
        inbox = json.loads((build / "build.json").read_text())["inbox"]
    except (OSError, ValueError, KeyError):
        raise ScvError(f"{display_path(build)}: no build.json naming the delivery; pass --truth") from None
    truth = paths.scv_home() / inbox / "truth.csv"  # build.json names it relative to SCV_HOME
    if not truth.is_file():
        raise ScvError(f"{display_path(truth)}: no truth file beside the delivery; pass --truth")
    return truth


def evaluate(build: Path, truth: Path) -> dict:
    predicted = customer_sources_of(build)
    con = connect()
    try:
        con.execute(
            "create table truth as select * from read_csv(?, header = true, all_varchar = true)", [str(truth)]
        )
    except duckdb.Error as exc:
        raise ScvError(f"{display_path(truth)}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    missing = {"source", "source_record_id", "entity_id"} - {
        r[0] for r in con.execute("describe truth").fetchall()
    }
    if missing:
        raise ScvError(f"{display_path(truth)}: line 1: missing column(s) {', '.join(sorted(missing))}")
    con.execute(
        "create table predicted as select customer_id, source, source_record_id from read_parquet(?)",
        [str(predicted)],
    )
    con.execute("""
        create table joined as
        select p.customer_id, t.entity_id
        from predicted p join truth t using (source, source_record_id)
    """)
    only_truth, only_build = con.execute("""
        select
            (select count(*) from truth anti join predicted using (source, source_record_id)),
            (select count(*) from predicted anti join truth using (source, source_record_id))
    """).fetchone()

    def pairs(grouping: str) -> int:
        return con.execute(
            "select coalesce(sum(n * (n - 1) / 2), 0) "
            f"from (select count(*) as n from joined group by {grouping})"
        ).fetchone()[0]

    tp, predicted_pairs, true_pairs = (
        pairs("customer_id, entity_id"),
        pairs("customer_id"),
        pairs("entity_id"),
    )
    records = con.execute("select count(*) from joined").fetchone()[0]
    customers, entities, exact, split, merged = con.execute("""
        with
        per_customer as (select customer_id, count(distinct entity_id) as entities, count(*) as n
                         from joined group by customer_id),
        per_entity as (select entity_id, count(distinct customer_id) as customers, count(*) as n
                       from joined group by entity_id)
        select
            (select count(*) from per_customer),
            (select count(*) from per_entity),
            (select count(*) from per_entity e where e.customers = 1 and not exists (
                select 1 from joined j join per_customer c using (customer_id)
                where j.entity_id = e.entity_id and c.entities > 1)),
            (select count(*) from per_entity where customers > 1),
            (select count(*) from per_customer where entities > 1)
    """).fetchone()
    b3_precision, b3_recall = con.execute("""
        with counts as (
            select customer_id, entity_id, count(*) as both_n,
                   sum(count(*)) over (partition by customer_id) as customer_n,
                   sum(count(*)) over (partition by entity_id) as entity_n
            from joined group by customer_id, entity_id
        )
        select sum(both_n * both_n / customer_n) / sum(both_n), sum(both_n * both_n / entity_n) / sum(both_n)
        from counts
    """).fetchone()
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "build": str(build),
        "truth": str(truth),
        "records": int(records),
        "records_missing_from_build": int(only_truth),
        "records_missing_from_truth": int(only_build),
        "pairwise": {
            "precision": round(precision, 6),
            "recall": round(recall, 6),
            "f1": round(f1, 6),
            "true_positive_pairs": int(tp),
            "predicted_pairs": int(predicted_pairs),
            "true_pairs": int(true_pairs),
        },
        "clusters": {
            "customers": int(customers),
            "entities": int(entities),
            "entities_exactly_right": int(exact),
            "entities_split": int(split),
            "customers_merging_entities": int(merged),
            "bcubed_precision": round(float(b3_precision or 1.0), 6),
            "bcubed_recall": round(float(b3_recall or 1.0), 6),
        },
    }


def summary_rows(result: dict) -> list[tuple[str, str]]:
    """The measures as (name, value) rows, as `scv match-eval` shows them."""
    rows = []
    for group in ("pairwise", "clusters"):
        for name, value in result[group].items():
            shown = f"{value:.4f}" if isinstance(value, float) else f"{value:,}"
            rows.append((f"{group} {name.replace('_', ' ')}", shown))
    rows.append(("records compared", f"{result['records']:,}"))
    rows.append(("records missing from build", f"{result['records_missing_from_build']:,}"))
    rows.append(("records missing from truth", f"{result['records_missing_from_truth']:,}"))
    return rows
