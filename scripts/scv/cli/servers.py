"""`scv servers report`: each server red, amber or green."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import out

servers = typer.Typer(help="report: server upkeep (updates, reboots, certificates).", no_args_is_help=True)


@servers.command("report")
def servers_report(
    inventory: Annotated[
        Path | None,
        typer.Option(help="Ansible inventory (default playbooks/inventories/local).", envvar="SCV_INVENTORY"),
    ] = None,
    limit: Annotated[str | None, typer.Option(help="Only these servers (an Ansible host pattern).")] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for index.html and report.json (default SCV_HOME/servers)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print report.json instead of the table.")] = False,
) -> None:
    """Each server red, amber or green: updates, reboot, kernel, nginx, disk, memory, certificates, patching.

    Exit 1 when a server is red (someone has to act).
    """
    import json

    from scv.servers import print_report, run_report

    doc = run_report(inventory, limit, out_dir)
    if as_json:
        # Plain write, not Rich: a long finding must not be wrapped inside a JSON string.
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        print_report(doc, out)
    raise typer.Exit(1 if doc["needs_action"] else 0)
