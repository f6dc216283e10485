"""`make bench-uptime`: `scv uptime check` of 1,000 endpoints on loopback; seconds per run.

A server process answers on loopback: most endpoints at once, some after 1.5 s (slow: degraded),
some never within the 3 s timeout (hung: down), and some ports refuse connections (down, after
the one quick retry). `scv uptime check` runs as its own process, as the workflow runs it, three
times in a row (the second run opens an incident per down endpoint and sends one alert to a
local json:// receiver). Each run must end within 5 s of wall time; the counts of up, degraded
and down are checked so the figure is for the real work.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop
import yaml

from support.loopback import free_ports

TARGET_SECONDS = 5.0
TIMEOUT = 3
MIX = {"fast": 850, "slow": 50, "hung": 40, "refused": 60}
PORTS = 20  # listening ports the answering endpoints share
RUNS = 3


def _serve(conn) -> None:
    """The loopback server: PORTS listening ports, paths /fast|slow|hung/<n>, and /alerts."""
    alerts = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal alerts
        try:
            request = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            path = request.split()[1].decode() if len(request.split()) > 1 else "/"
            kind = path.split("/")[1]
            if kind == "alerts":
                await reader.readexactly(length)
                alerts += 1
            elif kind == "slow":
                await asyncio.sleep(1.5)
            elif kind == "hung":
                await asyncio.sleep(30)  # longer than any timeout: the checker gives up first
            body = b'{"build_id": "20261123T020000Z-1a2b3c4"}'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the checker gave up, or the bench is over
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024) for _ in range(PORTS)]
        conn.send([s.sockets[0].getsockname()[1] for s in servers])
        while not conn.poll():
            await asyncio.sleep(0.05)
        conn.recv()
        conn.send(alerts)

    uvloop.run(main())  # the server should not be the slow part


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float:
    """CPU seconds a running process has used (Linux /proc): the server's share of the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _uptime_yml(ports: list[int], receiver: int) -> dict:
    endpoints, k = [], 0
    for kind, count in MIX.items():
        for i in range(count):
            if kind == "refused":
                url = f"http://127.0.0.1:{_closed[i]}/build.json"
            else:
                url = f"http://127.0.0.1:{ports[k % len(ports)]}/{kind}/{i}"
            endpoints.append({"name": f"{kind}-{i:04d}", "url": url})
            k += 1
    return {
        "defaults": {"timeout_seconds": TIMEOUT, "max_response_ms": 1000, "concurrency": 200,
                     "failure_threshold": 2, "success_threshold": 2},
        "alerts": [{"name": "bench receiver", "url_env": "SCV_BENCH_ALERT_URL"}],
        "endpoints": endpoints,
    }  # fmt: skip


_closed: list[int] = []


def _compile_bytecode() -> None:
    """Bytecode for the environment, as any machine has it after its first run. Python writes it
    on first import, unless PYTHONDONTWRITEBYTECODE is set (it is on some sandboxes): then every
    `scv` process would compile its imports again, seconds that are not the checks'."""
    import compileall
    import sysconfig

    import scv

    for folder in {sysconfig.get_paths()["purelib"], str(Path(scv.__file__).parent)}:
        compileall.compile_dir(folder, quiet=2, workers=0)


def main() -> int:
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("PYTHONDONTWRITEBYTECODE is set: compiling the environment's bytecode once first", flush=True)
        _compile_bytecode()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(child,), daemon=True)
    server.start()
    ports = parent.recv()
    _closed.extend(free_ports(MIX["refused"]))
    total = sum(MIX.values())
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="scv-bench-uptime-") as tmp:
        repo, home = Path(tmp) / "repo", Path(tmp) / "home"
        (repo / "clients").mkdir(parents=True)
        (repo / "uptime.yml").write_text(yaml.safe_dump(_uptime_yml(ports, ports[0])))
        env = {
            **os.environ,
            "SCV_REPO": str(repo),
            "SCV_HOME": str(home),
            "SCV_BENCH_ALERT_URL": f"json://127.0.0.1:{ports[0]}/alerts",
            "COLUMNS": "200",
        }
        scv = str(Path(sys.executable).with_name("scv"))
        load = os.getloadavg()[0]
        print(
            f"bench-uptime: {total:,} endpoints on loopback ({MIX['fast']} fast, {MIX['slow']} slow 1.5 s, "
            f"{MIX['hung']} hung, {MIX['refused']} refusing), timeout {TIMEOUT} s, concurrency 200; "
            f"{os.cpu_count()} CPUs, load average {load:.1f} before the first run",
            flush=True,
        )
        expected = (MIX["fast"], MIX["slow"], MIX["hung"] + MIX["refused"])
        ok = True
        for run in range(1, RUNS + 1):
            load = os.getloadavg()[0]
            started, cpu, served = time.perf_counter(), _children_cpu(), _process_cpu(server.pid)
            done = subprocess.run([scv, "uptime", "check"], env=env, capture_output=True, text=True)
            wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
            served = _process_cpu(server.pid) - served
            worst = max(worst, wall)
            summary = re.search(
                r"Checked (\d+) of \d+ endpoints in ([\d.]+) s .*: (\d+) up, (\d+) degraded, (\d+) down",
                done.stdout,
            )
            if summary is None or done.returncode != 1:
                print(f"  run {run}: unexpected result (exit {done.returncode}):\n{done.stdout}{done.stderr}")
                ok = False
                break
            checked, seconds, up, degraded, down = summary.groups()
            state = json.loads((home / "uptime" / "state.json").read_text())
            opened = sum(1 for e in state["endpoints"].values() if e.get("incident"))
            alerts = len(re.findall(r"^alert \(\w+\) sent", done.stdout, re.M))
            print(
                f"  run {run}: {wall:.2f} s wall, {cpu:.2f} s CPU for the whole command "
                f"({float(seconds):.2f} s checking; the server {served:.2f} s CPU; load average "
                f"{load:.1f} before): {up} up, {degraded} degraded, {down} down; {opened} incidents "
                f"open, {alerts} alert(s) sent",
                flush=True,
            )
            if (int(up), int(degraded), int(down)) != expected or int(checked) != total:
                print(f"  expected {expected[0]} up, {expected[1]} degraded, {expected[2]} down")
                ok = False
        lines = sum(1 for _ in (home / "uptime" / "history").rglob("*.csv"))
        print(f"  history: {lines:,} endpoint files under SCV_HOME/uptime/history")
    parent.send("stop")
    received = parent.recv()
    server.join(timeout=5)
    print(f"  alerts received by the local json:// endpoint: {received}")
    met = ok and worst <= TARGET_SECONDS
    print(
        f"target <= {TARGET_SECONDS:g} s wall per run: {'met' if met else 'MISSED'} "
        f"(slowest run {worst:.2f} s)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
