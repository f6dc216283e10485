"""The memory a build may use, and what it used.

A build's budget covers its whole process tree (the `scv` process, the dbt worker and whatever
they start). It is the smaller of what the client's client.yml asks (`memory_budget`) and what
the runner allows (SCV_MEMORY_BUDGET), and without either a third of the machine: two builds and
the sites fit side by side. DuckDB gets most of it as its `memory_limit` and spills to a
temporary directory beyond that; the rest is for the Python processes around it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scv.core.errors import ScvError
from scv.core.schema import size_bytes

ENV = "SCV_MEMORY_BUDGET"
GIB = 2**30
# What the processes around DuckDB's buffer take: the scv process (about 0.25 GiB), dbt's worker
# with dbt imported, and DuckDB's own allocations outside its buffer. At 10M records the dbt
# worker stood 0.7 GiB above DuckDB's limit, so DuckDB gets the budget less this.
PROCESS_OVERHEAD = int(1.25 * GIB)
DUCKDB_FLOOR = 128 * 2**20


def parse_size(value: str | int, where: str) -> int:
    """Bytes from `6GiB`, `512MB`, `8 GB` or a number of bytes; a ScvError naming `where` if not."""
    try:
        return size_bytes(value)
    except ValueError as exc:
        raise ScvError(f"{where}: {exc}") from None


def machine_memory() -> int:
    """Physical memory, or the container's limit (cgroup v2) when that is smaller."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


@dataclass(frozen=True)
class Budget:
    bytes: int
    source: str  # where it came from, as the report says it

    @property
    def duckdb_limit(self) -> int:
        return max(self.bytes - PROCESS_OVERHEAD, DUCKDB_FLOOR)

    @property
    def duckdb_setting(self) -> str:
        """DuckDB's memory_limit in whole MiB (it reads `MiB` as 2**20 bytes)."""
        return f"{self.duckdb_limit // 2**20}MiB"

    def as_dict(self) -> dict:
        return {
            "budget_bytes": self.bytes,
            "budget_from": self.source,
            "duckdb_memory_limit": self.duckdb_setting,
        }


def resolve(client_budget: int | None = None) -> Budget:
    """The budget of a build: the smaller of the client's and the runner's, else a third of the machine."""
    runner = os.environ.get(ENV, "").strip()
    candidates = []
    if client_budget:
        candidates.append(Budget(client_budget, "client.yml memory_budget"))
    if runner:
        candidates.append(Budget(parse_size(runner, ENV), ENV))
    if not candidates:
        machine = machine_memory()
        candidates.append(Budget(machine // 3, f"a third of this machine's {machine / GIB:.0f} GiB"))
    return min(candidates, key=lambda b: b.bytes)


_current: Budget | None = None


def current() -> Budget:
    """The budget in force in this process: the build's or report's client's, else the default."""
    return _current or resolve()


@contextmanager
def within(budget: Budget) -> Iterator[Budget]:
    """Every DuckDB connection opened meanwhile (scv.core.db.connect) holds to `budget`."""
    global _current
    before, _current = _current, budget
    try:
        yield budget
    finally:
        _current = before


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants, now (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        rss[int(entry.name)] = int(fields[21]) * page
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*") if folder.exists() else ():
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:
            continue  # DuckDB removed it meanwhile
    return total


class Peak:
    """The largest resident memory of a process tree and the most DuckDB spilled to `spill`,
    sampled every `every` seconds from a thread while the `with` block runs."""

    def __init__(self, root: int | None = None, spill: Path | None = None, every: float = 0.2):
        self.root, self.spill, self.every = root or os.getpid(), spill, every
        self.tree_bytes = self.spilled_bytes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.tree_bytes = max(self.tree_bytes, tree_rss(self.root))
            if self.spill is not None:
                self.spilled_bytes = max(self.spilled_bytes, _folder_bytes(self.spill))
            if self._done.wait(self.every):
                return

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def as_dict(self) -> dict:
        return {"peak_tree_bytes": self.tree_bytes, "peak_spilled_bytes": self.spilled_bytes}
