"""A `query` build's questions reach the client: one email per contact of client.yml, sent
through Apprise to a real SMTP server on loopback, with the questions, the figures and the
link to the test site's queries page; and one reminder before the client's ready_by time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from scv.clients.config import load_client
from scv.core.manifest import write_sha256sums
from scv.queries import mail
from support.smtp import smtp_server, text

BUILD = "20261123T020000Z-1a2b3c4"
QUERIES = [
    {"check": "rows", "subject": "shop_orders", "question": "Web-shop orders (shop_orders.csv) fell 40% (52 → 31) since the previous build: was the export complete?"},
    {"check": "rejected rows", "subject": "crm_contacts.csv", "question": "12 of 1,200 rows (1.0%) of crm_contacts.csv could not be read: can you send a corrected file?"},
]  # fmt: skip
CONTACTS = [
    ("Data Team (demo)", "data-team@northbridge.example"),
    ("Priya Shah", "p.shah@northbridge.example"),
]


def make_build(home, build_id=BUILD, verdict="query", queries=QUERIES, finished="2026-11-23T02:40:00+00:00"):
    """A complete build as `scv build` leaves it, as far as the emails read it."""
    path = home / "builds" / "demo" / build_id
    path.mkdir(parents=True)
    meta = {
        "client": "demo",
        "build_id": build_id,
        "finished_at": finished,
        "verdict": verdict,
        "queries": queries,
        "checks": [],
        "inputs": [
            {"source": "crm_contacts", "file": "crm_contacts.csv", "rows": 1188, "rejected_rows": 12},
            {"source": "shop_orders", "file": "shop_orders.csv", "rows": 31, "rejected_rows": 0},
        ],
        "metrics": {"customers": 1002, "records": 1219},
    }
    (path / "build.json").write_text(json.dumps(meta))
    write_sha256sums(path)
    return path


@pytest.fixture
def client(repo, monkeypatch):
    """The demo client with a second data contact."""
    yml = repo / "clients" / "demo" / "client.yml"
    yml.write_text(
        yml.read_text().replace(
            "    role: data owner\n",
            "    role: data owner\n  - name: Priya Shah\n    email: p.shah@northbridge.example\n    role: CRM manager\n",
        )
    )
    return repo


def test_a_query_build_emails_each_contact_once_with_the_questions_and_the_link(
    scv, client, tmp_path, monkeypatch
):
    make_build(tmp_path / "home")
    with smtp_server() as smtp:
        monkeypatch.setenv("SCV_MAIL_URL", smtp.url())

        result = scv("query", "send", "demo", BUILD)
        again = scv("query", "send", "demo", BUILD)

    assert result.code == 0, result.err
    assert again.code == 0 and "every contact has them" in again.out
    assert sorted(rcpt for _, [rcpt] in smtp.envelopes) == sorted(email for _, email in CONTACTS)
    for name, address in CONTACTS:
        [message] = smtp.to(address)
        assert (
            message["Subject"]
            == f"Northbridge University Press: 2 questions about this week's data (build {BUILD})"
        )
        assert message["To"].endswith(address)
        body = text(message)
        assert body.startswith(f"Dear {name},")
        for q in QUERIES:
            assert q["question"] in body
        assert "(reference: rows / shop_orders)" in body
        assert "- crm_contacts.csv: 1,188 rows, 12 rows could not be read" in body
        assert "https://127.0.0.1:8481/queries.html" in body
    assert f"  {CONTACTS[1][1]}: sent" in result.out
    history = json.loads((tmp_path / "home" / "queries" / "demo" / f"{BUILD}.json").read_text())
    assert [e["to"] for e in history["emails"]] == [email for _, email in CONTACTS]


def test_a_pass_build_sends_nothing(scv, client, tmp_path, monkeypatch):
    make_build(tmp_path / "home", verdict="pass", queries=[])
    with smtp_server() as smtp:
        monkeypatch.setenv("SCV_MAIL_URL", smtp.url())
        result = scv("query", "send", "demo", BUILD)
    assert result.code == 0 and "No queries" in result.out
    assert smtp.messages == []


def test_a_mail_server_that_is_down_is_exit_1_and_retried_next_run(scv, client, tmp_path, monkeypatch):
    make_build(tmp_path / "home")
    with smtp_server() as smtp:
        down = smtp.url()
    monkeypatch.setenv("SCV_MAIL_URL", down)
    failed = scv("query", "send", "demo", BUILD)
    assert failed.code == 1
    assert (
        "could not email data-team@northbridge.example" in failed.err and "run again to retry" in failed.err
    )
    with smtp_server() as smtp:
        monkeypatch.setenv("SCV_MAIL_URL", smtp.url())
        retried = scv("query", "send", "demo", BUILD)
    assert retried.code == 0 and len(smtp.messages) == 2


def test_without_a_mail_url_it_says_which_variable(scv, client, tmp_path, monkeypatch):
    make_build(tmp_path / "home")
    monkeypatch.delenv("SCV_MAIL_URL", raising=False)
    result = scv("query", "send", "demo", BUILD)
    assert result.code == 2 and "SCV_MAIL_URL is not set" in result.err


def test_one_reminder_goes_out_before_ready_by_while_a_query_is_open(client, tmp_path, monkeypatch):
    make_build(tmp_path / "home")
    demo = load_client("demo")  # ready_by 08:00 Europe/London (GMT in November)
    with smtp_server() as smtp:
        monkeypatch.setenv("SCV_MAIL_URL", smtp.url())
        mail.send_queries("demo", BUILD)
        sent_at = datetime.now(UTC)
        due = mail.next_ready_by(demo, sent_at)
        early = mail.remind("demo", timedelta(hours=2), now=due - timedelta(hours=3))
        on_time = mail.remind(
            "demo", timedelta(hours=2), now=max(due - timedelta(hours=1), sent_at + timedelta(hours=1))
        )
        twice = mail.remind("demo", timedelta(hours=2), now=due - timedelta(minutes=30) + timedelta(hours=1))

    assert early == [] and twice == []
    [(name, build, sent)] = on_time
    assert (name, build, [s.ok for s in sent]) == ("demo", BUILD, [True, True])
    reminders = [m for m in smtp.messages if m["Subject"].startswith("Reminder: ")]
    assert len(reminders) == 2
    assert f"we need by {due.astimezone(mail.ZoneInfo('Europe/London')):%A %H:%M}" in text(reminders[0])
