"""`scv audit logs`: the daily audit of access, error and auth logs, for a person to read in two minutes.

Fetch (logfetch: Fabric over SSH, only what is new) or take the files given, parse with DuckDB
(logparse), run the rules (detect), and write SCV_HOME/audit/reports/<audit id>/: index.html on
the shared base template and report.json. Any critical finding: exit 1, an SMS through Apprise
and, with --open-issue (the workflow), a GitHub issue with them (`gh`, as uptime's incidents).

History in SCV_HOME/audit/history.duckdb, written only by audits of servers (files given on the
command line are a one-off look): requests per client, environment and day (the baseline of
volume_anomaly) and every offender's first and last audit (new vs repeat offenders).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from scv.audit import fetch as logfetch
from scv.audit import http_rules, rules, ssh_rules
from scv.audit import parse as logparse
from scv.audit.report import Gathered
from scv.audit.report import report as audit_report
from scv.clients import client_allowlist, list_clients, operations_allowlist
from scv.core import paths
from scv.core.errors import ScvError, display_path

DURATION = re.compile(r"^(\d+)([mhdw])$")


@dataclass
class AuditRun:
    audit_id: str
    out: Path
    report: dict
    findings: list[dict]
    files: list[logparse.LogFile] = field(default_factory=list)
    deny_list: Path | None = None
    issue_body: Path | None = None  # critical-issue.md in the report folder, when something is critical
    issue: str | None = None  # the GitHub issue opened for it
    issue_error: str | None = None
    alerted: int = 0  # alert targets that took the alert
    alert_failed: int = 0  # and those that did not

    @property
    def critical(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "critical")


class Clock:
    """Wall and CPU seconds per phase of the audit, for the report (and bench-audit)."""

    def __init__(self) -> None:
        self.laps: dict[str, dict[str, float]] = {"seconds": {}, "cpu_seconds": {}}
        self._last = (time.perf_counter(), time.process_time())

    def lap(self, phase: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.laps["seconds"][phase] = round(now[0] - self._last[0], 3)
        self.laps["cpu_seconds"][phase] = round(now[1] - self._last[1], 3)
        self._last = now


def parse_since(text: str | None) -> timedelta | None:
    """'24h', '90m', '7d', '2w'; 'all' or None for no bound."""
    if text is None or text == "all":
        return None
    m = DURATION.match(text.strip())
    if not m:
        raise ScvError(f"--since {text!r}: expected a duration such as 90m, 24h, 7d or 2w, or 'all'")
    n, unit = int(m[1]), m[2]
    return timedelta(**{{"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: n})


def audit_dir() -> Path:
    return paths.scv_home() / "audit"


def run_audit(
    *,
    since: str | None = None,
    files: list[Path] | None = None,
    inventory: Path | None = None,
    out: Path | None = None,
    deny_list: Path | None = None,
    open_issue: bool = False,
    advance=lambda what: None,
) -> AuditRun:
    started = datetime.now(UTC).replace(microsecond=0)
    clock = Clock()
    audit_id = started.strftime("%Y%m%dT%H%M%SZ")
    inventory = inventory or paths.default_inventory()
    window = parse_since(since if since is not None else (None if files else "24h"))
    since_at = started - window if window else None
    out = out or audit_dir() / "reports" / audit_id
    work = audit_dir() / "work" / audit_id
    fetch_result: logfetch.FetchResult | None = None
    servers: list[logfetch.Server] = []
    if files:
        log_files = [_given(path) for path in files]
        for f in log_files:
            f.since = since_at
        operations: dict[str | None, list[dict]] = {None: _operations(inventory)}
    else:
        servers = logfetch.servers_from_inventory(inventory)
        first_time = {s.name for s in servers if s.target not in logfetch.load_state()}
        fetch_result = logfetch.fetch(servers, since_at, work / "fetched", advance)
        log_files = fetch_result.files
        for f in log_files:
            # A server audited before: every byte not audited yet, however old. The first time:
            # only the period.
            f.since = since_at if f.server in first_time else None
        operations = {s.name: s.operations for s in servers}
        operations[None] = [e for s in servers for e in s.operations]
    clock.lap("fetch")
    allow, unknown = _allowlists(sorted({f.client for f in log_files if f.client}))
    history = _history(read_only=bool(files))
    con = logparse.connect(work / "duckdb")
    try:
        logparse.load(con, log_files, advance)
        clock.lap("parse")
        advance("Running the rules")
        http_rules.address_table(con, allow, operations[None])
        volume = (
            history.execute("select client, env, day, requests from volume").fetchall() if history else []
        )
        findings = detect(con, operations, volume, add_history_to_period=not files)
        if fetch_result:
            findings = rules.sort_findings(findings + fetch_result.problems)
        offenders = _offenders(con, findings, history)
        clock.lap("rules")
        gathered = Gathered(
            audit_id, started, since_at, inventory, bool(files), servers, log_files, findings, offenders,
            fetch_result, unknown,
        )  # fmt: skip
        report = audit_report(con, gathered, history)
        clock.lap("report")
        report["timings"] = clock.laps
        run = AuditRun(audit_id, out, report, findings, log_files)
        _write(run, deny_list, allow, operations[None])
        if fetch_result:
            logfetch.save_state(fetch_result.state)  # only now that the audit is written
        if history and not files:
            _record(history, con, offenders, started)
    finally:
        con.close()
        if history:
            history.close()
    shutil.rmtree(work, ignore_errors=True)
    if run.critical:
        run.alerted, run.alert_failed = send_alert(run)
        if open_issue:
            open_github_issue(run)
    return run


def detect(
    con: duckdb.DuckDBPyConnection,
    operations_by_server: dict[str | None, list[dict]],
    volume_history: list[tuple[str, str, date, int]],
    add_history_to_period: bool,
) -> list[dict]:
    """Every finding, worst first. The tables of parse and http_rules.address_table must be loaded."""
    http_rules.classify_requests(con)
    findings = http_rules.access_findings(con)
    findings += http_rules.volume_findings(con, volume_history, add_history_to_period)
    findings += ssh_rules.ssh_findings(con, operations_by_server)
    findings += http_rules.error_log_findings(con)
    findings += rules.unparseable_findings(con)
    return rules.sort_findings(findings)


def _given(path: Path) -> logparse.LogFile:
    """A file named on the command line: its kind from its name, else from its first line."""
    if not path.is_file():
        raise ScvError(f"{display_path(path)}: no such file")
    name = path.name
    m = logfetch.SITE_LOG.match(name)
    if m:
        kind, client, env = m["kind"], m["client"], m["env"]
    else:
        client = env = None
        kind = _sniff(path)
    kind = {"access": "access", "error": "error"}.get(kind, kind)
    return logparse.LogFile(
        path=path.resolve(),
        kind=kind,
        origin=display_path(path),
        client=client,
        env=env,
        mtime=datetime.fromtimestamp(path.stat().st_mtime, UTC),
    )


def _sniff(path: Path) -> str:
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else Path.open
    try:
        with opener(path, "rb") as f:  # type: ignore[operator]
            first = f.readline(4096).decode("utf-8", "replace")
    except OSError as exc:
        raise ScvError(f"{display_path(path)}: cannot read it ({exc})") from None
    if re.match(r"^\S+ \S+ .* \[\d{2}/\w{3}/\d{4}:", first):
        return "access"
    if re.match(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[", first):
        return "error"
    if re.match(logparse.SYSLOG_RE, first.rstrip("\n")):
        return "auth"
    raise ScvError(
        f"{display_path(path)}: line 1: not an nginx access or error log nor a syslog auth log: "
        f"{first[:120]!r}"
    )


def _operations(inventory: Path) -> list[dict]:
    """The operations team's addresses, read and checked as `scv access validate` does."""
    allowed, problems = operations_allowlist(inventory)
    if problems:
        raise ScvError(f"{problems[0]}; run `scv access validate`")
    return [asdict(a) for a in allowed]


