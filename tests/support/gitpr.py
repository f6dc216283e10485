"""Pull requests for tests: a real git repository (the test's copy of the checkout) with a main
branch and a PR branch, and GitHub event payload files about them, from the templates in
tests/support/payloads/ (shaped like the payloads GitHub sends; only the fields a test sets differ).
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

TEMPLATES = Path(__file__).parent / "payloads"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def init(repo: Path) -> str:
    """Make the copy a git repository with everything committed on main; returns main's sha."""
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "config", "user.email", "ci@scv.example")
    git(repo, "config", "user.name", "scv tests")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "main")
    return git(repo, "rev-parse", "HEAD")


def change(repo: Path, branch: str, files: dict[str, str | None], message: str = "change") -> str:
    """A commit on branch (created from main when new) writing or (None) deleting files."""
    existing = git(repo, "branch", "--list", branch)
    git(repo, "checkout", "--quiet", *([] if existing else ["-b"]), branch, *([] if existing else ["main"]))
    for path, text in files.items():
        target = repo / path
        if text is None:
            git(repo, "rm", "--quiet", path)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            git(repo, "add", path)
    git(repo, "commit", "--quiet", "--allow-empty", "--message", message)
    return git(repo, "rev-parse", "HEAD")


def template(name: str) -> dict:
    return copy.deepcopy(json.loads((TEMPLATES / f"{name}.json").read_text()))


def write(event: dict, path: Path) -> Path:
    path.write_text(json.dumps(event, indent=2), encoding="utf-8")
    return path


def pull_request_event(
    path: Path, *, base: str, head: str, number: int = 12, head_repo: str | None = None
) -> Path:
    event = template("pull_request")
    pr = event["pull_request"]
    event["number"] = pr["number"] = number
    event["after"] = pr["head"]["sha"] = head
    pr["base"]["sha"] = base
    if head_repo:
        pr["head"]["repo"] = {**pr["head"]["repo"], "full_name": head_repo, "fork": True}
    return write(event, path)


def review_event(
    path: Path,
    *,
    base: str,
    head: str,
    state: str = "approved",
    login: str = "alice",
    body: str = "",
    commit_id: str | None = None,
    number: int = 7,
    pr_state: str = "open",
    head_repo: str | None = None,
) -> Path:
    event = template("pull_request_review")
    review, pr = event["review"], event["pull_request"]
    review["state"] = state
    review["user"]["login"] = event["sender"]["login"] = login
    review["commit_id"] = commit_id or head
    pr["number"] = number
    pr["state"] = pr_state
    pr["body"] = body
    pr["head"]["sha"] = head
    pr["base"]["sha"] = base
    if head_repo:
        pr["head"]["repo"] = {**pr["head"]["repo"], "full_name": head_repo, "fork": True}
    return write(event, path)
