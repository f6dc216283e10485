"""`scv check`: findings against last week and live, queries with the figures, a verdict."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from support.repo import set_checks
from support.weeks import write_week


def meta_of(home, build_id):
    return json.loads((home / "builds" / "demo" / build_id / "build.json").read_text())


def latest(home):
    return sorted(p.name for p in (home / "builds" / "demo").iterdir() if not p.name.startswith("."))[-1]


@pytest.mark.parametrize(
    ("values", "line_text", "field", "words"),
    [
        ({"rows_change_warn_pct": 40}, "checks:", "checks", "rows_change_warn_pct (40) is above rows_change_query_pct (25)"),
        ({"static_sources": "[crm]"}, "static_sources:", "checks.static_sources[0]", "'crm' is not a source"),
        ({"fill_rate_drop_query_pts": 120}, "fill_rate_drop_query_pts:", "checks.fill_rate_drop_query_pts", "less than or equal to 100"),
    ],
)  # fmt: skip
def test_bad_check_thresholds_name_file_line_and_field(scv, repo, values, line_text, field, words):
    set_checks(repo, **values)
    text = (repo / "clients" / "demo" / "client.yml").read_text()
    line = text[: text.index(line_text)].count("\n") + 1

    result = scv("client", "validate", "demo")

    assert result.code == 2
    assert f"error: clients/demo/client.yml:{line}: {field}: " in result.err, result.err
    assert words in result.err


def test_misspelt_threshold_is_refused_with_a_hint(scv, repo):
    path = repo / "clients" / "demo" / "client.yml"
    path.write_text(path.read_text().replace("  rows_change_query_pct:", "  rows_change_querry_pct:"))

    result = scv("client", "validate", "demo")

    assert result.code == 2
    assert "checks.rows_change_querry_pct: unknown key (did you mean 'rows_change_query_pct'?)" in result.err


def test_thresholds_default_when_client_yml_has_no_checks(scv, repo):
    path = repo / "clients" / "demo" / "client.yml"
    text = path.read_text()
    start, end = text.index("checks:"), text.index("sites:")
    path.write_text(text[:start] + text[end:])

    from scv.clients.config import load_client

    checks = load_client("demo").config.checks
    assert (checks.rows_change_warn_pct, checks.rows_change_query_pct, checks.static_sources) == (10, 25, [])


@pytest.mark.slow
def test_clean_week_2_passes_against_week_1(scv, weekly):
    meta = meta_of(weekly.home, weekly.week2)

    assert meta["verdict"] == "pass"
    assert meta["queries"] == []
    assert [(c["role"], c["build_id"]) for c in meta["comparisons"]] == [("previous", weekly.week1)]
    shop = meta["comparisons"][0]["sources"]["shop_orders"]
    assert (shop["rows_before"], shop["rows"], shop["new"], shop["removed"]) == (50, 52, 2, 0)
    assert {c["outcome"] for c in meta["checks"]} == {"pass"}, [
        c for c in meta["checks"] if c["outcome"] != "pass"
    ]

    result = scv("check", "demo", weekly.week2)

    assert result.code == 0, result.err
    assert f"Check of {weekly.week2}: pass" in result.out
    assert "0 fail, 0 queries" in result.out


@pytest.mark.slow
def test_a_40_percent_drop_in_one_source_is_a_query_with_the_figure(scv, weekly, tmp_path):
    inbox = write_week(tmp_path / "inbox", 3, shop_orders=31)  # week 2 had 52 orders

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 0, result.out + result.err  # a query is not a failure: the build is fine
    build_id = latest(weekly.home)
    meta = meta_of(weekly.home, build_id)
    assert meta["verdict"] == "query"
    questions = [q["question"] for q in meta["queries"]]
    assert (
        "Web-shop orders (shop_orders.csv) fell 40% (52 → 31) since the previous build: was the export complete?"
        in questions
    )
    # Orders 31 to 51 are gone as well: asked about, with the count. Nothing else is in question.
    assert any(q.startswith("21 of the 52 records of Web-shop orders") for q in questions), questions
    assert {q["subject"] for q in meta["queries"]} == {"shop_orders"}
    assert "query: Web-shop orders (shop_orders.csv) fell 40% (52 → 31)" in result.out
    assert f"Build {build_id} of demo: query" in result.out

    # The report puts the questions first; the client's test site asks them too.
    assert scv("report", "demo", build_id).code == 0
    build = weekly.home / "builds" / "demo" / build_id
    question = "Web-shop orders (shop_orders.csv) fell 40% (52 → 31) since the previous build"
    report_html, site_html = (
        (build / "report" / "index.html").read_text(),
        (build / "site" / "index.html").read_text(),
    )
    assert report_html.index(question) < report_html.index('id="checks"')
    assert "Questions about this week's data" in site_html and question in site_html

    # The client says fewer orders is normal now: a reviewer raises the thresholds in client.yml,
    # and checking the (unpublished) build again passes it, re-sealed.
    set_checks(weekly.repo, rows_change_query_pct=50, removed_records_query_pct=50)
    again = scv("check", "demo", build_id)

    assert again.code == 0, again.err
    assert "pass" in again.out and "build.json updated, report and site rewritten" in again.out
    assert question not in (build / "site" / "index.html").read_text()
    rechecked = meta_of(weekly.home, build_id)
    assert rechecked["verdict"] == "pass" and rechecked["queries"] == []
    assert any(
        c["name"] == "rows" and c["outcome"] == "warn" and "fell 40%" in c["detail"]
        for c in rechecked["checks"]
    )
    sums = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=weekly.home / "builds" / "demo" / build_id
    )
    assert sums.returncode == 0


@pytest.mark.slow
def test_a_delivery_identical_to_last_weeks_is_a_query_per_stale_source(scv, weekly, tmp_path):
    inbox = write_week(tmp_path / "inbox", 3)
    # The subscriptions office sends last week's file again; the other exports ran.
    write_week(tmp_path / "week2", 2)
    shutil.copy2(tmp_path / "week2" / "subscriptions.xlsx", inbox / "subscriptions.xlsx")

    result = scv("build", "demo", "--inbox", inbox)

    assert result.code == 0, result.err
    meta = meta_of(weekly.home, latest(weekly.home))
    assert meta["verdict"] == "query"
    assert [q["subject"] for q in meta["queries"]] == ["subscriptions"]
    # openpyxl stamps the save time, so the bytes differ; the records are what tells.
    assert meta["queries"][0]["question"] == (
        "subscriptions.xlsx has exactly the same records as in the previous build (52 rows): was this week's export run?"
    )


def test_check_of_an_unknown_build_is_one_line_exit_2(scv, repo):
    result = scv("check", "demo", "20260101T000000Z-0000000")
    assert result.code == 2
    assert result.err.startswith("error: no complete build 20260101T000000Z-0000000 of demo")
    assert scv("check", "demo", "last-week").err.startswith("error: 'last-week' is not a build id")
