"""Quoting for the SQL scv writes itself: the one place a value or a name becomes SQL text.

Values that can be bound as parameters are bound; these are for what SQL does not let us bind
(file paths in a table function, column and table names, options of read_csv).
"""

from __future__ import annotations

from pathlib import Path


def literal(value: str | Path | object) -> str:
    """A SQL string literal: 'O''Brien'."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier: "first name" (any column name a client's file has)."""
    return '"' + name.replace('"', '""') + '"'
