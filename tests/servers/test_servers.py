"""Server upkeep: `scv servers report` and playbooks/patch.yml, for real on this machine.

The local inventory's two "servers" are this Debian machine, so the report shows its real pending
updates (compared here with what apt itself says) and patch.yml runs in check mode (nothing is
upgraded). The sites' health checks go to HTTP servers each test starts on ephemeral loopback
ports, written into the test's copy of clients/demo/client.yml as the demo's test and live URLs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest

from scv.servers import report as servers
from support.repo import need

BUILD_ID = "20261123T020000Z-1a2b3c4"


# --- what apt itself says ------------------------------------------------------------------------


def apt_pending() -> tuple[set[str], set[str]]:
    """Upgradable packages and those from a -security archive, from `apt list --upgradable`."""
    listing = subprocess.run(
        ["apt", "list", "--upgradable"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LANG": "C"},
    ).stdout
    # krb5-locales/oldstable,oldstable-security 1.20.1-2+deb12u5 all [upgradable from: 1.20.1-2+deb12u3]
    rows = [re.match(r"^([^/\s]+)/(\S+) ", line) for line in listing.splitlines()]
    names = {m[1] for m in rows if m}
    security = {m[1] for m in rows if m and any(a.endswith("-security") for a in m[2].split(","))}
    return names, security


def debian_with_apt() -> None:
    need("apt-get")
    if not Path("/etc/debian_version").exists():
        pytest.skip("not a Debian machine")


# --- the sites the health checks ask --------------------------------------------------------------


class Site:
    """A site on an ephemeral loopback port answering /build.json; `fail_after` requests fail (500)."""

    log: ClassVar[list[str]] = []  # every request of every site, in order: which site answered when

    def __init__(self, name: str, fail_after: int | None = None):
        self.name, self.fail_after, self.requests = name, fail_after, 0

    @contextlib.contextmanager
    def running(self) -> Iterator[Site]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests += 1
                Site.log.append(site.name)
                healthy = site.fail_after is None or site.requests <= site.fail_after
                body = json.dumps({"build_id": BUILD_ID}).encode() if healthy else b"upstream gone"
                self.send_response(200 if healthy and self.path == "/build.json" else 500)
                self.send_header("Content-Type", "application/json" if healthy else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@contextlib.contextmanager
def sites(repo: Path, test: Site, live: Site) -> Iterator[None]:
    """The demo client's test and live sites, served on ephemeral ports, written into client.yml."""
    Site.log = []
    client_yml = repo / "clients" / "demo" / "client.yml"
    text = client_yml.read_text()
    with test.running(), live.running():
        # The demo's URLs (ports 8481 test, 8480 live) become the test's own servers.
        for port, site in (("8481", test), ("8480", live)):
            text, n = re.subn(rf"url: https?://127\.0\.0\.1:{port}/", f"url: {site.url}", text)
            assert n == 1, f"clients/demo/client.yml: no site URL on port {port}"
        client_yml.write_text(text)
        yield


