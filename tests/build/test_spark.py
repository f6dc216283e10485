"""Builds on Spark (dbt-spark, local session): the same customers as on DuckDB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from support.repo import copy_repo, need, scv_process

pytestmark = pytest.mark.slow

# What a person compares: who was grouped with whom, and what each customer's record says.
VIEW = ("customers", "customer_sources", "customer_id_history", "customer_activity", "source_overlap")


def build(repo: Path, home: Path, inbox: Path, engine: str) -> Path:
    env = {**os.environ, "SCV_REPO": str(repo), "SCV_HOME": str(home), "COLUMNS": "200"}
    scv = Path(sys.executable).with_name("scv")
    command = [str(scv), "build", "demo", "--inbox", str(inbox), "--engine", engine]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=1500)
        except subprocess.TimeoutExpired:
            proc.terminate()  # scv stops its dbt worker and Spark's JVM on SIGTERM
            out, err = proc.communicate()
            pytest.fail(f"the {engine} build took more than 25 minutes: {out[-2000:]}{err[-2000:]}")
    assert proc.returncode == 0, out[-3000:] + err[-3000:]
    (build_dir,) = (home / "builds" / "demo").iterdir()
    return build_dir


def groups(con: duckdb.DuckDBPyConnection) -> set[frozenset[tuple[str, str]]]:
    rows = con.execute("select customer_id, source, source_record_id from customer_sources").fetchall()
    by_customer: dict[str, set[tuple[str, str]]] = {}
    for customer, source, record in rows:
        by_customer.setdefault(customer, set()).add((source, record))
    return {frozenset(records) for records in by_customer.values()}


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(c[0], c[1]) for c in con.execute(f"describe {table}").fetchall()]


def test_demo_client_on_spark_gives_the_same_customers_and_golden_records_as_on_duckdb(tmp_path):
    need("java")
    repo = copy_repo(tmp_path / "repo")
    inbox = tmp_path / "inbox"
    made = scv_process("demo-data", "--customers", "5000", "--out", inbox, env={"SCV_REPO": str(repo)})
    assert made.returncode == 0, made.stderr

    on_duckdb = build(repo, tmp_path / "home-duckdb", inbox, "duckdb")
    on_spark = build(repo, tmp_path / "home-spark", inbox, "spark")

    meta = {engine: json.loads((b / "build.json").read_text()) for engine, b in
            [("duckdb", on_duckdb), ("spark", on_spark)]}  # fmt: skip
    assert (meta["duckdb"]["engine"], meta["spark"]["engine"]) == ("duckdb", "spark")
    assert meta["spark"]["dbt"]["success"] and meta["spark"]["dbt"]["results"].get("error", 0) == 0
    # The delivery was read once, by the same loader: the same rows and rejects per file.
    assert meta["spark"]["inputs"] == meta["duckdb"]["inputs"]
    assert meta["spark"]["row_counts"] == meta["duckdb"]["row_counts"]
    assert meta["spark"]["verdict"] == meta["duckdb"]["verdict"]

    with duckdb.connect(str(on_duckdb / "scv.duckdb"), read_only=True) as a:
        a.execute(f"attach '{on_spark / 'scv.duckdb'}' as spark (read_only)")
        b = duckdb.connect(str(on_spark / "scv.duckdb"), read_only=True)
        try:
            customers = a.execute("select count(*) from customers").fetchone()[0]
            assert customers > 4000  # 5,000 people, a few of whom the matching cannot tell apart
            # The same records grouped into the same customers, with the same ids.
            assert groups(b) == groups(a)
            for table in VIEW:
                assert columns(b, table) == columns(a, table), table
                # Each build stamps its own id on its lines of the id history.
                fields = ", ".join(name for name, _ in columns(a, table) if name != "build_id")
                for x, y in (("main", "spark.main"), ("spark.main", "main")):
                    (extra,) = a.execute(
                        f"select count(*) from (select {fields} from {x}.{table} "
                        f"except all select {fields} from {y}.{table})"
                    ).fetchone()
                    assert extra == 0, f"{table}: {extra} rows of {x} are not in {y}"
            (rejects,) = a.execute(
                "select count(*) from (from raw.rejects except all from spark.raw.rejects)"
            ).fetchone()
            assert rejects == 0
        finally:
            b.close()

    # The same build directory: exports, dbt logs and a manifest the standard tool verifies.
    for name in ["exports/customers.parquet", "exports/customer_sources.parquet", "logs/run_results.json"]:
        assert (on_spark / name).is_file(), name
    sums = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=on_spark, capture_output=True
    )
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert not (on_spark / "work").exists()


def test_a_spark_build_without_java_stops_with_one_line(scv, repo, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    (tmp_path / "inbox").mkdir()

    result = scv("build", "demo", "--inbox", tmp_path / "inbox", "--engine", "spark")

    assert result.code == 2
    assert "Spark builds need Java 17 or later" in result.err and "make java" in result.err
    assert "Traceback" not in result.err
