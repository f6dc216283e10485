"""The client site as a client uses it: served by nginx (site.yml, the real CSP and allowlist),
driven in headless Chromium, checked against the same questions asked of DuckDB directly.

One set of sites for the module: the two weekly builds of the session plus a third week, built
here, in which one CRM contact's organisation looks like a spreadsheet formula. Week 3 is
published to the test site; week 2 is "the previous build" its saved segments compare with.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from pathlib import Path
from urllib.parse import unquote

import duckdb
import openpyxl
import pytest

from support.loopback import free_ports
from support.repo import copy_repo, need
from support.sites import Sites, set_site_urls, stop_nginx
from support.weeks import write_week

pytestmark = pytest.mark.slow

FORMULA = "=SUM(1,2)"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def site(two_weeks, tmp_path_factory):
    need("nginx")
    need("chromium")
    need("chromedriver")
    base = tmp_path_factory.mktemp("client-site")
    repo = copy_repo(base / "repo")
    home = base / "home"
    shutil.copytree(two_weeks.home / "builds", home / "builds", symlinks=True)
    s = Sites(repo, home, set_site_urls(repo, *free_ports(2)), two_weeks.week1, two_weeks.week2)
    inbox = write_week(base / "inbox-3", 3)
    crm = inbox / "crm_contacts.csv"
    rows = list(csv.reader(crm.open(encoding="utf-8")))
    rows[11][6] = FORMULA  # C0010's organisation: GB, in subscriptions and events too
    assert rows[11][0] == "C0010"
    with crm.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    try:
        built = s.scv("build", "demo", "--inbox", inbox)
        assert built.returncode == 0, built.stdout + built.stderr
        s.week3 = sorted(p.name for p in (home / "builds" / "demo").iterdir() if not p.name.startswith("."))[
            -1
        ]
        reported = s.scv("report", "demo", s.week3)
        assert reported.returncode == 0, reported.stdout + reported.stderr
        done, _ = s.playbook("site.yml")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        published = s.scv("publish", "demo", s.week3, "--env", "test")
        assert published.returncode == 0, published.stdout + published.stderr
        yield s
    finally:
        stop_nginx(home)


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    from support.browser import chromium

    downloads = tmp_path_factory.mktemp("downloads")
    with chromium(trust=site.ca) as b:
        b.driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        b.downloads = downloads
        yield b


def exports(site, build_id: str | None = None) -> duckdb.DuckDBPyConnection:
    """The build's exports as tables, for DuckDB to answer the questions the pages answer."""
    con = duckdb.connect()
    folder = site.home / "builds" / "demo" / (build_id or site.week3) / "exports"
    for file in folder.glob("*.parquet"):
        con.execute(f"create view {file.stem} as select * from read_parquet('{file}')")
    return con


