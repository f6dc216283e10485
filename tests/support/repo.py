"""The repository as tests see it: a private copy per test, `scv` as a process, servers they need."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
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
    "playbooks",
    "uptime.yml",
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


def scv_process(*args: str | Path, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    """`scv` as its own process, as a workflow step runs it."""
    command = [str(Path(sys.executable).with_name("scv")), *map(str, args)]
    return subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, **kwargs)


def set_checks(repo, **values):
    """Change thresholds in the demo client's checks: block, as a reviewer would in a PR."""
    path = repo / "clients" / "demo" / "client.yml"
    text = path.read_text()
    for key, value in values.items():
        text, n = re.subn(rf"^(  {key}:) [^#\n]*", rf"\1 {value}  ", text, flags=re.M)
        assert n == 1, key
    path.write_text(text)
