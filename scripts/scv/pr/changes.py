"""What a pull request changes, from git: its files, the clients they affect, the sources it adds.

GitHub's pull_request payload does not list a PR's files, and the API pages them at 3,000. The
checkout has both commits the payload names, so git answers: the files of `base...head` (from
the merge base, as GitHub's "Files changed" tab shows them).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from scv import github
from scv.core import paths
from scv.core.errors import ScvError

RELEASE = re.compile(r"^clients/(?P<client>[^/]+)/release\.yml$")
# Files of a client folder that do not change what a build computes: which build is live, and
# who may see the site. Changing them needs no preview build.
NOT_BUILD_INPUTS = {"release.yml", "access.yml"}
# Shared parts of the dbt project: a change to any of them can change every client's build.
SHARED = ("models/", "macros/", "seeds/", "dbt_project.yml", "profiles.yml")


def git(*args: str, repo: Path | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo or paths.repo_root(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no output"])[0]
        raise ScvError(f"git {' '.join(args)}: {first}")
    return done.stdout


def require_commit(sha: str, repo: Path | None = None) -> None:
    """The commit must be in the checkout (actions/checkout with fetch-depth: 0)."""
    if not re.fullmatch(r"[0-9a-f]{7,40}", sha or ""):
        raise ScvError(f"{sha!r} is not a commit sha")
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=repo or paths.repo_root(), capture_output=True
    )
    if found.returncode != 0:
        raise ScvError(
            f"commit {sha[:12]} is not in the checkout {repo or paths.repo_root()}: "
            "check out with fetch-depth: 0 so both ends of the pull request are there"
        )


def changed_files(base: str, head: str, repo: Path | None = None) -> list[str]:
    """Files the PR adds, changes or deletes; a rename counts as both of its paths."""
    require_commit(base, repo)
    require_commit(head, repo)
    out = git("diff", "--name-only", "--no-renames", "-z", f"{base}...{head}", repo=repo)
    return sorted(f for f in out.split("\0") if f)


def file_at(sha: str, path: str, repo: Path | None = None) -> str | None:
    """A file's text at a commit, None when it does not exist there."""
    done = subprocess.run(
        ["git", "show", f"{sha}:{path}"], cwd=repo or paths.repo_root(), capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else None


@dataclass(frozen=True)
class Affected:
    client: str
    because: str  # the first file that makes the client affected


def affected_clients(files: list[str], clients: list[str]) -> list[Affected]:
    """Which clients a change can alter the build of.

    clients/<c>/ (but for release.yml and access.yml) and models/clients/<c>/ affect c; the
    shared models, macros, seeds and the dbt project files affect every client. Clients that no
    longer exist at the head (a removed client) have nothing to build.
    """
    found: dict[str, str] = {}
    for f in files:
        parts = f.split("/")
        if parts[0] == "clients" and len(parts) >= 3:
            if parts[-1] not in NOT_BUILD_INPUTS or len(parts) > 3:
                found.setdefault(parts[1], f)
        elif parts[:2] == ["models", "clients"] and len(parts) >= 4:
            found.setdefault(parts[2], f)
        elif f.startswith(SHARED):
            for client in clients:
                found.setdefault(client, f)
    return [Affected(c, found[c]) for c in sorted(found) if c in clients]


@dataclass(frozen=True)
class AddedSource:
    client: str
    source: str
    file: str  # the file name or glob client.yml declares for it


def added_sources(base: str, head: str, files: list[str], repo: Path | None = None) -> list[AddedSource]:
    """Sources a client.yml has at the head and not at the base (a new client's are all new)."""
    added = []
    for f in files:
        parts = f.split("/")
        if len(parts) != 3 or parts[0] != "clients" or parts[2] != "client.yml":
            continue
        before = _sources(file_at(base, f, repo), f"{base[:7]}:{f}")
        after = _sources(file_at(head, f, repo), f"{head[:7]}:{f}")
        added += [AddedSource(parts[1], name, after[name]) for name in after if name not in before]
    return added


def _sources(text: str | None, where: str) -> dict[str, str]:
    if text is None:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScvError(f"{where}: YAML syntax error ({exc.__class__.__name__})") from None
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, list):
        return {}
    return {
        s["name"]: str(s.get("file", ""))
        for s in sources
        if isinstance(s, dict) and isinstance(s.get("name"), str)
    }


@dataclass
class PullRequestChanges:
    base: str
    head: str
    files: list[str]
    affected: list[Affected]
    sources: list[AddedSource]
    fork: bool

    @property
    def preview(self) -> bool:
        """A fork's code never runs next to client data."""
        return bool(self.affected) and not self.fork

    def summary_lines(self) -> list[str]:
        lines = [f"{len(self.files)} file(s) changed between {self.base[:7]} and {self.head[:7]}"]
        lines += [f"  affects {a.client}  (first: {a.because})" for a in self.affected]
        if not self.affected:
            lines.append("  no client's build is affected")
        lines += [f"  adds source {s.client}/{s.source} ({s.file})" for s in self.sources]
        if self.affected and self.fork:
            lines.append("  no preview: the pull request comes from a fork")
        return lines


def pull_request_changes(event: dict, clients: list[str]) -> PullRequestChanges:
    """`scv pr affected`: the clients a PR affects and the sources it adds, from git, not the payload."""
    base = github.field(event, "pull_request.base.sha")
    head = github.field(event, "pull_request.head.sha")
    files = changed_files(base, head)
    return PullRequestChanges(
        base, head, files, affected_clients(files, clients), added_sources(base, head, files),
        github.from_fork(event),
    )  # fmt: skip
