"""`scv publish`: ansible-playbook really runs against the local inventory.

What a person checks: what `current` points at, what the served site answers, that the release
verifies, and that nothing changes (or breaks) when a publish is repeated or killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scv.core.manifest import write_sha256sums
from support.repo import scv_process
from support.sites import current, served_build_id, site_root

pytestmark = pytest.mark.slow


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.lstat().st_mtime_ns, p.lstat().st_ino) for p in sorted(root.rglob("*"))
    }


def keep_releases(repo: Path, n: int) -> None:
    path = repo / "playbooks" / "inventories" / "local" / "group_vars" / "all.yml"
    text = path.read_text()
    assert "scv_keep_releases: 5" in text
    path.write_text(text.replace("scv_keep_releases: 5", f"scv_keep_releases: {n}"))


def test_publish_twice_changes_nothing_and_old_releases_go(scv, weekly):
    keep_releases(weekly.repo, 1)
    assert scv("publish", "demo", weekly.week1, "--env", "test").code == 0

    first = scv("publish", "demo", weekly.week2, "--env", "test")

    assert first.code == 0, first.out + first.err
    assert current(weekly.home) == weekly.week2
    assert served_build_id(weekly.home) == weekly.week2
    assert "site URL     https://127.0.0.1:8481/" in first.out
    release = site_root(weekly.home) / "releases" / weekly.week2
    check = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=release, capture_output=True
    )
    assert check.returncode == 0, check.stdout
    # Only the newest release is kept (scv_keep_releases: 1); the previous one is recorded.
    assert sorted(p.name for p in (site_root(weekly.home) / "releases").iterdir()) == [weekly.week2]
    deployments = [
        json.loads(line) for line in (site_root(weekly.home) / "deployments.jsonl").read_text().splitlines()
    ]
    assert [(d["build_id"], d["previous_build_id"]) for d in deployments] == [
        (weekly.week1, None),
        (weekly.week2, weekly.week1),
    ]
    before = snapshot(site_root(weekly.home))

    second = scv("publish", "demo", weekly.week2, "--env", "test")

    assert second.code == 0, second.out + second.err
    assert "nothing changed" in second.out and "changed=0" in second.out
    assert snapshot(site_root(weekly.home)) == before


def test_publish_refuses_a_failed_build_and_the_site_keeps_serving(scv, weekly, tmp_path):
    from support.weeks import write_week

    assert scv("publish", "demo", weekly.week2, "--env", "test").code == 0
    inbox = write_week(tmp_path / "inbox", 3)
    shop = inbox / "shop_orders.csv"
    shop.write_bytes(shop.read_bytes().replace(b";GBP", b";GPB"))  # fails an accepted_values test
    built = scv("build", "demo", "--inbox", inbox)
    assert built.code == 1
    failed = sorted(p.name for p in (weekly.home / "builds" / "demo").iterdir())[-1]
    assert (
        json.loads((weekly.home / "builds" / "demo" / failed / "build.json").read_text())["verdict"] == "fail"
    )
    assert scv("report", "demo", failed).code == 0  # the team reads the report of a failed build too

    result = scv("publish", "demo", failed, "--env", "test")

    assert result.code == 1
    assert result.err.startswith(f"error: build {failed} failed its check (verdict fail): not published")
    assert f"keeps serving {weekly.week2}" in result.err
    assert current(weekly.home) == weekly.week2
    assert not (site_root(weekly.home) / "releases" / failed).exists()


def test_a_publish_killed_midway_leaves_current_on_the_previous_release(scv, weekly):
    assert scv("publish", "demo", weekly.week1, "--env", "test").code == 0
    # Make week 2 big enough to be caught in the middle of its copy: a large export, re-sealed.
    build = weekly.home / "builds" / "demo" / weekly.week2
    with (build / "exports" / "history.bin").open("wb") as f:
        for _ in range(48):
            f.write(os.urandom(4 << 20))
    write_sha256sums(build)
    partial = site_root(weekly.home) / "releases" / f".{weekly.week2}.partial"

    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("scv")), "publish", "demo", weekly.week2, "--env", "test"],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: ansible and its workers die with it
    )
    deadline = time.monotonic() + 120
    while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert partial.exists(), "the publish finished or failed before it could be interrupted"
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    assert current(weekly.home) == weekly.week1
    assert served_build_id(weekly.home) == weekly.week1
    assert not (site_root(weekly.home) / "releases" / weekly.week2).exists()

    again = scv_process("publish", "demo", weekly.week2, "--env", "test", env={})

    assert again.returncode == 0, again.stdout + again.stderr
    assert current(weekly.home) == weekly.week2
    assert not partial.exists(), "the interrupted copy was not cleaned up"
    assert served_build_id(weekly.home) == weekly.week2


def test_publish_of_a_build_without_report_or_to_an_unknown_env_is_exit_2(scv, weekly):
    # What `scv build` leaves before `scv report` has run.
    build = weekly.home / "builds" / "demo" / weekly.week2
    for part in ("report", "site", "docs"):
        shutil.rmtree(build / part)

    result = scv("publish", "demo", weekly.week2, "--env", "test")

    assert result.code == 2
    assert f"run `scv report demo {weekly.week2}` first" in result.err
    assert scv("publish", "demo", weekly.week1, "--env", "staging").code == 2
    assert not (weekly.home / "sites").exists()
