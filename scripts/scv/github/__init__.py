"""GitHub as the workflows see it: the event that started the run, step outputs and job summaries,
and the few REST calls scv makes (PR comments, promotion PRs, merges, team membership).

GitHub is the one part tests simulate: they write event payload files shaped like GitHub's and
point GITHUB_API_URL at a fake API on loopback. Everything else the workflows do is scv code.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from scv.core.errors import ProblemFound, ScvError

API_VERSION = "2022-11-28"


# ---------------------------------------------------------------------------------------------
# The event


def load_event(path: Path | None = None) -> dict:
    """The event payload of the run: --event FILE, else $GITHUB_EVENT_PATH (set by the runner)."""
    if path is None:
        env = os.environ.get("GITHUB_EVENT_PATH")
        if not env:
            raise ScvError("GITHUB_EVENT_PATH is not set: pass --event FILE (a GitHub event payload)")
        path = Path(env)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScvError(f"{path}: cannot read the event payload ({exc.strerror})") from None
    except ValueError as exc:
        raise ScvError(f"{path}: the event payload is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ScvError(f"{path}: the event payload is not a JSON object")
    data["_path"] = str(path)
    return data


def field(event: dict, dotted: str) -> Any:
    """event['pull_request']['head']['sha'] as field(event, 'pull_request.head.sha'), or a one-line
    error naming the payload file and the missing field."""
    value: Any = event
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            where = event.get("_path", "the event payload")
            raise ScvError(f"{where}: {dotted}: missing (is this the event the step expects?)")
        value = value[part]
    return value


def pull_request(event: dict) -> dict:
    """The pull request of a pull_request or pull_request_review event."""
    pr = field(event, "pull_request")
    for name in ("number", "head.sha", "base.sha", "base.ref"):
        field(event, f"pull_request.{name}")
    return pr


def from_fork(event: dict) -> bool:
    """A PR from another repository: its code must never run next to client data or secrets."""
    head_repo = (field(event, "pull_request.head").get("repo") or {}).get("full_name")
    return head_repo != field(event, "repository.full_name")


# ---------------------------------------------------------------------------------------------
# Step outputs and job summaries (files the runner names in GITHUB_OUTPUT / GITHUB_STEP_SUMMARY)


def set_output(name: str, value: Any) -> None:
    """A step output for later steps and jobs (`steps.<id>.outputs.<name>`); a no-op outside Actions.

    Lists and mappings are written as one line of JSON, for `fromJSON` in a matrix."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"))
    if "\n" in text:
        raise ValueError(f"step output {name} must be one line")
    with Path(path).open("a", encoding="utf-8") as f:
        f.write(f"{name}={text}\n")


