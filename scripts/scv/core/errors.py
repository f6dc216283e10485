"""The exceptions a user sees. Anything else escaping the CLI is a bug in scv."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ScvError(Exception):
    """Bad input or usage: the CLI prints the message on one line and exits 2."""

    exit_code = 2


class ProblemFound(ScvError):
    """The work found a problem (a failed check, a refused publish): one line, exit 1."""

    exit_code = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{display_path(self.file)}:{self.line}" if self.line else display_path(self.file)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class Problems(ScvError):
    """Several problems found at once; each is printed on its own line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line or 0, p.field))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path relative to the working directory when it is under it: shorter and clickable."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