def wait(driver, script: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := driver.execute_script(script):
            return value
        time.sleep(0.05)
    raise AssertionError(
        f"timed out waiting for {script}: {driver.find_element('tag name', 'body').text[:2000]}"
    )


def open_page(browser, site, page: str):
    driver = browser.driver
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(site.urls["test"] + page)
    wait(driver, "return document.body.dataset.ready")
    return driver


def problems(browser, site) -> tuple[list[str], list[str]]:
    """Console errors, and requests for anything not on the site (a CDN, a font, an extension)."""
    import json

    errors = [e["message"] for e in browser.driver.get_log("browser") if e["level"] == "SEVERE"]
    urls = [
        json.loads(e["message"])["message"]["params"]["request"]["url"]
        for e in browser.driver.get_log("performance")
        if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"
    ]
    return errors, [u for u in urls if not u.startswith((site.urls["test"], "data:", "blob:"))]


def test_searching_a_person_known_to_several_sources_opens_every_record_and_why_they_are_one(browser, site):
    con = exports(site)
    customer_id, first, last, sources = con.execute(
        "select customer_id, first_name, last_name, source_count from customers "
        "where customer_id = (select customer_id from customer_sources where source_record_id = 'C0010')"
    ).fetchone()
    assert sources >= 3
    records = con.execute(
        "select source, source_record_id from customer_sources where customer_id = ? order by survivorship_rank",
        [customer_id],
    ).fetchall()
    pairs = con.execute(
        "select distinct left_source, left_record_id, right_source, right_record_id from match_explanations "
        "where customer_id = ?",
        [customer_id],
    ).fetchall()
    assert pairs

    driver = open_page(browser, site, "search.html")
    box = driver.find_element("id", "q")
    box.send_keys(f"{first.lower()} {last[:2]}")  # a prefix of the name, typed as a person would
    wait(driver, "return document.body.dataset.searched")
    link = driver.find_element("css selector", f'#results a[href="person.html?id={customer_id}"]')
    assert link.text == f"{first} {last}"
    link.click()
    wait(driver, "return document.body.dataset.ready")

    page = driver.find_element("tag name", "body").text
    table = driver.find_element("id", "records").text
    for source, record_id in records:
        assert re.search(rf"^{source} {re.escape(record_id)} ", table, re.M), (source, record_id)
    assert f"{len(records)} records in {sources} sources" in page
    why = driver.find_element("id", "why").text
    for left_source, left_id, right_source, right_id in pairs:
        assert f"{left_source}:{left_id} ↔ {right_source}:{right_id}" in why
    assert "email exact" in why and "Match probability" in why
    golden = driver.find_element("id", "golden").text
    assert f"Organisation {FORMULA} crm_contacts (C0010)" in golden  # shown as text, with its source
    wrong = unquote(driver.find_element("id", "wrong").get_attribute("href"))
    assert wrong.startswith("mailto:data-team@northbridge.example?")
    first_ref, second_ref = (f"{s}:{r}" for s, r in records[:2])
    assert f"scv correction add demo --different {first_ref} {second_ref}" in wrong
    assert problems(browser, site) == ([], [])

    # A typo still finds the name (fuzzy), an email and a record id find the person too.
    for query in (f"{first[:-1]}x {last}".lower(), "kemal.lee10@press", "ev-2"):
        driver.get(site.urls["test"] + "search.html")
        wait(driver, "return document.body.dataset.ready")
        driver.find_element("id", "q").send_keys(query)
        wait(driver, f"return document.body.dataset.searched === {query!r}.toLowerCase()")
        assert driver.find_elements("css selector", f'#results a[href="person.html?id={customer_id}"]'), query


def test_the_search_index_is_one_file_per_first_character_in_the_order_results_are_shown(site):
    # What keeps a search fast at any size: a page reads one small file's footer, and a prefix's
    # first rows are its first results (search.js reads them and stops).
    data = site.home / "builds" / "demo" / site.week3 / "site" / "data"
    con = duckdb.connect()
    files = sorted(p.stem for p in (data / "search").glob("*.parquet"))
    assert files == sorted([*"abcdefghijklmnopqrstuvwxyz0123456789", "_"])
    terms = 0
    for name in files:
        rows = con.execute(
            f"select term, label, customer_id from read_parquet('{data}/search/{name}.parquet')"
        ).fetchall()
        assert rows == sorted(rows, key=lambda r: (r[0], r[1] is None, r[1] or "", r[2])), name
        assert all((t[0] if re.match("[a-z0-9]", t) else "_") == name for t, _, _ in rows), name
        terms += len(rows)
    assert terms > 0
    # A person's page finds an id's moves by the id they came from: all of them, nothing else.
    history = data / "customer_id_history.parquet"
    moves = data / "customer_id_moves.parquet"
    moved = f"select * from read_parquet('{history}') where previous_customer_id is not null order by all"
    assert con.execute(f"select * from read_parquet('{moves}') order by all").fetchall() == (
        con.execute(moved).fetchall()
    )


def test_a_segment_built_by_clicking_counts_and_exports_exactly_what_duckdb_finds(browser, site):
    from selenium.webdriver.support.ui import Select

    driver = open_page(browser, site, "segments.html")
    driver.find_element("css selector", 'input[name="source"][value="subscriptions"]').click()
    Select(driver.find_element("id", "country")).select_by_value("GB")
    Select(driver.find_element("id", "activity_type")).select_by_value("event")
    shown = int(
        wait(
            driver,
            "const sql = document.getElementById('sql').textContent, n = document.getElementById('count').textContent;"
            "return sql.includes(\"activity_type = 'event'\") && sql.includes('GB') && n !== '…' && n",
        )
    )

    con = exports(site)
    expected = con.execute(
        """
        select c.customer_id, c.first_name, c.last_name, c.email, c.organisation, c.country_code
        from customers as c
        where c.country_code = 'GB'
          and exists (select 1 from customer_sources as s where s.customer_id = c.customer_id and s.source = 'subscriptions')
          and exists (select 1 from activities as a where a.customer_id = c.customer_id and a.activity_type = 'event')
        order by c.customer_id
        """
    ).fetchall()
    assert shown == len(expected) > 0
    assert driver.find_element("id", "count").text == str(len(expected))

    for f in browser.downloads.iterdir():
        f.unlink()
    driver.find_element("id", "csv").click()
    wait(driver, "return document.body.dataset.exported")
    csv_file = _downloaded(browser.downloads, ".csv")
    got = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8"))))

    def safe(v):  # OWASP: a cell starting with = + - @ tab or CR is prefixed with '
        return "" if v is None else ("'" + v if re.match(r"[=+\-@\t\r]", v) else v)

    assert got[0] == ["customer_id", "first_name", "last_name", "email", "organisation", "country_code"]
    assert got[1:] == [[safe(v) for v in row] for row in expected]
    assert [row[4] for row in got[1:] if row[4].startswith("'")] == ["'" + FORMULA]  # neutralised, once

    driver.find_element("id", "xlsx").click()
    wait(
        driver,
        "return document.body.dataset.exported && document.getElementById('status').textContent.includes('.xlsx')",
    )
    book = openpyxl.load_workbook(_downloaded(browser.downloads, ".xlsx"))
    cells = [[c if c is not None else "" for c in row] for row in book.active.iter_rows(values_only=True)]
    assert cells[1:] == [[safe(v) for v in row] for row in expected]
    assert book.active["E1"].value == "organisation" and all(
        c.data_type != "f" for row in book.active for c in row
    )
    assert problems(browser, site) == ([], [])


def _downloaded(folder: Path, suffix: str) -> Path:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done = [f for f in folder.iterdir() if f.suffix == suffix]
        if done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} download in {list(folder.iterdir())}")


