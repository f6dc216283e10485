"""Messages are printed as they are: Rich turns `:x:` into an emoji unless told not to."""

from __future__ import annotations

import re
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_every_console_prints_emoji_codes_as_text():
    consoles = [
        (path.relative_to(SCRIPTS), call)
        for path in SCRIPTS.rglob("*.py")
        for call in re.findall(r"Console\([^)]*\)", path.read_text(encoding="utf-8"))
    ]
    assert consoles
    assert [c for c in consoles if "emoji=False" not in c[1]] == []


def test_a_progress_bar_shows_a_file_name_as_it_is():
    from io import StringIO

    from rich.console import Console

    from scv.core.progress import steps

    out = StringIO()
    with steps(console=Console(file=out, emoji=False, width=200)) as progress:
        progress.add_task("Loading e:x:mail [b]x[/b].csv", total=1)
    assert "Loading e:x:mail [b]x[/b].csv" in out.getvalue()
