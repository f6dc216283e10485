"""Pull requests: the promotion PR and the steps of the GitHub workflows (each reads the event payload)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import BuildArg, ClientArg, EventOption, error, say
from scv.core.errors import display_path

app = typer.Typer()
pr = typer.Typer(
    help="affected | profile | preview | review | merge | promotion-failed: the steps of the GitHub "
    "workflows, each reading the event payload ($GITHUB_EVENT_PATH).",
    no_args_is_help=True,
)


@app.command("promotion-pr")
def promotion_pr(
    client: ClientArg,
    build_id: BuildArg,
    open_pr: Annotated[
        bool,
        typer.Option(
            "--open", help="Open or update the client's promotion PR on GitHub (branch promote/CLIENT)."
        ),
    ] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Also write the body to the job summary ($GITHUB_STEP_SUMMARY).")
    ] = False,
) -> None:
    """The promotion pull request of a build: its body (summary, report, queries, diff against live)
    and release.yml. Prints the body; --open opens or updates the PR."""
    from scv.pr import run_promotion_pr

    result = run_promotion_pr(client, build_id, open_pr=open_pr, summary=summary)
    if result.number is None:
        say([result.body])
    else:
        verb = "Opened" if result.created else "Updated"
        say([f"{verb} promotion PR #{result.number} of {client}: {result.url}"])


@pr.command("affected")
def pr_affected(event_file: EventOption = None) -> None:
    """Clients a PR affects, sources it adds, and whether it may be previewed (step outputs)."""
    from scv import github
    from scv.clients import list_clients
    from scv.pr import pull_request_changes

    changes = pull_request_changes(github.load_event(event_file), list_clients())
    github.set_output("clients", [a.client for a in changes.affected])
    github.set_output("preview", changes.preview)
    github.set_output("sources", [f"{s.client}/{s.source}" for s in changes.sources])
    say(changes.summary_lines())


@pr.command("profile")
def pr_profile(
    event_file: EventOption = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the reports: OUT/<client>/<source>/index.html.")
    ] = Path("profiles"),
) -> None:
    """Profile every source the PR adds, on its latest delivery; exit 1 on a fail finding or no delivery."""
    from scv import github
    from scv.pr import run_pr_profile

    results = run_pr_profile(github.load_event(event_file), out_dir)
    for r in results:
        for message in r.errors:
            error(message)
        if r.report:
            say([f"Report: {display_path(r.report)}"])
    raise typer.Exit(1 if any(r.errors or r.fails for r in results) else 0)


@pr.command("preview")
def pr_preview(
    client: ClientArg,
    event_file: EventOption = None,
    comment: Annotated[bool, typer.Option(help="Comment the data diff on the PR (GITHUB_TOKEN).")] = True,
) -> None:
    """Build the PR's code on the client's latest delivery, publish it to the test site, and comment
    the data diff against live on the PR."""
    from scv import github
    from scv.pr import run_preview

    result = run_preview(client, github.load_event(event_file), comment=comment)
    if not comment:
        say([result.comment])


@pr.command("review")
def pr_review(event_file: EventOption = None) -> None:
    """Decide whether a submitted review promotes a build (outputs promote, client, build_id).

    Exit 0 to promote or when there is nothing to promote; 1, with a comment on the PR, when a
    promotion is refused."""
    from scv import github
    from scv.pr import run_review

    run_review(github.load_event(event_file))


@pr.command("merge")
def pr_merge(event_file: EventOption = None) -> None:
    """Merge the approved promotion PR at the approved commit, after `scv promote` succeeded."""
    from scv import github
    from scv.pr import run_merge

    run_merge(github.load_event(event_file))


@pr.command("promotion-failed")
def pr_promotion_failed(client: ClientArg, event_file: EventOption = None) -> None:
    """Comment on the PR that the promotion failed and live is unchanged."""
    from scv import github
    from scv.pr import run_failed

    run_failed(github.load_event(event_file), client)