def patch(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """playbooks/patch.yml on the local inventory, as `make patch` runs it."""
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "playbooks/patch.yml", *args]
    env = {**os.environ, "ANSIBLE_CONFIG": str(repo / "playbooks" / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def hosts_in_order(output: str) -> list[str]:
    """The servers in the order their tasks ran ("ok: [test.local]", "fatal: [live.local]"…)."""
    order: list[str] = []
    for host in re.findall(r"^\w+: \[(\w+\.local)", output, flags=re.MULTILINE):
        if not order or order[-1] != host:
            order.append(host)
    return order


# --- the report, for real ------------------------------------------------------------------------


@pytest.mark.slow
def test_report_shows_this_machines_real_pending_updates(scv, repo, tmp_path):
    debian_with_apt()
    # One thing the machine does not have, a certificate: test.local watches one expiring in 10 days.
    cert = tmp_path / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp_path / "site.key",
         "-out", cert, "-days", "10", "-subj", "/CN=demo.example.org"],
        check=True, capture_output=True,
    )  # fmt: skip
    host_vars = repo / "playbooks" / "inventories" / "local" / "host_vars"
    host_vars.mkdir()
    (host_vars / "test.local.yml").write_text(f"upkeep_certificates: [{cert}]\n")
    # test.local's sites have an nginx instance (role `site` writes one; a minimal one here); live.local's not yet.
    home = Path(os.environ["SCV_HOME"])
    prefix = home / "nginx" / "test"
    (home / "nginx" / "logs").mkdir(parents=True)
    prefix.mkdir(parents=True)
    (prefix / "nginx.conf").write_text(f"pid {prefix}/nginx.pid;\nevents {{}}\nhttp {{}}\n")
    before = apt_pending()

    result = scv("servers", "report", "--json")

    after = apt_pending()
    doc = json.loads(result.out)
    assert [(s["host"], s["env"]) for s in doc["servers"]] == [("test.local", "test"), ("live.local", "live")]
    for server in doc["servers"]:
        facts = server["facts"]
        names = {p["name"] for p in facts["packages"]["upgrades"]}
        security = {p["name"] for p in facts["packages"]["upgrades"] if p["security"]}
        # What apt says on this machine (before or after the report: other jobs may run apt meanwhile).
        assert (names, security) in (before, after), server["host"]
        assert server["pending_updates"] == len(names) + len(facts["packages"]["installs"])
        assert server["security_updates"] == len(security) + sum(
            p["security"] for p in facts["packages"]["installs"]
        )
        assert facts["kernel"]["running"] == os.uname().release
        assert facts["os"].startswith("Debian GNU/Linux")
        assert facts["reboot"]["required"] is Path("/var/run/reboot-required").exists()
        checks = {c["name"]: c for c in server["checks"]}
        assert list(checks) == [
            "updates",
            "reboot",
            "kernel",
            "nginx",
            "disk",
            "memory",
            "certificates",
            "last patch",
        ]
        if security:
            assert f"{len(security)} security update(s) pending" in checks["updates"]["summary"]
        # Never patched by patch.yml on this copy: that needs action.
        assert checks["last patch"] == {
            "name": "last patch",
            "status": "red",
            "summary": "never patched by playbooks/patch.yml",
        }
        assert server["status"] == "red"
        if not shutil.which("nginx"):
            assert checks["nginx"] == {
                "name": "nginx",
                "status": "red",
                "summary": "nginx is not installed: this server cannot serve the sites",
            }
    test_checks, live_checks = ({c["name"]: c for c in s["checks"]} for s in doc["servers"])
    if shutil.which("nginx"):
        version = (
            subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.split("/")[-1].strip()
        )
        assert test_checks["nginx"]["status"] == "green"
        assert test_checks["nginx"]["summary"].startswith(
            f"nginx {version}, configuration test ok (nginx -p {prefix}/ -c {prefix}/nginx.conf -e "
        )
        assert live_checks["nginx"] == {
            "name": "nginx",
            "status": "red",
            "summary": f"nginx {version}: configuration test fails: nginx: the configuration "
            f"{home}/nginx/live/nginx.conf does not exist: the sites are not set up here",
        }
    assert test_checks["certificates"]["status"] == "red"
    assert re.fullmatch(
        r"CN=demo\.example\.org expires in (9|10) day\(s\)", test_checks["certificates"]["summary"]
    )
    # live.local watches the sites' certificate (scv_tls_certificate), which site.yml has not made here.
    assert live_checks["certificates"] == {
        "name": "certificates",
        "status": "red",
        "summary": f"{home}/nginx/tls/local.crt: does not exist",
    }
    assert result.code == 1
    assert doc["needs_action"] is True

    page = (Path(os.environ["SCV_HOME"]) / "servers" / "index.html").read_text()
    assert "<title>Servers: upkeep</title>" in page and "Action needed" in page
    assert "never patched by playbooks/patch.yml" in page
    some = sorted(before[1] or before[0])[:1]
    for name in some:
        assert f'<span class="sec">{name}</span>' in page or f"<td>{name}</td>" in page
    assert "http://" not in page.replace("http://www.w3.org", "")  # self-contained: nothing fetched
    saved = json.loads((Path(os.environ["SCV_HOME"]) / "servers" / "report.json").read_text())
    assert saved["counts"] == {"green": 0, "amber": 0, "red": 2}


@pytest.mark.slow
def test_an_unreachable_server_is_a_red_row_not_a_crash(scv, repo, tmp_path):
    need("ssh")
    with socket.socket() as s:  # a loopback port nothing listens on: closed when the block ends
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    live:\n      hosts:\n        web9.example:\n"
        f"          ansible_host: 127.0.0.1\n          ansible_port: {port}\n"
        "  vars:\n    scv_env: live\n"
    )

    result = scv("servers", "report", "--inventory", inventory, "--json")

    assert result.code == 1
    doc = json.loads(result.out)
    [server] = doc["servers"]
    assert (server["host"], server["env"], server["status"]) == ("web9.example", "live", "red")
    [check] = server["checks"]
    assert check["name"] == "reachable"
    assert f"connect to host 127.0.0.1 port {port}: Connection refused" in check["summary"]


