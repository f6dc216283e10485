"""What the uptime workflow relies on: its own shape, the history on the ops-state branch, and an
issue per incident on GitHub.

GitHub itself is simulated: `gh` is a stand-in on PATH that records what it was asked and answers
like the real one; git, make and the checks are real.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.github_fake import FAKE_GH
from support.uptime_sites import Site, configure

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "uptime.yml"


def test_workflow_runs_every_5_minutes_never_overlaps_and_each_step_is_one_command():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true

    assert triggers["schedule"] == [{"cron": "*/5 * * * *"}]
    assert "workflow_dispatch" in triggers
    assert flow["concurrency"] == {"group": "uptime", "cancel-in-progress": False}
    job = flow["jobs"]["check"]
    assert job["permissions"] == {"contents": "write", "issues": "write"}
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == [
        "make setup",
        "make uptime-pull",
        ".venv/bin/scv uptime check",
        ".venv/bin/scv uptime issues",
        ".venv/bin/scv uptime report",
        "make uptime-push",
    ]
    # Credentials come from secrets through env:, never expanded inside run:.
    check = next(s for s in job["steps"] if s.get("run") == ".venv/bin/scv uptime check")
    assert check["env"]["SCV_UPTIME_SMS_URL"] == "${{ secrets.SCV_UPTIME_SMS_URL }}"
    assert all("${{" not in run for run in runs)
    # The history is committed even when the check step failed because something is down.
    for step in job["steps"][job["steps"].index(check) + 1 :]:
        assert step["if"] == "${{ !cancelled() }}"
    # Every alert target of uptime.yml gets its URL from the workflow's secrets.
    targets = yaml.safe_load((REPO / "uptime.yml").read_text())["alerts"]
    assert {t["url_env"] for t in targets} <= set(check["env"])


def make(target: str, home: Path, remote: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCV_HOME": str(home), "OPS_STATE_REMOTE": str(remote)}
    env.pop("GITHUB_TOKEN", None)
    return subprocess.run(
        ["make", "-s", "-C", str(REPO), target], env=env, capture_output=True, text=True, timeout=60
    )


def test_history_goes_to_the_ops_state_branch_and_comes_back(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    first, second = tmp_path / "runner-1", tmp_path / "runner-2"

    started = make("uptime-pull", first, remote)
    (first / "uptime" / "history" / "demo.test").mkdir(parents=True)
    (first / "uptime" / "history" / "demo.test" / "2026-11.csv").write_text("time,status\nA,up\n")
    pushed = make("uptime-push", first, remote)
    fetched = make("uptime-pull", second, remote)
    history = second / "uptime" / "history" / "demo.test" / "2026-11.csv"
    history.write_text(history.read_text() + "B,down\n")
    again = make("uptime-push", second, remote)
    nothing = make("uptime-push", second, remote)

    assert started.returncode == 0 and "no ops-state branch yet" in started.stdout
    assert pushed.returncode == 0 and "pushed" in pushed.stdout, pushed.stderr
    assert fetched.returncode == 0 and history.exists(), fetched.stderr
    assert again.returncode == 0 and "nothing new to commit" in nothing.stdout
    shown = subprocess.run(
        ["git", "--git-dir", str(remote), "show", "ops-state:history/demo.test/2026-11.csv"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout == "time,status\nA,up\nB,down\n"
    log = subprocess.run(
        ["git", "--git-dir", str(remote), "log", "--format=%an %s", "ops-state"],
        capture_output=True,
        text=True,
    )
    assert [line.split(" ")[:3] for line in log.stdout.splitlines()] == [["scv", "uptime", "uptime:"]] * 2


def test_push_without_a_pull_says_what_to_do(tmp_path):
    result = make("uptime-push", tmp_path / "home", tmp_path / "remote.git")
    assert result.returncode != 0
    assert "run make uptime-pull first" in result.stderr


@pytest.fixture
def fake_gh(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "gh.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GH_LOG", str(log))
    return lambda: [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_an_issue_per_incident_opened_then_closed_when_resolved(scv, repo, fake_gh, monkeypatch):
    site = Site()
    try:
        configure(repo, site)
        site.down()
        scv("uptime", "check")
        scv("uptime", "check")  # incident opened
        monkeypatch.setenv("FAKE_GH_FAIL", "1")
        failed = scv("uptime", "issues")  # GitHub is down: the work waits for the next run
        monkeypatch.delenv("FAKE_GH_FAIL")
        opened = scv("uptime", "issues")
        site.up()
        scv("uptime", "check")
        scv("uptime", "check")  # resolved
        closed = scv("uptime", "issues")
        idle = scv("uptime", "issues")
    finally:
        site.down()

    assert failed.code == 1 and "HTTP 502: Bad Gateway" in failed.out
    assert opened.code == 0 and "opened issue #41 for demo.test" in opened.out
    assert closed.code == 0 and "closed issue #41: demo.test resolved" in closed.out
    assert idle.code == 0 and idle.out == ""
    create, close = fake_gh()
    assert create[:3] == ["issue", "create", "--title"]
    assert create[3].startswith("Uptime: demo.test down since ")
    assert "connection refused" in create[5]
    assert close[:3] == ["issue", "close", "41"]
    assert close[3] == "--comment" and "demo.test up again at" in close[4]
