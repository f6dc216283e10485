"""`make site-screenshots`: one PNG per page type of the demo client's test site, for the README.

    python -m support.site_screenshots [OUT [URL SITE_DIR]]   (default: docs/screenshots, the demo's test site)

Dashboard, search (with results), a person, the segment builder (with a selection) and the
client's own page, as headless Chromium shows them through nginx, scaled down to stay small.
"""

from __future__ import annotations

import base64
import sys
import time
from pathlib import Path

import duckdb

from scv.clients.config import load_client
from scv.core import paths
from scv.release.sites import local_ca
from support.browser import chromium

SCALE = 0.6


def wait(driver, script: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not driver.execute_script(script):
        time.sleep(0.05)


def shoot(driver, path: Path, height: int = 1100) -> None:
    # The window is made as tall as the picture, or what lies below it would not be drawn.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1200, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    time.sleep(0.3)
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "clip": {"x": 0, "y": 0, "width": 1200, "height": height, "scale": SCALE}},
    )
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"{path}  ({path.stat().st_size / 1024:.0f} KB)")


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else paths.repo_root() / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    release = paths.sites_dir("demo") / "test" / "current"
    url = str(load_client("demo").config.sites.test.url)
    if len(argv) == 3:  # another server of a site (its URL and the site's folder of a build)
        url, release = argv[1], Path(argv[2]).parent
    with duckdb.connect() as con:
        person, name = con.execute(
            "select customer_id, lower(first_name || ' ' || last_name) from "
            f"read_parquet('{release / 'site' / 'data' / 'customers.parquet'}') order by source_count desc, 1 limit 1"
        ).fetchone()
    with chromium(width=1200, height=1100, trust=local_ca()) as browser:
        d = browser.driver
        d.get(url)
        shoot(d, out / "site-dashboard.png")
        d.get(url + "search.html")
        wait(d, "return document.body.dataset.ready")
        d.find_element("id", "q").send_keys(name[:5])
        wait(d, "return document.body.dataset.searched")
        shoot(d, out / "site-search.png", 700)
        d.get(url + f"person.html?id={person}")
        wait(d, "return document.body.dataset.ready")
        shoot(d, out / "site-person.png", 1500)
        d.get(url + "segments.html")
        wait(d, "return document.body.dataset.ready")
        d.find_element("css selector", 'input[name="source"][value="subscriptions"]').click()
        wait(d, "return document.getElementById('sql').textContent.includes('subscriptions')")
        time.sleep(0.5)
        shoot(d, out / "site-segments.png", 1700)
        pages = sorted((release / "site" / "pages").glob("*.html"))
        if pages:
            d.get(url + f"pages/{pages[0].name}")
            shoot(d, out / "site-client-page.png", 900)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
