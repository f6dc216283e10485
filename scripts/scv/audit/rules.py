"""The audit's rules: each a documented threshold and severity, run as SQL over the parsed logs.

Severities: `critical` (someone got in, or could have: the run exits 1, the workflow opens an
issue and sends an SMS), `high` (a targeted attack, worth a look today), `medium` (probing and
noise with intent), `low` (background noise, summarised). Each finding names the rule, the
address, the client and environment or the server, how many times, first and last time, and
examples. RULES is the documentation: the report and README show it as written here.

The rules run in two modules: http_rules (the sites' access and error logs) and ssh_rules
(sshd's auth log); run.py runs both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    threshold: str
    why: str


# Thresholds, named so the rules below and their documentation say the same thing.
HTTP_AUTH_FAILURES = 10  # 401 answers to one address …
HTTP_AUTH_MINUTES = 10  # … within this many minutes
BURST_4XX = 100  # 4xx answers to one address …
BURST_MINUTES = 5  # … within this many consecutive minutes (a polite crawler stays far below)
SSH_FAILURES = 10  # failed SSH authentications from one address …
SSH_MINUTES = 10  # … within this many minutes
VOLUME_FACTOR = 3  # a day's requests over this many times the client's usual day …
VOLUME_EXTRA = 1000  # … and at least this many requests more than usual …
VOLUME_DAYS = 3  # … judged against at least this many earlier days (up to 28)
UNPARSEABLE_SHARE = 0.01  # more than this share of a file's lines unparseable: medium, not low

RULES = [
    Rule(
        "allowlist_leak",
        "Served to an address not on the allowlist",
        "critical",
        "any request answered 2xx or 3xx to an address on neither the client's access.yml nor "
        "scv_operations_allow",
        "The site should have refused it with 403: the allowlist leaked.",
    ),
    Rule(
        "sensitive_file_served",
        "A sensitive file or admin page was served",
        "critical",
        "any probe (see sensitive_probe) answered 2xx",
        "Something that must never be on a site was there and went out.",
    ),
    Rule(
        "ssh_login_outside_operations",
        "SSH login from outside the operations team",
        "critical",
        "any accepted SSH login from an address not in scv_operations_allow",
        "Only the operations team logs in to the servers.",
    ),
    Rule(
        "server_host_key_changed",
        "A server's SSH host key changed",
        "critical",
        "the host key differs from known_hosts",
        "Someone may be in the middle; nothing was fetched from it.",
    ),
    Rule(
        "path_traversal",
        "Path traversal",
        "high",
        "any request with ../ (or its encodings: %2e%2e, double-encoded, overlong UTF-8), "
        "/etc/passwd, win.ini, /proc/self",
        "An attempt to read files outside the site.",
    ),
    Rule(
        "sql_injection",
        "SQL injection",
        "high",
        "any request target matching union-select, quote-or, sleep()/benchmark(), "
        "information_schema, stacked queries … after decoding",
        "An attempt to run SQL: the sites are static, so it is a scan for a weakness.",
    ),
    Rule(
        "xss",
        "Cross-site scripting",
        "high",
        "any request target with <script, javascript:, on…= handlers, alert( … after decoding",
        "An attempt to inject script into a page.",
    ),
    Rule(
        "http_auth_brute_force",
        "HTTP authentication brute force",
        "high",
        f"{HTTP_AUTH_FAILURES} or more 401 answers to one address within {HTTP_AUTH_MINUTES} minutes",
        "Someone is guessing passwords.",
    ),
    Rule(
        "ssh_brute_force",
        "SSH brute force",
        "high",
        f"{SSH_FAILURES} or more failed SSH authentications from one address within {SSH_MINUTES} minutes",
        "Someone is guessing passwords or keys.",
    ),
    Rule(
        "nginx_error",
        "nginx reported a serious error",
        "high",
        "any error log entry at crit, alert or emerg",
        "The web server itself is in trouble.",
    ),
    Rule(
        "server_unreachable",
        "A server's logs could not be fetched",
        "high",
        "connection, authentication or unknown host key",
        "What was not fetched was not audited.",
    ),
    Rule(
        "sensitive_probe",
        "Probing for admin pages and sensitive files",
        "medium",
        "any request for .env, .git, backups, wp-admin, phpMyAdmin, server-status, … not answered 2xx",
        "Someone is looking for a way in.",
    ),
    Rule(
        "scanner_agent",
        "Known scanner",
        "medium",
        "any request whose user agent names a scanner or attack tool (sqlmap, nikto, nuclei, zgrab, …)",
        "An automated scan of the site.",
    ),
    Rule(
        "error_burst",
        "Burst of client errors",
        "medium",
        f"{BURST_4XX} or more 4xx answers to one address within {BURST_MINUTES} consecutive minutes",
        "Enumeration, a scan or a broken client hammering the site.",
    ),
    Rule(
        "ssh_invalid_user",
        "SSH attempts for users that do not exist",
        "medium",
        "any 'Invalid user' from an address (low from the operations team's addresses)",
        "Someone is guessing user names.",
    ),
    Rule(
        "volume_anomaly",
        "Unusual request volume",
        "medium",
        f"a day's requests for a client and environment over {VOLUME_FACTOR}× the median of its "
        f"earlier days (at least {VOLUME_DAYS}, up to 28) and at least {VOLUME_EXTRA:,} more",
        "A flood, a scraper, or something the client should tell us about.",
    ),
    Rule(
        "log_missing",
        "A log to audit is missing",
        "medium",
        "a configured log directory or auth log not found on a server",
        "Logs that are not there cannot be audited (and may have been removed).",
    ),
    Rule(
        "unparseable_lines",
        "Lines that could not be parsed",
        "low",
        f"any (medium above {UNPARSEABLE_SHARE:.0%} of a file's lines)",
        "An unexpected format hides what the lines say: they are counted and shown.",
    ),
    Rule(
        "denied_address",
        "Refused: not on the allowlist",
        "low",
        "requests from an address on neither allowlist, none of them served (summarised per address)",
        "The allowlist working as intended; background noise unless other rules fire too.",
    ),
]
RULE = {r.id: r for r in RULES}
SEVERITIES = ("critical", "high", "medium", "low")
RANK = {s: i for i, s in enumerate(SEVERITIES)}


def sort_findings(findings: list[dict]) -> list[dict]:
    return sorted(
        findings, key=lambda f: (RANK[f["severity"]], -(f["count"] or 0), f["rule"], f["address"] or "")
    )


def finding(  # noqa: PLR0913 (a finding's fields, each named where it is made)
    rule: str,
    message: str,
    *,
    severity: str | None = None,
    address: str | None = None,
    client: str | None = None,
    env: str | None = None,
    server: str | None = None,
    count: int | None = None,
    first_seen: datetime | None = None,
    last_seen: datetime | None = None,
    examples: list[str] | None = None,
) -> dict:
    return {
        "rule": rule,
        "title": RULE[rule].title,
        "severity": severity or RULE[rule].severity,
        "message": message,
        "address": address,
        "client": client,
        "env": env,
        "server": server,
        "count": count,
        "first_seen": first_seen.isoformat(timespec="seconds") + "Z" if first_seen else None,
        "last_seen": last_seen.isoformat(timespec="seconds") + "Z" if last_seen else None,
        "examples": examples or [],
    }


def site_label(client: str | None, env: str | None) -> str:
    return f"{client or 'unknown client'} {env}" if env else (client or "unknown client")


def unparseable_findings(con: duckdb.DuckDBPyConnection) -> list[dict]:
    out = []
    for file_id, origin, client, env, server, lines, bad in con.execute(
        "select file_id, origin, client, env, server, lines, unparseable from files where unparseable > 0"
    ).fetchall():
        examples = [
            (f"line {n}: " if n else "") + f"{line} ({reason})"
            for n, reason, line in con.execute(
                "select line_no, reason, line from unparsed where file_id = ? limit 5", [file_id]
            ).fetchall()
        ]
        share = bad / max(lines, 1)
        out.append(
            finding(
                "unparseable_lines",
                f"{origin}: {bad:,} of {lines:,} line(s) could not be parsed ({share:.2%})",
                severity="medium" if share > UNPARSEABLE_SHARE else "low",
                client=client,
                env=env,
                server=server,
                count=bad,
                examples=examples,
            )
        )
    return out
