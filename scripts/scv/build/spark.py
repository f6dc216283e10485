"""Builds on Spark, for the clients whose client.yml says `engine: spark` (dbt-spark).

The delivery is read and checked by the DuckDB loader every build uses, so the read options
and raw.rejects are the same whichever engine builds; the loaded raw tables are handed to Spark
as Parquet (macros/delivery.sql makes them the raw schema there), dbt builds the same models on
Spark, and the tables it wrote are copied back into the build's scv.duckdb. Checks, reports,
publishing and promotion then read one kind of build directory, whichever engine made it.

Where the Parquet goes, relative to the build directory unless absolute (a cluster needs a
path it shares with this machine): SCV_SPARK_EXCHANGE for the delivery (default work/spark,
read as <exchange>/raw/<table>), SCV_SPARK_WAREHOUSE for Spark's tables (default
work/spark/warehouse, profiles.yml's spark.sql.warehouse.dir). SCV_SPARK_TARGET picks the
profiles.yml target (default `spark`, Spark in the dbt process; `spark_thrift` for a cluster).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from scv.core.db import connect
from scv.core.errors import ScvError
from scv.core.sql import literal

TARGET = "SCV_SPARK_TARGET"
EXCHANGE = "SCV_SPARK_EXCHANGE"
WAREHOUSE = "SCV_SPARK_WAREHOUSE"


def target() -> str:
    return os.environ.get(TARGET, "spark")


def exchange(build_dir: Path) -> Path:
    return build_dir / os.environ.get(EXCHANGE, "work/spark")


def warehouse(build_dir: Path) -> Path:
    return build_dir / os.environ.get(WAREHOUSE, "work/spark/warehouse")


def require_java() -> None:
    """Spark runs on a JVM; without one the build stops before loading anything."""
    if target() == "spark" and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ScvError("Spark builds need Java 17 or later and none is installed: run `make java`")


def hand_over(con: duckdb.DuckDBPyConnection, build_dir: Path) -> list[str]:
    """Every raw table but the rejects, as Parquet for Spark; returns the tables' names."""
    folder = exchange(build_dir) / "raw"
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_type = 'BASE TABLE' and table_name <> 'rejects' order by 1"
        ).fetchall()
    ]
    for name in tables:
        (folder / name).mkdir(parents=True, exist_ok=True)
        con.execute(f"copy raw.\"{name}\" to '{folder / name / 'part-0.parquet'}' (format parquet)")
    return tables


def take_back(build_dir: Path, keep_intermediate: bool = False) -> list[str]:
    """The tables dbt built on Spark, copied into scv.duckdb under the same schema and name as a
    DuckDB build gives them; returns their names. Views are not copied: their SQL is Spark's.
    Nor are the intermediate models, unless asked: a DuckDB build keeps them in memory only."""
    logs = build_dir / "logs"
    if not (logs / "run_results.json").exists() or not (logs / "manifest.json").exists():
        return []
    built = {
        r["unique_id"]
        for r in json.loads((logs / "run_results.json").read_text())["results"]
        if r["status"] == "success"
    }
    nodes = json.loads((logs / "manifest.json").read_text())["nodes"]
    copied = []
    with connect(build_dir / "scv.duckdb") as con:
        for unique_id in sorted(built):
            node = nodes.get(unique_id)
            if node is None or node["config"].get("materialized") not in ("table", "incremental", "seed"):
                continue
            if node["schema"] == "intermediate" and not keep_intermediate:
                continue
            schema, name = node["schema"], node["alias"]
            folder = warehouse(build_dir) / (name if schema == "default" else f"{schema}.db/{name}")
            files = sorted(folder.glob("*.parquet"))
            if not files:
                raise ScvError(f"{folder}: Spark reported {schema}.{name} built but wrote no Parquet there")
            con.execute(f'create schema if not exists "{schema}"')
            files_sql = ", ".join(literal(f) for f in files)
            con.execute(
                f'create or replace table "{schema}"."{name}" as select * from read_parquet([{files_sql}])'
            )
            copied.append(f"{schema}.{name}")
    return copied
