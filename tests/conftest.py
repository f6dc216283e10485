"""Shared fixtures: a private copy of the repository and SCV_HOME per test, and the CLI runner."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# What a build reads from the checkout; tests edit their own copy, never the real one.
REPO_PARTS = [
    "clients",
    "models",
    "macros",
    "seeds",
    "tests/dbt",
    "dbt_project.yml",
    "profiles.yml",
    ".github",
]


def need(command: str) -> str:
    """The path of a server or tool a test needs. Missing: skip locally, fail under CI=true."""
    path = shutil.which(command)
    if path is None:
        message = f"{command} is not installed (the make target installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class Result:
    code: int
    out: str
    err: str


def copy_repo(root: Path) -> Path:
    """A copy of the repository's client and model files at root (tests edit it freely)."""
    root.mkdir(parents=True)
    for part in REPO_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        elif source.exists():
            shutil.copy2(source, root / part)
    return root


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
