"""`scv uptime check` against real local web servers, with alerts received through Apprise.

What the operations team relies on: a site that goes down is noticed after the failure threshold
and they hear of it once, and once more when it is back; slow, wrong-build and soon-expiring
certificate sites are "degraded"; nothing they should hear about is lost on the way.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from support.uptime_sites import Receiver, Site, certificate, configure

LIVE_BUILD = "20261116T020000Z-aaaaaaa"
OTHER_BUILD = "20261123T020000Z-bbbbbbb"


@pytest.fixture
def receiver(monkeypatch):
    r = Receiver()
    monkeypatch.setenv("SCV_TEST_SMS_URL", r.url("sms"))
    yield r
    r.close()


@pytest.fixture
def sites():
    started: list[Site] = []

    def start(**kwargs) -> Site:
        started.append(Site(**kwargs))
        return started[-1]

    yield start
    for site in started:
        site.down()


def state(repo_home: Path) -> dict:
    return json.loads((repo_home / "uptime" / "state.json").read_text())


def incidents(home: Path) -> list[dict]:
    path = home / "uptime" / "incidents.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_flapping_site_alerts_once_per_incident_and_once_on_resolve(scv, repo, sites, receiver, tmp_path):
    site = sites()
    configure(repo, site)
    # up, blip, up, then down long enough to open an incident, a flap while it is open, back up;
    # then a second outage.
    plan = ["up", "down", "up", "down", "down", "down", "up", "down", "up", "up", "down", "down", "up", "up"]
    alerts_after, codes = [], []
    for wanted in plan:
        site.up() if wanted == "up" and site._server is None else None
        site.down() if wanted == "down" else None
        result = scv("uptime", "check")
        codes.append(result.code)
        alerts_after.append(len(receiver.posts))

    assert codes == [0 if w == "up" else 1 for w in plan]
    # One alert when each incident opens (5th and 12th run), one when it resolves (10th and 14th).
    assert alerts_after == [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 3, 3, 4]
    opened, resolved = receiver.posts[0], receiver.posts[1]
    assert opened["path"] == "/sms"
    assert (opened["type"], opened["title"]) == ("failure", "scv uptime: demo.test DOWN")
    assert "connection refused" in opened["message"]
    assert (resolved["type"], resolved["title"]) == ("success", "scv uptime: resolved: demo.test is up")
    assert "up again after" in resolved["message"]
    # The incident runs from its first failed check to its first good one.
    history = (tmp_path / "home" / "uptime" / "history" / "demo.test").glob("*.csv")
    lines = [row for f in history for row in list(csv.reader(io.StringIO(f.read_text())))[1:]]
    assert [status for _, status, *_ in lines] == plan
    first, second = incidents(tmp_path / "home")
    assert (first["started_at"], first["resolved_at"]) == (lines[3][0], lines[8][0])
    assert (second["started_at"], second["resolved_at"]) == (lines[10][0], lines[12][0])
    assert first["severity"] == "down" and first["detail"] == "connection refused"


def test_slow_and_hung_sites(scv, repo, sites, receiver):
    slow, hung = sites(), sites()
    slow.delay, hung.delay = 0.6, 1.5
    configure(
        repo, sites(),
        endpoints=[{"name": "slow", "url": slow.url}, {"name": "hung", "url": hung.url}],
    )  # fmt: skip

    result = scv("uptime", "check")

    assert result.code == 1  # something is down
    lines = {line.split()[1]: line for line in result.out.splitlines() if line.startswith("  ")}
    assert lines["slow"].split()[0] == "degraded"
    assert "slow: " in lines["slow"] and "ms (limit 400 ms)" in lines["slow"]
    assert lines["hung"].split()[0] == "down"
    assert "no answer within 1 s" in lines["hung"]
    assert (
        "Checked 3 of 4 endpoints" in result.out and "1 up, 1 degraded, 1 down; 1 not checked" in result.out
    )


def test_live_serving_another_build_than_release_yml_is_degraded(scv, repo, sites, receiver):
    test, live = sites(build_id=OTHER_BUILD), sites(build_id=OTHER_BUILD)
    configure(repo, test, live, release=LIVE_BUILD)

    wrong = scv("uptime", "check")
    live.build_id = LIVE_BUILD
    right = scv("uptime", "check")

    assert wrong.code == 0, wrong.out  # degraded is not down
    assert "degraded  demo.live" in wrong.out
    assert f"serves build {OTHER_BUILD}, release.yml names {LIVE_BUILD}" in wrong.out
    assert "2 up, 0 degraded, 0 down" in right.out
    # Degraded alerts go only to targets that want them: the SMS target wants `down` only.
    assert receiver.posts == []


def test_live_is_not_checked_until_something_is_promoted(scv, repo, sites):
    test, live = sites(), sites()
    configure(repo, test, live, release=None)

    result = scv("uptime", "check")

    assert result.code == 0
    assert "skipped   demo.live" in result.out
    assert "nothing promoted yet (release.yml names no build)" in result.out
    assert live.requests == 0 and test.requests == 1


def test_certificate_expiring_in_5_days_is_degraded_and_an_untrusted_one_down(scv, repo, sites, tmp_path):
    ca, cert, key = certificate(tmp_path / "tls", days_left=5)
    secure = sites(tls=(cert, key))
    configure(repo, secure, defaults={"ca_file": str(ca)})

    trusted = scv("uptime", "check")
    configure(repo, secure)  # the private CA no longer trusted
    untrusted = scv("uptime", "check")

    assert trusted.code == 0, trusted.out + trusted.err
    assert "degraded  demo.test" in trusted.out
    expires = (datetime.now(UTC) + timedelta(days=5)).date()
    assert re.search(
        rf"TLS certificate expires in (4\.9|5\.0) days, on {expires} \(limit 14 days\)", trusted.out
    )
    history = next((tmp_path / "home" / "uptime" / "history" / "demo.test").glob("*.csv")).read_text()
    row, after = csv.DictReader(io.StringIO(history))
    status, ms, code, cert_days, maintenance = (
        row[k] for k in ("status", "ms", "code", "cert_days", "maintenance")
    )
    assert (after["status"], after["code"]) == ("down", "")
    assert (status, code, maintenance) == ("degraded", "200", "0")
    assert 4.9 <= float(cert_days) <= 5.0 and int(ms) < 400
    assert untrusted.code == 1
    assert "down      demo.test" in untrusted.out
    assert "TLS: unable to get local issuer certificate" in untrusted.out


def test_a_maintenance_window_mutes_alerts_until_it_ends(scv, repo, sites, receiver, tmp_path):
    site = sites()
    window = {"why": "nginx upgrade", "endpoints": ["demo.*"],
              "start": "2020-01-01T00:00:00Z", "end": "2099-01-01T00:00:00Z"}  # fmt: skip
    configure(repo, site, maintenance=[window])
    site.down()
    muted = [scv("uptime", "check") for _ in range(3)]
    configure(repo, site, maintenance=[window | {"end": "2021-01-01T00:00:00Z"}])
    after = scv("uptime", "check")

    assert "incident opened: demo.test down" in muted[1].out
    assert "(maintenance window: alerts muted)" in muted[1].out
    assert [p["type"] for p in receiver.posts] == ["failure"]  # sent once the window was over
    assert "alert (open) sent to on-call SMS: demo.test" in after.out
    history = next((tmp_path / "home" / "uptime" / "history" / "demo.test").glob("*.csv")).read_text()
    assert [line.split(",")[5] for line in history.splitlines()[1:]] == ["1", "1", "1", "0"]


def test_an_alert_that_cannot_be_delivered_is_retried_on_the_next_run(scv, repo, sites, monkeypatch):
    site = sites()
    configure(repo, site)
    closed = Receiver()
    closed.close()  # nothing listens on its port any more
    monkeypatch.setenv("SCV_TEST_SMS_URL", closed.url())
    site.down()
    scv("uptime", "check")
    failed = scv("uptime", "check")
    receiver = Receiver()
    monkeypatch.setenv("SCV_TEST_SMS_URL", receiver.url())
    try:
        retried = scv("uptime", "check")
    finally:
        receiver.close()

    assert failed.code == 1
    assert "error: alert (open) to on-call SMS not sent (retried next run)" in failed.out
    assert "alert (open) sent to on-call SMS: demo.test" in retried.out
    assert [p["title"] for p in receiver.posts] == ["scv uptime: demo.test DOWN"]


def test_an_unset_alert_url_is_said_not_ignored(scv, repo, sites, monkeypatch):
    configure(repo, sites())
    monkeypatch.delenv("SCV_TEST_SMS_URL", raising=False)

    result = scv("uptime", "check")

    assert result.code == 0
    assert "warning: alert target 'on-call SMS': its URL variable is not set: no alerts to it" in result.out


def test_loopback_sites_can_be_left_to_local_runs(scv, repo, sites, monkeypatch):
    site = sites()
    configure(repo, site)
    monkeypatch.setenv("SCV_UPTIME_SKIP_LOOPBACK", "1")

    result = scv("uptime", "check")

    assert result.code == 0
    assert "Checked 0 of 2 endpoints" in result.out
    assert "on loopback: only a run on that machine can reach it" in result.out
    assert site.requests == 0


def test_one_run_at_a_time(scv, repo, sites, tmp_path):
    import fcntl

    configure(repo, sites())
    lock = tmp_path / "home" / "uptime.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = scv("uptime", "check")

    assert result.code == 1
    assert "another `scv uptime` run is going on" in result.err
    assert not (tmp_path / "home" / "uptime" / "history").exists()
