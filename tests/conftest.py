"""Shared fixtures: a private copy of the repository and SCV_HOME per test, and the CLI runner."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.repo import copy_repo, scv_process

# `make test` runs two pytest workers, each taking whole modules (--dist loadfile). The longest
# modules go first so that they run side by side from the start instead of one of them running
# alone at the end; the order inside a module is kept (the sites tests build on each other).
LONGEST_FIRST = [
    "test_spark.py",
    "test_spark_corrections.py",
    "test_sites.py",
    "test_publish.py",
    "test_sites_ssh.py",
    "test_checks.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's client and model files, with its own SCV_HOME."""
    root = copy_repo(tmp_path / "repo")
    monkeypatch.setenv("SCV_REPO", str(root))
    monkeypatch.setenv("SCV_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def scv(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run the `scv` command in-process, as a user would type it; returns exit code and output."""
    from scv.cli import main

    monkeypatch.setenv("COLUMNS", "200")  # Rich must not wrap the lines tests read

    def run(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["scv", *map(str, args)])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@dataclass
class Weeks:
    """Two weekly builds of the demo client, week 1 then a clean week 2, with reports."""

    repo: Path
    home: Path
    week1: str
    week2: str
    consoles: tuple[str, ...] = ()  # what each week's `scv build` printed


@pytest.fixture(scope="session")
def two_weeks(tmp_path_factory: pytest.TempPathFactory) -> Weeks:
    """Built once per test session: every real dbt build costs tens of seconds."""
    from support.weeks import write_week

    base = tmp_path_factory.mktemp("weeks")
    env = {"SCV_REPO": str(copy_repo(base / "repo")), "SCV_HOME": str(base / "home"), "COLUMNS": "200"}
    ids, consoles = [], []
    for week in (1, 2):
        inbox = write_week(base / f"inbox-{week}", week)
        built = scv_process("build", "demo", "--inbox", inbox, env=env)
        assert built.returncode == 0, built.stdout + built.stderr
        consoles.append(built.stdout + built.stderr)
        ids.append(sorted(p.name for p in (base / "home" / "builds" / "demo").iterdir())[-1])
        reported = scv_process("report", "demo", ids[-1], env=env)
        assert reported.returncode == 0, reported.stdout + reported.stderr
    return Weeks(Path(env["SCV_REPO"]), Path(env["SCV_HOME"]), *ids, consoles=tuple(consoles))


@pytest.fixture
def weekly(two_weeks: Weeks, repo: Path, tmp_path: Path) -> Weeks:
    """A private copy of the two weekly builds in this test's own SCV_HOME and repository copy."""
    home = tmp_path / "home"
    shutil.copytree(two_weeks.home / "builds", home / "builds", symlinks=True)
    return Weeks(repo, home, two_weeks.week1, two_weeks.week2)