def _allowlists(clients: list[str]) -> tuple[dict[str, list[dict]], list[str]]:
    """Each known client's access.yml entries; clients not under clients/ are unknown (no check)."""
    known = set(list_clients())
    allow: dict[str, list[dict]] = {}
    for client in sorted(known & set(clients)):
        entries, problems = client_allowlist(client)
        if problems:
            raise ScvError(f"{problems[0]}; run `scv client validate`")
        allow[client] = [asdict(e) for e in entries]
    return allow, sorted(set(clients) - known)


# ----------------------------------------------------------------------------------------------
# History: volume per day, offenders per audit


def _history(read_only: bool) -> duckdb.DuckDBPyConnection | None:
    path = audit_dir() / "history.duckdb"
    if read_only and not path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        con.execute(
            """
            create table if not exists volume (client varchar, env varchar, day date, requests bigint);
            create table if not exists offenders (
                address varchar primary key, first_audit varchar, last_audit varchar, audits integer,
                worst varchar
            );
            """
        )
    return con


def _offenders(
    con: duckdb.DuckDBPyConnection, findings: list[dict], history: duckdb.DuckDBPyConnection | None
) -> list[dict]:
    by_address: dict[str, dict] = {}
    for f in findings:
        if not f["address"]:
            continue
        o = by_address.setdefault(
            f["address"],
            {
                "address": f["address"],
                "severity": f["severity"],
                "rules": [],
                "sites": [],
                "servers": [],
                "first_seen": f["first_seen"],
                "last_seen": f["last_seen"],
            },
        )
        if rules.RANK[f["severity"]] < rules.RANK[o["severity"]]:
            o["severity"] = f["severity"]
        for key, value in (
            ("rules", f["rule"]),
            ("sites", f"{f['client']} {f['env']}" if f["client"] else None),
            ("servers", f["server"]),
        ):
            if value and value not in o[key]:
                o[key].append(value)
        o["first_seen"] = min(filter(None, [o["first_seen"], f["first_seen"]]), default=None)
        o["last_seen"] = max(filter(None, [o["last_seen"], f["last_seen"]]), default=None)
    requests = dict(con.execute("select ip, sum(requests)::bigint from hourly group by ip").fetchall())
    ssh = dict(con.execute("select ip, count(*) from ssh group by ip").fetchall())
    seen: dict[str, tuple] = {}
    if history and by_address:
        for address, first_audit, audits in history.execute(
            "select address, first_audit, audits from offenders"
        ).fetchall():
            seen[address] = (first_audit, audits)
    out = []
    for address, o in by_address.items():
        first_audit, audits = seen.get(address, (None, 0))
        out.append(
            {
                **o,
                "requests": requests.get(address, 0),
                "ssh_events": ssh.get(address, 0),
                "new": address not in seen,
                "first_audit": first_audit,
                "earlier_audits": audits,
            }
        )
    return sorted(out, key=lambda o: (rules.RANK[o["severity"]], -o["requests"], o["address"]))


