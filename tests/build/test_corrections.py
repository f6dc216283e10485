"""The client's corrections applied by a real build on DuckDB (tests/build/test_spark_corrections.py
builds the same on Spark): a cannot-link the matcher would join ends up as two customers, a
must-link it would not join as one, a stale correction is a warning, and everyone else keeps
their customer id from the build before the corrections."""

from __future__ import annotations

import json

import duckdb
import pytest

from support import corrections as case

pytestmark = pytest.mark.slow


def customer_of(build) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(build / "scv.duckdb"), read_only=True) as con:
        rows = con.execute("select source, source_record_id, customer_id from customer_sources").fetchall()
    return {(s, r): c for s, r, c in rows}


def record(ref: str) -> tuple[str, str]:
    source, record_id = ref.split(":", 1)
    return source, record_id


def test_corrections_split_join_warn_and_leave_everyone_else_alone(scv, repo, tmp_path):
    inbox = case.write(tmp_path / "inbox")
    assert (first := scv("build", "demo", "--inbox", inbox)).code == 0, first.out + first.err
    [before] = sorted((tmp_path / "home" / "builds" / "demo").glob("2*"))
    was = customer_of(before)
    # Without corrections the matcher joins the chain and keeps the two Marys apart.
    assert was[record(case.DIFFERENT[0])] == was[record(case.DIFFERENT[1])]
    assert was[record(case.SAME[0])] != was[record(case.SAME[1])]

    for kind, pair, why in [
        ("--different", case.DIFFERENT, "Father and son at one address"),
        ("--same", case.SAME, "Married name"),
        ("--same", case.STALE, "A deleted record"),
    ]:
        added = scv("correction", "add", "demo", kind, *pair, "--who", "Data Team (demo)", "--why", why)
        assert added.code == 0, added.err
    assert (second := scv("build", "demo", "--inbox", inbox)).code == 0, second.out + second.err
    after = sorted((tmp_path / "home" / "builds" / "demo").glob("2*"))[-1]
    now = customer_of(after)

    assert now[record(case.DIFFERENT[0])] != now[record(case.DIFFERENT[1])]
    assert now[record(case.SAME[0])] == now[record(case.SAME[1])]
    # The side of the split the id followed keeps it; C002 is tied to C001 by the stronger link.
    assert now["crm_contacts", "C001"] == now["crm_contacts", "C002"] == was["crm_contacts", "C001"]
    untouched = [key for key in was if not (key[0] == "crm_contacts" and key[1] in case.TOUCHED)]
    assert len(untouched) >= 8
    assert {key: now[key] for key in untouched} == {key: was[key] for key in untouched}

    meta = json.loads((after / "build.json").read_text())
    [stale] = [c for c in meta["checks"] if c["name"] == "corrections" and c["outcome"] == "warn"]
    assert "crm_contacts:C999" in stale["detail"] and "corrections.yml:" in stale["detail"]
    assert meta["verdict"] != "fail"
    with duckdb.connect(str(after / "scv.duckdb"), read_only=True) as con:
        effects = dict(con.execute("select kind || ' ' || record_id_l, effect from match_corrections").fetchall())
    assert effects == {"different C001": "split", "same C010": "joined", "same C999": "stale"}
