"""The build report and the client site as a person sees them: headless Chromium, really.

A page must load with no console error and ask for nothing outside itself (no CDN, no font, no
favicon): the report is read offline, the client site is served behind an allowlist.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from support.browser import chromium
from support.repo import need


@pytest.fixture
def browser():
    need("chromium")
    need("chromedriver")
    with chromium() as b:
        yield b


@pytest.mark.slow
def test_report_and_site_load_in_chromium_with_no_errors_and_no_outside_requests(browser, weekly, tmp_path):
    build = weekly.home / "builds" / "demo" / weekly.week2

    report = browser.visit((build / "report" / "index.html").as_uri(), tmp_path / "report.png")
    # Served by nginx (security headers, allowlist) in test_sites.py; here the page itself.
    site = browser.visit((build / "site" / "index.html").as_uri(), tmp_path / "site.png")

    assert (report.console_errors, report.outside) == ([], [])
    assert (site.console_errors, site.outside) == ([], [])
    assert report.title == f"Northbridge University Press: build {weekly.week2}"
    assert f"Build {weekly.week2}: pass" in report.text
    assert "Every test passed." in report.text
    assert site.title == "Northbridge University Press"
    for heading in ["Source overlap", "Customers by country and segment", "Week-over-week growth", "Data quality",
                    "Downloads", "About this build"]:  # fmt: skip
        assert heading in site.text
    for shot in (tmp_path / "report.png", tmp_path / "site.png"):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_a_page_that_asks_for_something_elsewhere_is_caught(browser, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<!doctype html><html><head><title>t</title><link rel="icon" href="data:,"></head><body>'
        '<img src="http://127.0.0.1:9/logo.png"><script>console.error("broken")</script></body></html>'
    )

    visit = browser.visit(page.as_uri())

    assert visit.outside == ["http://127.0.0.1:9/logo.png"]
    assert any("broken" in m for m in visit.console_errors)


@pytest.mark.slow
def test_report_json_site_downloads_and_dbt_docs_hold_the_builds_figures(weekly):
    build = weekly.home / "builds" / "demo" / weekly.week2
    meta = json.loads((build / "build.json").read_text())
    report = json.loads((build / "report" / "report.json").read_text())

    assert report["verdict"] == meta["verdict"] == "pass"
    assert report["trends"]["builds"] == [weekly.week1, weekly.week2]
    assert report["trends"]["rows"]["shop_orders"] == [50, 52]
    assert report["trends"]["customers"][-1] == meta["metrics"]["customers"]

    downloads = build / "site" / "downloads"
    with duckdb.connect() as con:
        for fmt in ("csv", "parquet"):
            rows = con.execute(f"select count(*) from '{downloads / f'customers.{fmt}'}'").fetchone()[0]
            assert rows == meta["row_counts"]["customers"], fmt
    assert json.loads((build / "site" / "build.json").read_text()) == meta
    docs = (build / "docs" / "index.html").read_text()
    assert "model.scv.customer_sources" in docs  # the manifest is inside the page: works offline
