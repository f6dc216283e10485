"""A hostile delivery built for real: what the issue's damaged deliveries did, each survived.

One `scv build` + `scv report` of week 1 of the demo client, with the CRM export damaged the
ways clients' exports are: a second header in the middle (two exports joined), a quote never
closed, ORCIDs that are not iDs, a date no calendar has, a key delivered twice, a row without a
key, and cells a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from support.damage import damaged
from support.deliveries import CRM_HEADER
from support.repo import copy_repo, scv_process
from support.weeks import write_week

pytestmark = pytest.mark.slow

HYPERLINK = '=HYPERLINK("http://x","click")'
CALC = "+cmd|' /C calc'!A0"


def crm_row(contact_id: str, **fields: str) -> list[str]:
    row = dict.fromkeys(CRM_HEADER, "")
    row.update(
        {"contact_id": contact_id, "first_name": "Hos", "last_name": "Tile", "created_at": "2025-01-01"}
    )
    row.update(fields)
    return list(row.values())


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    env = {"SCV_REPO": str(copy_repo(base / "repo")), "SCV_HOME": str(base / "home"), "COLUMNS": "200"}
    inbox = write_week(base / "inbox", 1)
    crm = inbox / "crm_contacts.csv"
    lines = crm.read_text(encoding="utf-8").splitlines(keepends=True)
    # Line 22: the header again; line 23: a quote never closed; the rest of the file after it.
    middle = [lines[0], 'C9000,,"Unclosed,quote,,,,,,,,,,,,\n']
    tail = csv_text(
        [
            crm_row("C9001", first_name=HYPERLINK, organisation=CALC, orcid="n/a", phone="n/a"),
            crm_row("C9002", orcid="pending", date_of_birth="2023-02-30"),
            crm_row("C9003", orcid="0000-0002-1825", email="not-an-email", phone="0161"),
            crm_row("C0001", email="again@uni.example", updated_at="2025-12-02"),
            crm_row("", email="nokey@x.example"),
        ]
    )
    crm.write_text("".join(lines[:21] + middle + lines[21:]) + tail, encoding="utf-8")
    built = scv_process("build", "demo", "--inbox", inbox, env=env)
    build = next((base / "home" / "builds" / "demo").iterdir())
    reported = scv_process("report", "demo", build.name, env=env)
    return {"base": base, "build": build, "built": built, "reported": reported, "lines": len(lines)}


def meta(hostile) -> dict:
    return json.loads((hostile["build"] / "build.json").read_text())


def test_the_build_completes_without_a_traceback(hostile):
    built = hostile["built"]
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Traceback" not in built.stdout + built.stderr
    assert meta(hostile)["dbt"]["success"] is True
    assert meta(hostile)["verdict"] in ("pass", "query")
    assert hostile["reported"].returncode == 0, hostile["reported"].stderr


def test_every_line_is_accounted_for_and_the_rows_after_the_unclosed_quote_are_loaded(hostile):
    # Finding 1.
    crm = next(i for i in meta(hostile)["inputs"] if i["source"] == "crm_contacts")
    data_lines = hostile["lines"] - 1 + 2 + 5
    assert crm["data_lines"] == data_lines
    assert (crm["rows"], crm["rejected_rows"]) == (data_lines - 3, 3)
    with duckdb.connect(str(hostile["build"] / "scv.duckdb"), read_only=True) as con:
        rejects = con.execute("select line, error_type from raw.rejects order by line").fetchall()
        last = con.execute("select max(_scv_line) from raw.crm_contacts").fetchone()[0]
    assert rejects == [(22, "REPEATED HEADER"), (23, "UNQUOTED VALUE"), (data_lines + 1, "EMPTY KEY")]
    assert last == data_lines  # the duplicate of C0001, the last line but the keyless one
    accounting = [c for c in meta(hostile)["checks"] if c["name"] == "row accounting"]
    assert {c["outcome"] for c in accounting} == {"pass"} and len(accounting) == 4


def test_bad_values_are_left_empty_with_a_finding_per_field(hostile):
    # Findings 2 and 5: an ORCID that is no iD nulled, not fatal; impossible dates counted.
    checks = {(c["name"], c["subject"]): c for c in meta(hostile)["checks"]}
    orcid = checks["invalid values", "crm_contacts.orcid"]
    assert orcid["outcome"] == "warn"
    assert "3 value(s) are not valid ORCID iDs and were left empty" in orcid["detail"]
    first = hostile["lines"] + 3  # the header, 2 lines put in the middle, then the tail
    assert f"lines {first}, {first + 1}, {first + 2}" in orcid["detail"]
    assert (
        "1 value(s) are not valid email addresses" in checks["invalid values", "crm_contacts.email"]["detail"]
    )
    phones = checks["invalid values", "crm_contacts.phone"]["detail"]
    assert (
        f"2 value(s) are not valid phone numbers and were left empty (lines {first}, {first + 2})" in phones
    )
    dates = checks["impossible dates", "crm_contacts.date_of_birth"]
    assert "1 date(s) that no calendar has" in dates["detail"]
    with duckdb.connect(str(hostile["build"] / "scv.duckdb"), read_only=True) as con:
        assert con.execute(
            "select orcid, birth_date from staging.stg_demo__crm_contacts where contact_id = 'C9002'"
        ).fetchone() == (None, None)


def test_a_key_delivered_twice_is_a_finding_naming_the_lines(hostile):
    duplicates = next(
        c for c in meta(hostile)["checks"] if c["name"] == "duplicate keys" and c["subject"] == "crm_contacts"
    )
    assert duplicates["outcome"] == "warn"
    assert f"C0001 on lines 3, {hostile['lines'] + 6}" in duplicates["detail"]
    assert "the most recently updated" in duplicates["detail"]


def test_downloads_neutralise_formulas(hostile):
    # Finding 3.
    with (hostile["build"] / "site" / "downloads" / "customers.csv").open(newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert "'" + HYPERLINK in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_no_builder_path_is_served(hostile):
    # Finding 5: /build.json is the site's copy of build.json.
    base = str(hostile["base"])
    for served in (hostile["build"] / "build.json", hostile["build"] / "site" / "build.json"):
        text = served.read_text()
        assert base not in text and "/tmp/" not in text
    assert meta(hostile)["inbox"] == "inbox"
    assert {i["file"] for i in meta(hostile)["inputs"]} == {
        "crm_contacts.csv", "shop_orders.csv", "subscriptions.xlsx", "event_registrations.txt"}  # fmt: skip


def test_a_column_name_is_quoted_verbatim_in_errors(scv, repo, tmp_path):
    # Finding 4: `e:x:mail` is not an emoji code, `[b]` is not a style.
    inbox = write_week(tmp_path / "inbox", 1)
    crm = inbox / "crm_contacts.csv"
    text = crm.read_text(encoding="utf-8")
    crm.write_text(text.replace(",email,", ",e:x:mail [b]x[/b],", 1), encoding="utf-8")

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 2
    assert "found: contact_id, title, first_name, last_name, e:x:mail [b]x[/b], phone" in result.err, (
        result.err
    )
    assert "❌" not in result.err


@settings(max_examples=2, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@given(damage=damaged())
def test_a_randomly_damaged_delivery_builds_or_stops_in_one_line(tmp_path_factory, damage):
    """The property test's damage (tests/delivery/test_damaged.py) on a whole delivery, through a
    real `scv build`: a build whose every line is accounted for, or one line of error, exit 2."""
    base = tmp_path_factory.mktemp("damaged")
    env = {"SCV_REPO": str(copy_repo(base / "repo")), "SCV_HOME": str(base / "home"), "COLUMNS": "200"}
    inbox = write_week(base / "inbox", 1)
    (inbox / "crm_contacts.csv").write_bytes(damage)

    built = scv_process("build", "demo", "--inbox", inbox, env=env)

    assert "Traceback" not in built.stdout + built.stderr
    if built.returncode == 2:
        errors = [line for line in built.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "crm_contacts.csv" in errors[0], built.stderr
        return
    assert built.returncode in (0, 1), built.stdout + built.stderr
    build = next((base / "home" / "builds" / "demo").iterdir())
    crm = next(
        i for i in json.loads((build / "build.json").read_text())["inputs"] if i["file"] == "crm_contacts.csv"
    )
    assert (
        crm["data_lines"] == crm["rows"] + crm["rejected_rows"] + crm["continued_lines"] + crm["blank_lines"]
    )
