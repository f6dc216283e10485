#!/usr/bin/python
"""Ansible module: what the daily upkeep report needs to know about one server.

Read-only: it runs `apt-get --simulate`, `nginx -v`, `nginx -t`, `openssl x509` and reads files;
it changes nothing, so it runs the same in check mode. Judging the figures (red, amber, green)
is scv's job (`scv servers report`), not the module's: the module only gathers and parses.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
# timezone.utc rather than datetime.UTC: the server's Python may be older than scv's 3.11.
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: upkeep_facts
short_description: Pending updates, reboot, kernel, nginx, disk, memory, certificates, last patch run.
options:
  reboot_required_file: {type: path, default: /var/run/reboot-required}
  kernel_dir: {type: path, default: /boot, description: where installed kernels (vmlinuz-*) are}
  nginx_args: {type: list, elements: str, default: [], description: "options of `nginx -t`, e.g. [-c, /etc/nginx/nginx.conf]"}
  disk_paths: {type: list, elements: path, default: [/]}
  certificates: {type: list, elements: path, default: []}
  last_patch_file: {type: path, required: true, description: written by playbooks/patch.yml}
"""

# "Inst libssl3 [3.0.15-1~deb12u1] (3.0.16-1~deb12u1 Debian-Security:12/oldstable-security [amd64])"
# The [old version] is missing for a package dist-upgrade newly installs (a new kernel).
APT_INST = re.compile(r"^Inst (?P<name>\S+) (?:\[(?P<old>[^\]]*)\] )?\((?P<new>\S+) (?P<origins>.*?) \[[^\]]*\]\)")
APT_REMV = re.compile(r"^Remv (?P<name>\S+)")


def packages(module: AnsibleModule) -> dict:
    """Pending updates as `apt-get dist-upgrade` would make them, with their archives (pockets)."""
    apt_get = shutil.which("apt-get")
    if not apt_get:
        return {"manager": None, "error": "apt-get not found: only Debian and Ubuntu servers are supported"}
    # Debug::NoLocking: a simulation needs no lock, so it runs beside a running apt and without root.
    rc, out, err = module.run_command(
        [apt_get, "--simulate", "-o", "Debug::NoLocking=true", "dist-upgrade"],
        environ_update={"LANG": "C", "LC_ALL": "C"},
    )
    if rc != 0:
        return {"manager": "apt", "error": f"apt-get --simulate dist-upgrade exited {rc}: {err.strip()[:300]}"}
    upgrades, installs, removals = [], [], []
    for line in out.splitlines():
        if m := APT_INST.match(line):
            origins = [o.strip() for o in m["origins"].split(",")]
            entry = {
                "name": m["name"],
                "from": m["old"],
                "to": m["new"],
                "origins": origins,
                # Debian "Debian-Security:12/bookworm-security", Ubuntu "Ubuntu:24.04/noble-security".
                "security": any(o.rsplit("/", 1)[-1].endswith("-security") for o in origins),
            }
            (upgrades if m["old"] is not None else installs).append(entry)
        elif m := APT_REMV.match(line):
            removals.append(m["name"])
    return {
        "manager": "apt",
        "upgrades": upgrades,
        "installs": installs,
        "removals": removals,
        "lists_refreshed_at": _lists_refreshed_at(),
    }


def _lists_refreshed_at() -> str | None:
    """When the package lists were last downloaded: the newest list file (apt dates each file)."""
    lists = "/var/lib/apt/lists"
    try:
        stamps = [e.stat().st_mtime for e in os.scandir(lists) if e.is_file() and e.name != "lock"]
    except OSError:
        return None
    return _iso(max(stamps)) if stamps else None


def reboot(path: str) -> dict:
    if not os.path.exists(path):
        return {"required": False}
    pkgs_file = path + ".pkgs"
    pkgs = []
    if os.path.exists(pkgs_file):
        with open(pkgs_file, encoding="utf-8", errors="replace") as f:
            pkgs = sorted({line.strip() for line in f if line.strip()})
    return {"required": True, "since": _iso(os.stat(path).st_mtime), "packages": pkgs}


def _version_key(text: str) -> list:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p]


