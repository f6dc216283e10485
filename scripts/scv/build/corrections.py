"""The client's corrections as a build applied them (the match_corrections mart)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from scv.core.db import connect


def applied_corrections(db: Path) -> list[dict]:
    """match_corrections of a build: each correction of corrections.yml and its effect."""
    if not db.is_file():
        return []
    with connect(db, read_only=True) as con:
        try:
            cursor = con.execute("select * from match_corrections order by line")
        except duckdb.CatalogException:
            return []  # dbt stopped before the marts, or a build from before corrections existed
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