def test_report_of_an_unknown_inventory_is_one_line_and_exit_2(scv, repo):
    result = scv("servers", "report", "--inventory", "playbooks/inventories/nowhere")
    assert result.code == 2
    assert result.err.strip() == "error: playbooks/inventories/nowhere: no such inventory"


# --- patch.yml -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_patch_in_check_mode_rolls_test_then_live_and_changes_nothing(repo, tmp_path, monkeypatch):
    debian_with_apt()
    test, live = Site("test"), Site("live")
    before = apt_pending()

    with sites(repo, test, live):
        run = patch(repo, "--check")

    assert run.returncode == 0, run.stdout + run.stderr
    # One server at a time, test before live; each site asked before and after its server's patch.
    assert hosts_in_order(run.stdout) == ["test.local", "live.local"]
    assert Site.log == ["test", "test", "live", "live"]
    for host in ("test.local", "live.local"):
        assert (
            f'"{host}: before and after patching the sites serve {{\\"demo\\": \\"{BUILD_ID}\\"}}"'
            in run.stdout
        )
    # apt-get --simulate dist-upgrade: as many packages as apt lists as upgradable, none upgraded.
    after = apt_pending()
    counts = {
        int(n) for n in re.findall(r"\.local: (\d+) package\(s\) would be upgraded or installed", run.stdout)
    }
    assert len(counts) == 1 and counts <= {len(before[0]), len(after[0])}, (
        counts,
        len(before[0]),
        len(after[0]),
    )
    assert "(check mode: nothing changed)" in run.stdout
    if not Path("/var/run/reboot-required").exists():
        assert "reboot required" not in run.stdout
    assert not list((Path(os.environ["SCV_HOME"])).glob("upkeep/*/last-patch.json"))
    assert re.search(r"^test\.local\s+: ok=\d+ .*failed=0", run.stdout, flags=re.MULTILINE)
    assert re.search(r"^live\.local\s+: ok=\d+ .*failed=0", run.stdout, flags=re.MULTILINE)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fail_after", "phase"),
    [(0, "before"), (1, "after")],
    ids=["test-site-down-before-patching", "test-site-down-after-patching"],
)
def test_failed_health_check_on_test_stops_the_roll_before_any_live_server(repo, fail_after, phase):
    test, live = Site("test", fail_after=fail_after), Site("live")

    with sites(repo, test, live):
        # The upgrade itself is not what this test is about (the check-mode test runs it).
        run = patch(repo, "--check", "--skip-tags", "upgrade")

    assert run.returncode != 0
    assert (
        f"health check {phase} patching failed: the demo test site {test.url}build.json answered 500"
        in run.stdout
    )
    assert "the roll stops here" in run.stdout
    assert live.requests == 0
    assert "live.local" not in run.stdout  # no task, not even a recap line, for a live server
    assert hosts_in_order(run.stdout) == ["test.local"]
    assert re.search(r"^test\.local\s+: ok=\d+ .*failed=1", run.stdout, flags=re.MULTILINE)


@pytest.mark.slow
def test_a_required_reboot_waits_for_the_maintenance_window(repo, tmp_path):
    required = tmp_path / "reboot-required"
    required.write_text("*** System restart required ***\n")
    today = datetime.now(UTC)
    # test.local's window is open all of today, live.local's every other day of the week.
    windows = {
        "test.local": [today.strftime("%a")],
        "live.local": [(today + timedelta(days=d)).strftime("%a") for d in range(1, 7)],
    }
    host_vars = repo / "playbooks" / "inventories" / "local" / "host_vars"
    host_vars.mkdir()
    for host, days in windows.items():
        (host_vars / f"{host}.yml").write_text(
            json.dumps(
                {
                    "upkeep_reboot_required_file": str(required),
                    "upkeep_reboot": True,
                    "upkeep_maintenance_window": {"days": days, "start": "00:00", "end": "24:00"},
                }
            )
        )
    test, live = Site("test"), Site("live")

    with sites(repo, test, live):
        run = patch(repo, "--check", "--skip-tags", "upgrade")

    assert run.returncode == 0, run.stdout + run.stderr
    assert (
        "test.local: reboot required; inside the maintenance window: would reboot now (check mode)"
        in run.stdout
    )
    assert "live.local: reboot required; outside the maintenance window (" in run.stdout
    assert "live.local: reboot required; inside" not in run.stdout
    assert Site.log == ["test", "test", "live", "live"]


