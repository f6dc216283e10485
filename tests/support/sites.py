"""The sites for real: nginx on loopback ports, playbooks run by ansible-playbook, requests from
an allowed (127.0.0.1) and a denied (127.0.0.2) source address."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from scv.core.manifest import write_sha256sums
from scv.release.sites import verify
from support.repo import scv_process

RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def set_site_urls(repo: Path, test_port: int, live_port: int) -> dict[str, str]:
    path = repo / "clients" / "demo" / "client.yml"
    text = path.read_text()
    urls = {"test": f"https://127.0.0.1:{test_port}/", "live": f"https://127.0.0.1:{live_port}/"}
    for env, default in (("test", "https://127.0.0.1:8481/"), ("live", "https://127.0.0.1:8480/")):
        assert default in text, "the demo client's site URLs changed"
        text = text.replace(default, urls[env])
    path.write_text(text)
    return urls


def stop_nginx(home: Path) -> None:
    """Stop every nginx instance under SCV_HOME and wait until it is gone (tests leave nothing running)."""
    for pidfile in sorted((home / "nginx").glob("*/nginx.pid")):
        prefix = pidfile.parent
        with contextlib.suppress(ValueError, OSError):
            pid = int(pidfile.read_text())
            os.kill(pid, 15)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.05)
        assert not pidfile.exists() or not _alive(pidfile), f"nginx of {prefix} did not stop"


def _alive(pidfile: Path) -> bool:
    try:
        os.kill(int(pidfile.read_text()), 0)
    except (ValueError, OSError):
        return False
    return True


@dataclass
class Answer:
    status: int
    body: bytes
    headers: httpx.Headers

    @property
    def build_id(self) -> str | None:
        try:
            return json.loads(self.body)["build_id"]
        except (ValueError, KeyError, TypeError):
            return None


@dataclass
class Sites:
    """A private repository copy and SCV_HOME with the demo client's sites on free ports."""

    repo: Path
    home: Path
    urls: dict[str, str]
    week1: str
    week2: str
    inventory: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"SCV_REPO": str(self.repo), "SCV_HOME": str(self.home), "COLUMNS": "200"}

    @property
    def ca(self) -> Path:
        return self.home / "nginx" / "tls" / "local.crt"

    def scv(self, *args: str | Path) -> subprocess.CompletedProcess:
        extra = ["--inventory", str(self.inventory)] if self.inventory and args[0] in INVENTORY_VERBS else []
        return scv_process(*args, *extra, env=self.env, cwd=self.repo)

    def playbook(self, name: str, *extra: str) -> tuple[subprocess.CompletedProcess, int]:
        """ansible-playbook as make runs it; returns the process and the recap's changed total."""
        inventory = self.inventory or self.repo / "playbooks" / "inventories" / "local"
        command = [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "--inventory",
            str(inventory),
            *extra,
            str(self.repo / "playbooks" / name),
        ]
        env = {**os.environ, **self.env, "ANSIBLE_CONFIG": str(self.repo / "playbooks" / "ansible.cfg")}
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=self.repo)
        changed = sum(int(m[2]) for m in RECAP.findall(done.stdout))
        return done, changed

    def get(self, env: str, path: str = "build.json", source: str = "127.0.0.1") -> Answer:
        transport = httpx.HTTPTransport(local_address=source, verify=verify(self.ca))
        with httpx.Client(transport=transport, timeout=10) as client:
            response = client.get(self.urls[env] + path)
        return Answer(response.status_code, response.content, response.headers)

    def site_root(self, env: str) -> Path:
        return self.home / "sites" / "demo" / env

    def current(self, env: str) -> str | None:
        link = self.site_root(env) / "current"
        return link.readlink().name if link.is_symlink() else None

    def release_yml(
        self, build_id: str | None, sha256: str | None = None, resolved: list | None = None
    ) -> None:
        """What a promotion PR writes into clients/demo/release.yml."""
        if build_id and sha256 is None:
            sha256 = self.manifest_sha256(build_id)
        data = {"build_id": build_id, "manifest_sha256": sha256}
        if resolved:
            data["resolved_queries"] = resolved
        (self.repo / "clients" / "demo" / "release.yml").write_text(yaml.safe_dump(data, sort_keys=False))

    def manifest_sha256(self, build_id: str) -> str:
        from scv.core.manifest import file_sha256

        return file_sha256(self.home / "builds" / "demo" / build_id / "SHA256SUMS")

    def variant(self, source: str, build_id: str, **changes) -> Path:
        """A sealed copy of a build under a new id with build.json fields changed (a failed or queried week)."""
        path = self.home / "builds" / "demo" / build_id
        shutil.copytree(self.home / "builds" / "demo" / source, path)
        for name in ("build.json", "site/build.json"):
            meta = json.loads((path / name).read_text())
            meta.update(build_id=build_id, **changes)
            (path / name).write_text(json.dumps(meta, indent=2) + "\n")
        write_sha256sums(path)
        return path

    def put_on_test(self, build: Path) -> None:
        """A release copied onto the test site by hand, as no publish would put it there."""
        shutil.copytree(build, self.site_root("test") / "releases" / build.name)


# Verbs that take --inventory.
INVENTORY_VERBS = {"publish", "promote", "rollback", "drift", "access"}


def site_root(home: Path) -> Path:
    return home / "sites" / "demo" / "test"


def current(home: Path) -> str:
    return (site_root(home) / "current").readlink().name


def served_build_id(home: Path) -> str:
    """The build.json nginx serves at /build.json (through `current`; test_sites.py serves it)."""
    return json.loads((site_root(home) / "current" / "build.json").read_text())["build_id"]
