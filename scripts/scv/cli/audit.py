"""`scv audit logs`: the daily audit of the sites' access, error and auth logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import err, error, say

audit = typer.Typer(help="logs: daily audit of access and auth logs.", no_args_is_help=True)


@audit.command("logs")
def audit_logs(
    since: Annotated[
        str | None,
        typer.Option(
            help="Period to audit when a log has not been audited before: 90m, 24h, 7d, 2w or all "
            "(default 24h from servers, all with --files)."
        ),
    ] = None,
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--files", help="Audit these log files (repeat the option) instead of fetching from servers."
        ),
    ] = None,
    inventory: Annotated[
        Path | None,
        typer.Option(
            help="Ansible inventory of the servers (default playbooks/inventories/local).",
            envvar="SCV_INVENTORY",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for index.html and report.json (default SCV_HOME/audit/reports/<id>)."
        ),
    ] = None,
    deny_list: Annotated[
        Path | None,
        typer.Option(help="Also write an nginx deny-list snippet of offenders (medium and worse) here."),
    ] = None,
    open_issue: Annotated[
        bool,
        typer.Option(
            "--open-issue",
            help="On critical findings, open a GitHub issue with them (gh; GH_TOKEN). The workflow sets it.",
            envvar="SCV_AUDIT_OPEN_ISSUE",
        ),
    ] = False,
) -> None:
    """Audit access, error and auth logs for malicious attempts; report in HTML and JSON.

    Fetches only what earlier audits have not read, from every server in the inventory (Fabric
    over SSH), or reads the files given. Exit 1 on a critical finding (and an SMS through Apprise
    to SCV_ALERT_URLS), 2 on bad input.
    """
    from scv.audit import problem_lines, run_audit, summary_lines
    from scv.core.progress import steps

    with steps(console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("Auditing logs", total=None)
        run = run_audit(
            since=since,
            files=files,
            inventory=inventory,
            out=out_dir,
            deny_list=deny_list,
            open_issue=open_issue,
            advance=lambda what: progress.update(task, description=what),
        )
    say(summary_lines(run))
    for line in problem_lines(run):
        error(line)
    raise typer.Exit(1 if run.critical else 0)
