"""`scv client`, `scv source`, `scv access`: who the clients are, what they send, who may see their sites."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import ClientArg, InventoryOpt, say
from scv.core.errors import ScvError

client = typer.Typer(
    help="new | validate | list: create and validate client folders (clients/<client>/).",
    no_args_is_help=True,
)
source = typer.Typer(help="add: add a data source to a client.", no_args_is_help=True)
access = typer.Typer(
    help="validate | render: IP allowlists of client sites (access.yml).", no_args_is_help=True
)


@client.command("validate")
def client_validate(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
) -> None:
    """Check client.yml, access.yml and release.yml: every problem, with file:line and field."""
    from scv.clients import validate_clients

    names = validate_clients(client)
    say([f"ok {len(names)} client(s) valid: {', '.join(names)}"])


@client.command("new")
def client_new(
    name: Annotated[str, typer.Argument(help="Client name: lowercase letters, digits and _.")],
    display_name: Annotated[str | None, typer.Option(help="The client's name as people write it.")] = None,
) -> None:
    """Scaffold a client that validates: config files, models folder, CODEOWNERS line."""
    from scv.clients import scaffold_client

    say(f"  created {path}" for path in scaffold_client(name, display_name))
    say([f"Client {name} scaffolded: edit clients/{name}/client.yml, then run `scv client validate {name}`"])


@client.command("list")
def client_list(
    due: Annotated[
        bool,
        typer.Option("--due", help="Only clients whose scheduled build time has passed with no build since."),
    ] = False,
    only: Annotated[
        str | None,
        typer.Option(
            help="These clients (names separated by spaces or commas, or 'all'), due or not.",
            envvar="SCV_CLIENTS",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list (a workflow matrix).")] = False,
) -> None:
    """The clients under clients/, for the weekly build's matrix (step output `clients`)."""
    import json

    from scv import github
    from scv.build import select_clients

    names = select_clients(only, due)
    github.set_output("clients", names)
    say([json.dumps(names)] if as_json else names)


@source.command("add")
def source_add(
    client: ClientArg,
    source: Annotated[str, typer.Argument(help="Name of the new source: lowercase letters, digits and _.")],
    file: Annotated[Path, typer.Argument(help="A delivered file of the source, to profile.")],
    key: Annotated[
        str | None, typer.Option(help="Column that identifies a record (default: guessed).")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="The sheet of an XLSX workbook.")] = None,
    header: Annotated[
        bool | None,
        typer.Option("--header/--no-header", help="Whether the first row is a header (default: detected)."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="What the source is, for client.yml.")] = None,
) -> None:
    """Add a source to client.yml with a staging model, from a profiled file, for review."""
    from scv.onboarding import add_source, summary_lines

    added = add_source(client, source, file, key, sheet, header, description)
    say(summary_lines(added, client, source))


@access.command("validate")
def access_validate(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
    inventory: InventoryOpt = None,
) -> None:
    """Check access.yml allowlists and the operations team's addresses: CIDR syntax, breadth,
    duplicates and overlaps, who and why, expiry. Exit 2 with file:line and field per problem."""
    from scv.clients import validate_access

    counts = validate_access(client, inventory)
    ops = counts.pop("operations")
    listed = ", ".join(f"{name} ({n})" for name, n in counts.items())
    say([f"ok access lists valid: {listed}; operations team ({ops})"])


@access.command("render")
def access_render(
    client: Annotated[str | None, typer.Argument(help="One client; all clients with --json.")] = None,
    inventory: InventoryOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {client: lines} as JSON (what playbooks/site.yml reads).")
    ] = False,
) -> None:
    """Print the nginx allow/deny lines of a client's site (what playbooks/site.yml installs)."""
    import json

    from scv.clients import render_allowlists

    if client is None and not as_json:
        raise ScvError("name a client (or --json for every client)")  # usage: exit 2
    rendered = render_allowlists(client, inventory)
    sys.stdout.write(json.dumps(rendered) + "\n" if as_json else rendered[client])
