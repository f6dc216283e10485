"""`make bench-site`: the client site of a 1M-customer build in headless Chromium, served by nginx.

The demo client's delivery for N customers (default 1,000,000: about 3M source records) is
generated, built and reported once and kept under SCV_HOME/bench/site-<N>/; then the demo's test
site is set up on loopback ports by playbooks/site.yml (the real nginx configuration: TLS, the
allowlist, the CSP) and the build published to it. Each measurement starts a fresh Chromium
(empty cache), as a client opening the site for the first time. Prints:

- time to interactive: from navigation to the page usable (DuckDB-WASM loaded; on the search
  page the box enabled, on the segment builder the first figures shown and the customers file
  opened, on a person's page everything shown);
- time to the first search result: from the keystroke to the results on screen (a name prefix);
- time to a segment count: from a click in the segment builder to the count on screen;
- time to export ~100k rows as CSV (a country with about that many people);
- the bytes each of these transferred (as sent on the wire).

    python -m benchmarks.site [--customers 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from scv.core import paths
from scv.demo.data import generate
from support.browser import chromium
from support.loopback import free_ports
from support.repo import copy_repo
from support.sites import Sites, set_site_urls, stop_nginx

console = Console(width=160)


def scv(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run([str(Path(sys.executable).with_name("scv")), *args], env={**os.environ, **env})
    if done.returncode != 0:
        sys.exit(f"scv {' '.join(args)} failed (exit {done.returncode})")


def prepared(customers: int) -> tuple[Path, str]:
    """SCV_HOME with one build of `customers` people (made once, then kept), its report and site
    written again (the site's code is what is measured)."""
    home = paths.scv_home() / "bench" / f"site-{customers}"
    builds = home / "builds" / "demo"
    env = {"SCV_HOME": str(home)}
    done = sorted(p.name for p in builds.iterdir() if (p / "build.json").exists()) if builds.is_dir() else []
    if not done:
        inbox = home / "inbox"
        if not (inbox / "truth.csv").exists():
            console.print(f"Generating the demo delivery for {customers:,} customers…")
            generate(inbox, customers=customers, seed=42)
        clock = time.perf_counter()
        scv("build", "demo", "--inbox", str(inbox), env=env)
        console.print(f"built in {time.perf_counter() - clock:,.0f} s")
        done = sorted(p.name for p in builds.iterdir() if (p / "build.json").exists())
    shutil.rmtree(home / "sites", ignore_errors=True)  # a published build is never rewritten
    scv("report", "demo", done[-1], env=env)
    return home, done[-1]


class Sent:
    """Body bytes nginx sent (its access log, $body_bytes_sent), since the last call: the wasm
    the worker fetches and the Parquet ranges DuckDB reads included, which a page's own network
    log does not see."""

    LINE = re.compile(r'" (\d{3}) (\d+) "')

    def __init__(self, log: Path):
        self.log = log
        self.offset = log.stat().st_size if log.exists() else 0

    def __call__(self, _driver=None) -> int:
        time.sleep(0.3)  # nginx writes its log line once the answer is sent
        with self.log.open("rb") as f:
            f.seek(self.offset)
            text = f.read().decode("utf-8", "replace")
            self.offset = f.tell()
        return sum(int(m[2]) for m in self.LINE.finditer(text))


def wait(driver, script: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (value := driver.execute_script(script)) not in (None, "", False):
            return value
        time.sleep(0.01)
    raise SystemExit(f"timed out: {script}")


def measure(site: Sites, build: Path) -> list[tuple[str, float, int, str]]:
    url = site.urls["test"]
    with duckdb.connect() as con:
        customers = build / "exports" / "customers.parquet"
        name = con.execute(
            f"select lower(last_name) from '{customers}' where last_name is not null limit 1"
        ).fetchone()[0]
        # A person known to several sources, from the middle of the file.
        person = con.execute(
            f"select customer_id from '{customers}' where source_count >= 3 order by customer_id "
            f"limit 1 offset (select count(*) // 2 from '{customers}' where source_count >= 3)"
        ).fetchone()[0]
        by_country = con.execute(
            f"select country_code, count(*) from '{customers}' where country_code is not null "
            "group by 1 order by 2, 1"
        ).fetchall()
    # The smallest countries first, until about 100,000 people: the selection to export.
    chosen, rows = [], 0
    for code, n in by_country:
        if rows >= 95_000:
            break
        chosen.append(code)
        rows += n
    country = chosen[0]
    out = []
    bytes_received = Sent(site.home / "nginx" / "logs" / "demo.test.access.log")
    with chromium(trust=site.ca) as b:
        d = b.driver
        d.get(url + "search.html")
        ready = wait(d, "return document.body.dataset.readyMs")
        out.append(("time to interactive (search page)", float(ready) / 1000, bytes_received(d), ""))
        d.find_element("id", "q").send_keys(name[:4])
        first = wait(d, "return document.body.dataset.resultMs")
        out.append(
            ("time to the first search result", float(first) / 1000, bytes_received(d), f"“{name[:4]}”")
        )
    with chromium(trust=site.ca) as b:
        d = b.driver
        d.get(url + f"person.html?id={person}")
        ready = wait(d, "return document.body.dataset.readyMs")
        out.append(("time to interactive (person page)", float(ready) / 1000, bytes_received(d), person))
    with chromium(trust=site.ca) as b, tempfile.TemporaryDirectory() as downloads:
        d = b.driver
        d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        d.get(url + "segments.html")
        ready = wait(d, "return document.body.dataset.readyMs")
        out.append(("time to interactive (segments page)", float(ready) / 1000, bytes_received(d), ""))
        d.execute_script("document.body.dataset.countMs = ''")
        from selenium.webdriver.support.ui import Select

        Select(d.find_element("id", "country")).select_by_value(country)
        counted = wait(d, "return document.body.dataset.countMs")
        n = d.execute_script("return document.body.dataset.counted")
        out.append(
            (
                "time to a segment count",
                float(counted) / 1000,
                bytes_received(d),
                f"{int(n):,} people in {country}",
            )
        )
        for code in chosen[1:]:
            Select(d.find_element("id", "country")).select_by_value(code)
        wait(
            d,
            f"return document.body.dataset.counted === '{rows}'"
            " && !document.getElementById('count').textContent.includes('…')",
        )
        bytes_received(d)
        d.find_element("id", "csv").click()
        exported = wait(d, "return document.body.dataset.exportMs", seconds=600)
        got = int(d.execute_script("return document.body.dataset.exported"))
        out.append(
            (
                "time to export as CSV",
                float(exported) / 1000,
                bytes_received(d),
                f"{got:,} rows of {rows:,} ({len(chosen)} countries)",
            )
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    home, build_id = prepared(args.customers)
    base = Path(tempfile.mkdtemp(prefix="bench-site-"))
    repo = copy_repo(base / "repo")
    site = Sites(repo, home, set_site_urls(repo, *free_ports(2)), build_id, build_id)
    try:
        done, _ = site.playbook("site.yml")
        if done.returncode != 0:
            sys.exit(done.stdout[-3000:] + done.stderr)
        published = site.scv("publish", "demo", build_id, "--env", "test")
        if published.returncode != 0:
            sys.exit(published.stdout + published.stderr)
        figures = measure(site, home / "builds" / "demo" / build_id)
    finally:
        stop_nginx(home)
        shutil.rmtree(base, ignore_errors=True)
    meta = json.loads((home / "builds" / "demo" / build_id / "build.json").read_text())
    data = home / "builds" / "demo" / build_id / "site" / "data"
    table = Table(title=f"Client site, {meta['row_counts']['customers']:,} customers, "
                  f"{meta['row_counts']['customer_sources']:,} records (build {build_id})")  # fmt: skip
    for column in ("measure", "seconds", "bytes transferred", "detail"):
        table.add_column(column, justify="right" if column in ("seconds", "bytes transferred") else "left")
    for what, seconds, transferred, detail in figures:
        table.add_row(what, f"{seconds:.2f}", f"{transferred / 1e6:,.1f} MB", detail)
    console.print(table)
    size = sum(f.stat().st_size for f in data.rglob("*.parquet"))
    console.print(f"data/ on the server: {size / 1e6:,.0f} MB of Parquet")
    console.print("targets: first search result ≤ 1 s, segment count ≤ 1 s, interactive ≤ 3 s")


if __name__ == "__main__":
    main()
