"""The builds of a client under SCV_HOME/builds/<client>/: finding them, reading them, sealing them.

A build directory is complete once it has a build.json (builds are assembled in a hidden
`.<id>.partial` folder and renamed). Its derived parts (checks, report, site) may be rewritten
and the build re-sealed until it is published; a published build is never changed again.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from scv.clients import BUILD_ID, Client
from scv.core import paths
from scv.core.errors import ScvError, display_path
from scv.core.manifest import write_sha256sums


def complete(client: str) -> list[Path]:
    """Complete builds, oldest first (build ids sort by time)."""
    root = paths.builds_dir(client)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if BUILD_ID.match(p.name) and (p / "build.json").is_file())


def resolve(client: str, ref: str) -> Path:
    """A build directory from its id or 'latest'; a one-line error naming what exists otherwise."""
    builds = complete(client)
    if ref == "latest":
        if not builds:
            raise ScvError(f"no builds of {client} in {display_path(paths.builds_dir(client))}")
        return builds[-1]
    if not BUILD_ID.match(ref):
        raise ScvError(f"{ref!r} is not a build id (like 20261123T020000Z-1a2b3c4) or 'latest'")
    path = paths.builds_dir(client) / ref
    if not (path / "build.json").is_file():
        recent = ", ".join(p.name for p in builds[-3:]) or "none"
        raise ScvError(f"no complete build {ref} of {client} (latest: {recent})")
    return path


def read(path: Path) -> dict:
    try:
        return json.loads((path / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScvError(f"{display_path(path / 'build.json')}: not readable ({exc})") from None


def write(path: Path, meta: dict) -> None:
    (path / "build.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def previous(client: str, build_id: str) -> Path | None:
    """The latest complete build before this one that did not fail: what last week looked like.
    A pull request's preview build is never last week."""
    for path in reversed(complete(client)):
        if path.name < build_id and (meta := read(path)).get("verdict") != "fail" and not meta.get("preview"):
            return path
    return None


def live(client: Client) -> tuple[str | None, Path | None]:
    """The build release.yml says is live, and its directory when this machine has it."""
    build_id = client.release.build_id
    if not build_id:
        return None, None
    path = paths.builds_dir(client.name) / build_id
    return build_id, path if (path / "build.json").is_file() else None


def history(client: str, upto: str, limit: int = 12) -> list[dict]:
    """build.json of the last `limit` builds up to and including `upto` that did not fail."""
    metas = [read(p) for p in complete(client) if p.name <= upto]
    return [
        m for m in metas if (m.get("verdict") != "fail" and not m.get("preview")) or m.get("build_id") == upto
    ][-limit:]


def published_on(client: str, build_id: str) -> list[str]:
    """Environments whose site root holds a release of this build."""
    root = paths.sites_dir(client)
    if not root.is_dir():
        return []
    return sorted(env.name for env in root.iterdir() if (env / "releases" / build_id).is_dir())


def require_unpublished(client: Client, path: Path, what: str) -> None:
    envs = published_on(client.name, path.name)
    if client.release.build_id == path.name:
        envs.append("live (release.yml)")
    if envs:
        raise ScvError(
            f"build {path.name} is published ({', '.join(envs)}): a published build is never changed, "
            f"so {what} is not rewritten"
        )


def seal(path: Path) -> str:
    """Rewrite SHA256SUMS after a derived part changed; returns the manifest's sha256."""
    return write_sha256sums(path)


def labels(build_ids: list[str]) -> list[str]:
    """20261123T020000Z-1a2b3c4 -> '23 Nov': axis labels of a weekly trend, with the time of day
    where one day has several builds (reruns)."""
    stamps = [datetime.strptime(b[:15], "%Y%m%dT%H%M%S") for b in build_ids]
    days = [f"{s:%d %b}" for s in stamps]
    return [f"{s:%d %b %H:%M}" if days.count(d) > 1 else d for s, d in zip(stamps, days, strict=True)]
