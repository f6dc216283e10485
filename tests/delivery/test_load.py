"""Loading deliveries: declared formats and encodings, rejects kept with reasons, clear errors."""

from __future__ import annotations

import duckdb
import pytest

from scv.clients.config import load_client
from scv.core.errors import ScvError
from scv.delivery.load import load_delivery
from support.deliveries import CRM_ROWS, write_delivery


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def load(con, repo, inbox):
    return {f.source: f for f in load_delivery(con, load_client("demo"), inbox, repo / "work")}


def test_every_format_and_encoding_loads_as_declared(con, repo, tmp_path):
    loaded = load(con, repo, write_delivery(tmp_path / "inbox"))

    assert {s: f.rows for s, f in loaded.items()} == {
        "crm_contacts": 4, "shop_orders": 2, "subscriptions": 1, "event_registrations": 1}  # fmt: skip
    # The shop file is latin-1 behind a UTF-8 BOM: the BOM must not leak into the first column name.
    assert loaded["shop_orders"].columns[0] == "order_id"
    assert con.execute("select billing_name from raw.shop_orders where order_id = 'WS-2'").fetchone() == (
        "MÜLLER, Zoë",
    )
    assert con.execute("select start_date from raw.subscriptions").fetchone() == ("2025-01-01",)
    assert con.execute("select badge_name from raw.event_registrations").fetchone() == ("Bob",)
    assert all(len(f.sha256) == 64 and f.rejected_rows == 0 for f in loaded.values())


def test_malformed_rows_land_in_rejects_with_line_and_reason(con, repo, tmp_path):
    tail = 'C900,Mr,Too,Many,a@b.example,,,,,,,,,,,extra,columns\nC901,"Unclosed,quote\n'
    loaded = load(con, repo, write_delivery(tmp_path / "inbox", crm_tail=tail))

    crm = loaded["crm_contacts"]
    assert crm.rows == len(CRM_ROWS)
    assert crm.rejected_rows == 2
    rejects = con.execute("select file, line, error_type from raw.rejects order by line").fetchall()
    assert rejects == [("crm_contacts.csv", 6, "TOO MANY COLUMNS"), ("crm_contacts.csv", 7, "UNQUOTED VALUE")]


def test_rows_without_a_key_are_rejected_not_dropped(con, repo, tmp_path):
    rows = [*CRM_ROWS, ["", "Mr", "No", "Key", "nokey@x.example", *[""] * 10]]
    loaded = load(con, repo, write_delivery(tmp_path / "inbox", crm_rows=rows))

    assert loaded["crm_contacts"].rejected_rows == 1
    assert con.execute("select error_type, column_name from raw.rejects").fetchall() == [
        ("EMPTY KEY", "contact_id")
    ]
    assert "nokey@x.example" in con.execute("select raw_line from raw.rejects").fetchone()[0]


def test_file_in_an_undeclared_encoding_stops_with_file_and_line(con, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    # The CRM declares utf-8; this week someone saved it from a latin-1 tool.
    crm = inbox / "crm_contacts.csv"
    crm.write_bytes(crm.read_text(encoding="utf-8").encode("latin-1"))

    with pytest.raises(ScvError) as caught:
        load(con, repo, inbox)
    message = str(caught.value)
    assert "crm_contacts.csv: line 5: byte 0xeb is not valid utf-8" in message
    assert "sources[0].encoding" in message
    assert "\n" not in message


def test_utf8_file_declared_latin1_is_refused(con, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    (inbox / "shop_orders.csv").write_text((inbox / "shop_orders.csv").read_bytes()[3:].decode("latin-1"))

    with pytest.raises(
        ScvError, match=r"shop_orders.csv: is UTF-8 text but .*sources\[1\].encoding says latin-1"
    ):
        load(con, repo, inbox)


def test_missing_declared_column_names_the_file_and_column(con, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    events = inbox / "event_registrations.txt"
    events.write_text(events.read_text(encoding="utf-16").replace("badge_name", "badge"), encoding="utf-16")

    with pytest.raises(
        ScvError, match=r"event_registrations.txt: missing column\(s\) badge_name declared in"
    ):
        load(con, repo, inbox)


def test_missing_file_names_the_source_and_pattern(con, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    (inbox / "subscriptions.xlsx").unlink()

    with pytest.raises(ScvError, match=r"no file matches 'subscriptions.xlsx' for source subscriptions"):
        load(con, repo, inbox)


def test_missing_sheet_is_named(con, repo, tmp_path):
    client = repo / "clients" / "demo" / "client.yml"
    client.write_text(client.read_text().replace("sheet: Subscribers", "sheet: Subscriptions"))

    with pytest.raises(ScvError, match=r"no sheet 'Subscriptions' .*sheets: Subscribers"):
        load(con, repo, write_delivery(tmp_path / "inbox"))
