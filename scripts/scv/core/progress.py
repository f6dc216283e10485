"""Rich progress bars, one style for every long job.

A description is printed as it is: it often names a delivered file, and `e:x:mail` or `[b]` in a
name must not turn into an emoji or a style.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


def steps(**kwargs) -> Progress:
    kwargs.setdefault("console", Console(emoji=False))
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", style="progress.description", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
        **kwargs,
    )
