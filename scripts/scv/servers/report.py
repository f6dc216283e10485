"""`scv servers report`: the daily look at every web server, red, amber or green.

Ansible gathers the facts (playbooks/servers-report.yml, role `upkeep`, module `upkeep_facts`):
pending package updates and which are security updates, a required reboot, running against
installed kernel, nginx and `nginx -t`, disk and memory headroom, certificate expiry and the last
run of playbooks/patch.yml. scv judges them here against the thresholds the inventory sets
(`upkeep_thresholds`), writes index.html and report.json, and exits 1 when a server is red:
red means someone has to act, amber means watch it, green means nothing to do.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scv import pages
from scv.core import paths
from scv.core.errors import ScvError, display_path
from scv.release import stream

console = Console(emoji=False)
STATUSES = ("green", "amber", "red")
RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=\d+\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)"
)
FATAL = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\].*?=> (?P<json>\{.*\})\s*$")


@dataclass
class Check:
    name: str  # what was looked at: "updates", "reboot", "kernel", …
    status: str  # green | amber | red
    summary: str  # one line a person reads in the table


def worst(statuses: list[str]) -> str:
    return max(statuses, key=STATUSES.index, default="green")


def run_report(inventory: Path | None = None, limit: str | None = None, out_dir: Path | None = None) -> dict:
    """Gather, judge, write. Returns the report document (report.json)."""
    inventory = inventory or paths.default_inventory()
    if not inventory.exists():
        raise ScvError(f"{display_path(inventory)}: no such inventory")
    out_dir = out_dir or paths.scv_home() / "servers"
    facts, errors = gather(inventory, limit)
    now = datetime.now(UTC)
    servers = [
        judge_server(f, now)
        if "packages" in f
        else {
            "host": host,
            "env": f.get("env", ""),
            "status": "red",
            "checks": [asdict(Check("reachable", "red", errors.get(host, "no facts gathered")))],
        }
        for host, f in {**{h: {} for h in errors}, **facts}.items()
    ]
    servers.sort(key=lambda s: ({"test": 0, "live": 1}.get(s["env"], 2), s["host"]))
    if not servers:
        raise ScvError(f"{display_path(inventory)}: no server matched{f' --limit {limit}' if limit else ''}")
    doc = {
        "generated_at": now.isoformat(timespec="seconds"),
        "inventory": str(inventory),
        "counts": {s: sum(1 for v in servers if v["status"] == s) for s in STATUSES},
        "needs_action": any(s["status"] == "red" for s in servers),
        "servers": servers,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    gathered = [s for s in servers if "facts" in s]
    pages.write(
        out_dir / "index.html",
        "servers.html.j2",
        title="Servers: upkeep",
        doc=doc,
        check_names=list(dict.fromkeys(c["name"] for s in servers for c in s["checks"])),
        pending=[(s["host"], s["pending_updates"]) for s in gathered],
        security=[(s["host"], s["security_updates"]) for s in gathered],
    )
    doc["out"] = str(out_dir)
    return doc


def gather(inventory: Path, limit: str | None) -> tuple[dict[str, dict], dict[str, str]]:
    """Run the facts play; each server's facts as written by the play, and why others have none."""
    repo = paths.repo_root()
    with tempfile.TemporaryDirectory(prefix="scv-servers-") as tmp:
        extra = {"upkeep_report_dir": tmp}
        command = [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "--inventory",
            str(inventory),
            "--extra-vars",
            json.dumps(extra),
            str(repo / "playbooks" / "servers-report.yml"),
        ] + (["--limit", limit] if limit else [])
        lines, code, log = stream(
            command, "servers-report", "servers-report.yml", Console(stderr=True, emoji=False)
        )
        facts = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(tmp).glob("*.json"))}
    errors: dict[str, str] = {}
    for line in lines:
        if m := FATAL.match(line):
            try:
                result = json.loads(m["json"])
                message = str(result.get("msg", ""))
            except json.JSONDecodeError:
                message = line
            message = re.sub(r"\s+", " ", message.removeprefix("Task failed: "))
            errors.setdefault(m["host"], message[:300] or line[:300])
        elif (m := RECAP.match(line)) and (int(m["unreachable"]) or int(m["failed"])):
            errors.setdefault(m["host"], f"ansible could not gather its facts (log: {display_path(log)})")
    if code != 0 and not facts and not errors:
        failure = next((line for line in lines if line.startswith(("ERROR", "[ERROR]"))), "")
        raise ScvError(
            f"ansible-playbook servers-report.yml exited {code}: {failure[:300]} (log: {display_path(log)})"
        )
    return facts, errors


