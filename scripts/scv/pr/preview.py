"""`scv pr preview CLIENT`: a change request's effect, before anyone approves it.

The PR's code (the checkout) builds the client on its latest delivery, the build is checked and
reported like a weekly one and published to the client's test site, and the PR gets one comment
per client (updated on every push) with the data diff against the live build: schema, rows per
model, customers added, removed and changed, a few changed golden records (masked), the verdict.

A preview build is marked as one in build.json (`preview`): it is never the "previous build" a
weekly build takes its customer ids and comparisons from, and it is never promoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from scv import github
from scv.build import diff_builds, diff_markdown, live_build, run_build, run_report
from scv.clients import load_client
from scv.core.errors import ProblemFound, ScvError
from scv.release import run_publish

console = Console(emoji=False)


def marker(client: str) -> str:
    return f"scv:preview client={client}"


@dataclass
class Preview:
    build_id: str
    path: Path
    verdict: str
    published: bool
    comment: str
    diff: dict


def run_preview(name: str, event: dict, *, comment: bool = True) -> Preview:
    client = load_client(name)
    number = github.field(event, "pull_request.number")
    head = github.field(event, "pull_request.head.sha")
    if github.from_fork(event):
        raise ProblemFound(
            f"pull request #{number} comes from a fork: its code does not run next to client data"
        )
    try:
        built = run_build(name, preview={"pr": number, "head_sha": head})
    except ScvError as exc:
        # The delivery could not even be loaded by this code: say so where the author looks.
        if comment:
            github.Api().upsert_comment(
                number,
                marker(name),
                f"## Preview of `{name}` for {head[:7]}\n\n**The build did not run**: {exc}{_run_link()}\n",
            )
        raise
    run_report(name, built.build_id)
    published, why_not = False, ""
    if built.verdict == "fail":
        why_not = "the build failed its check, so it is not on the test site"
    else:
        try:
            run_publish(name, built.build_id, "test")
            published = True
        except ProblemFound as exc:
            why_not = f"publishing to the test site failed: {exc}"
    live_id, live_dir = live_build(client)
    diff = diff_builds(live_dir, built.path)
    test_url = str(client.config.sites.test.url)
    lines = [
        f"## Preview of {client.config.display_name} (`{name}`) for {head[:7]}",
        "",
        f"Build `{built.build_id}` of this pull request's code on {name}'s latest delivery: "
        + (f"on the test site {test_url} now." if published else f"**not published**: {why_not}."),
    ]
    if live_id and live_dir is None:
        lines.append(
            f"The live build `{live_id}` is not on this runner: the diff below has nothing to compare with."
        )
    lines.append("")
    lines.append(
        diff_markdown(diff, title=f"Data diff against live (`{live_id}`)" if live_id else "Data diff")
    )
    if link := _run_link():
        lines.append(link.strip())
    text = "\n".join(lines).rstrip() + "\n"
    github.add_summary(text)
    if comment:
        url = github.Api().upsert_comment(number, marker(name), text)
        console.print(f"Commented on #{number}: {url}")
    result = Preview(built.build_id, built.path, built.verdict, published, text, diff)
    if not published:
        raise ProblemFound(f"preview {built.build_id} of {name}: {why_not}")
    return result


def _run_link() -> str:
    link = github.run_url()
    return f" [The run]({link}) has the build log." if link else ""
