"""Uptime history and incidents under SCV_HOME/uptime (the ops-state branch in GitHub).

  history/<endpoint>/<YYYY-MM>.csv   one line per check: time,status,ms,code,cert_days,maintenance,detail
  state.json                         per endpoint: the current streak and the open incident, if any;
                                     alerts still to send; GitHub issue work still to do
  incidents.jsonl                    one line per resolved incident, oldest first

An incident opens after `failure_threshold` checks in a row that are not up, and resolves after
`success_threshold` up checks in a row: one failed check is a blip, not an incident. It starts
at its first failed check and ends at its first good one. It is *announced* (alerts, a GitHub
issue) at the first run it is open outside a maintenance window; only an announced incident
announces its resolution. Files are small text that git diffs and packs well.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scv.uptime.probe import Result

HISTORY_COLUMNS = ["time", "status", "ms", "code", "cert_days", "maintenance", "detail"]
SEVERITY = {"up": 0, "degraded": 1, "down": 2}


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def history_file(root: Path, endpoint: str, when: datetime) -> Path:
    return root / "history" / endpoint / f"{when:%Y-%m}.csv"


def append_history(root: Path, results: list[Result], when: datetime, muted: set[str]) -> None:
    """One line per result in its endpoint's file of the month (a header starts each file).
    A thousand endpoints are a thousand small appends each run: one open each, nothing more."""
    at, month = iso(when), history_file(root, "", when).name
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    header = buffer.getvalue()
    for r in results:
        buffer.seek(0)
        buffer.truncate()
        cert = "" if r.cert_days is None else f"{r.cert_days:.1f}"
        writer.writerow(
            [at, r.status, _blank(r.ms), _blank(r.code), cert, int(r.endpoint in muted), r.detail]
        )
        folder = root / "history" / r.endpoint
        try:
            f = (folder / month).open("a", encoding="utf-8")  # closed just below
        except FileNotFoundError:  # the endpoint's first check
            folder.mkdir(parents=True, exist_ok=True)
            f = (folder / month).open("a", encoding="utf-8")
        with f:
            f.write(buffer.getvalue() if f.tell() else header + buffer.getvalue())


def _blank(v: object) -> object:
    return "" if v is None else v


@dataclass
class Settings:
    failure_threshold: int
    success_threshold: int
    reminder_minutes: int


@dataclass
class Change:
    """What one result did to an endpoint's incident."""

    kind: str  # opened | escalated | resolved
    incident: dict[str, Any]


def advance(entry: dict[str, Any], result: Result, now: datetime, s: Settings, muted: bool) -> list[Change]:
    """Feed one check result to an endpoint's state (changed in place); what happened to its incident."""
    bad = result.status != "up"
    entry.update(last_checked=iso(now), status=result.status, detail=result.detail)
    if bad:
        if entry.get("fails", 0) == 0:
            entry["failing_since"] = iso(now)
        entry["fails"], entry["oks"] = entry.get("fails", 0) + 1, 0
    else:
        if entry.get("oks", 0) == 0:
            entry["up_since"] = iso(now)
        entry["oks"], entry["fails"] = entry.get("oks", 0) + 1, 0
    incident = entry.get("incident")
    if incident is None:
        if bad and entry["fails"] >= s.failure_threshold:
            incident = {
                "id": f"{result.endpoint}@{entry['failing_since']}",
                "endpoint": result.endpoint,
                "severity": result.status,
                "started_at": entry["failing_since"],
                "opened_at": iso(now),
                "detail": result.detail,
                "opened_in_maintenance": muted,
                "announced_at": None,
                "notified": {},  # alert target -> severity it was last told
                "reminded_at": None,
            }
            entry["incident"] = incident
            return [Change("opened", incident)]
        return []
    if bad:
        incident["last_detail"] = result.detail
        if SEVERITY[result.status] > SEVERITY[incident["severity"]]:
            incident["severity"], incident["detail"] = result.status, result.detail
            return [Change("escalated", incident)]
        return []
    if entry["oks"] >= s.success_threshold:
        incident["resolved_at"] = entry["up_since"]
        incident["duration_s"] = int(
            (parse_time(incident["resolved_at"]) - parse_time(incident["started_at"])).total_seconds()
        )
        entry["incident"] = None
        return [Change("resolved", incident)]
    return []


