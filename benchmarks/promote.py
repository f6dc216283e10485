"""`make bench-promote`: 20 promote/rollback cycles of a live site under continuous requests.

    python -m benchmarks.promote [--cycles 20] [--customers 2000]

In SCV_HOME/bench/promote (a copy of the repository's client files and an SCV_HOME of its own,
the demo client's sites on free loopback ports): two demo weeks are built and published to the
test site, then week 2 is promoted to live and rolled back, `--cycles` times, while a Poller asks
live for /build.json and its page continuously (bounded in count and time). Prints the requests,
failed responses, responses mixing releases, latency and seconds per promote and rollback.
Exit 1 on any failed or mixed response.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scv.core import paths
from scv.core.manifest import file_sha256
from support.loopback import free_ports
from support.repo import copy_repo
from support.soak import Poller


def _scv(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("scv")), *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"scv {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args(argv)

    base = paths.scv_home() / "bench" / "promote"
    _stop_nginx(base / "home")
    shutil.rmtree(base, ignore_errors=True)
    repo, home = base / "repo", base / "home"
    copy_repo(repo)
    test_port, live_port = free_ports(2)
    client_yml = repo / "clients" / "demo" / "client.yml"
    client_yml.write_text(
        client_yml.read_text()
        .replace("https://127.0.0.1:8481/", f"https://127.0.0.1:{test_port}/")
        .replace("https://127.0.0.1:8480/", f"https://127.0.0.1:{live_port}/")
    )
    env = {**os.environ, "SCV_REPO": str(repo), "SCV_HOME": str(home), "COLUMNS": "200"}
    env["ANSIBLE_CONFIG"] = str(repo / "playbooks" / "ansible.cfg")
    try:
        weeks = []
        for week in (1, 2):
            print(f"building week {week} ({args.customers:,} customers)", flush=True)
            inbox = base / f"inbox-{week}"
            _scv(
                env, "demo-data", "--customers", str(args.customers), "--week", str(week), "--out", str(inbox)
            )
            _scv(env, "build", "demo", "--inbox", str(inbox))
            weeks.append(sorted(p.name for p in (home / "builds" / "demo").iterdir())[-1])
            _scv(env, "report", "demo", weeks[-1])
        subprocess.run(
            [str(Path(sys.executable).with_name("ansible-playbook")), str(repo / "playbooks" / "site.yml")],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        for build in weeks:
            _scv(env, "publish", "demo", build, "--env", "test")
        _scv(env, "promote", "demo", "--build", weeks[0])
        # What the promotion PR of week 2 would say.
        sha256 = file_sha256(home / "builds" / "demo" / weeks[1] / "SHA256SUMS")
        (repo / "clients" / "demo" / "release.yml").write_text(
            f"build_id: {weeks[1]}\nmanifest_sha256: {sha256}\n"
        )
        releases = {b: home / "builds" / "demo" / b for b in weeks}
        ca = home / "nginx" / "tls" / "local.crt"
        promote_s, rollback_s = [], []
        url = f"https://127.0.0.1:{live_port}/"
        print(f"{args.cycles} promote/rollback cycles of {url} under continuous requests", flush=True)
        with Poller(url, releases, ca=ca, max_requests=500_000, max_seconds=3600) as poller:
            for cycle in range(args.cycles):
                began = time.monotonic()
                _scv(env, "promote", "demo")
                promote_s.append(time.monotonic() - began)
                began = time.monotonic()
                _scv(env, "rollback", "demo", "--env", "live")
                rollback_s.append(time.monotonic() - began)
                print(f"  cycle {cycle + 1:>2}: {poller.figures.requests} requests so far", flush=True)
        figures = poller.figures
    finally:
        _stop_nginx(home)
    print(f"cycles            {args.cycles}")
    print(f"requests          {figures.requests}")
    print(f"failed responses  {len(figures.failures)}")
    print(f"mixed releases    {len(figures.mixed)}")
    print(f"promote seconds   median {statistics.median(promote_s):.1f}, max {max(promote_s):.1f}")
    print(f"rollback seconds  median {statistics.median(rollback_s):.1f}, max {max(rollback_s):.1f}")
    print(f"figures           {figures.summary()}")
    for problem in (figures.failures + figures.mixed)[:10]:
        print(f"  {problem}")
    return 1 if figures.failures or figures.mixed else 0


def _stop_nginx(home: Path) -> None:
    for pidfile in (home / "nginx").glob("*/nginx.pid"):
        prefix = pidfile.parent
        subprocess.run(
            ["nginx", "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-e", "/dev/null", "-s", "quit"],
            capture_output=True,
        )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