def _record(
    history: duckdb.DuckDBPyConnection, con: duckdb.DuckDBPyConnection, offenders: list[dict], now: datetime
) -> None:
    audit_id = now.strftime("%Y%m%dT%H%M%SZ")
    history.begin()
    volume = http_rules.period_volume(con)
    if volume:
        history.executemany("insert into volume values (?, ?, ?, ?)", volume)
    if offenders:
        history.execute(
            """
            insert into offenders
            select unnest($addresses), $audit, $audit, 1, unnest($worst)
            on conflict (address) do update set last_audit = excluded.last_audit,
                audits = offenders.audits + 1, worst = excluded.worst
            """,
            {
                "addresses": [o["address"] for o in offenders],
                "worst": [o["severity"] for o in offenders],
                "audit": audit_id,
            },
        )
    history.commit()


def _write(run: AuditRun, deny_list: Path | None, allow: dict, operations: list) -> None:
    from scv.audit.page import write_page

    run.out.mkdir(parents=True, exist_ok=True)
    if deny_list:
        run.deny_list = write_deny_list(deny_list, run, allow, operations)
        run.report["deny_list"] = str(run.deny_list)
    # Compact: Python's C encoder only works without indent, and a busy day has many findings.
    (run.out / "report.json").write_text(json.dumps(run.report, default=str), encoding="utf-8")
    write_page(run.out / "index.html", run.report)
    latest = run.out.parent / "latest"
    if run.out.parent == audit_dir() / "reports":
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(run.out.name)
    if run.critical:
        run.issue_body = write_issue_body(run.out / "critical-issue.md", run)


