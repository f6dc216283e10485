"""Telling people: alerts through Apprise, and a GitHub issue per incident through `gh`.

Apprise speaks to SMS gateways (Twilio, Vonage, AWS SNS…), email, chat and plain JSON webhooks
from one URL each, so scv has no provider client of its own. The URLs hold credentials: they
come from environment variables named in uptime.yml (GitHub secrets in the workflow), never
from git. One message per target, per kind and per run, however many incidents it covers: a
server that takes ten sites down sends one SMS, not ten.
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scv.uptime.incidents import Notice, parse_time

HEADLINE = {
    "open": "{what}",
    "escalate": "worse: {what}",
    "remind": "still {what}",
    "resolve": "resolved: {what}",
}


@dataclass
class Delivery:
    notice: Notice
    ok: bool
    error: str = ""


def message(notice: Notice, now: datetime) -> tuple[str, str]:
    """Title and body of a notice; short enough to read on a phone."""
    incidents = notice.incidents
    if notice.kind == "resolve":
        what = ", ".join(i["endpoint"] for i in incidents) + (" is up" if len(incidents) == 1 else " are up")
    else:
        by_severity: dict[str, list[str]] = {}
        for i in incidents:
            by_severity.setdefault(i["severity"], []).append(i["endpoint"])
        what = "; ".join(f"{', '.join(names)} {sev.upper()}" for sev, names in sorted(by_severity.items()))
    title = "scv uptime: " + HEADLINE[notice.kind].format(what=what)
    lines = []
    for i in incidents:
        started = parse_time(i["started_at"])
        if notice.kind == "resolve":
            lines.append(
                f"{i['endpoint']} up again after {duration(i['duration_s'])} ({i['severity']}: {i['detail']})"
            )
        else:
            since = f"since {started:%H:%M} UTC" + (f" ({duration((now - started).total_seconds())})")
            lines.append(f"{i['endpoint']} {i['severity']} {since}: {i.get('last_detail') or i['detail']}")
    return title, "\n".join(lines)


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} d {hours % 24} h"


def warm_up() -> None:
    """Load Apprise and its plugins in a thread, so that a later send() need not wait for it."""

    def load() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise

            apprise.Apprise().add("json://localhost/")  # any URL: Apprise then loads every plugin

    threading.Thread(target=load, name="apprise-warm-up", daemon=True).start()


def send(notices: list[Notice], urls: dict[str, str], now: datetime) -> list[Delivery]:
    """Send each notice to its target's Apprise URL; what reached its target and what did not."""
    if not notices:
        return []
    # Apprise loads its plugins lazily and one imports the deprecated imghdr: not our warning to show.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [_deliver(notice, urls[notice.target], now) for notice in notices]


def _deliver(notice: Notice, url: str, now: datetime) -> Delivery:
    import apprise  # imported only when there is something to say: it takes a moment to load

    kinds = {
        "open": apprise.NotifyType.FAILURE,
        "escalate": apprise.NotifyType.FAILURE,
        "remind": apprise.NotifyType.WARNING,
        "resolve": apprise.NotifyType.SUCCESS,
    }
    sender = apprise.Apprise()
    if not sender.add(url):
        return Delivery(notice, False, "the URL is not one Apprise understands")
    title, body = message(notice, now)
    with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as log:
        ok = bool(sender.notify(title=title, body=body, notify_type=kinds[notice.kind]))
    return Delivery(notice, ok, "" if ok else _last_line(log.getvalue()) or "Apprise could not deliver it")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # Apprise logs the provider's answer; keep it short and free of the URL's credentials.
    return re.sub(r"\w+://\S+", "<url>", lines[-1])[:200] if lines else ""


# --- GitHub issues -------------------------------------------------------------------------


def issue_title(incident: dict[str, Any]) -> str:
    return f"Uptime: {incident['endpoint']} {incident['severity']} since {incident['started_at']}"


def issue_body(incident: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"**{incident['endpoint']}** is **{incident['severity']}**: {incident['detail']}",
            "",
            f"- first failed check: {incident['started_at']}",
            f"- incident opened: {incident['opened_at']} (after the failure threshold)",
            f"- incident id: `{incident['id']}`",
            "",
            "Opened by `scv uptime check` (.github/workflows/uptime.yml); closed by it when the "
            "endpoint is up again. History: branch `ops-state`, `history/"
            f"{incident['endpoint']}/`.",
        ]
    )


def close_comment(incident: dict[str, Any]) -> str:
    return (
        f"Resolved: {incident['endpoint']} up again at {incident['resolved_at']}, "
        f"after {duration(incident['duration_s'])} ({incident['severity']})."
    )
