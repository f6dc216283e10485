"""YAML with line numbers: every error about a config file can say where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scv.core.errors import Problem

Loc = tuple[str | int, ...]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFile:
    """A parsed YAML document plus the line of every mapping key and sequence item."""

    def __init__(self, path: Path):
        self.path = path
        self.lines: dict[Loc, int] = {}
        self.problems: list[Problem] = []
        self.data: Any = None
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problems.append(Problem(path, None, "", "file not found"))
            return
        except UnicodeDecodeError as exc:
            self.problems.append(
                Problem(path, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
            )
            return
        try:
            # One parse gives both the nodes (for line numbers) and the data; libyaml when present.
            loader = _Loader(text)
            try:
                node = loader.get_single_node()
                self.data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            self.problems.append(Problem(path, line, "", f"YAML syntax error: {exc.problem or exc.context}"))
            return
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, loc: Loc) -> None:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                line = key_node.start_mark.line + 1
                if key in seen:
                    # PyYAML silently keeps the last value; a duplicated key is almost always a mistake.
                    self.problems.append(
                        Problem(
                            self.path, line, dotted((*loc, key)), f"duplicate key (first on line {seen[key]})"
                        )
                    )
                seen[key] = line
                self.lines[(*loc, key)] = line
                self._walk(value_node, (*loc, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.lines[(*loc, i)] = item.start_mark.line + 1
                self._walk(item, (*loc, i))

    def line_of(self, loc: Loc) -> int | None:
        """The line of loc, or of its nearest parent that exists (a missing key points at its parent)."""
        for end in range(len(loc), -1, -1):
            if (line := self.lines.get(tuple(loc[:end]))) is not None:
                return line
        return None

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.path, self.line_of(loc), dotted(loc), message)


def dotted(loc: Loc) -> str:
    """('sources', 1, 'name') -> 'sources[1].name': how people write a field path."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
