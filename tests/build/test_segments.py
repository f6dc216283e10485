"""Saved segments (clients/<client>/segments.yml) counted in a build: members, who joined or
left since the previous build, and a SQL mistake named by file, line and segment."""

from __future__ import annotations

import json

import duckdb
import pytest

from scv.build import segments
from scv.clients.config import load_client
from scv.core.errors import ScvError

SEGMENTS = """\
segments:
  - name: in_gb
    title: In Great Britain
    where: country_code = 'GB'
  - name: buyers
    title: Bought something
    where: >-
      customer_id in (select customer_id from activities where activity_type = 'order')
"""


def a_build(path, customers, orders, previous_segments=None):
    """A build folder with a real scv.duckdb holding the tables segments read."""
    (path / "exports").mkdir(parents=True)
    with duckdb.connect(str(path / "scv.duckdb")) as con:
        con.execute("create table customers (customer_id varchar, first_name varchar, last_name varchar, "
                    "country_code varchar)")  # fmt: skip
        con.executemany("insert into customers values (?, ?, ?, ?)", customers)
        con.execute("create table activities (customer_id varchar, activity_type varchar)")
        con.executemany("insert into activities values (?, 'order')", [[c] for c in orders])
        con.execute(f"copy customers to '{path / 'exports' / 'customers.parquet'}' (format parquet)")
    if previous_segments is not None:
        (path / "build.json").write_text(json.dumps({"segments": previous_segments}))
    return path


@pytest.fixture
def client(repo):
    (repo / "clients" / "demo" / "segments.yml").write_text(SEGMENTS)
    return load_client("demo")


def test_members_and_who_joined_or_left_since_the_previous_build(client, tmp_path):
    before = a_build(tmp_path / "w1", [("A", "Ann", "Lee", "GB"), ("B", "Bob", "Ng", "GB"), ("C", "Cara", "Khan", "FR")],
                     orders=["C"])  # fmt: skip
    before_segments = segments.export(client, before, None)
    (before / "build.json").write_text(json.dumps({"segments": before_segments}))
    now = a_build(tmp_path / "w2", [("A", "Ann", "Lee", "GB"), ("C", "Cara", "Khan", "GB"), ("D", "Dev", "Rossi", "DE")],
                  orders=["C", "D"])  # fmt: skip

    counted = segments.export(client, now, before)

    assert [
        (s["name"], s["customers"], s["previous_customers"], s["joined"], s["left"]) for s in counted
    ] == [
        ("in_gb", 2, 2, 1, 1),  # Cara moved to GB, Bob is gone
        ("buyers", 2, 1, 1, 0),
    ]
    assert [(s["joined"], s["left"]) for s in before_segments] == [(None, None), (None, None)]  # no before
    with duckdb.connect() as con:
        changes = con.execute(
            f"select * from '{now / 'exports' / 'segment_changes.parquet'}' order by all"
        ).fetchall()
        members = con.execute(
            f"select * from '{now / 'exports' / 'segment_members.parquet'}' order by all"
        ).fetchall()
    assert changes == [
        ("buyers", "joined", "D", "Dev", "Rossi"),
        ("in_gb", "joined", "C", "Cara", "Khan"),
        ("in_gb", "left", "B", "Bob", "Ng"),  # named from the previous build: Bob is no longer a customer
    ]
    assert members == [("buyers", "C"), ("buyers", "D"), ("in_gb", "A"), ("in_gb", "C")]


def test_a_segment_whose_sql_fails_is_named_with_its_file_and_line(client, repo, tmp_path):
    path = repo / "clients" / "demo" / "segments.yml"
    path.write_text(SEGMENTS.replace("country_code = 'GB'", "county = 'GB'"))
    build = a_build(tmp_path / "w1", [("A", "Ann", "Lee", "GB")], orders=["A"])

    with pytest.raises(ScvError) as error:
        segments.export(load_client("demo"), build, None)

    message = str(error.value)
    assert message.startswith("clients/demo/segments.yml:4: segments[0].where (in_gb): Binder Error"), message
    assert "county" in message and "\n" not in message
