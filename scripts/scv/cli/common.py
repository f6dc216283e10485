"""What every command module shares: the two consoles and the arguments several verbs take.

Messages are printed verbatim: no Rich markup, emoji codes or highlighting is applied to text that
comes from a file, a server or the user (a column named `e:x:mail` stays `e:x:mail`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console(emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, highlight=False)  # one line, whatever the width

ClientArg = Annotated[str, typer.Argument(help="Client name: the folder under clients/.")]
BuildArg = Annotated[str, typer.Argument(help="Build id (e.g. 20261123T020000Z-1a2b3c4) or 'latest'.")]
InventoryOpt = Annotated[
    Path | None,
    typer.Option(help="Ansible inventory (default playbooks/inventories/local).", envvar="SCV_INVENTORY"),
]
EventOption = Annotated[
    Path | None,
    typer.Option("--event", help="Event payload file (default: $GITHUB_EVENT_PATH, set by the runner)."),
]


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


def say(lines: Iterable[str]) -> None:
    """Print a domain function's summary lines as they are."""
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)


def error(message: str) -> None:
    """One line on stderr: 'error:' in red, then the message verbatim."""
    err.print("[red]error:[/] ", end="")
    err.print(message, markup=False)


def table(title: str, columns: tuple[str, str], rows: list[tuple[str, str]]) -> None:
    """A two-column table of figures, values right-aligned."""
    from rich.table import Table

    shown = Table(title=title, title_justify="left")
    shown.add_column(columns[0])
    shown.add_column(columns[1], justify="right")
    for name, value in rows:
        shown.add_row(name, value)
    out.print(shown)
