"""`scv audit logs`: labelled logs, a real sshd on loopback, DuckDB parsing, the report.

What a person checks: every attack class in a labelled log is found, from the right address,
and normal traffic (crawlers included) raises nothing above low; logs are fetched over SSH with
Fabric, rotated and compressed ones included, and a second audit fetches nothing twice; the
exit code, the report, the SMS and the issue body when something is critical.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from support.audit_logs import (
    ATTACKERS,
    CRAWLERS,
    OFFICE,
    OFFICE_USERS,
    OPERATIONS,
    Logs,
    access_line,
    attacks,
    normal_auth,
    normal_errors,
    normal_traffic,
    volume_spike,
)
from support.loopback_sshd import sshd

SEVERITY = {"critical": 0, "high": 1, "medium": 2, "low": 3}
NORMAL = {*OFFICE_USERS, *CRAWLERS, OPERATIONS}


def allow_office(repo: Path) -> None:
    """The demo client's offices (198.51.100.0/24) go on its allowlist in this test's copy."""
    path = repo / "clients" / "demo" / "access.yml"
    doc = yaml.safe_load(path.read_text())
    doc["allow"].append({"cidr": OFFICE, "who": "Northbridge offices", "why": "staff", "since": "2020-01-01"})
    path.write_text(yaml.safe_dump(doc))


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text())


def days_ago(n: int) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return today - timedelta(days=n)


def four_normal_days(logs: Logs) -> datetime:
    """Four whole days of normal traffic on demo live (scv's format) and test ("combined")."""
    start = days_ago(5)
    normal_traffic(logs, start, 96)
    normal_traffic(logs, start, 96, name="demo.test.access.log", combined=True, per_hour=10, crawls=5, seed=2)
    normal_errors(logs, start)
    normal_auth(logs, start)
    return start


def audit_files(scv, paths: dict[str, Path], out: Path, *extra: str):
    args = [a for p in paths.values() for a in ("--files", p)]
    return scv("audit", "logs", *args, "--out", out, *extra)


def test_normal_traffic_raises_nothing_above_low(scv, repo, tmp_path):
    allow_office(repo)
    logs = Logs()
    four_normal_days(logs)

    result = audit_files(scv, logs.write(tmp_path / "logs"), tmp_path / "out")

    assert result.code == 0, result.out + result.err
    r = report(tmp_path / "out")
    assert r["totals"]["unparseable"] == 0
    assert r["totals"]["lines"] == sum(len(v) for v in logs.lines.values())
    above_low = [f for f in r["findings"] if SEVERITY[f["severity"]] < SEVERITY["low"]]
    assert above_low == []
    # The crawlers are refused (not on the allowlist) and summarised, low; nothing else fires.
    assert {(f["rule"], f["address"]) for f in r["findings"]} == {("denied_address", ip) for ip in CRAWLERS}
    assert "Findings: 0 critical, 0 high, 0 medium, " in result.out


def test_every_attack_class_in_a_labelled_log_is_found(scv, repo, tmp_path):
    allow_office(repo)
    logs = Logs()
    four_normal_days(logs)
    attacks(logs, days_ago(2) + timedelta(hours=10))
    volume_spike(logs, days_ago(2))
    logs.add("demo.live.access.log", days_ago(2), "this line is not nginx's")

    result = audit_files(
        scv, logs.write(tmp_path / "logs"), tmp_path / "out", "--deny-list", tmp_path / "deny.conf"
    )

    assert result.code == 1, result.out + result.err  # critical findings
    r = report(tmp_path / "out")
    found = {(f["rule"], f["address"]) for f in r["findings"]}
    for rule, address in ATTACKERS.items():
        if rule == "volume_anomaly":
            spikes = [f for f in r["findings"] if f["rule"] == rule]
            assert [(f["client"], f["env"]) for f in spikes] == [("demo", "test")], spikes
            assert spikes[0]["first_seen"].startswith(days_ago(2).date().isoformat())
        else:
            assert (rule, address) in found, f"{rule} from {address} not found"
    # Each attack's address raises its own rule and no other above low (sensitive_probe aside:
    # a probe answered 2xx is sensitive_file_served instead).
    for f in r["findings"]:
        if f["address"] in NORMAL:
            assert SEVERITY[f["severity"]] >= SEVERITY["low"], f
    assert {f["rule"] for f in r["findings"] if f["severity"] == "critical"} == {
        "allowlist_leak", "sensitive_file_served", "ssh_login_outside_operations",
    }  # fmt: skip
    assert any(f["rule"] == "nginx_error" and f["severity"] == "high" for f in r["findings"])
    # Decoded once and twice: every form of each attack is in its finding's examples.
    traversal = next(f for f in r["findings"] if f["rule"] == "path_traversal")
    assert traversal["count"] == 4
    assert next(f for f in r["findings"] if f["rule"] == "sql_injection")["count"] == 3
    assert next(f for f in r["findings"] if f["rule"] == "xss")["count"] == 3
    # The unparseable line is counted and shown, not dropped.
    assert r["totals"]["unparseable"] == 1
    assert r["unparseable_examples"][0]["text"] == "this line is not nginx's"
    assert r["totals"]["lines"] == sum(len(v) for v in logs.lines.values())
    # Critical first in what the command prints; the report and the deny list exist.
    assert "critical allowlist_leak" in result.out
    page = (tmp_path / "out" / "index.html").read_text()
    for heading in [
        "Needs attention",
        "Top offenders",
        "Timeline",
        "demo · live",
        "demo · test",
        "SSH",
        "Rules",
    ]:
        assert heading in page
    assert "<svg" in page and 'src="http' not in page and 'href="http' not in page  # works offline
    deny = (tmp_path / "deny.conf").read_text()
    assert f"deny {ATTACKERS['sql_injection']};" in deny
    assert f"deny {ATTACKERS['sensitive_file_served']};" not in deny  # on the allowlist: never denied
    assert f"deny {OPERATIONS};" not in deny


def test_a_botnet_reads_as_one_row_per_network_and_every_address_stays_in_the_json(scv, repo, tmp_path):
    allow_office(repo)
    logs = Logs()
    start = four_normal_days(logs)
    # 30 addresses of one /24 and 2 of another probe the live site for its .env, a few times each.
    botnet = [f"45.155.206.{i}" for i in range(1, 31)] + ["185.220.101.7", "185.220.101.8"]
    for n, ip in enumerate(botnet):
        for k in range(3):
            at = start + timedelta(hours=30, minutes=n, seconds=k)
            logs.add("demo.live.access.log", at, access_line(ip, at, "GET /.env HTTP/1.1", 403, "curl/8.5"))

    result = audit_files(scv, logs.write(tmp_path / "logs"), tmp_path / "out")

    assert result.code == 0, result.out + result.err
    probes = [f for f in report(tmp_path / "out")["findings"] if f["rule"] == "sensitive_probe"]
    assert sorted(f["address"] for f in probes) == sorted(botnet)  # the JSON: one finding per address
    page = (tmp_path / "out" / "index.html").read_text()
    assert "30 addresses in 45.155.206.0/24 on demo live: 90 in all" in page
    assert "2 addresses in 185.220.101.0/24 on demo live: 6 in all" in page
    assert "45.155.206.17: 3 probe(s) for sensitive files" not in page  # 4 of the 30 are shown
    assert "… and 26 more address(es) in report.json" in page


def test_both_formats_and_unparseable_lines_counted(scv, repo, tmp_path):
    allow_office(repo)
    at = days_ago(1)
    ours = access_line("198.51.100.10", at, "GET / HTTP/1.1", 200, "curl/8.5")
    combined = access_line("198.51.100.10", at, "GET / HTTP/1.1", 200, "curl/8.5", combined=True)
    bad = [
        ours.replace("[", "[99"),  # a date that is not one
        ours.replace(" 200 ", " OK "),  # a status that is not a number
        "GET / HTTP/1.1",
        ours.replace("GET /", "GET /\udcff"),  # not UTF-8 (written as the raw byte below)
        ours.replace("+0000]", "UTC]"),  # every field there, but not a time zone
    ]
    path = tmp_path / "demo.live.access.log"
    body = "\n".join([ours, *bad, "", ours]) + "\n"
    path.write_bytes(body.encode("utf-8", "surrogateescape"))
    gz = tmp_path / "demo.live.access.log.2.gz"
    gz.write_bytes(gzip.compress(((combined + "\n") * 3).encode()))

    result = scv("audit", "logs", "--files", path, "--files", gz, "--out", tmp_path / "out")

    assert result.code == 0, result.out + result.err
    r = report(tmp_path / "out")
    by_origin = {Path(s["origin"]).name: s for s in r["sources"]}
    assert by_origin["demo.live.access.log"]["lines"] == 7  # the blank line is not a line
    assert by_origin["demo.live.access.log"]["parsed"] == 2
    assert by_origin["demo.live.access.log"]["unparseable"] == 5
    assert by_origin["demo.live.access.log.2.gz"]["parsed"] == 3  # plain "combined", compressed
    shown = {u["text"] for u in r["unparseable_examples"]}
    assert "GET / HTTP/1.1" in shown
    assert any("UTC]" in text for text in shown)
    assert len(r["unparseable_examples"]) == 5
    assert "Audited 5 of 10 lines from 2 log(s)" in result.out
    medium = [f for f in r["findings"] if f["rule"] == "unparseable_lines"]
    assert [f["severity"] for f in medium] == ["medium"]  # 5 of 7 lines: far above 1%


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--files", "missing.log"], "missing.log: no such file"),
        (["--since", "yesterday", "--files", "x.log"], "--since 'yesterday': expected a duration"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(scv, repo, tmp_path, args, message):
    (repo / "x.log").write_text("hello\n")
    result = scv("audit", "logs", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_a_file_that_is_no_log_is_named(scv, repo, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Dear diary\n")
    result = scv("audit", "logs", "--files", path)
    assert result.code == 2
    assert "notes.txt: line 1: not an nginx access or error log nor a syslog auth log" in result.err


class Receiver(http.server.BaseHTTPRequestHandler):
    """A local endpoint that keeps what Apprise's json:// posts to it."""

    received: ClassVar[list[dict]] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_critical_finding_alerts_and_opens_an_issue(scv, repo, tmp_path, monkeypatch):
    from support.github_fake import FAKE_GH

    allow_office(repo)
    bin_dir = tmp_path / "bin"  # gh as uptime's tests have it: records its arguments, answers like GitHub
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH.format(python=sys.executable))
    (bin_dir / "gh").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GH_LOG", str(tmp_path / "gh.log"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received = []
    try:
        # Two targets: ours, and one nobody listens on (its failure is said, not hidden).
        monkeypatch.setenv(
            "SCV_ALERT_URLS", f"json://127.0.0.1:{server.server_port}/alert, json://127.0.0.1:9/"
        )
        monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
        monkeypatch.setenv("GITHUB_REPOSITORY", "scv-org/scv")
        monkeypatch.setenv("GITHUB_RUN_ID", "123")
        monkeypatch.setenv("SCV_AUDIT_OPEN_ISSUE", "true")  # as the workflow sets it
        logs = Logs()
        attacks(logs, days_ago(1))

        result = audit_files(scv, logs.write(tmp_path / "logs"), tmp_path / "out")
    finally:
        server.shutdown()
        server.server_close()

    assert result.code == 1
    assert "alert sent to 1 target(s); the alert failed for 1 target(s)" in result.err
    assert len(Receiver.received) == 1
    alert = Receiver.received[0]
    assert alert["title"] == "scv audit: 3 critical"
    assert "allowlist" in alert["message"]
    assert "Opened GitHub issue #41 https://github.com/scv-org/scv/issues/41" in result.out
    (create,) = [json.loads(line) for line in (tmp_path / "gh.log").read_text().splitlines()]
    assert create[:3] == ["issue", "create", "--title"]
    assert create[3].startswith("Log audit ") and create[3].endswith(": 3 critical finding(s)")
    assert create[4:] == ["--body-file", str(tmp_path / "out" / "critical-issue.md")]
    text = (tmp_path / "out" / "critical-issue.md").read_text()
    assert "found 3 critical finding(s)" in text
    assert "https://github.com/scv-org/scv/actions/runs/123" in text
    assert "`ssh_login_outside_operations`" in text

    # Nothing critical the next time: no issue, no alert. GitHub being down is said, not hidden.
    Receiver.received = []
    quiet = Logs()
    normal_auth(quiet, days_ago(1))
    result = audit_files(scv, quiet.write(tmp_path / "quiet"), tmp_path / "out2")
    assert result.code == 0
    assert not (tmp_path / "out2" / "critical-issue.md").exists()
    assert Receiver.received == []
    assert len((tmp_path / "gh.log").read_text().splitlines()) == 1
    monkeypatch.setenv("FAKE_GH_FAIL", "1")
    monkeypatch.setenv("SCV_ALERT_URLS", "")
    failed = audit_files(scv, logs.write(tmp_path / "logs3"), tmp_path / "out3")
    assert failed.code == 1
    assert "The GitHub issue could not be opened: gh issue create: HTTP 502: Bad Gateway" in failed.err


# ----------------------------------------------------------------------------------------------
# Fetching over SSH


def write_inventory(folder: Path, server, served: Path) -> Path:
    (folder / "group_vars").mkdir(parents=True)
    (folder / "hosts.yml").write_text(
        yaml.safe_dump(
            {
                "all": {
                    "children": {
                        "live": {
                            "hosts": {
                                "web1": {
                                    "ansible_host": server.host,
                                    "ansible_port": server.port,
                                    "ansible_user": server.user,
                                    "ansible_ssh_private_key_file": str(server.key),
                                }
                            }
                        }
                    }
                }
            }
        )
    )
    (folder / "group_vars" / "all.yml").write_text(
        yaml.safe_dump(
            {
                "scv_log_dir": str(served / "nginx"),
                "scv_audit_auth_log": str(served / "auth.log"),
                "scv_operations_allow": [{"cidr": "127.0.0.1/32", "who": "ops", "why": "tests"}],
            }
        )
    )
    return folder


def test_logs_fetched_over_ssh_with_fabric_and_nothing_fetched_twice(scv, repo, tmp_path, monkeypatch):
    allow_office(repo)
    served = tmp_path / "served"
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    # The server's logs: yesterday's rotated and compressed, the last rotation, today's.
    old, mid, new = Logs(), Logs(), Logs()
    normal_traffic(old, now - timedelta(hours=20), 2, name="demo.live.access.log.2.gz", per_hour=20, crawls=2)
    old.add("demo.live.access.log.2.gz", now - timedelta(hours=19), access_line(
        ATTACKERS["sensitive_probe"], now - timedelta(hours=19), "GET /.env HTTP/1.1", 403, "curl/8.5"))  # fmt: skip
    normal_traffic(mid, now - timedelta(hours=12), 2, name="demo.live.access.log.1", per_hour=20, crawls=2)
    normal_traffic(new, now - timedelta(hours=3), 2, name="demo.live.access.log", per_hour=20, crawls=2)
    normal_errors(new, now - timedelta(hours=3))
    attacks_at = now - timedelta(hours=2)
    for i in range(12):
        when = attacks_at + timedelta(seconds=10 * i)
        new.add("auth.log", when, f"{when:%b %e %H:%M:%S} web1 sshd[{500 + i}]: Failed password for root from "
                f"{ATTACKERS['ssh_brute_force']} port {41000 + i} ssh2")  # fmt: skip
    normal_auth(new, now - timedelta(hours=6))
    for logs in (old, mid):
        logs.write(served / "nginx")
    new.write(served / "nginx")
    (served / "nginx" / "auth.log").rename(served / "auth.log")
    (served / "nginx" / "auth.log.1.gz").write_bytes(gzip.compress(b""))  # an empty rotated log
    (served / "nginx" / "auth.log.1.gz").rename(served / "auth.log.1.gz")
    total_lines = sum(len(v) for logs in (old, mid, new) for v in logs.lines.values())
    # Last week's log: before the period (24 h) of a first audit, so not fetched at all.
    week_old = Logs()
    attacks(week_old, now - timedelta(days=7), access="demo.live.access.log.6.gz", auth="x", error="y")
    week_old.lines = {"demo.live.access.log.6.gz": week_old.lines["demo.live.access.log.6.gz"]}
    week_old.write(served / "nginx")
    seven_days = (now - timedelta(days=7) - datetime(1970, 1, 1)).total_seconds()
    os.utime(served / "nginx" / "demo.live.access.log.6.gz", (seven_days, seven_days))

    with sshd(tmp_path / "sshd") as server:
        monkeypatch.setenv("SCV_SSH_KNOWN_HOSTS", str(server.known_hosts))
        inventory = write_inventory(tmp_path / "inventory", server, served)

        first = scv("audit", "logs", "--inventory", inventory, "--out", tmp_path / "first")
        assert first.code == 0, first.out + first.err
        r1 = report(tmp_path / "first")
        fetched = {Path(s["origin"].split(":", 1)[1]).name for s in r1["sources"]}
        assert fetched == {"demo.live.access.log", "demo.live.access.log.1", "demo.live.access.log.2.gz",
                           "demo.live.error.log", "auth.log"}  # fmt: skip
        assert all(s["origin"].startswith("web1:") for s in r1["sources"])
        assert r1["totals"]["lines"] == total_lines
        assert r1["totals"]["unparseable"] == 0
        found = {(f["rule"], f["address"]) for f in r1["findings"]}
        assert ("sensitive_probe", ATTACKERS["sensitive_probe"]) in found  # it was only in the .gz
        assert ("ssh_brute_force", ATTACKERS["ssh_brute_force"]) in found
        assert all(o["new"] for o in r1["offenders"])
        assert [Path(s["path"]).name for s in r1["fetch"]["skipped"]] == ["demo.live.access.log.6.gz"]
        assert ("sql_injection", ATTACKERS["sql_injection"]) not in found  # it was only in last week's

        # Nothing new on the server: nothing fetched, nothing parsed, nothing found.
        second = scv("audit", "logs", "--inventory", inventory, "--out", tmp_path / "second")
        assert second.code == 0, second.out + second.err
        r2 = report(tmp_path / "second")
        assert r2["fetch"]["bytes"] == 0
        assert r2["sources"] == []
        assert r2["findings"] == []
        assert "Audited 0 of 0 lines from 0 log(s), 0 bytes fetched" in second.out

        # More lines, then logrotate: .2.gz -> .3.gz, .1 -> .2.gz, the log -> .1, a new log.
        nginx = served / "nginx"
        appended = [
            access_line(ATTACKERS["sensitive_probe"], now - timedelta(minutes=30), "GET /.git/config HTTP/1.1", 403, "curl/8.5"),
            access_line("45.155.205.20", now - timedelta(minutes=29), "GET /wp-login.php HTTP/1.1", 403, "curl/8.5"),
        ]  # fmt: skip
        with (nginx / "demo.live.access.log").open("a") as f:
            f.write("".join(line + "\n" for line in appended))
        (nginx / "demo.live.access.log.2.gz").rename(nginx / "demo.live.access.log.3.gz")
        (nginx / "demo.live.access.log.2.gz").write_bytes(
            gzip.compress((nginx / "demo.live.access.log.1").read_bytes())
        )
        (nginx / "demo.live.access.log.1").unlink()
        (nginx / "demo.live.access.log").rename(nginx / "demo.live.access.log.1")
        fresh = access_line("198.51.100.10", now - timedelta(minutes=1), "GET / HTTP/1.1", 200, "curl/8.5")
        (nginx / "demo.live.access.log").write_text(fresh + "\n")

        third = scv("audit", "logs", "--inventory", inventory, "--out", tmp_path / "third")
        assert third.code == 0, third.out + third.err
        r3 = report(tmp_path / "third")
        # Exactly the new lines were audited: nothing fetched before was fetched again.
        assert r3["totals"]["lines"] == len(appended) + 1
        read = {Path(s["origin"].split(":", 1)[1]).name: s for s in r3["sources"]}
        assert set(read) == {"demo.live.access.log.1", "demo.live.access.log"}
        assert read["demo.live.access.log.1"]["from_byte"] > 0
        new_bytes = sum(len(line) + 1 for line in [*appended, fresh])
        # What came over the wire: the new lines, and the first line of each changed file to know it.
        assert new_bytes <= r3["fetch"]["bytes"] <= new_bytes + 3 * 9 * 1024
        offenders = {o["address"]: o for o in r3["offenders"]}
        assert offenders[ATTACKERS["sensitive_probe"]]["new"] is False  # seen by the first audit
        assert offenders["45.155.205.20"]["new"] is True


def test_host_keys_are_checked_unknown_is_high_changed_is_critical(scv, repo, tmp_path, monkeypatch):
    served = tmp_path / "served"
    logs = Logs()
    normal_auth(logs, days_ago(1))
    logs.write(served / "nginx")
    with sshd(tmp_path / "sshd") as server:
        inventory = write_inventory(tmp_path / "inventory", server, served)
        monkeypatch.setenv("SCV_SSH_KNOWN_HOSTS", str(tmp_path / "empty_known_hosts"))
        (tmp_path / "empty_known_hosts").write_text("")
        monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/known_hosts of the machine's

        unknown = scv("audit", "logs", "--inventory", inventory, "--out", tmp_path / "unknown")

        assert unknown.code == 0  # high, not critical: the report says what was not audited
        r = report(tmp_path / "unknown")
        assert [(f["rule"], f["severity"], f["server"]) for f in r["findings"]] == [
            ("server_unreachable", "high", "web1")
        ]
        assert "host key is not in known_hosts" in r["findings"][0]["message"]
        assert r["sources"] == []

        # A different key for the same address: someone may be in the middle.
        other = tmp_path / "other"
        import subprocess

        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
        kind, key = other.with_suffix(".pub").read_text().split()[:2]
        (tmp_path / "wrong_known_hosts").write_text(f"[127.0.0.1]:{server.port} {kind} {key}\n")
        monkeypatch.setenv("SCV_SSH_KNOWN_HOSTS", str(tmp_path / "wrong_known_hosts"))

        changed = scv("audit", "logs", "--inventory", inventory, "--out", tmp_path / "changed")

        assert changed.code == 1
        r = report(tmp_path / "changed")
        assert [(f["rule"], f["severity"]) for f in r["findings"]] == [
            ("server_host_key_changed", "critical")
        ]


def test_the_local_inventory_reads_scv_log_dir_once_for_test_and_live(scv, repo, tmp_path, monkeypatch):
    allow_office(repo)
    home = Path(os.environ["SCV_HOME"])
    logs = Logs()
    now = datetime.now(UTC).replace(tzinfo=None)
    normal_traffic(logs, now - timedelta(hours=3), 2, per_hour=10, crawls=2)
    normal_traffic(logs, now - timedelta(hours=3), 2, name="demo.test.access.log", per_hour=10, crawls=2)
    normal_auth(logs, now - timedelta(hours=3))
    logs.write(home / "nginx" / "logs")
    group_vars = repo / "playbooks" / "inventories" / "local" / "group_vars" / "all.yml"
    text = group_vars.read_text()
    assert "scv_audit_auth_log: /var/log/auth.log" in text
    group_vars.write_text(text.replace("/var/log/auth.log", str(home / "nginx" / "logs" / "auth.log")))

    result = scv("audit", "logs", "--out", tmp_path / "out")

    assert result.code == 0, result.out + result.err
    r = report(tmp_path / "out")
    # Both hosts of the local inventory are this machine: each file is read once.
    assert sorted(s["origin"].rsplit("/", 1)[1] for s in r["sources"]) == [
        "auth.log", "demo.live.access.log", "demo.test.access.log",
    ]  # fmt: skip
    # The operations team's logins and the office users raise nothing; the crawlers are refused.
    assert {(f["rule"], f["address"]) for f in r["findings"]} == {("denied_address", ip) for ip in CRAWLERS}
    assert r["totals"]["lines"] == sum(len(v) for v in logs.lines.values())
    assert {s["name"] for s in r["servers"]} == {"live.local", "test.local"}
    assert {s["log_dir"] for s in r["servers"]} == {str(home / "nginx" / "logs")}


def test_log_audit_workflow_runs_daily_through_one_make_target():
    from croniter import croniter

    from support.repo import REPO

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "log-audit.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    fires = croniter(triggers["schedule"][0]["cron"], datetime(2026, 11, 23, tzinfo=UTC))
    first, second = fires.get_next(datetime), fires.get_next(datetime)
    assert second - first == timedelta(days=1)
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["audit"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    steps = {s.get("id") or s.get("name"): s for s in job["steps"]}
    # Thin: the audit, its alert and its issue are one make target.
    assert [s["run"] for s in job["steps"] if "run" in s] == ["make audit-logs"]
    makefile = (REPO / "Makefile").read_text()
    target = makefile.split("\naudit-logs:", 1)[1].split("\n\n", 1)[0]
    assert "audit logs --inventory $(SCV_INVENTORY) --deny-list $(SCV_HOME)/audit/deny.conf" in target
    assert steps["audit"]["env"] == {
        "SCV_SSH_PRIVATE_KEY": "${{ secrets.SCV_AUDIT_SSH_KEY }}",
        "SCV_ALERT_URLS": "${{ secrets.SCV_ALERT_URLS }}",
        "SCV_AUDIT_OPEN_ISSUE": "true",
        "GH_TOKEN": "${{ github.token }}",
        "GH_REPO": "${{ github.repository }}",
    }
    assert job["env"]["SCV_INVENTORY"] == "playbooks/inventories/production"
    assert (REPO / job["env"]["SCV_SSH_KNOWN_HOSTS"]).is_file()
    # The state the next run restores is what the audit writes under SCV_HOME (.scv by default),
    # saved even when the run fails on a critical finding (else the next run finds it again).
    restored = steps["Restore the audit's state"]["with"]["path"].split()
    saved = steps["Save the audit's state"]
    assert restored == saved["with"]["path"].split() == [".scv/audit/state.json", ".scv/audit/history.duckdb"]
    assert saved["if"].startswith("always()")


def test_the_state_and_history_live_where_the_workflow_keeps_them(scv, repo, tmp_path, monkeypatch):
    from scv.audit import fetch as logfetch
    from scv.audit import run as audit

    monkeypatch.setenv("SCV_HOME", str(tmp_path / ".scv"))
    assert logfetch.state_path() == tmp_path / ".scv" / "audit" / "state.json"
    assert audit.audit_dir() / "history.duckdb" == tmp_path / ".scv" / "audit" / "history.duckdb"


def test_the_report_loads_in_chromium_with_nothing_from_outside(scv, repo, tmp_path):
    from support.browser import chromium
    from support.repo import need

    need("chromium")
    need("chromedriver")
    allow_office(repo)
    logs = Logs()
    four_normal_days(logs)
    attacks(logs, days_ago(2) + timedelta(hours=10))
    assert audit_files(scv, logs.write(tmp_path / "logs"), tmp_path / "out").code == 1

    with chromium() as browser:
        visit = browser.visit((tmp_path / "out" / "index.html").as_uri(), tmp_path / "audit.png")

    assert (visit.console_errors, visit.outside) == ([], [])
    assert visit.title.startswith("Log audit ")
    for text in ["Needs attention", "Served to an address not on the allowlist", "Top offenders", "Timeline",
                 "Requests per day", "Logs read", "Rules"]:  # fmt: skip
        assert text in visit.text
    assert (tmp_path / "audit.png").stat().st_size > 50_000


def test_ssh_attempts_are_counted_once_per_try_on_key_only_servers_too(scv, repo, tmp_path):
    at = days_ago(1) + timedelta(hours=3)
    lines = []
    for port in range(1, 13):
        when = at + timedelta(seconds=20 * port)
        stamp = f"{when:%b %e %H:%M:%S} web1 sshd[{900 + port}]:"
        if port <= 6:  # a password server: "Failed", then the connection closes
            lines.append(f"{stamp} Failed password for root from 45.155.205.30 port {port} ssh2")
        lines.append(
            f"{stamp} Connection closed by authenticating user root 45.155.205.30 port {port} [preauth]"
        )
    lines.append(
        f"{at:%b %e %H:%M:%S} web1 sshd[999]: Disconnected from invalid user pi 45.155.205.31 port 77 [preauth]"
    )
    path = tmp_path / "auth.log"
    path.write_text("\n".join(lines) + "\n")

    result = scv("audit", "logs", "--files", path, "--out", tmp_path / "out")

    assert result.code == 0, result.out + result.err
    r = report(tmp_path / "out")
    brute = [f for f in r["findings"] if f["rule"] == "ssh_brute_force"]
    assert [(f["address"], f["count"]) for f in brute] == [("45.155.205.30", 12)]  # 6 + 6, not 18
    assert r["ssh"]["servers"][0]["failed"] == 13  # the SSH table counts the same way, pi's try too


def test_every_rule_is_documented_in_the_readme_with_its_severity():
    from scv.audit.rules import RULES
    from support.repo import REPO

    readme = (REPO / "README.md").read_text()
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.severity} |" in readme, rule.id


def test_addresses_are_grouped_in_their_24_or_ipv6_64():
    from scv.audit.page import network

    assert network("45.155.206.17") == "45.155.206.0/24"
    assert network("2001:db8:5:6:a::1") == "2001:db8:5:6::/64"
    assert network("not an address") is None and network(None) is None