def test_a_saved_segment_shows_its_count_and_its_change_since_the_previous_build(browser, site):
    now = exports(site)
    before = exports(site, site.week2)
    members_now = {
        r[0] for r in now.execute("select customer_id from customers where source_count >= 3").fetchall()
    }
    members_before = {
        r[0] for r in before.execute("select customer_id from customers where source_count >= 3").fetchall()
    }

    driver = open_page(browser, site, "segments.html")
    row = driver.find_element("id", "segment-known_everywhere").text

    change = len(members_now) - len(members_before)
    assert "Known to three or more systems" in row
    assert f" {len(members_now)} {change:+d}" in row.replace("\n", " ")
    joined, left = len(members_now - members_before), len(members_before - members_now)
    assert f"{joined} joined, {left} left" in row
    # The build report lists it too.
    report = (site.home / "builds" / "demo" / site.week3 / "report" / "index.html").read_text()
    assert "Known to three or more systems" in report and f"{len(members_now):,}" in report


def test_the_clients_own_page_is_rendered_from_markdown_and_sql(browser, site):
    con = exports(site)
    journals = con.execute(
        "select description, count(distinct customer_id) from activities where activity_type = 'subscription' "
        "group by 1 order by 2 desc, 1"
    ).fetchall()
    driver = browser.driver
    driver.get(site.urls["test"] + "pages/journals.html")
    text = driver.find_element("tag name", "body").text
    assert "Journals and events" in text
    chart = driver.find_element("css selector", "svg.chart title").get_attribute("textContent")
    assert chart == "Subscribers per journal"
    for journal, n in journals:
        assert driver.find_elements("xpath", f"//*[name()='rect']/*[name()='title'][text()='{journal}: {n}']")


@pytest.mark.parametrize(
    "page", ["index.html", "search.html", "person.html?id={customer}", "segments.html", "pages/journals.html"]
)
def test_axe_finds_no_serious_accessibility_problem(browser, site, page):
    customer = (
        exports(site)
        .execute("select customer_id from customers order by source_count desc limit 1")
        .fetchone()[0]
    )
    driver = browser.driver
    driver.get(site.urls["test"] + page.format(customer=customer))
    if page not in ("index.html", "pages/journals.html"):
        wait(driver, "return document.body.dataset.ready")
    if page == "search.html":
        driver.find_element("id", "q").send_keys("ann")
        wait(driver, "return document.body.dataset.searched")
    # Injected by the driver (DevTools), not by the page: the CSP still admits only the site's scripts.
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => [v.impact, v.id, v.nodes.map(n => n.target.join(' ')).slice(0, 3)])));"
    )
    assert [v for v in result if v[0] in ("serious", "critical")] == []