# --- judging -------------------------------------------------------------------------------------


def judge_server(facts: dict, now: datetime) -> dict:
    t = facts["thresholds"]
    patch_age = _age_days(facts.get("last_patch"), "finished_at", now)
    checks = [
        updates(facts["packages"], t, patch_age, now),
        reboot(
            facts["reboot"], t, facts.get("maintenance_window") or {}, facts.get("reboot_allowed", True), now
        ),
        kernel(facts["kernel"]),
        nginx(facts["nginx"], facts.get("nginx_expected", True)),
        disk(facts["disks"], t),
        memory(facts["memory"], t),
        certificates(facts["certificates"], t, now),
        last_patch(facts.get("last_patch"), patch_age, t),
    ]
    pkgs = facts["packages"]
    pending = pkgs.get("upgrades", []) + pkgs.get("installs", [])
    return {
        "host": facts["host"],
        "env": facts.get("env", ""),
        "hostname": facts.get("hostname", ""),
        "os": facts.get("os", ""),
        "status": worst([c.status for c in checks]),
        "checks": [asdict(c) for c in checks],
        "pending_updates": len(pending),
        "security_updates": sum(1 for p in pending if p["security"]),
        "facts": facts,
    }


def updates(pkgs: dict, t: dict, patch_age: float | None, now: datetime) -> Check:
    if pkgs.get("manager") is None or pkgs.get("error"):
        return Check("updates", "red", pkgs.get("error") or "pending updates unknown")
    pending = pkgs["upgrades"] + pkgs["installs"]
    security = sum(1 for p in pending if p["security"])
    lists_age = _days_since(pkgs.get("lists_refreshed_at"), now)
    stale = lists_age is None or lists_age > t["package_lists_amber_days"]
    age = "never refreshed" if lists_age is None else f"{lists_age:.0f} days old"
    note = f"; package lists {age}: there may be more" if stale else ""
    removals = f", {len(pkgs['removals'])} removal(s)" if pkgs["removals"] else ""
    if security:
        # Security updates go with the weekly patch run: waiting for it is amber, a missed one red.
        overdue = patch_age is None or patch_age > t["patch_amber_days"]
        status = "red" if overdue else "amber"
        why = "and no patch run for over a week" if overdue else "for the next patch run"
        return Check(
            "updates",
            status,
            f"{security} security update(s) pending ({len(pending)} in all{removals}) {why}{note}",
        )
    if pending:
        return Check(
            "updates",
            "amber" if stale else "green",
            f"{len(pending)} update(s) pending, none for security{removals}{note}",
        )
    return Check("updates", "amber" if stale else "green", f"up to date{note}")


def reboot(info: dict, t: dict, window: dict, allowed: bool, now: datetime) -> Check:
    if not info["required"]:
        return Check("reboot", "green", "no reboot required")
    waited = _days_since(info.get("since"), now) or 0.0
    what = (
        f" by {', '.join(info['packages'][:3])}{'…' if len(info['packages']) > 3 else ''}"
        if info.get("packages")
        else ""
    )
    if not allowed:
        plan = "reboots by playbook are off for this server: a person reboots it"
    elif window:
        when = f"{'/'.join(window['days'])} {window['start']}–{window['end']} UTC"
        plan = f"patch.yml reboots it in its maintenance window ({when})"
    else:
        plan = "no maintenance window is set: a person reboots it"
    status = "red" if waited > t["reboot_red_days"] or (not window and allowed) else "amber"
    return Check("reboot", status, f"reboot required{what} for {waited:.0f} day(s); {plan}")


def kernel(info: dict) -> Check:
    running, newest = info["running"], info.get("newest_installed")
    if not newest:
        return Check(
            "kernel",
            "green",
            f"running {running} (none in /boot: booted from outside, a VM or container host)",
        )
    if running == newest:
        return Check("kernel", "green", f"running {running}, the newest installed")
    return Check("kernel", "amber", f"running {running}, newest installed {newest}: a reboot loads it")


def nginx(info: dict, expected: bool) -> Check:
    if not info["installed"]:
        if expected:
            return Check("nginx", "red", "nginx is not installed: this server cannot serve the sites")
        return Check("nginx", "green", "nginx is not installed (not expected on this server)")
    version = f"nginx {info.get('version') or '(version unknown)'}"
    if not info["config_ok"]:
        lines = (info.get("config_output") or "").strip().splitlines()
        # The [emerg] line says what is wrong; the others ([warn], "test failed") only that it is.
        line = next((x for x in lines if "[emerg]" in x), lines[0] if lines else "no output")
        return Check("nginx", "red", f"{version}: configuration test fails: {line}")
    return Check("nginx", "green", f"{version}, configuration test ok ({info['config']})")


