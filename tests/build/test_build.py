"""`scv build`: a real dbt build on DuckDB into a complete, checksummed build directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from support.deliveries import write_delivery

pytestmark = pytest.mark.slow


def only_build(repo_home: Path, client: str = "demo") -> Path:
    builds = [p for p in (repo_home / "builds" / client).iterdir()]
    assert len(builds) == 1, builds
    return builds[0]


def test_build_with_a_malformed_row_counts_it_and_keeps_every_good_record(scv, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox", crm_tail='C901,"Unclosed,quote\n')

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 0, result.err
    build = only_build(tmp_path / "home")
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{7}", build.name)
    meta = json.loads((build / "build.json").read_text())
    assert meta["client"] == "demo" and meta["build_id"] == build.name
    crm = next(i for i in meta["inputs"] if i["source"] == "crm_contacts")
    assert (crm["rows"], crm["rejected_rows"]) == (4, 1)
    assert len(crm["sha256"]) == 64
    rejected = next(
        c for c in meta["checks"] if c["name"] == "rejected rows" and c["subject"] == "crm_contacts.csv"
    )
    assert rejected["outcome"] == "warn"
    # One unreadable row in five is over the query threshold: the client is asked for a corrected file.
    assert meta["verdict"] == "query"
    assert any(
        "1 of 5 rows (20%) of crm_contacts.csv could not be read" in q["question"] for q in meta["queries"]
    )
    assert "1 rejected" in result.out

    # The database is one self-contained file: no write-ahead log for a copy to leave behind.
    assert not (build / "scv.duckdb.wal").exists()
    with duckdb.connect(str(build / "scv.duckdb"), read_only=True) as con:
        # Every distinct input record is in customer_sources exactly once; the duplicate C002 row is one record.
        sources = dict(con.execute("select source, count(*) from customer_sources group by 1").fetchall())
        assert sources == {"crm_contacts": 3, "shop_orders": 2, "subscriptions": 1, "event_registrations": 1}
        assert con.execute("select count(*) from raw.rejects where line = 6").fetchone() == (1,)
        # Jane Smith's CRM record and shop order share an email (after case and spaces): one customer.
        jane = con.execute(
            "select source_count, first_name, last_name from customers where email = 'jane.smith@uni.example'"
        ).fetchall()
        assert jane == [(2, "Jane", "Smith")]
        orphans = con.execute(
            "select count(*) from customer_sources where customer_id not in (select customer_id from customers)"
        ).fetchone()
        assert orphans == (0,)

    # The build directory is complete and its manifest verifies with the standard tool.
    for name in ["build.json", "scv.duckdb", "SHA256SUMS", "logs/dbt.log", "logs/run_results.json",
                 "logs/manifest.json", "exports/customers.parquet", "exports/customer_sources.parquet"]:  # fmt: skip
        assert (build / name).is_file(), name
    check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=build, capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not list(build.parent.glob(".*partial")), "a partial build directory was left behind"


def test_a_weekly_build_prints_no_warnings(two_weeks):
    # What the operations team reads on the console: progress and the result, never Python's
    # warnings (a stray "leaked semaphore objects" came from dbt's worker exiting).
    for console in two_weeks.consoles:
        assert console and not re.search(r"(?i)warning|traceback|leaked", console), console


def test_build_of_a_file_in_an_undeclared_encoding_stops_with_one_line(scv, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    events = inbox / "event_registrations.txt"
    events.write_bytes(events.read_text(encoding="utf-16").encode("utf-8"))  # declared utf-16

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 2
    assert "Traceback" not in result.err + result.out
    assert re.search(r"error: .*event_registrations.txt: .*not valid utf-16", result.err), result.err
    assert not (tmp_path / "home" / "builds" / "demo").exists() or not any(
        (tmp_path / "home" / "builds" / "demo").iterdir()
    ), "a failed load must not leave a build directory"


def test_failed_dbt_test_gives_verdict_fail_and_exit_1(scv, repo, tmp_path):
    # The shop sells in GBP, EUR and USD (a dbt test says so); this week an order says "GPB".
    inbox = write_delivery(tmp_path / "inbox")
    shop = inbox / "shop_orders.csv"
    shop.write_bytes(shop.read_bytes().replace(b";GBP", b";GPB"))

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 1
    meta = json.loads((only_build(tmp_path / "home") / "build.json").read_text())
    assert meta["verdict"] == "fail"
    assert any(p["status"] == "fail" and "currency_code" in p["node"] for p in meta["dbt"]["problems"])
    assert "accepted_values_stg_demo__shop_orders_currency_code" in result.out


def test_a_model_that_does_not_compile_fails_the_build_with_dbts_error(scv, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    assert scv("build", "demo", "--inbox", inbox).code == 0  # leaves its results in dbt's target folder
    model = repo / "models" / "shared" / "marts" / "source_overlap.sql"
    model.write_text(model.read_text() + "\n-- {{ ref('no_such_model') }}\n")

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 1
    latest = sorted((tmp_path / "home" / "builds" / "demo").iterdir())[-1]
    meta = json.loads((latest / "build.json").read_text())
    assert meta["verdict"] == "fail" and meta["dbt"]["results"] == {}  # not the last build's results
    check = next(c for c in meta["checks"] if c["name"] == "dbt build")
    assert "depends on a node named 'no_such_model'" in check["detail"]


def test_scaffolded_client_builds(scv, repo, tmp_path):
    assert scv("client", "new", "acme_books").code == 0
    inbox = tmp_path / "acme"
    inbox.mkdir()
    (inbox / "contacts.csv").write_text("id,first_name,last_name,email\n1,Ann,Lee,ann@x.example\n2,Bo,Ng,\n")

    result = scv("build", "acme_books", "--inbox", inbox)

    assert result.code == 0, result.out + result.err
    meta = json.loads((only_build(tmp_path / "home", "acme_books") / "build.json").read_text())
    assert meta["row_counts"]["customers"] == 2


def test_intermediate_tables_stay_in_memory_unless_kept(scv, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    for flags in ([], ["--keep-intermediate"]):
        result = scv("build", "demo", "--inbox", inbox, *flags)
        assert result.code == 0, result.err
    first, kept = sorted((tmp_path / "home" / "builds" / "demo").iterdir())

    def tables(build: Path) -> set[tuple[str, str]]:
        with duckdb.connect(str(build / "scv.duckdb"), read_only=True) as con:
            return set(
                con.execute("select table_schema, table_name from information_schema.tables").fetchall()
            )

    assert {("main", "customers"), ("staging", "int_demo__contacts_unioned")} <= tables(first)
    assert not {t for t in tables(first) if t[0] == "intermediate"}
    assert ("intermediate", "int_contact_pairs_scored") in tables(kept)
    # The models' tables only: the rounds of the connected components are dropped once read.
    assert not [t for t in tables(kept) if "__components" in t[1]], tables(kept)

    # dbt's unit tests (normalisation, hub keys, scoring) and the seeds' tests run here, in CI,
    # not in every weekly build: the unit tests need the models' parents, which the kept build has.
    from scv.build.dbt import dbt_vars
    from scv.clients.config import load_client

    dbt = Path(sys.executable).with_name("dbt")
    vars_ = json.dumps(dbt_vars(load_client("demo"), keep_intermediate=True))
    unit = subprocess.run(
        [dbt, "--no-use-colors", "test", "--select", "test_type:unit", "resource_type:test,path:seeds", "--project-dir", repo, "--profiles-dir", repo,
         "--target-path", tmp_path / "dbt-target", "--vars", vars_],
        env={**os.environ, "SCV_DUCKDB_PATH": str(kept / "scv.duckdb")},
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert unit.returncode == 0, unit.stdout[-3000:]
    passed = re.findall(r"\d+ of 18 PASS ", unit.stdout)  # 7 unit tests, 11 on the seeds
    assert len(passed) == 18 and "ERROR=0" in unit.stdout, unit.stdout[-3000:]
