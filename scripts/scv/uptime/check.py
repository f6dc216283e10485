"""`scv uptime check|issues|validate`: check every site once, keep the incidents, tell people.

One run (every five minutes from .github/workflows/uptime.yml):
  1. check every endpoint at once (scv.probe), each with its deadline;
  2. append the results to the history (most of it while the last checks wait) and feed them to
     the incident state machine (scv.incidents): open, escalate, resolve;
  3. send what is owed through Apprise (scv.alerts): one message per target and kind, alerts
     muted in maintenance windows, reminders while an incident stays open;
  4. queue the GitHub issue work that `scv uptime issues` does with `gh`.
Runs never overlap: a lock file beside the history (and the workflow's concurrency group).
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from scv import github
from scv.core import paths
from scv.core.errors import ProblemFound, ScvError, display_path
from scv.core.progress import steps
from scv.uptime import alerts, incidents
from scv.uptime.config import Endpoint, Uptime, load_uptime, now_utc
from scv.uptime.incidents import Change, Settings, State
from scv.uptime.probe import Result, probe_all

MAX_LINES = 100  # a whole server down lists its first sites, then counts; the history has every one
COLOURS = {"up": "green", "degraded": "yellow", "down": "red", "skipped": "dim"}


@dataclass
class CheckRun:
    at: datetime
    seconds: float
    results: list[Result]
    skipped: list[Endpoint]
    changes: list[Change] = field(default_factory=list)
    deliveries: list[alerts.Delivery] = field(default_factory=list)
    unreachable_targets: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def problem(self) -> bool:
        """Exit 1: something is down, or an alert did not reach its target."""
        return self.count("down") > 0 or any(not d.ok for d in self.deliveries)


@contextlib.contextmanager
def _one_run_at_a_time() -> Iterator[None]:
    lock = paths.scv_home() / "uptime.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ProblemFound(
                f"another `scv uptime` run is going on ({display_path(lock)} is locked); this one did nothing"
            ) from None
        yield


def settings(uptime: Uptime) -> Settings:
    d = uptime.defaults
    return Settings(d.failure_threshold, d.success_threshold, d.reminder_minutes)


def run_check(*, skip_loopback: bool = False, console: Console | None = None) -> CheckRun:
    console = console or Console(emoji=False)
    uptime = load_uptime()
    root = paths.uptime_dir()
    with _one_run_at_a_time():
        now = now_utc()
        to_check, skipped = [], []
        for e in uptime.endpoints:
            if e.skip is None and skip_loopback and e.loopback:
                e = replace(e, skip="on loopback: only a run on that machine can reach it")
            (skipped if e.skip else to_check).append(e)
        state = State(root)
        # What was slow or down last time is checked first: its wait for an answer (up to the
        # timeout) then overlaps the quick checks, instead of starting after them at the end.
        to_check.sort(key=lambda e: -incidents.SEVERITY.get(state.endpoints.get(e.name, {}).get("status"), 0))
        may_alert = any(uptime.alert_urls().values()) and _may_alert(state, settings(uptime), now)
        muted = {e.name for e in uptime.endpoints if uptime.muted(e.name, now)}
        history = _History(root, now, muted)

        def all_started() -> None:
            # From here on the checks mostly wait for the slowest answers: the history of the
            # ones in already is written meanwhile, and Apprise loads (a second of CPU) if needed.
            history.start()
            if may_alert:
                alerts.warm_up()

        def done(result: Result) -> None:
            history.answered.append(result)
            progress.advance(task)

        started = time.perf_counter()
        err = Console(stderr=True, emoji=False)
        with steps(console=err, disable=not err.is_terminal) as progress:
            task = progress.add_task("Checking endpoints", total=len(to_check))
            results = probe_all(
                to_check,
                concurrency=uptime.defaults.concurrency,
                ca_file=uptime.ca_file,
                done=done,
                all_started=all_started,
            )
        run = CheckRun(now, time.perf_counter() - started, results, skipped)
        history.finish(results)
        _record(uptime, root, state, muted, run)
    _print(console, run)
    return run


class _History:
    """The history lines of one run: a thousand small appends. Those of the results in when every
    check is under way are written by a thread while the last checks wait; the rest after them."""

    def __init__(self, root: Path, now: datetime, muted: set[str]):
        self.root, self.now, self.muted = root, now, muted
        self.answered: list[Result] = []  # in order of arrival
        self.early: list[Result] = []  # written by the thread
        self.error: BaseException | None = None  # the thread's, raised by finish(): nothing lost unsaid
        self.thread = threading.Thread(target=self._write_early, name="uptime-history")

    def start(self) -> None:
        self.early = list(self.answered)
        self.thread.start()

    def _write_early(self) -> None:
        try:
            incidents.append_history(self.root, self.early, self.now, self.muted)
        except BaseException as exc:  # re-raised in the main thread by finish()
            self.error = exc

    def finish(self, results: list[Result]) -> None:
        if self.thread.ident is not None:
            self.thread.join()
        if self.error is not None:
            raise self.error
        written = {r.endpoint for r in self.early}
        late = [r for r in results if r.endpoint not in written]
        incidents.append_history(self.root, late, self.now, self.muted)


def _may_alert(state: State, s: Settings, now: datetime) -> bool:
    """Whether this run may well send an alert: then Apprise loads while the last checks wait on
    the network (it loads all its plugins, a second or two of CPU), not after them."""
    if state.unsent:
        return True
    for entry in state.endpoints.values():
        incident = entry.get("incident")
        if incident is None and entry.get("fails", 0) >= s.failure_threshold - 1:
            return True  # one more failure opens an incident
        if incident is not None and entry.get("oks", 0) >= s.success_threshold - 1:
            return True  # one more success resolves it
        due = incident and (incident.get("reminded_at") or incident.get("announced_at"))
        if (
            due
            and s.reminder_minutes
            and now - incidents.parse_time(due) >= timedelta(minutes=s.reminder_minutes - 5)
        ):
            return True
    return False


def _record(uptime: Uptime, root, state: State, muted: set[str], run: CheckRun) -> None:
    """Incidents and alerts: what one run's results change beyond the history."""
    now, s = run.at, settings(uptime)
    run.changes = incidents.apply(state, root, run.results, now, s, muted)
    known = {e.name for e in uptime.endpoints}
    for name in sorted(set(state.endpoints) - known):
        # An endpoint taken out of uptime.yml or client.yml: its open incident ends with it.
        entry = state.endpoints.pop(name)
        if incident := entry.get("incident"):
            incident.update(resolved_at=incidents.iso(now), detail=incident["detail"] + " (endpoint removed)")
            incident["duration_s"] = int((now - incidents.parse_time(incident["started_at"])).total_seconds())
            incidents.resolve(state, root, incident)
            run.changes.append(Change("resolved", incident))
    urls = uptime.alert_urls()
    reachable = {t.name: list(t.severities) for t in uptime.config.alerts if urls[t.name]}
    run.unreachable_targets = [t.name for t in uptime.config.alerts if not urls[t.name]]
    owed = incidents.notices(state, reachable, muted, now, s)
    run.deliveries = alerts.send(owed, {k: v for k, v in urls.items() if v}, now)
    for delivery in run.deliveries:
        if delivery.ok:
            incidents.sent(state, delivery.notice, now)
    state.save()


