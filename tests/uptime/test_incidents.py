"""The incident state machine over hours of checks, with the clock under the test's control.

The real-server tests (test_uptime.py) show one run after another; these show what only time
shows: reminders while an incident stays open, a degraded site that goes down, who hears what.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from scv.uptime import incidents
from scv.uptime.incidents import Settings, State
from scv.uptime.probe import Result

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SETTINGS = Settings(failure_threshold=2, success_threshold=2, reminder_minutes=60)
# The on-call phone wants outages only; the team chat wants everything.
TARGETS = {"sms": ["down"], "chat": ["down", "degraded"]}


def run(tmp_path, statuses: list[str], muted_runs: frozenset[int] = frozenset()) -> list[list[tuple]]:
    """One check every 5 minutes with these outcomes; what each run sent: (kind, target, endpoints)."""
    state, sent = State(tmp_path), []
    for n, status in enumerate(statuses):
        now = T0 + timedelta(minutes=5 * n)
        muted = {"demo.live"} if n in muted_runs else set()
        result = Result("demo.live", status, detail=f"{status} at run {n}")
        incidents.apply(state, tmp_path, [result], now, SETTINGS, muted)
        owed = incidents.notices(state, TARGETS, muted, now, SETTINGS)
        sent.append(sorted((x.kind, x.target, tuple(i["endpoint"] for i in x.incidents)) for x in owed))
        for notice in owed:  # every delivery succeeds here
            incidents.sent(state, notice, now)
        state.save()
        state = State(tmp_path)  # each run starts from what the previous one saved
    return sent


def test_reminders_every_hour_while_open_then_one_resolution(tmp_path):
    sent = run(tmp_path, ["down"] * 30 + ["up", "up"])  # 2.5 hours down

    first = [(n, s) for n, s in enumerate(sent) if s]
    assert first[0] == (1, [("open", "chat", ("demo.live",)), ("open", "sms", ("demo.live",))])
    # Announced at run 1 (02:05): reminders at 03:05 (run 13) and 04:05 (run 25).
    assert [n for n, s in first if s and s[0][0] == "remind"] == [13, 25]
    assert first[-1] == (31, [("resolve", "chat", ("demo.live",)), ("resolve", "sms", ("demo.live",))])
    [incident] = [json.loads(line) for line in (tmp_path / "incidents.jsonl").read_text().splitlines()]
    assert (incident["started_at"], incident["resolved_at"]) == (
        "2026-11-23T02:00:00Z",
        "2026-11-23T04:30:00Z",
    )
    assert incident["duration_s"] == 150 * 60


def test_degraded_goes_to_chat_and_escalation_to_down_reaches_the_phone(tmp_path):
    sent = run(tmp_path, ["degraded", "degraded", "degraded", "down", "down", "up", "up"])

    assert sent[1] == [("open", "chat", ("demo.live",))]
    assert sent[2] == []
    assert sent[3] == [("escalate", "chat", ("demo.live",)), ("open", "sms", ("demo.live",))]
    assert sent[4] == [] and sent[5] == []
    assert sent[6] == [("resolve", "chat", ("demo.live",)), ("resolve", "sms", ("demo.live",))]


def test_a_degraded_incident_never_wakes_the_phone(tmp_path):
    sent = run(tmp_path, ["degraded"] * 4 + ["up"] * 2)

    assert [target for run_sent in sent for _, target, _ in run_sent] == ["chat", "chat"]


def test_an_incident_opened_and_resolved_in_maintenance_is_never_announced(tmp_path):
    sent = run(tmp_path, ["down"] * 4 + ["up"] * 2, muted_runs=frozenset(range(6)))

    assert sent == [[]] * 6
    [incident] = [json.loads(line) for line in (tmp_path / "incidents.jsonl").read_text().splitlines()]
    assert incident["opened_in_maintenance"] and incident["announced_at"] is None
    assert State(tmp_path).github == []  # no GitHub issue either


def test_one_failed_check_is_a_blip_not_an_incident(tmp_path):
    sent = run(tmp_path, ["up", "down", "up", "down", "up", "up"])

    assert sent == [[]] * 6
    assert not (tmp_path / "incidents.jsonl").exists()