def write_deny_list(path: Path, run: AuditRun, allow: dict, operations: list) -> Path:
    """An nginx snippet denying offenders of medium severity and above, never an allowed address."""
    import ipaddress

    networks = [
        ipaddress.ip_network(str(e["cidr"]), strict=False)
        for e in [*operations, *(x for v in allow.values() for x in v)]
    ]
    lines = [
        f"# scv audit {run.audit_id}: addresses with a finding of medium severity or worse.",
        "# Review, then include in the server blocks before the allow lines. Generated; do not edit.",
    ]
    for o in run.report["offenders"]:
        if rules.RANK[o["severity"]] > rules.RANK["medium"]:
            continue
        try:
            addr = ipaddress.ip_address(o["address"])
        except ValueError:
            continue
        if any(addr in net for net in networks):
            lines.append(f"# not denied: {addr} is on an allowlist ({', '.join(o['rules'])})")
            continue
        lines.append(f"deny {addr};  # {o['severity']}: {', '.join(o['rules'])}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_issue_body(path: Path, run: AuditRun) -> Path:
    """Markdown for the GitHub issue the workflow opens on critical findings."""
    server, repo, run_id = (
        os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    where = (
        f"[the workflow run]({server}/{repo}/actions/runs/{run_id}), artifact `log-audit-report`, "
        f"folder `{run.audit_id}`"
        if server and repo and run_id
        else f"`{run.out / 'index.html'}`"
    )
    critical = [f for f in run.findings if f["severity"] == "critical"]
    lines = [
        f"The log audit {run.audit_id} found {len(critical)} critical finding(s). Report: {where}.",
        "",
        "| rule | what | first | last |",
        "|---|---|---|---|",
    ]
    for f in critical[:50]:
        message = f["message"].replace("|", "\\|")
        lines.append(f"| `{f['rule']}` | {message} | {f['first_seen'] or ''} | {f['last_seen'] or ''} |")
    if len(critical) > 50:
        lines.append(f"| … | and {len(critical) - 50} more in the report | | |")
    lines += ["", "Each rule, its threshold and why it matters: the report's Rules section."]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def open_github_issue(run: AuditRun) -> None:
    """The GitHub issue for the critical findings, with `gh` as uptime opens its incidents' (GH_TOKEN)."""
    from scv.github import gh, issue_number

    if run.issue_body is None:
        return
    critical = sum(1 for f in run.findings if f["severity"] == "critical")
    title = f"Log audit {run.audit_id}: {critical} critical finding(s)"
    try:
        number, url = issue_number(
            gh("issue", "create", "--title", title, "--body-file", str(run.issue_body))
        )
    except (FileNotFoundError, RuntimeError) as exc:
        run.issue_error = str(exc)
        return
    run.issue = f"#{number} {url}"


def send_alert(run: AuditRun) -> tuple[int, int]:
    """SMS (or any Apprise target) to on-call staff about critical findings: (sent, failed).

    The targets are Apprise URLs in SCV_ALERT_URLS (space- or comma-separated; from a secret).
    TODO(issue 8): this should go through uptime's alerting module, so that both send the same
    way with the same configuration; it is here, small, until both have landed.
    """
    urls = [u for u in re.split(r"[\s,]+", os.environ.get("SCV_ALERT_URLS", "")) if u]
    if not urls:
        return 0, 0
    import apprise

    critical = [f for f in run.findings if f["severity"] == "critical"]
    body = "; ".join(f["message"] for f in critical[:3]) + (
        f" (+{len(critical) - 3} more)" if len(critical) > 3 else ""
    )
    sent = 0
    for url in urls:
        notifier = apprise.Apprise()
        if notifier.add(url) and notifier.notify(
            title=f"scv audit: {len(critical)} critical", body=body[:480]
        ):
            sent += 1
    return sent, len(urls) - sent


def summary_lines(run: AuditRun) -> list[str]:
    """What `scv audit logs` prints: totals, the worst findings, offenders and where the report is."""
    r = run.report
    t = r["totals"]
    fetched = f", {r['fetch']['bytes']:,} bytes fetched" if r["mode"] == "servers" else ""
    lines = [
        f"Audited {t['parsed']:,} of {t['lines']:,} lines from {len(r['sources'])} log(s){fetched}: "
        f"{t['unparseable']:,} unparseable, {t['before_period']:,} before the period",
        "Findings: " + ", ".join(f"{r['counts'][s]} {s}" for s in rules.SEVERITIES),
    ]
    for f in [f for f in run.findings if f["severity"] in ("critical", "high")][:20]:
        lines.append(f"  {f['severity']:<8} {f['rule']:<28} {f['message']}")
    for severity in ("medium", "low"):
        fired: dict[str, int] = {}
        for f in run.findings:
            if f["severity"] == severity:
                fired[f["rule"]] = fired.get(f["rule"], 0) + 1
        if fired:
            listed = ", ".join(f"{rule} ×{n}" for rule, n in sorted(fired.items(), key=lambda x: -x[1]))
            lines.append(f"  {severity:<8} {listed}")
    new = sum(1 for o in r["offenders"] if o["new"] and o["severity"] != "low")
    lines.append(f"Offenders: {len(r['offenders']):,} ({new} new at medium or worse)")
    lines.append(f"Report: {display_path(run.out / 'index.html')}")
    lines.append(f"JSON:   {display_path(run.out / 'report.json')}")
    if run.deny_list:
        lines.append(f"Deny list: {display_path(run.deny_list)}")
    if run.issue:
        lines.append(f"Opened GitHub issue {run.issue}")
    return lines


def problem_lines(run: AuditRun) -> list[str]:
    """What goes to stderr: an issue that could not be opened, critical findings and their alerts."""
    lines = []
    if run.issue_error:
        lines.append(f"The GitHub issue could not be opened: {run.issue_error}")
    if run.critical:
        lines.append(
            f"{run.critical} critical finding(s)"
            + (f"; alert sent to {run.alerted} target(s)" if run.alerted else "")
            + (f"; the alert failed for {run.alert_failed} target(s)" if run.alert_failed else "")
        )
    return lines