def apply(
    state: State, root: Path, results: list[Result], now: datetime, s: Settings, muted: set[str]
) -> list[Change]:
    """Feed one run's results to the state machine; resolved incidents go to incidents.jsonl."""
    changes = []
    for result in results:
        for change in advance(state.entry(result.endpoint), result, now, s, result.endpoint in muted):
            changes.append(change)
            if change.kind == "resolved":
                resolve(state, root, change.incident)
    return changes


@dataclass
class Notice:
    """One alert to send: several incidents of one kind go to a target in one message."""

    kind: str  # open | escalate | remind | resolve
    target: str
    incidents: list[dict[str, Any]] = field(default_factory=list)


def notices(
    state: State, targets: dict[str, list[str]], muted: set[str], now: datetime, s: Settings
) -> list[Notice]:
    """The alerts this run owes, per target and kind.

    targets maps each alert target that can be reached to the severities it wants. Open
    incidents outside a maintenance window are announced; a target hears of an incident once
    when it reaches a severity the target wants (and again if it gets worse), is reminded while
    it stays open, and hears of its resolution (state.unsent until that reached it).
    """
    out: dict[tuple[str, str], Notice] = {}

    def add(kind: str, target: str, incident: dict[str, Any]) -> None:
        out.setdefault((kind, target), Notice(kind, target)).incidents.append(incident)

    for incident in state.open_incidents():
        if incident["endpoint"] in muted:
            continue
        if incident["announced_at"] is None:
            incident["announced_at"] = iso(now)
            state.github.append({"action": "open", "incident": incident["id"]})
        due = incident.get("reminded_at") or incident["announced_at"]
        remind = s.reminder_minutes and now - parse_time(due) >= timedelta(minutes=s.reminder_minutes)
        for target, severities in targets.items():
            told = incident["notified"].get(target)
            if incident["severity"] in severities and told != incident["severity"]:
                add("open" if told is None else "escalate", target, incident)
            elif told is not None and remind:
                add("remind", target, incident)
    for incident in state.unsent:
        for target in incident["resolve_to"]:
            if target in targets:
                add("resolve", target, incident)
    return list(out.values())


def resolve(state: State, root: Path, incident: dict[str, Any]) -> None:
    """Close an incident: its line in incidents.jsonl, its resolution owed to whoever heard of it."""
    record_resolved(root, incident)
    if incident.get("announced_at"):
        state.github.append({"action": "close", "incident": incident["id"]})
    if incident["notified"]:
        state.unsent.append({**incident, "resolve_to": sorted(incident["notified"])})


def sent(state: State, notice: Notice, now: datetime) -> None:
    """Record that a notice reached its target, so it is not sent again."""
    for incident in notice.incidents:
        if notice.kind in ("open", "escalate"):
            incident["notified"][notice.target] = incident["severity"]
        elif notice.kind == "remind":
            incident["reminded_at"] = iso(now)
        else:
            incident["resolve_to"].remove(notice.target)
    state.unsent = [i for i in state.unsent if i["resolve_to"]]


class State:
    """state.json: streaks and open incidents per endpoint, unsent resolutions, GitHub work."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "state.json"
        data = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        self.endpoints: dict[str, dict[str, Any]] = data.get("endpoints", {})
        # Resolutions whose alert did not reach every target yet: retried on the next run.
        self.unsent: list[dict[str, Any]] = data.get("unsent", [])
        # GitHub issue work for `scv uptime issues`, in order; and the issue of each incident.
        self.github: list[dict[str, Any]] = data.get("github", [])
        self.issues: dict[str, dict[str, Any]] = data.get("issues", {})

    def entry(self, endpoint: str) -> dict[str, Any]:
        return self.endpoints.setdefault(endpoint, {})

    def open_incidents(self) -> list[dict[str, Any]]:
        return [e["incident"] for e in self.endpoints.values() if e.get("incident")]

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "endpoints": self.endpoints,
            "unsent": self.unsent,
            "github": self.github,
            "issues": self.issues,
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(self.path)


def record_resolved(root: Path, incident: dict[str, Any]) -> None:
    with (root / "incidents.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(incident, sort_keys=True) + "\n")


def resolved_incidents(root: Path) -> list[dict[str, Any]]:
    path = root / "incidents.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def find_incident(state: State, root: Path, incident_id: str) -> dict[str, Any] | None:
    for incident in state.open_incidents():
        if incident["id"] == incident_id:
            return incident
    return next((i for i in reversed(resolved_incidents(root)) if i["id"] == incident_id), None)
