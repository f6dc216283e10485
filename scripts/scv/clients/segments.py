"""clients/<client>/segments.yml: the client's saved segments, counted by every build.

A segment is a name, a title and a SQL condition on the tables the client site queries
(`customers`, `customer_sources`, `activities`, `customer_activity`): the people it holds are
`select customer_id from customers where <where>`. The segment builder on the site shows the
condition of any selection, so a client can ask for it to be saved.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from scv.core.errors import Problem, Problems
from scv.core.schema import Identifier, Strict, validate_model
from scv.core.yamlfile import YamlFile

FILE = "segments.yml"


class Segment(Strict):
    name: Identifier = Field(description="Stable id of the segment: its history follows this name.")
    title: str = Field(min_length=1, description="What the site calls it.")
    description: str = ""
    where: str = Field(
        min_length=1, description="SQL condition on `customers` (subqueries may use the others)."
    )


class SegmentsFile(Strict):
    segments: list[Segment] = Field(default_factory=list)


def problems(folder: Path) -> list[Problem]:
    """What is wrong with the client's segments.yml (nothing when there is none)."""
    path = folder / FILE
    if not path.exists():
        return []
    found: list[Problem] = []
    doc = YamlFile(path)
    parsed = validate_model(doc, SegmentsFile, found)
    if parsed is not None:
        seen: dict[str, int] = {}
        for i, segment in enumerate(parsed.segments):
            if segment.name in seen:
                found.append(doc.problem(("segments", i, "name"), f"duplicate segment {segment.name!r}"))
            seen.setdefault(segment.name, i)
    return found


def load(folder: Path) -> list[Segment]:
    """The client's saved segments, in file order; Problems when the file is wrong."""
    if not (folder / FILE).exists():
        return []
    found = problems(folder)
    if found:
        raise Problems(found)
    return validate_model(YamlFile(folder / FILE), SegmentsFile, []).segments


def line_of(folder: Path, index: int) -> int | None:
    return YamlFile(folder / FILE).lines.get(("segments", index, "where"))
