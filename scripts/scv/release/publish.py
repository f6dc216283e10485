"""`scv publish CLIENT BUILD --env test`: a checked build onto a client's site, with Ansible.

scv decides whether the build may go (its verdict, its report, its checksums); the playbook
(playbooks/publish.yml, role `release`) does the deployment on whatever the inventory says,
the local machine by default. Whatever goes wrong, `current` keeps pointing at the release it
pointed to before, so the site keeps serving.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from scv.build import read_build, require_report, resolve_build
from scv.clients import load_client
from scv.core import paths
from scv.core.errors import ProblemFound, display_path
from scv.core.manifest import MANIFEST, file_sha256, verify_sha256sums
from scv.release.playbook import run_playbook

console = Console(emoji=False)


def run_publish(name: str, ref: str, env: str, inventory: Path | None = None) -> dict:
    client = load_client(name)
    path = resolve_build(name, ref)
    meta = read_build(path)
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
    extra = {
        "scv_publish_env": env,
        "scv_client": client,
        "scv_build_dir": str(build.resolve()),
        "scv_build_id": build.name,
        "scv_manifest_sha256": manifest_sha256,
    }
    run = run_playbook(
        "publish.yml", extra, inventory, f"publish-{client}-{env}", f"publish to {env}", console
    )
    return {"ok": run.ok, "changed": run.changed, "failed": run.failed, "log": str(run.log)}
