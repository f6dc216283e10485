"""Spreadsheet-safe downloads: a cell a spreadsheet would run as a formula is written as text.

OWASP's rule for CSV injection: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it instead
of running it (`=HYPERLINK("http://x","click")`, `+cmd|' /C calc'!A0`). Numbers stay numbers: a
numeric column is written as it is, so -12.5 in an amount column is still a number; "-12.5" in a
text column is text that happens to start with a minus, and is prefixed like any other.

One helper for every CSV or XLSX scv writes for people to open: the client site's downloads,
the build report's. The browser-side exports follow the same rule.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell value as a spreadsheet may open it: text starting with a trigger gets a leading '."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def neutralise_sql(expression: str) -> str:
    """The same rule as SQL (DuckDB and Spark), for a text column."""
    triggers = ", ".join(f"chr({ord(c)})" for c in TRIGGERS)
    return (
        f"case when left({expression}, 1) in ({triggers}) then chr(39) || {expression} else {expression} end"
    )


def neutralised_select(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """`select …` of a relation with every text column neutralised and every other column as it is."""
    columns = con.execute(f"describe select * from {relation}").fetchall()
    parts = []
    for name, kind, *_ in columns:
        ident = '"' + name.replace('"', '""') + '"'
        parts.append(f"{neutralise_sql(ident)} as {ident}" if kind == "VARCHAR" else ident)
    return f"select {', '.join(parts)} from {relation}"


def write_csv(con: duckdb.DuckDBPyConnection, relation: str, target: Path, order_by: str = "all") -> None:
    """A relation (a table name or a parenthesised query) as a formula-safe CSV file with a header,
    its rows in a stable order (`order_by`, every column by default)."""
    query = neutralised_select(con, relation) + f" order by {order_by}"
    path = str(target).replace("'", "''")
    con.execute(f"copy ({query}) to '{path}' (format csv, header true)")
