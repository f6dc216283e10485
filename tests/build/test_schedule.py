"""weekly-build.yml's matrix: `scv client list --due` names the clients whose own schedule (cron in
their timezone, client.yml) has passed with no build since; a manual run names its clients."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scv.build.schedule import last_scheduled, select

# The demo client builds on Mondays at 02:00 Europe/London.
MONDAY_0300_LONDON_SUMMER = datetime(2026, 7, 6, 2, 0, tzinfo=UTC)  # 03:00 BST
SCHEDULED_SUMMER = datetime(2026, 7, 6, 1, 0, tzinfo=UTC)  # 02:00 BST


def add_build(home: Path, started: datetime, *, preview: bool = False, verdict: str = "pass") -> None:
    build_id = f"{started:%Y%m%dT%H%M%SZ}-1a2b3c4"
    path = home / "builds" / "demo" / build_id
    path.mkdir(parents=True)
    meta = {"build_id": build_id, "started_at": started.isoformat(), "verdict": verdict}
    if preview:
        meta["preview"] = {"pr": 12, "head_sha": "2472de2"}
    (path / "build.json").write_text(json.dumps(meta))


def test_the_schedule_is_read_in_the_clients_timezone():
    assert last_scheduled("0 2 * * 1", "Europe/London", MONDAY_0300_LONDON_SUMMER) == SCHEDULED_SUMMER
    # In winter London is UTC: 02:00 local is 02:00 UTC, so at 01:30 UTC the last one was a week ago.
    winter = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
    assert last_scheduled("0 2 * * 1", "Europe/London", winter) == datetime(2025, 12, 29, 2, 0, tzinfo=UTC)


def test_a_client_is_due_until_a_build_starts_after_its_scheduled_time(repo, tmp_path):
    home = tmp_path / "home"
    add_build(home, datetime(2026, 6, 29, 1, 0, 5, tzinfo=UTC))  # last week's

    assert select(None, True, MONDAY_0300_LONDON_SUMMER) == ["demo"]

    add_build(home, datetime(2026, 7, 6, 1, 3, tzinfo=UTC), preview=True)  # a PR preview is not it
    assert select(None, True, MONDAY_0300_LONDON_SUMMER) == ["demo"]

    add_build(home, datetime(2026, 7, 6, 1, 7, tzinfo=UTC), verdict="fail")  # a failed one is
    assert select(None, True, MONDAY_0300_LONDON_SUMMER) == []


def test_a_build_in_progress_counts_but_an_abandoned_one_does_not(repo, tmp_path):
    partial = tmp_path / "home" / "builds" / "demo" / ".20260706T010000Z-1a2b3c4.partial"
    partial.mkdir(parents=True)
    now = datetime.now(UTC)

    assert select(None, True, now) == []  # created after the last scheduled time, still written to

    old = time.time() - 13 * 3600
    os.utime(partial, (old, old))
    assert select(None, True, now) == ["demo"]


def test_a_manual_run_builds_the_clients_it_names(scv, repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    add_build(tmp_path / "home", datetime.now(UTC))  # built already: not due
    monkeypatch.setenv("SCV_CLIENTS", "demo")

    named = scv("client", "list", "--due", "--json")

    assert named.code == 0, named.err
    assert named.out == '["demo"]\n'
    assert (tmp_path / "out").read_text() == 'clients=["demo"]\n'

    monkeypatch.setenv("SCV_CLIENTS", "")
    assert scv("client", "list", "--due", "--json").out == "[]\n"
    assert scv("client", "list", "--only", "all").out == "demo\n"


@pytest.mark.parametrize("names", ["acme", "demo, acme"])
def test_an_unknown_client_is_a_one_line_error(scv, repo, names):
    result = scv("client", "list", "--only", names)

    assert result.code == 2
    assert result.err == "error: no client 'acme' under clients/ (clients: demo)\n"
