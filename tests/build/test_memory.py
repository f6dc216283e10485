"""The memory budget: where it comes from, and a real build held to a very small one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scv.core import memory
from scv.core.errors import ScvError
from scv.demo.data import generate
from support.repo import copy_repo, scv_process

GIB = 2**30


def test_the_budget_is_the_smaller_of_the_clients_and_the_runners(monkeypatch):
    monkeypatch.setenv(memory.ENV, "6GiB")
    assert memory.resolve(4 * GIB) == memory.Budget(4 * GIB, "client.yml memory_budget")
    assert memory.resolve(12 * GIB) == memory.Budget(6 * GIB, memory.ENV)
    assert memory.resolve(None) == memory.Budget(6 * GIB, memory.ENV)
    monkeypatch.delenv(memory.ENV)
    default = memory.resolve(None)
    assert default.bytes == memory.machine_memory() // 3 and "a third of this machine" in default.source
    # DuckDB gets the budget less what the Python processes around it take.
    assert memory.Budget(8 * GIB, "x").duckdb_setting == f"{(8 * GIB - memory.PROCESS_OVERHEAD) // 2**20}MiB"


def test_a_budget_that_is_not_a_size_is_refused_naming_where_it_came_from(monkeypatch, scv, repo):
    monkeypatch.setenv(memory.ENV, "lots")
    with pytest.raises(ScvError, match=r"^SCV_MEMORY_BUDGET: 'lots' is not a size \(e\.g\. 6GiB, 512MB\)$"):
        memory.resolve(None)
    monkeypatch.delenv(memory.ENV)
    client = repo / "clients" / "demo" / "client.yml"
    client.write_text(client.read_text() + "memory_budget: plenty\n")
    result = scv("client", "validate", "demo")
    assert result.code == 2
    assert "memory_budget" in result.err and "plenty" in result.err
    assert "Traceback" not in result.err


def test_connections_hold_to_the_budget_in_force(tmp_path, monkeypatch):
    from scv.core.db import connect

    monkeypatch.setenv("SCV_HOME", str(tmp_path))
    with memory.within(memory.Budget(2 * GIB, "test")), connect() as con:
        limit, spill = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    expected = 2 * GIB - memory.PROCESS_OVERHEAD  # the budget less the processes' share
    assert abs(memory.parse_size(limit.replace(" ", ""), "memory_limit") - expected) < 0.05 * GIB
    assert Path(spill).parent == tmp_path / "spill"


@pytest.mark.slow
def test_a_build_on_a_very_small_budget_spills_to_disk_and_completes(tmp_path):
    """100,000 source records on 1.5 GiB for the whole build: DuckDB gets 256 MiB of it."""
    inbox = tmp_path / "inbox"
    generate(inbox, customers=33_500, seed=7)
    env = {
        "SCV_REPO": str(copy_repo(tmp_path / "repo")),
        "SCV_HOME": str(tmp_path / "home"),
        "SCV_MEMORY_BUDGET": "1536MiB",
        "COLUMNS": "200",
    }
    built = scv_process("build", "demo", "--inbox", inbox, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    (build,) = (tmp_path / "home" / "builds" / "demo").iterdir()
    meta = json.loads((build / "build.json").read_text())
    assert sum(i["rows"] for i in meta["inputs"]) >= 95_000
    assert (
        meta["memory"]["budget_bytes"] == 1.5 * GIB and meta["memory"]["budget_from"] == "SCV_MEMORY_BUDGET"
    )
    assert meta["memory"]["peak_spilled_bytes"] > 0  # DuckDB went beyond its share, onto disk
    assert 0 < meta["memory"]["peak_tree_bytes"] < 2 * GIB
    assert "spilled to disk" in built.stdout
    assert not (build / "work").exists()  # the spill files went with the build's scratch space
    evaluated = scv_process("match-eval", build, "--truth", inbox / "truth.csv", "--json", env=env)
    assert evaluated.returncode == 0, evaluated.stderr
    quality = json.loads(evaluated.stdout)["pairwise"]
    assert quality["f1"] >= 0.99 and quality["precision"] >= 0.995, quality