def kernel(kernel_dir: str) -> dict:
    running = os.uname().release
    try:
        names = [n[len("vmlinuz-") :] for n in os.listdir(kernel_dir) if n.startswith("vmlinuz-")]
    except OSError:
        names = []
    newest = max(names, key=_version_key) if names else None
    return {"running": running, "installed": sorted(names, key=_version_key), "newest_installed": newest}


def nginx(module: AnsibleModule, args: list[str]) -> dict:
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not binary:
        return {"installed": False}
    _, out, err = module.run_command([binary, "-v"])
    m = re.search(r"nginx/(\S+)", out + err)
    conf = args[args.index("-c") + 1] if "-c" in args[:-1] else None
    if conf and not os.path.exists(conf):
        # nginx would first complain about its error log; the missing configuration is the news.
        rc, out, err = 1, "", f"nginx: the configuration {conf} does not exist: the sites are not set up here"
    else:
        rc, out, err = module.run_command([binary, *args, "-t"])
    return {
        "installed": True,
        "binary": binary,
        "version": m.group(1) if m else None,
        "config": " ".join(["nginx", *args, "-t"]),
        "config_ok": rc == 0,
        "config_output": (out + err).strip()[-1500:],
    }


def disks(paths: list[str]) -> list[dict]:
    result = []
    for path in paths:
        try:
            st = os.statvfs(path)
        except OSError as exc:
            result.append({"path": path, "error": exc.strerror or str(exc)})
            continue
        # f_bavail: what an unprivileged process may still write (root's reserve excluded).
        result.append({"path": path, "size": st.f_blocks * st.f_frsize, "available": st.f_bavail * st.f_frsize})
    return result


def memory() -> dict:
    info = {}
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            info[key] = int(rest.split()[0]) * 1024
    return {"total": info.get("MemTotal"), "available": info.get("MemAvailable")}


def certificates(module: AnsibleModule, paths: list[str]) -> list[dict]:
    openssl = shutil.which("openssl")
    result = []
    for path in paths:
        if not os.path.exists(path):
            result.append({"path": path, "error": "does not exist"})
            continue
        if not openssl:
            result.append({"path": path, "error": "openssl not found"})
            continue
        rc, out, err = module.run_command(
            [openssl, "x509", "-noout", "-enddate", "-subject", "-nameopt", "RFC2253", "-in", path]
        )
        if rc != 0:
            result.append({"path": path, "error": (err.strip() or f"openssl exited {rc}").splitlines()[0]})
            continue
        fields = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        # notAfter=Nov 23 12:00:00 2026 GMT
        not_after = datetime.strptime(fields["notAfter"].strip(), "%b %d %H:%M:%S %Y %Z").replace(tzinfo=timezone.utc)
        result.append({"path": path, "subject": fields.get("subject", "").strip(), "not_after": not_after.isoformat()})
    return result


def last_patch(module: AnsibleModule, path: str) -> dict | None:
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        try:
            return module.from_json(f.read())
        except ValueError as exc:
            return {"error": f"{path}: not JSON ({exc})"}


def os_name() -> str:
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            fields = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        return fields.get("PRETTY_NAME", "").strip('"')
    except OSError:
        return ""


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "reboot_required_file": {"type": "path", "default": "/var/run/reboot-required"},
            "kernel_dir": {"type": "path", "default": "/boot"},
            "nginx_args": {"type": "list", "elements": "str", "default": []},
            "disk_paths": {"type": "list", "elements": "path", "default": ["/"]},
            "certificates": {"type": "list", "elements": "path", "default": []},
            "last_patch_file": {"type": "path", "required": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    started = time.monotonic()
    facts = {
        "hostname": socket.gethostname(),
        "os": os_name(),
        "gathered_at": _iso(time.time()),
        "packages": packages(module),
        "reboot": reboot(p["reboot_required_file"]),
        "kernel": kernel(p["kernel_dir"]),
        "nginx": nginx(module, p["nginx_args"]),
        "disks": disks(p["disk_paths"]),
        "memory": memory(),
        "certificates": certificates(module, p["certificates"]),
        "last_patch": last_patch(module, p["last_patch_file"]),
    }
    facts["seconds"] = round(time.monotonic() - started, 2)
    module.exit_json(changed=False, upkeep=facts)


if __name__ == "__main__":
    main()
