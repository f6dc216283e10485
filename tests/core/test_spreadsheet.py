"""Formula-safe downloads: OWASP's rule, in Python and in the SQL that writes CSV files."""

from __future__ import annotations

import csv

import duckdb

from scv.core.spreadsheet import neutralise, write_csv

HOSTILE = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_each_trigger_is_prefixed_with_a_quote_and_other_text_is_not():
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [neutralise(v) for v in ["Ann", "", "a=b", "0-1", None, -3]] == ["Ann", "", "a=b", "0-1", None, -3]


def test_a_csv_written_for_people_neutralises_text_and_keeps_numbers(tmp_path):
    target = tmp_path / "customers.csv"
    with duckdb.connect() as con:
        con.execute("create table customers (customer_id varchar, first_name varchar, balance decimal(8, 2))")
        con.executemany(
            "insert into customers values (?, ?, ?)", [(f"c{i}", v, -12.5) for i, v in enumerate(HOSTILE)]
        )
        write_csv(con, "customers", target)

    with target.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["first_name"] for r in rows) == sorted("'" + v for v in HOSTILE)
    assert {r["balance"] for r in rows} == {"-12.50"}  # a negative number in a numeric column stays one
