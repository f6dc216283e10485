"""`scv promotion-pr CLIENT BUILD`: the pull request that proposes a build for the live site.

The PR changes one file, clients/<client>/release.yml, to name the build and the sha256 of its
manifest. Its body is what the reviewer reads before approving: a summary of the build, where to
see it (the test site, the report), the build's queries as a checklist, and the data diff
against what is live now. Approving it promotes the build (review.py, promote.yml).

Queries: each is a checkbox the reviewer ticks once the client has answered, and the answer is
recorded in the PR's release.yml under `resolved_queries` (check, subject, answer), which is
what `scv promote` reads; the approval promotes only when both are there for every query.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console

from scv import github
from scv.build import diff_builds, diff_markdown, live_build, read_build, resolve_build
from scv.clients import Client, load_client
from scv.core.errors import ProblemFound
from scv.core.manifest import MANIFEST, file_sha256

console = Console(emoji=False)

MARKER = "scv:promotion"
# `- [x] question <!-- scv-query {"check": "rows", "subject": "shop_orders"} -->`
QUERY_LINE = re.compile(r"^\s*[-*]\s+\[(?P<tick>[ xX])\]\s.*?<!--\s*scv-query\s+(?P<key>\{.*?\})\s*-->", re.M)


def branch(client: str) -> str:
    """One promotion branch per client, reset every week: one open promotion PR per client."""
    return f"promote/{client}"


def query_key(query: dict) -> tuple[str, str]:
    """A query is known by its check and subject (unique within a build, see check.evaluate)."""
    return (str(query.get("check", "")), str(query.get("subject", "")))


def release_yaml(client: str, meta: dict, manifest_sha256: str) -> str:
    """clients/<client>/release.yml naming this build; a build with queries gets an empty
    `resolved_queries` and, as comments, the entries to fill in with the client's answers."""
    lines = [
        "# Desired live state. Changed only by promotion pull requests; approving one promotes the build.",
        f"build_id: {meta['build_id']}",
        f"manifest_sha256: {manifest_sha256}",
    ]
    queries = meta.get("queries", [])
    if queries:
        lines.append("# The build's queries: it goes live once each is answered here, for example:")
        for q in queries:
            check, subject = query_key(q)
            lines.append(f"#   - check: {json.dumps(check)}")
            lines.append(f"#     subject: {json.dumps(subject)}")
            lines.append('#     answer: "<the client\'s answer>"')
        lines.append("resolved_queries: []")
    return "\n".join(lines) + "\n"


def title(client: str, meta: dict) -> str:
    return f"Promote {client} build {meta['build_id']} to live ({meta.get('verdict')})"


