"""Loading deliveries: declared formats and encodings, rejects kept with reasons, clear errors."""

from __future__ import annotations

import duckdb
import pytest

from scv.clients.config import load_client
from scv.core.errors import ScvError
from scv.delivery.load import load_delivery
from support.deliveries import CRM_HEADER, CRM_ROWS, write_delivery


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


def crm_line(contact_id: str, email: str = "", **fields: str) -> str:
    row = dict.fromkeys(CRM_HEADER, "")
    row.update(contact_id=contact_id, email=email, **fields)
    return ",".join(row.values()) + "\n"


def test_an_unclosed_quote_rejects_its_line_and_the_rest_of_the_file_still_loads(con, repo, tmp_path):
    # Finding 1: a quote opened on one line and never closed swallowed the rest of the file.
    before = "".join(crm_line(f"D{i:03}", f"d{i}@x.example") for i in range(10))
    after = "".join(crm_line(f"E{i:03}", f"e{i}@x.example") for i in range(12))
    tail = before + 'C999,"Unclosed,quote,,,\n' + after
    loaded = load(con, repo, write_delivery(tmp_path / "inbox", crm_tail=tail))

    crm = loaded["crm_contacts"]
    assert (crm.rows, crm.rejected_rows) == (len(CRM_ROWS) + 22, 1)
    assert crm.data_lines == crm.rows + crm.rejected_rows
    bad_line = 1 + len(CRM_ROWS) + 10 + 1
    assert con.execute("select line, error_type, raw_line from raw.rejects").fetchall() == [
        (bad_line, "UNQUOTED VALUE", 'C999,"Unclosed,quote,,,')
    ]
    # Every row after it is there, on its own line.
    assert con.execute(
        "select _scv_line from raw.crm_contacts where contact_id in ('E000', 'E011') order by 1"
    ).fetchall() == [(bad_line + 1,), (bad_line + 12,)]


def test_lines_stay_true_across_quoted_newlines_and_blank_lines(con, repo, tmp_path):
    tail = 'M1,,Multi,"Line\nName",m@x.example,,,,,,,,,,\n\n' + crm_line("M2", "m2@x.example")
    tail += "M3,too,many,,,,,,,,,,,,,,,extra\n" + crm_line("M4")
    loaded = load(con, repo, write_delivery(tmp_path / "inbox", crm_tail=tail))

    crm = loaded["crm_contacts"]
    first = 1 + len(CRM_ROWS) + 1
    lines = dict(con.execute("select contact_id, _scv_line from raw.crm_contacts").fetchall())
    assert (lines["M1"], lines["M2"], lines["M4"]) == (first, first + 3, first + 5)
    assert con.execute("select line from raw.rejects").fetchall() == [(first + 4,)]
    assert (crm.continued_lines, crm.blank_lines) == (1, 1)
    assert crm.data_lines == crm.rows + crm.rejected_rows + crm.continued_lines + crm.blank_lines


def test_a_second_header_line_and_empty_keys_are_rejected_with_their_lines(con, repo, tmp_path):
    # Finding 2 (two exports joined) and 5 (rows without a key had no line number).
    tail = ",".join(CRM_HEADER) + "\n" + crm_line("", "nokey@x.example") + crm_line("C777")
    loaded = load(con, repo, write_delivery(tmp_path / "inbox", crm_tail=tail))

    assert loaded["crm_contacts"].rejected_rows == 2
    header_line = 1 + len(CRM_ROWS) + 1
    assert con.execute("select line, error_type from raw.rejects order by line").fetchall() == [
        (header_line, "REPEATED HEADER"),
        (header_line + 1, "EMPTY KEY"),
    ]
    assert con.execute("select _scv_line from raw.crm_contacts where contact_id = 'C777'").fetchone() == (
        header_line + 2,
    )


def test_an_empty_file_is_reported_as_empty(con, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    (inbox / "crm_contacts.csv").write_bytes(b"")

    with pytest.raises(ScvError, match=r"crm_contacts.csv: the file is empty \(0 bytes\)"):
        load(con, repo, inbox)


def test_a_symlink_in_the_inbox_is_refused_not_followed(con, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (inbox / "crm_contacts.csv").unlink()
    (inbox / "crm_contacts.csv").symlink_to(secret)

    with pytest.raises(ScvError) as caught:
        load(con, repo, inbox)
    assert "crm_contacts.csv: a symbolic link" in str(caught.value)
    assert "root:x" not in str(caught.value)


def test_a_pattern_leading_out_of_the_inbox_is_refused(con, repo, tmp_path):
    inbox = write_delivery(tmp_path / "inbox")
    (tmp_path / "elsewhere.csv").write_text("x\n")
    client = repo / "clients" / "demo" / "client.yml"
    client.write_text(client.read_text().replace("file: crm_contacts.csv", "file: ../elsewhere.csv"))

    with pytest.raises(ScvError, match=r"elsewhere.csv: outside the delivery folder"):
        load(con, repo, inbox)
