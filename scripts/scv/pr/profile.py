"""`scv pr profile`: every source a pull request adds to a client.yml, profiled on its latest
delivery before anything processes it (`scv profile FILE --client C --source S --strict`).

The sources come from git (client.yml at the PR's base and head); the delivery is what the
client's inbox holds for the source's `file` pattern, the newest file when several match. A
source with no delivery in the inbox is a problem: the PR cannot be judged without its data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from scv import github
from scv.core import paths
from scv.core.errors import display_path
from scv.delivery import inbox_files
from scv.pr import changes
from scv.profiling import run_profile, summary_lines

console = Console(emoji=False)


@dataclass
class SourceProfile:
    client: str
    source: str
    file: Path | None
    report: Path | None = None
    fails: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def latest_delivery(client: str, pattern: str) -> Path | None:
    inbox = paths.inbox_dir(client)
    # The pattern comes from the pull request: a symlink or a path out of the inbox is refused.
    files = inbox_files(inbox, pattern) if inbox.is_dir() and pattern else []
    return max(files, key=lambda p: (p.stat().st_mtime, p.name)) if files else None


def run_pr_profile(event: dict, out: Path) -> list[SourceProfile]:
    base = github.field(event, "pull_request.base.sha")
    head = github.field(event, "pull_request.head.sha")
    files = changes.changed_files(base, head)
    results = []
    for added in changes.added_sources(base, head, files):
        delivery = latest_delivery(added.client, added.file)
        result = SourceProfile(added.client, added.source, delivery)
        results.append(result)
        if delivery is None:
            result.errors.append(
                f"no delivery of {added.client}/{added.source} matching {added.file!r} in "
                f"{display_path(paths.inbox_dir(added.client))}: put the client's file there and run again"
            )
            continue
        run = run_profile([delivery], added.client, added.source, out / added.client / added.source)
        result.errors += run.errors
        result.fails = [f["message"] for t in run.tables for f in t["findings"] if f["severity"] == "fail"]
        if run.tables:
            result.report = run.out / "index.html"
        console.print(f"[bold]{added.client}/{added.source}[/] ({escape(delivery.name)})", highlight=False)
        for line in summary_lines(run):
            console.print("  " + escape(line), highlight=False, soft_wrap=True)
    if not results:
        console.print("The pull request adds no source to a client.yml: nothing to profile")
    github.add_summary(summary(results))
    return results


def summary(results: list[SourceProfile]) -> str:
    if not results:
        return "### New sources\n\nNone: the pull request adds no source."
    lines = ["### New sources, profiled", "", "| source | delivery | outcome |", "|---|---|---|"]
    for r in results:
        outcome = (
            "; ".join(r.errors)
            if r.errors
            else (f"**{len(r.fails)} fail**: " + "; ".join(r.fails[:3]) if r.fails else "no fail finding")
        )
        lines.append(f"| `{r.client}/{r.source}` | {r.file.name if r.file else '—'} | {outcome} |")
    lines += ["", "The reports (index.html and profile.json per source) are this run's `profiles` artifact."]
    return "\n".join(lines)