def _print(console: Console, run: CheckRun) -> None:
    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    total = len(run.results) + len(run.skipped)
    figures = ", ".join(f"{run.count(s)} {s}" for s in ("up", "degraded", "down"))
    skipped = f"; {len(run.skipped)} not checked" if run.skipped else ""
    when = incidents.iso(run.at)
    checked = f"Checked {len(run.results)} of {total} endpoints in {run.seconds:.1f} s"
    say(f"{checked} at {when}: {figures}{skipped}")
    bad = sorted(
        (r for r in run.results if r.status != "up"),
        key=lambda r: (-incidents.SEVERITY[r.status], r.endpoint),
    )
    for r in bad[:MAX_LINES]:
        ms = f"{r.ms:,} ms" if r.ms is not None else ""
        status = f"[{COLOURS[r.status]}]{r.status:<9}[/]"
        say(f"  {status} {escape(r.endpoint):<24} {ms:>9}  {escape(r.detail)}")
    if len(bad) > MAX_LINES:
        say(f"  … and {len(bad) - MAX_LINES} more not up: every result is in {_where()}")
    for e in run.skipped[:MAX_LINES]:
        say(f"  [dim]{'skipped':<9} {escape(e.name):<24} {'':>9}  {escape(e.skip or '')}[/]")
    if len(run.skipped) > MAX_LINES:
        say(f"  … and {len(run.skipped) - MAX_LINES} more not checked (scv uptime validate lists them)")
    for n, c in enumerate(run.changes):
        if n == MAX_LINES:
            kinds = Counter(c.kind for c in run.changes[MAX_LINES:])
            more = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
            say(f"… and more incidents {more}: {_where()}")
            break
        i = c.incident
        if c.kind == "resolved":
            took = alerts.duration(i["duration_s"])
            text = f"incident resolved: {i['endpoint']} up since {i['resolved_at']} after {took}"
        else:
            text = (
                f"incident {c.kind}: {i['endpoint']} {i['severity']} since {i['started_at']}: {i['detail']}"
            )
            if i.get("opened_in_maintenance"):
                text += " (maintenance window: alerts muted)"
        say(escape(text))
    for d in run.deliveries:
        about = escape(", ".join(i["endpoint"] for i in d.notice.incidents))
        if d.ok:
            say(f"alert ({d.notice.kind}) sent to {escape(d.notice.target)}: {about}")
        else:
            target = escape(d.notice.target)
            why = escape(d.error)
            say(f"[red]error:[/] alert ({d.notice.kind}) to {target} not sent (retried next run): {why}")
    for name in run.unreachable_targets:
        say(
            f"[yellow]warning:[/] alert target {escape(name)!r}: its URL variable is not set: no alerts to it"
        )


