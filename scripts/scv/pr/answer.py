"""`scv query answer CLIENT BUILD --check C --subject S --answer "…" --by WHO`: the client's answer,
recorded where the promotion needs it and in the build's query history.

With GitHub at hand (GITHUB_TOKEN, GITHUB_REPOSITORY: a workflow, or a person's token) the
answer is committed to the promotion PR's release.yml (branch promote/<client>) under
`resolved_queries` and the query's box is ticked in the PR body: both are what `scv pr review`
asks for before an approval promotes. Without, it is written to clients/<client>/release.yml
in the checkout, which must then be on the promotion branch and name this build.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import yaml

from scv import github
from scv.build import find_query, read_build, read_query_history, resolve_build, save_query_history
from scv.clients import ReleaseConfig, load_client
from scv.core import paths
from scv.core.errors import ScvError
from scv.pr import promotion


@dataclass
class Answered:
    query: dict
    where: str  # what was written: the PR, or the checkout's release.yml
    remaining: int  # queries of the build still without an answer


def answer_query(name: str, ref: str, check: str, subject: str, text: str, by: str) -> Answered:
    load_client(name)
    if not text.strip() or not by.strip():
        raise ScvError("--answer and --by must say what the client answered and who")
    path = resolve_build(name, ref)
    meta = read_build(path)
    record = read_query_history(name, meta)
    query = find_query(record, check, subject)
    if query is None:
        known = "; ".join(f"--check {q['check']!r} --subject {q['subject']!r}" for q in record["queries"])
        raise ScvError(
            f"build {path.name} has no query {check!r} / {subject!r} (its queries: {known or 'none'})"
        )
    when = datetime.now(UTC).replace(microsecond=0)
    entry = {
        "check": check,
        "subject": subject,
        "answer": text.strip(),
        "by": by.strip(),
        "answered_at": when,
    }
    release_path = f"clients/{name}/release.yml"
    if os.environ.get("GITHUB_TOKEN") and os.environ.get("GITHUB_REPOSITORY"):
        where = _answer_on_github(name, path.name, release_path, query, entry)
    else:
        file = paths.repo_root() / release_path
        file.write_text(with_answer(file.read_text(encoding="utf-8"), path.name, release_path, entry))
        where = f"{release_path} (commit it to the promotion branch {promotion.branch(name)})"
    query.update(answer=entry["answer"], answered_by=entry["by"], answered_at=when.isoformat())
    save_query_history(record)
    remaining = sum(1 for q in record["queries"] if not q.get("answered_at"))
    return Answered(query, where, remaining)


def with_answer(text: str, build_id: str, where: str, entry: dict) -> str:
    """release.yml's text with the answer under resolved_queries (replacing an earlier answer to
    the same query); the file must name the build. Comments above resolved_queries are kept."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ScvError(f"{where}: YAML syntax error ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("build_id") != build_id:
        named = data.get("build_id") if isinstance(data, dict) else None
        raise ScvError(
            f"{where} proposes build {named or 'none'}, not {build_id}: answer the queries of the build "
            "its promotion PR proposes"
        )
    key = promotion.query_key(entry)
    answers = [a for a in data.get("resolved_queries") or [] if promotion.query_key(a) != key]
    answers.append(entry)
    ReleaseConfig.model_validate({**data, "resolved_queries": answers})  # what scv promote will read
    block = yaml.safe_dump({"resolved_queries": answers}, sort_keys=False, allow_unicode=True, width=100)
    # resolved_queries is the last key promotion-pr writes: everything from it on is replaced.
    head = re.split(r"^resolved_queries:.*$", text, maxsplit=1, flags=re.M)[0]
    return head.rstrip("\n") + "\n" + block


def _answer_on_github(name: str, build_id: str, release_path: str, query: dict, entry: dict) -> str:
    api = github.Api()
    branch = promotion.branch(name)
    current = api.call(
        "GET", f"/repos/{api.repo}/contents/{release_path}", ok=(200, 404), params={"ref": branch}
    )
    if current.status_code == 404:
        raise ScvError(
            f"no {release_path} on branch {branch}: open the promotion PR first (scv promotion-pr --open)"
        )
    found = current.json()
    text = base64.b64decode(found["content"]).decode("utf-8")
    updated = with_answer(text, build_id, f"{branch}:{release_path}", entry)
    api.call(
        "PUT",
        f"/repos/{api.repo}/contents/{release_path}",
        json={
            "message": f"{name}: answer to {entry['check']} / {entry['subject']} ({entry['by']})",
            "content": base64.b64encode(updated.encode("utf-8")).decode("ascii"),
            "branch": branch,
            "sha": found["sha"],
        },
    )
    owner = api.repo.split("/")[0]
    pulls = api.call(
        "GET", f"/repos/{api.repo}/pulls", params={"head": f"{owner}:{branch}", "state": "open"}
    ).json()
    if not pulls:
        return f"{release_path} on {branch} (no open PR to tick)"
    pr = pulls[0]
    body = tick(pr.get("body") or "", promotion.query_key(query))
    api.call("PATCH", f"/repos/{api.repo}/pulls/{pr['number']}", json={"body": body})
    return f"promotion PR #{pr['number']} ({release_path} on {branch}, query ticked)"


def tick(body: str, key: tuple[str, str]) -> str:
    """The PR body with the checkbox of this query ticked."""

    def one(m: re.Match) -> str:
        line = m.group(0)
        found = promotion.ticks(line)
        return line.replace("[ ]", "[x]", 1) if key in found else line

    return re.sub(r"^.*<!--\s*scv-query\s.*$", one, body, flags=re.M)
