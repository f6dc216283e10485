"""`scv --help` and every verb's options stay as the operations team and the workflows know them.

tests/cli/verbs.txt is the committed listing: a line per verb with its arguments and options.
A verb or option that is added, renamed or dropped changes the listing, and this test shows how.
Regenerate it on purpose with `.venv/bin/python tests/cli/test_verbs.py > tests/cli/verbs.txt`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer.main

LISTING = Path(__file__).with_name("verbs.txt")


def listing() -> list[str]:
    from scv.cli import app

    lines: list[str] = []

    def walk(command, path: list[str]) -> None:
        if hasattr(command, "commands"):  # a group (Typer carries its own copy of click)
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])
            return
        params = []
        for param in command.params:
            if param.param_type_name == "argument":
                params.append(param.name.upper())
            else:
                params.append("/".join(sorted(param.opts + param.secondary_opts)))
        lines.append(" ".join(["scv", *path]) + ": " + " ".join(params))

    walk(typer.main.get_command(app), [])
    return lines


def test_every_verb_keeps_its_arguments_and_options():
    assert listing() == LISTING.read_text().splitlines()


def test_scv_help_lists_every_verb(scv):
    result = scv("--help")
    assert result.code == 0
    top = {line.split(":")[0].split()[1] for line in LISTING.read_text().splitlines()}
    for verb in top:
        assert verb in result.out, verb


if __name__ == "__main__":
    sys.stdout.write("\n".join(listing()) + "\n")
