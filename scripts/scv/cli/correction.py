"""`scv correction add`: a client's correction to matching, written to corrections.yml for a PR."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import ClientArg, say
from scv.core.errors import ScvError, display_path

app = typer.Typer(help="add: the client's corrections to matching (corrections.yml).", no_args_is_help=True)


@app.command("add")
def add(
    client: ClientArg,
    records: Annotated[list[str], typer.Argument(help="The two records, as source:record_id.")],
    same: Annotated[bool, typer.Option("--same", help="The two records are one person (must-link).")] = False,
    different: Annotated[
        bool, typer.Option("--different", help="The two records are two people (cannot-link).")
    ] = False,
    who: Annotated[str, typer.Option(help="Who at the client asked for it.")] = "",
    why: Annotated[str, typer.Option(help="What they told us, in a sentence.")] = "",
    on: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="When they asked (default today).")
    ] = None,
    reference: Annotated[
        str | None, typer.Option(help="The reference of the client's email (the site's 'Something wrong?').")
    ] = None,
) -> None:
    """Write a must-link (--same) or cannot-link (--different) between two records to
    clients/CLIENT/corrections.yml; commit it on a branch and open a PR (its preview shows the effect)."""
    from scv.clients import add_correction as run

    if same == different:
        raise ScvError("say --same or --different (one of them)")
    if not who.strip() or not why.strip():
        raise ScvError("--who and --why are required: who at the client asked, and why")
    added = run(
        client,
        "same" if same else "different",
        records,
        who,
        why,
        on.date() if on else None,
        reference,
    )
    say(
        [
            f"Added to {display_path(Path(added.path))}:",
            added.text.rstrip(),
            "Commit it on a branch and open a pull request: "
            "its preview shows the customers it merges or splits.",
        ]
    )