def disk(disks: list[dict], t: dict) -> Check:
    parts, statuses = [], []
    for d in disks:
        if "error" in d:
            parts.append(f"{d['path']}: {d['error']}")
            statuses.append("red")
            continue
        free = 100 * d["available"] / d["size"] if d["size"] else 0.0
        statuses.append(_level(free, t["disk_free_red_pct"], t["disk_free_amber_pct"]))
        parts.append(f"{d['path']} {free:.0f}% free ({_bytes(d['available'])} of {_bytes(d['size'])})")
    return Check("disk", worst(statuses), "; ".join(parts) or "no filesystem configured")


def memory(info: dict, t: dict) -> Check:
    total, available = info.get("total"), info.get("available")
    if not total or available is None:
        return Check("memory", "amber", "memory figures unavailable")
    free = 100 * available / total
    level = _level(free, t["memory_available_red_pct"], t["memory_available_amber_pct"])
    return Check("memory", level, f"{free:.0f}% available ({_bytes(available)} of {_bytes(total)})")


def certificates(certs: list[dict], t: dict, now: datetime) -> Check:
    if not certs:
        return Check("certificates", "green", "none configured on this server (upkeep_certificates)")
    parts, statuses = [], []
    for c in certs:
        if "error" in c:
            parts.append(f"{c['path']}: {c['error']}")
            statuses.append("red")
            continue
        days = (datetime.fromisoformat(c["not_after"]) - now).total_seconds() / 86400
        statuses.append(_level(days, t["certificate_red_days"], t["certificate_amber_days"]))
        name = c.get("subject") or c["path"]
        parts.append(
            f"{name} expired {-days:.0f} day(s) ago" if days < 0 else f"{name} expires in {days:.0f} day(s)"
        )
    return Check("certificates", worst(statuses), "; ".join(parts))


def last_patch(record: dict | None, age: float | None, t: dict) -> Check:
    if record is None:
        return Check("last patch", "red", "never patched by playbooks/patch.yml")
    if "error" in record or age is None:
        return Check("last patch", "red", record.get("error", "last-patch.json has no finished_at"))
    upgraded = len(record.get("upgraded", []))
    text = f"{_ago(age)} ({upgraded} package(s) upgraded{', rebooted' if record.get('rebooted') else ''})"
    if age > t["patch_red_days"]:
        return Check("last patch", "red", text)
    return Check("last patch", "amber" if age > t["patch_amber_days"] else "green", text)


def _level(value: float, red_below: float, amber_below: float) -> str:
    return "red" if value < red_below else "amber" if value < amber_below else "green"


def _age_days(record: dict | None, key: str, now: datetime) -> float | None:
    return _days_since(record.get(key), now) if isinstance(record, dict) else None


def _days_since(stamp: str | None, now: datetime) -> float | None:
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (now - when).total_seconds() / 86400


def _ago(days: float) -> str:
    if days < 1 / 24:
        return f"{max(days * 1440, 0):.0f} minute(s) ago"
    if days < 2:
        return f"{days * 24:.0f} hour(s) ago"
    return f"{days:.0f} days ago"


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


# --- the console ---------------------------------------------------------------------------------

COLOURS = {"green": "green", "amber": "yellow", "red": "red"}


def print_report(doc: dict, out: Console) -> None:
    table = Table(title="Servers", title_justify="left")
    table.add_column("server")
    table.add_column("status")
    table.add_column("check")
    table.add_column("finding")
    for s in doc["servers"]:
        for i, c in enumerate(s["checks"]):
            table.add_row(
                (f"{s['host']} ({s['env']})" if s["env"] else s["host"]) if i == 0 else "",
                f"[{COLOURS[s['status']]}]{s['status']}[/]" if i == 0 else "",
                f"[{COLOURS[c['status']]}]{c['name']}[/]",
                escape(c["summary"]),
            )
        table.add_section()
    out.print(table)
    counts = doc["counts"]
    out.print(f"{counts['red']} red, {counts['amber']} amber, {counts['green']} green")
    out.print(f"Report: {display_path(Path(doc['out']) / 'index.html')}", highlight=False, soft_wrap=True)
    out.print(f"JSON:   {display_path(Path(doc['out']) / 'report.json')}", highlight=False, soft_wrap=True)