def body(client: Client, build_dir: Path, meta: dict, live_dir: Path | None, live_id: str | None) -> str:
    """The PR body: summary, where to look, the queries to tick, the data diff against live."""
    name = client.name
    verdict = meta.get("verdict")
    checks = meta.get("checks", [])
    outcome = {o: sum(1 for c in checks if c.get("outcome") == o) for o in ("pass", "warn", "fail")}
    metrics = meta.get("metrics", {})
    records = sum(i.get("rows", 0) for i in meta.get("inputs", []))
    rejected = sum(i.get("rejected_rows", 0) for i in meta.get("inputs", []))
    started = datetime.fromisoformat(meta["started_at"]) if meta.get("started_at") else None
    test_url = str(client.config.sites.test.url)
    lines = [
        f"<!-- {MARKER} client={name} build={meta['build_id']} -->",
        f"## Promote {client.config.display_name} ({name}) build `{meta['build_id']}` to live",
        "",
        f"**Verdict: {verdict}**: {outcome['pass']} checks pass, {outcome['warn']} warn, "
        f"{outcome['fail']} fail; {len(meta.get('queries', []))} queries for the client.",
        "",
        "| | |",
        "|---|---|",
        f"| built | {started:%Y-%m-%d %H:%M} UTC, in {meta.get('duration_s', 0):.0f} s, from commit "
        f"`{meta.get('git_sha', '?')}`{' (uncommitted changes)' if meta.get('git_dirty') else ''} |"
        if started
        else f"| built | from commit `{meta.get('git_sha', '?')}` |",
        f"| delivery | {len(meta.get('inputs', []))} files, {records:,} records read, "
        f"{rejected:,} rejected |",
        f"| customers | {metrics.get('customers', 0):,} from {metrics.get('records', 0):,} records "
        f"(match rate {metrics.get('match_rate', 0):.1%}) |",
        f"| live now | {f'`{live_id}`' if live_id else 'nothing'} |",
        "",
        f"**See it**: the test site {test_url} serves this build; the build report is the "
        f"`report-{name}-{meta['build_id']}` artifact"
        + (f" of [the weekly run]({link})" if (link := github.run_url()) else " of the weekly run")
        + f", and `releases/{meta['build_id']}/report/index.html` on the test server.",
        "",
    ]
    problems = [c for c in checks if c.get("outcome") in ("warn", "fail")]
    if problems:
        lines.append("**Findings to read**")
        lines.append("")
        for c in problems:
            subject = f" ({c['subject']})" if c.get("subject") else ""
            lines.append(f"- {c['outcome']}: {c['name']}{subject}: {c['detail']}")
        lines.append("")
    queries = meta.get("queries", [])
    lines.append("### Queries")
    lines.append("")
    if queries:
        lines.append(
            "Tick each once the client has answered it, and record the answer in "
            f"`clients/{name}/release.yml` under `resolved_queries` (check, subject, answer) in this PR. "
            "The build goes live only when every query is ticked and answered: "
            f'`scv query answer {name} {meta["build_id"]} --check C --subject S --answer "…" --by WHO` '
            "does both."
        )
        lines.append("")
        for q in queries:
            check, subject = query_key(q)
            key = json.dumps({"check": check, "subject": subject}, ensure_ascii=False)
            lines.append(f"- [ ] {q['question']} <!-- scv-query {key} -->")
    else:
        lines.append("None: nothing to ask the client.")
    lines.append("")
    heading = f"Against live (`{live_id}`)" if live_id else "Against live"
    if live_id and live_dir is None:
        lines.append(f"### {heading}")
        lines.append("")
        lines.append(f"The live build `{live_id}` is not on this runner: no data diff.")
    else:
        lines.append(diff_markdown(diff_builds(live_dir, build_dir), title=heading))
    lines.append("")
    lines.append(
        "Approving this pull request promotes the build to live (workflow `promote`) when the approver "
        f"is a code owner of `clients/{name}/`, the PR changes nothing but `clients/{name}/release.yml`, "
        "and every query is ticked and answered. To roll back later, revert this pull request: the "
        "revert goes through the same path."
    )
    return "\n".join(lines).rstrip() + "\n"


def ticks(text: str | None) -> dict[tuple[str, str], bool]:
    """The query checkboxes of a PR body: {(check, subject): ticked}."""
    found: dict[tuple[str, str], bool] = {}
    for m in QUERY_LINE.finditer(text or ""):
        try:
            key = json.loads(m["key"])
        except ValueError:
            continue
        if isinstance(key, dict):
            found[query_key(key)] = m["tick"] in "xX"
    return found


@dataclass
class PromotionPr:
    body: str
    release_yml: str
    number: int | None = None
    url: str | None = None
    created: bool = False


def run_promotion_pr(name: str, ref: str, *, open_pr: bool = False, summary: bool = False) -> PromotionPr:
    client = load_client(name)
    path = resolve_build(name, ref)
    meta = read_build(path)
    live_id, live_dir = live_build(client)
    text = body(client, path, meta, live_dir, live_id)
    result = PromotionPr(text, release_yaml(name, meta, file_sha256(path / MANIFEST)))
    if summary:
        github.add_summary(text)
    if not open_pr:
        return result
    if meta.get("verdict") == "fail":
        raise ProblemFound(f"build {path.name} failed its check (verdict fail): no promotion pull request")
    if meta.get("preview"):
        raise ProblemFound(f"build {path.name} is the preview of a pull request: it is never promoted")
    if live_id == path.name:
        raise ProblemFound(f"build {path.name} is already live (release.yml): nothing to promote")
    api = github.Api()
    base = _default_branch()
    number, url, created = api.open_or_update_pr(
        branch=branch(name),
        base=base,
        path=f"clients/{name}/release.yml",
        content=result.release_yml,
        message=f"Propose {name} build {path.name} for live",
        title=title(name, meta),
        body=text,
    )
    result.number, result.url, result.created = number, url, created
    github.set_output("pr", str(number))
    return result


def _default_branch() -> str:
    """Promotion PRs go to the repository's default branch, whatever branch a manual run used."""
    if os.environ.get("GITHUB_EVENT_PATH"):
        return str(github.load_event().get("repository", {}).get("default_branch") or "main")
    return "main"
