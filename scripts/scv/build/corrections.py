"""What the client's corrections (corrections.yml) did in a build: its match_corrections table,
read by the check (stale ones are warnings) and the build report (each one's effect)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def applied_corrections(db: Path) -> list[dict]:
    """match_corrections of a build: each correction of corrections.yml and its effect."""
    if not db.is_file():
        return []
    with duckdb.connect(str(db), read_only=True) as con:
        try:
            cursor = con.execute("select * from match_corrections order by line")
        except duckdb.CatalogException:
            return []  # dbt stopped before the marts, or a build from before corrections existed
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
