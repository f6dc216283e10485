"""Which clients are due for their weekly build (weekly-build.yml's matrix).

GitHub's schedule is one UTC cron for the whole workflow, can run late and can skip a run; each
client has its own cron in its own timezone (client.yml `schedule.cron`). So the workflow wakes
every hour and asks: whose most recent scheduled time has passed with no build started since?
A late or skipped wake-up is caught up by the next one, and a client is never built twice for
the same scheduled time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from scv.build import store as builds
from scv.clients import list_clients, load_client
from scv.core import paths
from scv.core.errors import ScvError

RUNNING = timedelta(hours=12)  # a partial build untouched for longer was abandoned


def last_scheduled(cron: str, timezone: str, now: datetime) -> datetime:
    """The most recent time at or before now that the client's cron names, in UTC."""
    local = now.astimezone(ZoneInfo(timezone))
    return croniter(cron, local).get_prev(datetime).astimezone(UTC)


def started_since(client: str, since: datetime) -> bool:
    """A weekly build (not a PR preview) started at or after `since`, or one still running (a
    partial build directory written to lately; one abandoned by a killed build does not count)."""
    root = paths.builds_dir(client)
    if root.is_dir():
        for partial in root.glob(".*.partial"):
            touched = datetime.fromtimestamp(partial.stat().st_mtime, UTC)
            if touched >= since and datetime.now(UTC) - touched < RUNNING:
                return True
    for path in reversed(builds.complete(client)):
        meta = builds.read(path)
        if meta.get("preview"):
            continue
        started = meta.get("started_at")
        if started and datetime.fromisoformat(started) >= since:
            return True
    return False


def due(now: datetime | None = None) -> list[str]:
    now = now or datetime.now(UTC)
    out = []
    for name in list_clients():
        config = load_client(name).config
        if not started_since(name, last_scheduled(config.schedule.cron, config.timezone, now)):
            out.append(name)
    return out


def select(only: str | None, due_only: bool, now: datetime | None = None) -> list[str]:
    """The clients a run builds: those named (a manual run), else those due, else all."""
    known = list_clients()
    if only and only.strip():
        names = sorted({n for n in only.replace(",", " ").split() if n})
        if names == ["all"]:
            return known
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ScvError(
                f"no client {', '.join(map(repr, unknown))} under clients/ (clients: {', '.join(known)})"
            )
        return names
    return due(now) if due_only else known
