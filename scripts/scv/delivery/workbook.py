"""XLSX workbooks, read one way for the loader and the profiler.

calamine (Rust) reads a 100k-row sheet in a fraction of a second where openpyxl takes many, and
returns real dates and numbers, which `cell_text` writes the way a person typed them.
"""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook

from scv.core.errors import ScvError, display_path
from scv.delivery import unpack


def open_workbook(path: Path) -> CalamineWorkbook:
    unpack.check_archive(path)  # a workbook is a ZIP archive: no bomb gets as far as calamine
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for a broken workbook
        raise ScvError(f"{display_path(path)}: not a readable XLSX workbook ({exc})") from None


def sheet_rows(book: CalamineWorkbook, path: Path, name: str) -> list[list]:
    """Every row of a sheet from A1 (empty cells are ""), so row and column numbers match Excel's."""
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:  # a sheet whose XML is cut short or malformed
        raise ScvError(f"{display_path(path)}: sheet {name!r} is not readable ({exc})") from None


def cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.removesuffix("T00:00:00")  # a date typed into Excel comes back as midnight
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