def add_summary(markdown: str) -> bool:
    """Append to the job summary (the run page shows it); False outside Actions."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with Path(path).open("a", encoding="utf-8") as f:
        f.write(markdown.rstrip("\n") + "\n\n")
    return True


def run_url() -> str | None:
    """The page of this workflow run, for links from comments and PR bodies."""
    server, repo, run = (
        os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


# ---------------------------------------------------------------------------------------------
# The REST API


class Api:
    """The GitHub REST calls scv makes, with the run's token.

    GITHUB_API_URL and GITHUB_REPOSITORY are set by the runner; the token comes from the step's
    env (`GITHUB_TOKEN: ${{ github.token }}`), never from a file.
    """

    def __init__(self, token_env: str = "GITHUB_TOKEN"):
        self.base = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
        self.repo = os.environ.get("GITHUB_REPOSITORY", "")
        if "/" not in self.repo:
            raise ScvError("GITHUB_REPOSITORY is not set to owner/name (the runner sets it)")
        token = os.environ.get(token_env)
        if not token:
            raise ScvError(f"{token_env} is not set: give the step `env: {token_env}:` with a token")
        self.http = httpx.Client(
            base_url=self.base,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "scv",
            },
            timeout=30,
        )

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200, 201), **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ProblemFound(f"GitHub API {method} {path}: {exc}") from None
        if response.status_code not in ok:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.text[:200]
            raise ProblemFound(f"GitHub API {method} {path}: {response.status_code} {message}".rstrip())
        return response

    # Comments ------------------------------------------------------------------------------

    def comments(self, number: int) -> list[dict]:
        found, page = [], 1
        while True:
            batch = self.call(
                "GET", f"/repos/{self.repo}/issues/{number}/comments", params={"per_page": 100, "page": page}
            ).json()
            found += batch
            if len(batch) < 100:
                return found
            page += 1

    def upsert_comment(self, number: int, marker: str, body: str) -> str:
        """One comment per marker on a PR, updated in place on every run rather than piling up."""
        tagged = f"<!-- {marker} -->\n{body}"
        for comment in self.comments(number):
            if comment.get("body", "").startswith(f"<!-- {marker} -->"):
                self.call(
                    "PATCH", f"/repos/{self.repo}/issues/comments/{comment['id']}", json={"body": tagged}
                )
                return comment.get("html_url", "")
        made = self.call("POST", f"/repos/{self.repo}/issues/{number}/comments", json={"body": tagged})
        return made.json().get("html_url", "")

    # Pull requests ---------------------------------------------------------------------------

    def merge(self, number: int, sha: str, title: str) -> dict:
        """Merge only if the head is still the approved commit (GitHub refuses otherwise)."""
        return self.call(
            "PUT",
            f"/repos/{self.repo}/pulls/{number}/merge",
            json={"sha": sha, "merge_method": "merge", "commit_title": title},
        ).json()

    def open_or_update_pr(
        self, *, branch: str, base: str, path: str, content: str, message: str, title: str, body: str
    ) -> tuple[int, str, bool]:
        """Branch `branch` reset to the tip of `base` plus one commit writing `path`, and an open
        PR from it: (number, url, created). Resetting each time keeps the PR exactly one change."""
        base_sha = self.call("GET", f"/repos/{self.repo}/git/ref/heads/{base}").json()["object"]["sha"]
        exists = self.call("GET", f"/repos/{self.repo}/git/ref/heads/{branch}", ok=(200, 404))
        if exists.status_code == 200:
            self.call(
                "PATCH", f"/repos/{self.repo}/git/refs/heads/{branch}", json={"sha": base_sha, "force": True}
            )
        else:
            self.call(
                "POST", f"/repos/{self.repo}/git/refs", json={"ref": f"refs/heads/{branch}", "sha": base_sha}
            )
        current = self.call(
            "GET", f"/repos/{self.repo}/contents/{path}", ok=(200, 404), params={"ref": branch}
        )
        put = {
            "message": message,
            "content": base64.b64encode(content.encode("utf-8")).decode("ascii"),
            "branch": branch,
        }
        if current.status_code == 200:
            put["sha"] = current.json()["sha"]
        self.call("PUT", f"/repos/{self.repo}/contents/{path}", json=put)
        owner = self.repo.split("/")[0]
        open_prs = self.call(
            "GET",
            f"/repos/{self.repo}/pulls",
            params={"head": f"{owner}:{branch}", "base": base, "state": "open"},
        ).json()
        if open_prs:
            number = open_prs[0]["number"]
            pr = self.call(
                "PATCH", f"/repos/{self.repo}/pulls/{number}", json={"title": title, "body": body}
            ).json()
            return number, pr.get("html_url", ""), False
        pr = self.call(
            "POST",
            f"/repos/{self.repo}/pulls",
            json={"title": title, "body": body, "head": branch, "base": base},
        ).json()
        return pr["number"], pr.get("html_url", ""), True

    # Teams -----------------------------------------------------------------------------------

    def team_member(self, org: str, team: str, login: str) -> bool:
        """Whether login is an active member of org/team (needs a token that may read the org)."""
        response = self.call("GET", f"/orgs/{org}/teams/{team}/memberships/{login}", ok=(200, 404))
        return response.status_code == 200 and response.json().get("state") == "active"


# ---------------------------------------------------------------------------------------------
# The GitHub CLI, for the issues the uptime checks and the log audit open and close


def gh(*args: str) -> str:
    """Run the GitHub CLI (GH_TOKEN from the environment); its output, or RuntimeError with its complaint."""
    command = shutil.which("gh")
    if command is None:
        raise FileNotFoundError("gh (the GitHub CLI) is not installed")
    run = subprocess.run(
        [command, *args], capture_output=True, text=True, env={**os.environ, "GH_PROMPT_DISABLED": "1"}
    )
    if run.returncode != 0:
        last = (run.stderr or run.stdout).strip().splitlines()[-1:] or [f"exited {run.returncode}"]
        raise RuntimeError(f"gh {args[0]} {args[1]}: {last[0]}")
    return run.stdout


def issue_number(output: str) -> tuple[int, str]:
    """`gh issue create` prints the new issue's URL."""
    match = re.search(r"https?://\S+/issues/(\d+)", output)
    if match is None:
        raise RuntimeError(f"gh issue create printed no issue URL: {output.strip()[:200]!r}")
    return int(match.group(1)), match.group(0)
