"""`scv client new NAME --inbox DIR`: a new client from a folder of delivered files, ready to build.

The client is scaffolded, then every file of the folder (sub-folders too) is profiled and
added as a source with `scv source add`'s mapping and key. Files whose names differ only by a
date (members_20261123.csv, members_20261130.csv) are one source, read by a wildcard. The
result builds as it is; a person reviews the mappings in the pull request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scv.core.errors import ScvError, display_path
from scv.onboarding.scaffold import scaffold
from scv.onboarding.source import Added, add_source, file_pattern
from scv.profiling import normalise_column as normalise

# Not deliveries: synthetic data's answer key, and what a file system or an editor leaves behind.
NOT_DELIVERED = re.compile(r"^(truth\.csv|\..*|~\$.*|.*~|thumbs\.db|desktop\.ini)$", re.I)


@dataclass
class NewClient:
    files: list[Path] = field(default_factory=list)  # files written or edited
    sources: dict[str, Added] = field(default_factory=dict)


def delivered_files(inbox: Path) -> dict[str, list[Path]]:
    """The inbox's files by the pattern that finds them next week, in path order."""
    if not inbox.is_dir():
        raise ScvError(f"{display_path(inbox)}: not a folder of delivered files")
    groups: dict[str, list[Path]] = {}
    for path in sorted(inbox.rglob("*")):
        relative = path.relative_to(inbox)
        if path.is_file() and not any(NOT_DELIVERED.match(part) for part in relative.parts):
            groups.setdefault(file_pattern(path, inbox), []).append(path)
    if not groups:
        raise ScvError(f"{display_path(inbox)}: no delivered files in the folder")
    return groups


def source_name(pattern: str, taken: set[str]) -> str:
    """A source name from the file's name: 'exports/Patients_*.csv' -> 'patients'."""
    stem = Path(pattern).name.split(".")[0].replace("*", " ")
    name = normalise(stem) or normalise(Path(pattern).parent.name.replace("*", " ")) or "source"
    name = name if name[0].isalpha() else f"source_{name}"
    name = name[:50]
    unique, n = name, 2
    while unique in taken:
        unique, n = f"{name}_{n}", n + 1
    return unique


def new_client(name: str, inbox: Path, display_name: str | None = None) -> NewClient:
    """Scaffold the client and add each delivered file of inbox as a source."""
    groups = delivered_files(inbox)  # before anything is written: a wrong folder leaves nothing behind
    result = NewClient(files=scaffold(name, display_name))
    try:
        for pattern, files in groups.items():
            source = source_name(pattern, set(result.sources))
            added = add_source(name, source, files[-1], inbox=inbox)  # the newest when dated
            result.sources[source] = added
            result.files += [f for f in added.files if f not in result.files]
    except ScvError as exc:
        raise ScvError(
            f"{exc} (client {name} is scaffolded with the sources before it: add the rest with "
            f"`scv source add`)"
        ) from None
    return result


def new_client_lines(name: str, made: NewClient) -> list[str]:
    """What `scv client new --inbox` prints: each source with its key and mapping, the files written."""
    lines = []
    for source, added in made.sources.items():
        fields = ", ".join(f"{m['field']} <- {m['column']}" for m in added.mapping)
        lines.append(f"  source {source} (key {added.key}): {fields}")
    lines += [f"  wrote {display_path(path)}" for path in made.files if path.exists()]
    lines.append(f"Client {name}: {len(made.sources)} source(s) to review, then `scv build {name}`")
    return lines
