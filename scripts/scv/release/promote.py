"""`scv promote CLIENT` and `scv rollback CLIENT --env live`: the live site, changed by Ansible.

A promotion puts live exactly the build clients/<client>/release.yml names (a reviewer approved
it in the promotion pull request): playbooks/promote.yml checks the test site's copy against the
manifest sha256 release.yml pins, refuses a build that failed or has unanswered queries, copies
test -> live byte for byte, switches `current` atomically and smoke-checks live's /build.json.
A rollback returns a site to the release before in one step (playbooks/rollback.yml). Whatever
is refused or fails, live keeps serving the release it served.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from scv.build import resolve_build
from scv.clients import BUILD_ID, Client, load_client
from scv.core import paths
from scv.core.errors import ScvError, display_path
from scv.core.manifest import MANIFEST, file_sha256
from scv.release.playbook import Run, run_playbook

console = Console(emoji=False)


@dataclass(frozen=True)
class Release:
    """The build to put live: its id, the sha256 of its SHA256SUMS, the queries answered."""

    build_id: str
    manifest_sha256: str
    resolved_queries: tuple[str, ...]
    named_in: str


def from_release_yml(client: Client) -> Release:
    path = display_path(client.folder / "release.yml")
    release = client.release
    if not release.build_id or not release.manifest_sha256:
        raise ScvError(f"{path}: build_id: no build named, so nothing to promote")
    resolved = tuple(f"{q.check}::{q.subject}" for q in release.resolved_queries)
    return Release(release.build_id, release.manifest_sha256, resolved, path)


def from_build(client: Client, ref: str) -> Release:
    """A build named on the command line, pinned by its sealed manifest on this machine."""
    path = resolve_build(client.name, ref)
    return Release(path.name, file_sha256(path / MANIFEST), (), f"--build {ref}")


def promote(name: str, build: str | None = None, inventory: Path | None = None) -> Run:
    client = load_client(name)
    release = from_build(client, build) if build else from_release_yml(client)
    url = str(client.config.sites.live.url)
    extra = {
        "scv_client": name,
        "scv_build_id": release.build_id,
        "scv_manifest_sha256": release.manifest_sha256,
        "scv_resolved_queries": list(release.resolved_queries),
        "scv_site_url": url,
    }
    console.print(f"Promoting [bold]{release.build_id}[/] ({release.named_in}) to {name} live")
    run = run_playbook("promote.yml", extra, inventory, f"promote-{name}", "promotion to live", console)
    if run.changed == 0:
        console.print(f"{release.build_id} was already live: nothing changed")
    else:
        console.print(f"Promoted [bold]{release.build_id}[/] to {name} live")
    console.print(f"  live URL     {url}  (/build.json names {release.build_id})")
    console.print(f"  ansible      {run.summary()}  (log: {display_path(run.log)})")
    return run


def rollback(name: str, env: str, to: str | None = None, inventory: Path | None = None) -> Run:
    client = load_client(name)
    if to is not None and not BUILD_ID.match(to):
        raise ScvError(f"--to {to!r} is not a build id (like 20261123T020000Z-1a2b3c4)")
    url = str(getattr(client.config.sites, env).url)
    extra = {"scv_client": name, "scv_rollback_env": env, "scv_site_url": url}
    if to:
        extra["scv_rollback_to"] = to
    run = run_playbook(
        "rollback.yml", extra, inventory, f"rollback-{name}-{env}", f"rollback of {env}", console
    )
    served = _current(name, env)
    what = f" to {served}" if served else ""
    console.print(
        f"{name} {env} was already on that release: nothing changed"
        if run.changed == 0
        else f"Rolled {name} {env} back{what}"
    )
    console.print(f"  URL          {url}")
    console.print(f"  ansible      {run.summary()}  (log: {display_path(run.log)})")
    return run


def _current(name: str, env: str) -> str | None:
    """The release `current` points at, where the site root is on this machine (local inventory)."""
    link = paths.sites_dir(name) / env / "current"
    return link.readlink().name if link.is_symlink() else None
