"""The `scv` command: one verb per job the operations team and the workflows do.

Each module of this package holds one group of verbs; a command parses its arguments, calls one
domain function and prints that function's summary lines. No logic lives here.
"""

from __future__ import annotations

import sys

import typer

from scv.cli import audit, build, clients, correction, pr, query, release, servers, uptime
from scv.cli.common import error
from scv.core.errors import ScvError

app = typer.Typer(
    help="Single customer view as a service: build, check, publish and watch each client's site.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
app.add_typer(build.app)
app.add_typer(release.app)
app.add_typer(pr.app)
app.add_typer(clients.client, name="client")
app.add_typer(clients.source, name="source")
app.add_typer(clients.access, name="access")
app.add_typer(uptime.uptime, name="uptime")
app.add_typer(audit.audit, name="audit")
app.add_typer(servers.servers, name="servers")
app.add_typer(pr.pr, name="pr")
app.add_typer(correction.app, name="correction")
app.add_typer(query.app, name="query")


def main() -> None:
    """Entry point: bad input is one line on stderr and exit 2, never a traceback.

    Click itself turns usage errors (unknown option, missing argument) into exit 2.
    """
    try:
        app()
    except ScvError as exc:
        for line in str(exc).splitlines():
            error(line)
        sys.exit(exc.exit_code)