@pytest.mark.slow
def test_a_malformed_maintenance_window_stops_patching_before_anything(repo):
    window = {"days": ["Sunday"], "start": "2:00", "end": "05:00"}
    run = patch(repo, "--check", "-e", json.dumps({"upkeep_maintenance_window": window}))
    assert run.returncode != 0
    assert 'expected {days: [Mon … Sun], start: "HH:MM", end: "HH:MM"} in UTC' in run.stdout
    assert hosts_in_order(run.stdout) == ["test.local"]
    assert "build.json" not in run.stdout


# --- judging: the lines between red, amber and green ---------------------------------------------

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
THRESHOLDS = {
    "disk_free_amber_pct": 20, "disk_free_red_pct": 10,
    "memory_available_amber_pct": 20, "memory_available_red_pct": 10,
    "certificate_amber_days": 30, "certificate_red_days": 14,
    "patch_amber_days": 8, "patch_red_days": 15, "reboot_red_days": 8, "package_lists_amber_days": 2,
}  # fmt: skip


def facts(**changes) -> dict:
    """A healthy server's facts, as upkeep_facts writes them, with some changed."""
    base = {
        "host": "web1", "env": "live", "hostname": "web1", "os": "Debian GNU/Linux 12 (bookworm)",
        "packages": {"manager": "apt", "upgrades": [], "installs": [], "removals": [],
                     "lists_refreshed_at": "2026-11-23T06:00:00+00:00"},
        "reboot": {"required": False},
        "kernel": {"running": "6.1.0-40-amd64", "installed": ["6.1.0-40-amd64"], "newest_installed": "6.1.0-40-amd64"},
        "nginx": {"installed": True, "version": "1.22.1", "config": "/etc/nginx/nginx.conf", "config_ok": True},
        "disks": [{"path": "/", "size": 100, "available": 50}],
        "memory": {"total": 100, "available": 60},
        "certificates": [],
        "last_patch": {"finished_at": "2026-11-22T03:00:00Z", "upgraded": ["libssl3"]},
        "thresholds": THRESHOLDS, "maintenance_window": {"days": ["Sun"], "start": "02:00", "end": "05:00"},
        "reboot_allowed": True, "nginx_expected": True,
    }  # fmt: skip
    for key, value in changes.items():
        base[key] = value
    return base


def statuses(server: dict) -> dict[str, str]:
    return {c["name"]: c["status"] for c in server["checks"]}


def pkg(name: str, security: bool) -> dict:
    return {"name": name, "from": "1", "to": "2", "origins": ["x"], "security": security}


def test_a_healthy_server_is_green():
    server = servers.judge_server(facts(), NOW)
    assert server["status"] == "green"
    assert set(statuses(server).values()) == {"green"}
    assert {c["name"]: c["summary"] for c in server["checks"]}[
        "last patch"
    ] == "33 hour(s) ago (1 package(s) upgraded)"


