"""`scv uptime report`: uptime per window, incidents with durations, response times, a status page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from scv.uptime import incidents
from scv.uptime.config import now_utc
from scv.uptime.probe import Result
from support.repo import need
from support.uptime_sites import Site, configure


@pytest.fixture
def site():
    s = Site()
    yield s
    s.down()


def test_uptime_over_24h_7d_30d_365d_from_a_year_of_history(scv, repo, site, tmp_path):
    configure(repo, site)
    root, now = tmp_path / "home" / "uptime", now_utc()
    # A check every hour for a year: down 2 h three days ago, 10 h twenty days ago, 24 h 200 days
    # ago; down 5 h a hundred days ago inside a maintenance window; degraded (slow) an hour ago.
    down = set(range(72, 74)) | set(range(480, 490)) | set(range(4800, 4824))
    maintenance = set(range(2400, 2405))
    for h in range(8759, 0, -1):
        status = "down" if h in down | maintenance else "degraded" if h == 1 else "up"
        ms = None if status == "down" else 100 + h % 7
        result = Result(
            "demo.test", status, ms, 200 if ms else None, detail="" if ms else "connection refused"
        )
        incidents.append_history(
            root, [result], now - timedelta(hours=h), {"demo.test"} if h in maintenance else set()
        )

    result = scv("uptime", "report")

    assert result.code == 0, result.err
    status = json.loads((root / "status" / "status.json").read_text())
    [endpoint] = [e for e in status["endpoints"] if e["name"] == "demo.test"]

    def expected(hours: int) -> float:
        checks = [h for h in range(1, hours) if h not in maintenance]
        return round(1 - sum(h in down for h in checks) / len(checks), 6)

    assert endpoint["uptime"] == {
        "24h": 1.0,
        "7d": expected(168),
        "30d": expected(720),
        "365d": expected(8760),
    }
    assert endpoint["uptime"]["365d"] == round(1 - 36 / 8754, 6)  # maintenance is left out
    assert endpoint["response_ms_24h"]["mean"] == round(sum(100 + h % 7 for h in range(1, 24)) / 23)
    days = {d["date"]: d for d in endpoint["days"]}
    three_days_ago = (now - timedelta(hours=73)).date().isoformat()
    assert days[three_days_ago]["down"] >= 1 and len(endpoint["days"]) == 90
    assert len(endpoint["hourly"]) == 7 * 24
    assert sum(h["mean_ms"] is not None for h in endpoint["hourly"]) == 167 - 2  # 2 hours down
    [live] = [e for e in status["endpoints"] if e["name"] == "demo.live"]
    assert live["status"] == "skipped" and live["uptime"]["24h"] is None
    page = (root / "status" / "index.html").read_text()
    assert "99.589%" in page or f"{100 * expected(8760):.3f}%" in page
    assert page.count('<svg class="chart strip"') == 1  # demo.live is not checked: no strip


def test_status_page_lists_incidents_with_durations_and_loads_offline(scv, repo, site, tmp_path):
    need("chromium")
    need("chromedriver")
    from support.browser import chromium

    configure(repo, site)
    root = tmp_path / "home" / "uptime"
    site.down()
    for _ in range(2):
        scv("uptime", "check")
    ongoing = scv("uptime", "report")
    site.up()
    for _ in range(2):
        scv("uptime", "check")
    site.down()
    for _ in range(2):
        scv("uptime", "check")

    result = scv("uptime", "report")

    assert "Status of 2 endpoints: 1 down; 1 incident(s) in 365 days" in ongoing.out
    assert result.code == 0 and "2 incident(s) in 365 days" in result.out
    status = json.loads((root / "status" / "status.json").read_text())
    assert [(i["endpoint"], i["ongoing"]) for i in status["incidents"]] == [
        ("demo.test", True),
        ("demo.test", False),
    ]
    resolved = status["incidents"][1]
    took = incidents.parse_time(resolved["resolved_at"]) - incidents.parse_time(resolved["started_at"])
    assert (
        resolved["duration_s"] == took.total_seconds()
        and resolved["duration"] == f"{took.total_seconds():.0f} s"
    )
    with chromium() as browser:
        visit = browser.visit((root / "status" / "index.html").as_uri(), tmp_path / "status.png")
    assert (visit.console_errors, visit.outside) == ([], [])
    assert visit.title == "Service status"
    for text in ["1 down", "Uptime", "History", "Incidents", "demo.test", "ongoing", "connection refused",
                 "Not checked: nothing promoted yet"]:  # fmt: skip
        assert text in visit.text, text
