"""uptime.yml is validated like client.yml: each problem on its own line with file:line and field."""

from __future__ import annotations

import re

import pytest

EXTRA = """
endpoints:
  - name: docs
    url: https://docs.scv.example/
    body_contains: Single customer view
"""

# (case, text to replace in the repository's uptime.yml (+ EXTRA), replacement, text on the line
#  the error must name, field, words of the message)
BROKEN = [
    ("misspelt key", "  timeout_seconds: 3", "  timout_seconds: 3",
     "timout_seconds", "defaults.timout_seconds", "unknown key (did you mean 'timeout_seconds'?)"),
    ("zero threshold", "failure_threshold: 2", "failure_threshold: 0",
     "failure_threshold", "defaults.failure_threshold", "greater than or equal to 1"),
    ("lowercase variable", "url_env: SCV_UPTIME_SMS_URL", "url_env: sms_url",
     "url_env: sms_url", "alerts[0].url_env", "does not match the required pattern"),
    ("unknown severity", "severities: [down]", "severities: [outage]",
     "severities: [outage]", "alerts[0].severities[0]", "'outage' is not allowed"),
    ("window ends before it starts", "maintenance: []",
     "maintenance:\n  - why: upgrade\n    start: 2026-12-01T23:00:00Z\n    end: 2026-12-01T22:00:00Z",
     "- why: upgrade", "maintenance[0]", "is not after start"),
    ("window without timezone", "maintenance: []",
     "maintenance:\n  - why: upgrade\n    start: 2026-12-01T22:00:00\n    end: 2026-12-01T23:00:00Z",
     "start: 2026-12-01T22:00:00\n", "maintenance[0].start", "timezone"),
    ("window matching nothing", "maintenance: []",
     "maintenance:\n  - why: upgrade\n    cron: '0 3 * * 0'\n    minutes: 30\n    endpoints: [acme.*]",
     "endpoints: [acme.*]", "maintenance[0].endpoints[0]", "'acme.*' matches no endpoint"),
    ("half a recurring window", "maintenance: []",
     "maintenance:\n  - why: patching\n    cron: '0 3 * * 0'",
     "- why: patching", "maintenance[0]", "needs both cron and minutes"),
    ("endpoint named like a client site", "  - name: docs", "  - name: demo.test",
     "- name: demo.test", "endpoints[0].name", "'demo.test' is already demo's test site"),
    ("endpoint without URL", "    url: https://docs.scv.example/\n", "",
     "- name: docs", "endpoints[0].url", "required key is missing"),
    ("bad status", "    body_contains:", "    status: [2000]\n    body_contains:",
     "status: [2000]", "endpoints[0].status[0]", "less than or equal to 599"),
    ("missing CA file", "  # ca_file: ${SCV_HOME}/tls/ca.pem", "  ca_file: ${SCV_HOME}/tls/ca.pem",
     "ca_file:", "defaults.ca_file", "no such file"),
]  # fmt: skip


def line_of(text: str, anchor: str) -> int:
    return text[: text.index(anchor)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "anchor", "field", "words"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_uptime_yml_names_file_line_and_field(scv, repo, old, new, anchor, field, words):
    path = repo / "uptime.yml"
    text = path.read_text().replace("endpoints: []\n", EXTRA.lstrip("\n"))
    assert old in text, "the test case no longer matches uptime.yml"
    broken = text.replace(old, new, 1)
    path.write_text(broken)

    for verb in ("validate", "check", "report"):
        result = scv("uptime", verb)

        assert result.code == 2, verb
        assert "Traceback" not in result.err + result.out
        where = rf"^error: uptime.yml:{line_of(broken, anchor)}: {re.escape(field)}: "
        assert [x for x in result.err.splitlines() if re.match(where, x) and words in x], result.err


def test_the_repository_uptime_yml_validates_and_lists_every_client_site(scv, repo):
    (repo / "uptime.yml").write_text((repo / "uptime.yml").read_text().replace("endpoints: []\n", EXTRA))

    result = scv("uptime", "validate")

    assert result.code == 0, result.err
    assert "ok uptime.yml: 3 endpoint(s)" in result.out
    assert re.search(r"demo\.test +https?://127\.0\.0\.1:8481/build\.json any build", result.out)
    assert "demo.live" in result.out and "not checked: nothing promoted yet" in result.out
    assert re.search(r"docs +https://docs\.scv\.example/", result.out)
    assert "alerts -> on-call SMS ($SCV_UPTIME_SMS_URL) on down" in result.out


def test_a_broken_client_file_stops_the_checks_with_its_own_error(scv, repo):
    client = repo / "clients" / "demo" / "client.yml"
    client.write_text(client.read_text().replace("timezone: Europe/London", "timezone: Mars/Olympus"))

    result = scv("uptime", "check")

    assert result.code == 2
    assert re.search(
        r"^error: clients/demo/client.yml:\d+: timezone: 'Mars/Olympus' is not an IANA", result.err
    )
