"""`scv query send` and `scv query remind`: a build's queries, by email to the client's contacts.

One email per contact of client.yml `contacts:`, through Apprise, to the URL in SCV_MAIL_URL
(a secret: e.g. `mailtos://user:password@smtp.example.com?from=data@scv.example`); the
contact's address is added as the recipient. Each email gives the questions with their
figures and a link to the queries page of the test site (site/queries.html), and asks the
client to reply. What was sent, to whom and when is kept in the build's query history
(build/query_history.py): a contact already written to is not written to again, and the reminder before
the client's ready_by time goes once.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from scv.build import (
    complete_builds,
    first_asked,
    has_query_history,
    read_build,
    read_query_history,
    resolve_build,
    save_query_history,
)
from scv.clients import Client, list_clients, load_client
from scv.core.errors import ProblemFound, ScvError

MAIL_URL = "SCV_MAIL_URL"


@dataclass
class Sent:
    to: str
    ok: bool
    detail: str = ""


def queries_url(client: Client) -> str:
    return str(client.config.sites.test.url).rstrip("/") + "/queries.html"


def message(client: Client, meta: dict, *, reminder_due: datetime | None = None) -> tuple[str, str]:
    """Subject and plain-text body of the queries email (a reminder when due is given)."""
    queries = meta.get("queries", [])
    name = client.config.display_name
    n = len(queries)
    what = f"{n} question{'s' if n != 1 else ''} about this week's data"
    subject = f"{name}: {what} (build {meta['build_id']})"
    lines = []
    if reminder_due is not None:
        subject = f"Reminder: {subject}"
        lines += [
            f"A reminder: this week's customer view waits for your answer, which we need by "
            f"{reminder_due:%A %H:%M %Z} to put it live on time.",
            "",
        ]
    lines += [
        f"Your delivery of this week is built and on your test site. Before it goes live we need "
        f"your answer to {'these questions' if n != 1 else 'this question'}:",
        "",
    ]
    for i, q in enumerate(queries, 1):
        lines += [f"{i}. {q['question']}", f"   (reference: {q['check']} / {q['subject'] or '-'})", ""]
    metrics = meta.get("metrics", {})
    lines += ["The figures of this build:"]
    for i in meta.get("inputs", []):
        rejected = f", {i['rejected_rows']:,} rows could not be read" if i.get("rejected_rows") else ""
        lines.append(f"- {i['file']}: {i['rows']:,} rows{rejected}")
    if metrics.get("customers") is not None:
        lines.append(f"- {metrics['customers']:,} customers from {metrics.get('records', 0):,} records")
    lines += [
        "",
        f"The questions and figures are also on your test site: {queries_url(client)}",
        "",
        "Please reply to this email with your answers, quoting each question's reference.",
        "",
        f"Build {meta['build_id']}",
    ]
    return subject, "\n".join(lines) + "\n"


def send_queries(name: str, ref: str) -> list[Sent]:
    """Email the build's queries to each contact not yet written to about this build."""
    client = load_client(name)
    path = resolve_build(name, ref)
    meta = read_build(path)
    if meta.get("verdict") != "query" or not meta.get("queries"):
        return []
    record = read_query_history(name, meta)
    done = {e["to"] for e in record["emails"] if e["kind"] == "queries" and e["ok"]}
    subject, body = message(client, meta)
    sent = _send(client, record, "queries", subject, body, skip=done)
    return sent


def remind(name: str | None = None, within: timedelta = timedelta(hours=2), now: datetime | None = None):
    """Once per build, remind the contacts of queries still open when the client's next ready_by
    (after the queries went out) is less than `within` away. Returns [(client, build_id, [Sent])]."""
    now = now or _now()
    out = []
    for client_name in [name] if name else list_clients():
        client = load_client(client_name)
        for path in complete_builds(client_name)[-5:]:  # only recent builds can still be waiting
            meta = read_build(path)
            if meta.get("verdict") != "query" or not has_query_history(client_name, path.name):
                continue
            record = read_query_history(client_name, meta)
            if all(q.get("answered_at") for q in record["queries"]):
                continue
            if any(e["kind"] == "reminder" and e["ok"] for e in record["emails"]):
                continue
            asked = first_asked(record)
            if not asked or not any(e["kind"] == "queries" and e["ok"] for e in record["emails"]):
                continue  # never sent: nothing to remind of
            due = next_ready_by(client, datetime.fromisoformat(asked))
            if now < due - within or now - datetime.fromisoformat(asked) < timedelta(hours=1):
                continue
            open_meta = {**meta, "queries": [q for q in record["queries"] if not q.get("answered_at")]}
            subject, body = message(client, open_meta, reminder_due=due)
            out.append((client_name, path.name, _send(client, record, "reminder", subject, body)))
    return out


def next_ready_by(client: Client, after: datetime) -> datetime:
    """The first ready_by time (client.yml schedule, in the client's timezone) after a moment."""
    tz = ZoneInfo(client.config.timezone)
    local = after.astimezone(tz)
    hour, minute = map(int, client.config.schedule.ready_by.split(":"))
    due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return due if due > local else due + timedelta(days=1)


def _send(client: Client, record: dict, kind: str, subject: str, body: str, skip=frozenset()) -> list[Sent]:
    url = os.environ.get(MAIL_URL)
    if not url:
        raise ScvError(
            f"{MAIL_URL} is not set: the Apprise URL of the mail server, e.g. mailtos://user:pass@smtp.example.com?from=data@scv.example"
        )
    with warnings.catch_warnings():  # one of Apprise's plugins imports the deprecated imghdr
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise  # loaded only when there is mail to send: it takes a moment

    sent = []
    for contact in client.config.contacts:
        if contact.email in skip:
            continue
        sender = apprise.Apprise()
        if not sender.add(_to(url, contact.email)):
            raise ScvError(f"{MAIL_URL} is not a URL Apprise understands as email")
        greeting = f"Dear {contact.name},\n\n"
        # Apprise loads its plugins lazily and one imports the deprecated imghdr: not our warning.
        with (
            warnings.catch_warnings(),
            apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as log,
        ):
            warnings.simplefilter("ignore", DeprecationWarning)
            ok = bool(
                sender.notify(title=subject, body=greeting + body, body_format=apprise.NotifyFormat.TEXT)
            )
        detail = "" if ok else _last_line(log.getvalue()) or "the mail server did not take it"
        sent.append(Sent(contact.email, ok, detail))
        record["emails"].append(
            {
                "kind": kind,
                "to": contact.email,
                "sent_at": _now().isoformat(),
                "ok": ok,
                "detail": detail,
            }
        )
        save_query_history(record)  # after each email: a crash never sends one twice
    return sent


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _to(url: str, address: str) -> str:
    """The mail URL with this contact as its only recipient."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "to"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("to", address)])))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return re.sub(r"\w+://\S+", "<url>", lines[-1])[:200] if lines else ""


def require_delivered(sent: list[Sent]) -> None:
    failed = [s for s in sent if not s.ok]
    if failed:
        raise ProblemFound(
            "could not email " + ", ".join(f"{s.to} ({s.detail})" for s in failed) + ": run again to retry"
        )
