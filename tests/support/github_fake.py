"""A stand-in for GitHub's REST API on loopback: the only simulated part of the tests.

It answers the calls scv makes (issue comments, refs, contents, pulls, merge, team memberships)
with GitHub's status codes and the fields scv reads, keeps what it was sent, and checks the
bearer token, so a test can assert what a person would see on GitHub afterwards.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "ghs_test-token"


@dataclass
class FakeGitHub:
    repo: str = "scv-org/scv"
    url: str = ""
    comments: dict[int, list[dict]] = field(default_factory=dict)  # PR number -> comments
    refs: dict[str, str] = field(default_factory=lambda: {"main": "a" * 40})  # branch -> sha
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (branch, path) -> text
    pulls: list[dict] = field(default_factory=list)
    merged: list[dict] = field(default_factory=list)
    teams: dict[str, set[str]] = field(default_factory=dict)  # "org/team" -> logins
    heads: dict[int, str] = field(default_factory=dict)  # PR number -> head sha, for merges
    requests: list[tuple[str, str]] = field(default_factory=list)
    _ids: int = 1000

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def env(self) -> dict[str, str]:
        """What the runner gives a step, for scv to find this API."""
        return {
            "GITHUB_API_URL": self.url.rstrip("/"),
            "GITHUB_REPOSITORY": self.repo,
            "GITHUB_TOKEN": TOKEN,
            "SCV_TEAMS_TOKEN": TOKEN,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
        }

    def comment_bodies(self, number: int) -> list[str]:
        return [c["body"] for c in self.comments.get(number, [])]


def _handler(gh: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    repo = re.escape(gh.repo)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:
            pass

        def _send(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            path, query = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
            gh.requests.append((method, path))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"message": "Bad credentials"})
            for pattern, verb, handle in ROUTES:
                if verb == method and (m := re.fullmatch(pattern.replace("{repo}", repo), path)):
                    status, body = handle(
                        gh, m, query, self._body() if method in ("POST", "PATCH", "PUT") else {}
                    )
                    return self._send(status, body)
            return self._send(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def do_PUT(self) -> None:
            self._route("PUT")

    return Handler


def _list_comments(gh, m, query, body):
    items = gh.comments.get(int(m["n"]), [])
    page, per = int(query.get("page", 1)), int(query.get("per_page", 30))
    return 200, items[(page - 1) * per : page * per]


def _add_comment(gh, m, query, body):
    comment = {
        "id": gh.next_id(),
        "body": body["body"],
        "html_url": f"https://github.com/{gh.repo}/pull/{m['n']}",
    }
    gh.comments.setdefault(int(m["n"]), []).append(comment)
    return 201, comment


def _edit_comment(gh, m, query, body):
    for comments in gh.comments.values():
        for comment in comments:
            if comment["id"] == int(m["id"]):
                comment["body"] = body["body"]
                return 200, comment
    return 404, {"message": "Not Found"}


def _get_ref(gh, m, query, body):
    sha = gh.refs.get(m["branch"])
    return (
        (200, {"ref": f"refs/heads/{m['branch']}", "object": {"sha": sha, "type": "commit"}})
        if sha
        else (
            404,
            {"message": "Not Found"},
        )
    )


def _create_ref(gh, m, query, body):
    branch = body["ref"].removeprefix("refs/heads/")
    if branch in gh.refs:
        return 422, {"message": "Reference already exists"}
    gh.refs[branch] = body["sha"]
    for (b, p), text in list(gh.files.items()):
        if b == "main":
            gh.files[(branch, p)] = text
    return 201, {"ref": body["ref"], "object": {"sha": body["sha"]}}


def _update_ref(gh, m, query, body):
    branch = m["branch"]
    if branch not in gh.refs:
        return 422, {"message": "Reference does not exist"}
    gh.refs[branch] = body["sha"]
    # Reset to the base: the branch's files become main's again.
    for key in [k for k in gh.files if k[0] == branch]:
        del gh.files[key]
    for (b, p), text in list(gh.files.items()):
        if b == "main":
            gh.files[(branch, p)] = text
    return 200, {"ref": f"refs/heads/{branch}", "object": {"sha": body["sha"]}}


def _blob_sha(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _get_contents(gh, m, query, body):
    text = gh.files.get((query.get("ref", "main"), m["path"]))
    if text is None:
        return 404, {"message": "Not Found"}
    return 200, {
        "path": m["path"],
        "sha": _blob_sha(text),
        "content": base64.b64encode(text.encode()).decode(),
    }


def _put_contents(gh, m, query, body):
    branch, path = body["branch"], m["path"]
    existing = gh.files.get((branch, path))
    if existing is not None and body.get("sha") != _blob_sha(existing):
        return 409, {"message": f"{path} does not match {body.get('sha')}"}
    if existing is None and body.get("sha"):
        return 422, {"message": "sha given for a new file"}
    gh.files[(branch, path)] = base64.b64decode(body["content"]).decode()
    commit = hashlib.sha1(f"{branch}{path}{gh.files[(branch, path)]}".encode()).hexdigest()
    gh.refs[branch] = commit
    return (200 if existing is not None else 201), {"commit": {"sha": commit, "message": body["message"]}}


def _list_pulls(gh, m, query, body):
    owner = gh.repo.split("/")[0]
    found = [
        p
        for p in gh.pulls
        if p["state"] == query.get("state", "open")
        and (not query.get("head") or f"{owner}:{p['head']}" == query["head"])
        and (not query.get("base") or p["base"] == query["base"])
    ]
    return 200, found


def _create_pull(gh, m, query, body):
    if any(p["head"] == body["head"] and p["state"] == "open" for p in gh.pulls):
        return 422, {"message": "A pull request already exists"}
    number = len(gh.pulls) + 1
    pr = {
        "number": number,
        "state": "open",
        "title": body["title"],
        "body": body["body"],
        "head": body["head"],
        "base": body["base"],
        "html_url": f"https://github.com/{gh.repo}/pull/{number}",
    }
    gh.pulls.append(pr)
    return 201, pr


def _update_pull(gh, m, query, body):
    for pr in gh.pulls:
        if pr["number"] == int(m["n"]):
            pr.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, pr
    return 404, {"message": "Not Found"}


def _merge(gh, m, query, body):
    number = int(m["n"])
    head = gh.heads.get(number)
    if head is None:
        return 405, {"message": "Pull Request is not mergeable"}
    if body.get("sha") != head:
        return 409, {"message": "Head branch was modified. Review and try the merge again."}
    gh.merged.append({"number": number, **body})
    return 200, {"sha": "f" * 40, "merged": True, "message": "Pull Request successfully merged"}


def _membership(gh, m, query, body):
    members = gh.teams.get(f"{m['org']}/{m['team']}", set())
    if m["login"] in members:
        return 200, {"state": "active", "role": "member"}
    return 404, {"message": "Not Found"}


ROUTES = [
    (r"/repos/{repo}/issues/(?P<n>\d+)/comments", "GET", _list_comments),
    (r"/repos/{repo}/issues/(?P<n>\d+)/comments", "POST", _add_comment),
    (r"/repos/{repo}/issues/comments/(?P<id>\d+)", "PATCH", _edit_comment),
    (r"/repos/{repo}/git/ref/heads/(?P<branch>.+)", "GET", _get_ref),
    (r"/repos/{repo}/git/refs", "POST", _create_ref),
    (r"/repos/{repo}/git/refs/heads/(?P<branch>.+)", "PATCH", _update_ref),
    (r"/repos/{repo}/contents/(?P<path>.+)", "GET", _get_contents),
    (r"/repos/{repo}/contents/(?P<path>.+)", "PUT", _put_contents),
    (r"/repos/{repo}/pulls", "GET", _list_pulls),
    (r"/repos/{repo}/pulls", "POST", _create_pull),
    (r"/repos/{repo}/pulls/(?P<n>\d+)", "PATCH", _update_pull),
    (r"/repos/{repo}/pulls/(?P<n>\d+)/merge", "PUT", _merge),
    (r"/orgs/(?P<org>[^/]+)/teams/(?P<team>[^/]+)/memberships/(?P<login>[^/]+)", "GET", _membership),
]


@contextlib.contextmanager
def fake_github(**kwargs) -> Iterator[FakeGitHub]:
    gh = FakeGitHub(**kwargs)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gh))
    gh.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield gh
    finally:
        server.shutdown()
        server.server_close()


FAKE_GH = """#!{python}
# Stand-in for the GitHub CLI: records its arguments, answers like `gh issue create|close`.
import json, os, sys
log = os.environ["FAKE_GH_LOG"]
calls = [json.loads(line) for line in open(log)] if os.path.exists(log) else []
if os.environ.get("FAKE_GH_FAIL"):
    sys.exit("HTTP 502: Bad Gateway (https://api.github.com/graphql)")
with open(log, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["issue", "create"]:
    print(f"https://github.com/scv-org/scv/issues/{{41 + len(calls)}}")
"""
