"""DuckDB connections that keep to the memory budget (scv.core.memory) and spill beyond it."""

from __future__ import annotations

import atexit
import os
import shutil
from pathlib import Path

import duckdb

from scv.core import memory, paths


def connect(path: Path | str | None = None, *, read_only: bool = False, spill: Path | None = None):
    """A DuckDB connection (in memory without `path`) whose memory_limit is the budget's DuckDB
    share. It spills to `spill`, else to a folder of this process under SCV_HOME: never beside
    a published build's database, and never shared with another process's DuckDB."""
    folder = spill or _process_spill()
    folder.parent.mkdir(parents=True, exist_ok=True)  # DuckDB makes only the last folder
    config = {
        "memory_limit": memory.current().duckdb_setting,
        "temp_directory": str(folder),
    }
    return duckdb.connect(str(path) if path else ":memory:", read_only=read_only, config=config)


_spill: Path | None = None


def _process_spill() -> Path:
    global _spill
    if _spill is None:
        _spill = paths.scv_home() / "spill" / str(os.getpid())
        atexit.register(shutil.rmtree, _spill, ignore_errors=True)
    return _spill