@pytest.mark.parametrize(
    ("changes", "check", "status", "summary"),
    [
        ({"packages": {"manager": "apt", "upgrades": [pkg("bash", False)], "installs": [], "removals": [],
                       "lists_refreshed_at": "2026-11-23T06:00:00+00:00"}},
         "updates", "green", "1 update(s) pending, none for security"),
        ({"packages": {"manager": "apt", "upgrades": [pkg("libssl3", True), pkg("bash", False)], "installs": [],
                       "removals": [], "lists_refreshed_at": "2026-11-23T06:00:00+00:00"}},
         "updates", "amber", "1 security update(s) pending (2 in all) for the next patch run"),
        ({"packages": {"manager": "apt", "upgrades": [pkg("libssl3", True)], "installs": [], "removals": [],
                       "lists_refreshed_at": "2026-11-23T06:00:00+00:00"},
          "last_patch": {"finished_at": "2026-11-10T03:00:00Z", "upgraded": []}},
         "updates", "red", "1 security update(s) pending (1 in all) and no patch run for over a week"),
        ({"packages": {"manager": "apt", "upgrades": [], "installs": [], "removals": [],
                       "lists_refreshed_at": "2026-11-13T06:00:00+00:00"}},
         "updates", "amber", "up to date; package lists 10 days old: there may be more"),
        ({"reboot": {"required": True, "since": "2026-11-22T03:00:00+00:00", "packages": ["linux-image-6.1.0-41-amd64"]}},
         "reboot", "amber", "reboot required by linux-image-6.1.0-41-amd64 for 1 day(s); patch.yml reboots it in its maintenance window (Sun 02:00–05:00 UTC)"),
        ({"reboot": {"required": True, "since": "2026-11-10T03:00:00+00:00", "packages": []}},
         "reboot", "red", "reboot required for 13 day(s); patch.yml reboots it in its maintenance window (Sun 02:00–05:00 UTC)"),
        ({"kernel": {"running": "6.1.0-40-amd64", "installed": ["6.1.0-40-amd64", "6.1.0-41-amd64"], "newest_installed": "6.1.0-41-amd64"}},
         "kernel", "amber", "running 6.1.0-40-amd64, newest installed 6.1.0-41-amd64: a reboot loads it"),
        ({"nginx": {"installed": False}}, "nginx", "red", "nginx is not installed: this server cannot serve the sites"),
        ({"nginx": {"installed": True, "version": "1.22.1", "config": "/etc/nginx/nginx.conf", "config_ok": False,
                    "config_output": 'nginx: [warn] the "user" directive makes sense only if the master process runs with super-user privileges\nnginx: [emerg] unknown directive "lisen" in /etc/nginx/sites-enabled/demo:3\nnginx: configuration file /etc/nginx/nginx.conf test failed'}},
         "nginx", "red", 'nginx 1.22.1: configuration test fails: nginx: [emerg] unknown directive "lisen" in /etc/nginx/sites-enabled/demo:3'),
        ({"disks": [{"path": "/", "size": 100, "available": 15}]}, "disk", "amber", "/ 15% free (15 B of 100 B)"),
        ({"disks": [{"path": "/", "size": 100, "available": 5}]}, "disk", "red", "/ 5% free (5 B of 100 B)"),
        ({"memory": {"total": 4_000_000_000, "available": 360_000_000}}, "memory", "red", "9% available (360.0 MB of 4.0 GB)"),
        ({"certificates": [{"path": "/etc/ssl/a.pem", "subject": "CN=a", "not_after": "2026-12-13T12:00:00+00:00"}]},
         "certificates", "amber", "CN=a expires in 20 day(s)"),
        ({"certificates": [{"path": "/etc/ssl/a.pem", "subject": "CN=a", "not_after": "2026-11-20T12:00:00+00:00"}]},
         "certificates", "red", "CN=a expired 3 day(s) ago"),
        ({"certificates": [{"path": "/etc/ssl/missing.pem", "error": "does not exist"}]},
         "certificates", "red", "/etc/ssl/missing.pem: does not exist"),
        ({"last_patch": {"finished_at": "2026-11-12T03:00:00Z", "upgraded": [], "rebooted": True}},
         "last patch", "amber", "11 days ago (0 package(s) upgraded, rebooted)"),
        ({"last_patch": None}, "last patch", "red", "never patched by playbooks/patch.yml"),
    ],
)  # fmt: skip
def test_each_check_turns_amber_or_red_at_its_threshold(changes, check, status, summary):
    server = servers.judge_server(facts(**changes), NOW)
    found = {c["name"]: c for c in server["checks"]}[check]
    assert (found["status"], found["summary"]) == (status, summary)
    assert server["status"] == status


# --- upkeep.yml ----------------------------------------------------------------------------------


def test_upkeep_workflow_reports_daily_and_patches_weekly_inside_the_window():
    import yaml
    from croniter import croniter

    from support.repo import REPO

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "upkeep.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    crons = [s["cron"] for s in triggers["schedule"]]
    assert triggers["workflow_dispatch"]["inputs"]["job"]["options"] == ["report", "patch"]
    jobs = workflow["jobs"]
    daily = next(c for c in crons if f"github.event.schedule == '{c}'" in jobs["report"]["if"])
    weekly = next(c for c in crons if f"github.event.schedule == '{c}'" in jobs["patch"]["if"])
    start = datetime(2026, 11, 23, tzinfo=UTC)
    it = croniter(daily, start)
    days = [it.get_next(datetime) for _ in range(7)]
    assert len({d.date() for d in days}) == 7  # every day
    it = croniter(weekly, start)
    weeks = [it.get_next(datetime) for _ in range(4)]
    assert [(b - a).days for a, b in pairwise(weeks)] == [7, 7, 7]  # every week
    # The patch run starts inside the window of the inventory it patches (upkeep.yml's SCV_INVENTORY).
    inventory = REPO / workflow["env"]["SCV_INVENTORY"]
    window = yaml.safe_load((inventory / "group_vars" / "all.yml").read_text())["upkeep_maintenance_window"]
    assert weeks[0].strftime("%a") in window["days"]
    assert window["start"] <= weeks[0].strftime("%H:%M") < window["end"]
    # Thin: each step is a checkout or one make target.
    for job in jobs.values():
        runs = [s["run"] for s in job["steps"] if "run" in s]
        assert runs and all(re.fullmatch(r"make [a-z-]+", r) for r in runs), runs
    assert jobs["patch"]["environment"] == "live"
    assert jobs["patch"]["concurrency"]["cancel-in-progress"] is False
