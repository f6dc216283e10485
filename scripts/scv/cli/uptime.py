"""`scv uptime`: every site checked every five minutes, incidents, alerts and the status page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import out

uptime = typer.Typer(
    help="check | report | issues | validate: site uptime checks, alerts and reports.", no_args_is_help=True
)


@uptime.command("check")
def uptime_check(
    skip_loopback: Annotated[
        bool,
        typer.Option(
            "--skip-loopback",
            envvar="SCV_UPTIME_SKIP_LOOPBACK",
            help="Do not check sites on 127.0.0.0/8 or localhost (a GitHub runner cannot reach them).",
        ),
    ] = False,
) -> None:
    """Check every site once; record it; open and resolve incidents; alert.

    Exit 1 when an endpoint is down or an alert could not be sent; 2 when uptime.yml or a
    client file is wrong.
    """
    from scv.uptime import run_check

    run = run_check(skip_loopback=skip_loopback, console=out)
    raise typer.Exit(1 if run.problem else 0)


@uptime.command("report")
def uptime_report(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for index.html and status.json (default SCV_HOME/uptime/status)."),
    ] = None,
) -> None:
    """Uptime per endpoint over 24 h, 7 d, 30 d and 365 d, incidents, response times: a status page."""
    from scv.uptime import write_status_page

    write_status_page(out_dir, console=out)


@uptime.command("issues")
def uptime_issues() -> None:
    """Open a GitHub issue per announced incident and close it when resolved (`gh`, GH_TOKEN).

    Exit 1 when some of the work is left for the next run.
    """
    from scv.uptime import run_issues

    raise typer.Exit(1 if run_issues(console=out) else 0)


@uptime.command("validate")
def uptime_validate() -> None:
    """Check uptime.yml (file:line and field for each problem) and list every endpoint checked."""
    from scv.uptime import validate_uptime

    validate_uptime(console=out)
