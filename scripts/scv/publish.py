"""`scv publish CLIENT BUILD --env test`: a checked build onto a client's site, with Ansible.

scv decides whether the build may go (its verdict, its report, its checksums); the playbook
(playbooks/publish.yml, role `release`) does the deployment on whatever the inventory says,
the local machine by default. Whatever goes wrong, `current` keeps pointing at the release it
pointed to before, so the site keeps serving.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from scv import builds, paths
from scv.config import load_client
from scv.errors import ProblemFound, ScvError, display_path
from scv.manifest import MANIFEST, file_sha256, verify_sha256sums
from scv.progress import steps
from scv.report import require_report

console = Console()
RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)"
)


def run_publish(name: str, ref: str, env: str, inventory: Path | None = None) -> dict:
    client = load_client(name)
    path = builds.resolve(name, ref)
    meta = builds.read(path)
    site_root = paths.sites_dir(name) / env
    verdict = meta.get("verdict")
    if verdict == "fail":
        raise ProblemFound(
            f"build {path.name} failed its check (verdict fail): not published; the {env} site keeps "
            f"serving {_current(site_root) or 'nothing'}"
        )
    if verdict == "query" and env == "live":
        raise ProblemFound(f"build {path.name} has open queries (verdict query): it does not go live")
    require_report(path)
    bad = verify_sha256sums(path)
    if bad:
        raise ProblemFound(
            f"{display_path(path / MANIFEST)}: {len(bad)} file(s) changed since the build was sealed "
            f"(first: {bad[0]}): not published"
        )
    manifest_sha256 = file_sha256(path / MANIFEST)
    result = _ansible(name, path, env, manifest_sha256, inventory)
    url = str(getattr(client.config.sites, env).url) if env in ("test", "live") else ""
    console.print(
        f"Published [bold]{path.name}[/] to {name} {env} ({verdict}): "
        + ("nothing changed" if result["changed"] == 0 else f"{result['changed']} change(s)")
    )
    for q in meta.get("queries", []):
        console.print(f"  [yellow]open query:[/] {q['question']}")
    console.print(f"  site root    {display_path(site_root)}  (current -> {_current(site_root)})")
    console.print(f"  served from  {display_path(site_root)}/current/site")
    if url:
        console.print(f"  site URL     {url}")
    console.print(f"  ansible      ok={result['ok']} changed={result['changed']} failed={result['failed']}")
    return {**result, "site_root": str(site_root), "url": url, "manifest_sha256": manifest_sha256}


def _current(site_root: Path) -> str | None:
    link = site_root / "current"
    return link.readlink().name if link.is_symlink() else None


def _ansible(client: str, build: Path, env: str, manifest_sha256: str, inventory: Path | None) -> dict:
    repo = paths.repo_root()
    playbook = repo / "playbooks" / "publish.yml"
    inventory = inventory or repo / "playbooks" / "inventories" / "local"
    if not inventory.exists():
        raise ScvError(f"{display_path(inventory)}: no such inventory")
    extra = {
        "scv_publish_env": env,
        "scv_client": client,
        "scv_build_dir": str(build.resolve()),
        "scv_build_id": build.name,
        "scv_manifest_sha256": manifest_sha256,
    }
    command = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "--inventory",
        str(inventory),
        "--extra-vars",
        json.dumps(extra),
        str(playbook),
    ]
    env_vars = {
        **os.environ,
        "ANSIBLE_CONFIG": str(repo / "playbooks" / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "SCV_HOME": str(paths.scv_home()),
    }
    logs = paths.scv_home() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"publish-{client}-{env}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"
    lines: list[str] = []
    with steps(console=console) as progress, log.open("w", encoding="utf-8") as record:
        task = progress.add_task(f"ansible-playbook publish.yml ({env})", total=None)
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env_vars, cwd=repo
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                record.write(line)
                lines.append(line.rstrip("\n"))
                if line.startswith("TASK ["):
                    progress.update(task, description=line[6:].split("]")[0])
        progress.update(task, description="ansible-playbook finished")
    recap = [m.groupdict() for line in lines if (m := RECAP.match(line))]
    if proc.returncode != 0 or not recap:
        failure = next((line for line in lines if line.startswith(("fatal:", "failed:", "ERROR!"))), "")
        message = re.sub(r"\s+", " ", failure)[:400] or f"ansible-playbook exited {proc.returncode}"
        raise ProblemFound(f"publish to {env} failed: {message} (log: {display_path(log)})")
    return {k: sum(int(r[k]) for r in recap) for k in ("ok", "changed", "failed")} | {"log": str(log)}