def _where() -> str:
    return f"{display_path(paths.uptime_dir())}/ (history/, state.json) and `scv uptime report`"


def run_issues(console: Console | None = None) -> int:
    """Do the GitHub issue work the checks queued: open an issue per announced incident, close it
    with a comment when the incident resolves. Returns how many actions are left (failed)."""
    console = console or Console(emoji=False)
    root = paths.uptime_dir()
    with _one_run_at_a_time():
        state = State(root)
        left = []
        for n, action in enumerate(state.github):
            incident = incidents.find_incident(state, root, action["incident"])
            try:
                _issue_action(state, action, incident, console)
            except (RuntimeError, FileNotFoundError) as exc:
                console.print(f"[red]error:[/] {escape(str(exc))}; retried next run", highlight=False)
                left = state.github[n:]
                break
        state.github = left
        state.save()
    return len(left)


def _issue_action(state: State, action: dict, incident: dict | None, console: Console) -> None:
    incident_id = action["incident"]
    if action["action"] == "open":
        if incident is None or incident_id in state.issues:
            return
        out = github.gh(
            "issue", "create", "--title", alerts.issue_title(incident), "--body", alerts.issue_body(incident)
        )
        number, url = github.issue_number(out)
        state.issues[incident_id] = {"number": number, "url": url}
        if "resolved_at" not in incident:
            incident["github_issue"] = url
        console.print(f"opened issue #{number} for {incident['endpoint']}: {url}")
    elif action["action"] == "close":
        issue = state.issues.get(incident_id)
        if issue is None or incident is None:
            return
        github.gh("issue", "close", str(issue["number"]), "--comment", alerts.close_comment(incident))
        del state.issues[incident_id]
        console.print(f"closed issue #{issue['number']}: {incident['endpoint']} resolved")
    else:
        raise ScvError(f"state.json: unknown GitHub action {action['action']!r}")


def validate(console: Console | None = None) -> Uptime:
    """Check uptime.yml and list what the checks watch."""
    console = console or Console(emoji=False)
    uptime = load_uptime()
    console.print(f"[green]ok[/] {display_path(uptime.path)}: {len(uptime.endpoints)} endpoint(s)")
    for e in uptime.endpoints:
        note = f"  [dim]not checked: {escape(e.skip)}[/]" if e.skip else ""
        expect = (
            f" build {e.expected_build}" if e.expected_build else (" any build" if e.build_required else "")
        )
        console.print(
            f"  {escape(e.name):<24} {escape(e.url)}{expect}{note}", highlight=False, soft_wrap=True
        )
    for t in uptime.config.alerts:
        console.print(f"  alerts -> {escape(t.name)} (${t.url_env}) on {', '.join(t.severities)}")
    return uptime
