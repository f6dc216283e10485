"""dbt in a child process that is started before it is needed, and the vars every dbt run of a build gets.

Importing dbt takes about five seconds, and reading the project a few more: together as long
as loading a million-record delivery. The build starts this worker first; it imports dbt and
parses the project (`dbt parse`, which touches no data) while the delivery loads, then waits
for a "go" line on stdin and runs one dbt command in-process (dbtRunner) on that manifest,
with the logging and exit code of the `dbt` command line. When the parse fails (a broken model
in a change request), the command parses again itself and reports the error as usual. The
worker stays a separate process because dbt holds the DuckDB file open and keeps global state
that must not leak into the next build.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from scv.clients import Client
from scv.core import memory, paths
from scv.core.errors import ScvError

# Where DuckDB spills beyond its memory limit, relative to the build: removed with work/ at its end.
SPILL = "work/spill/dbt"


def start(
    args: list[str], parse_args: list[str], env: dict[str, str], cwd: Path, stderr: Path | None = None
) -> subprocess.Popen:
    """args: the dbt command to run on "go"; parse_args: the `dbt parse` to run before it.
    stderr: a file for what the worker prints there (Spark's JVM talks a lot), else the console."""
    # -c, not -m: the package imports this module first, and runpy warns about running it again.
    worker = "from scv.build.dbt import main; main()"
    command = [sys.executable, "-c", worker, json.dumps({"parse": parse_args, "run": args})]
    # A session of its own: `stop` can then end the worker and whatever it started (Spark's JVM).
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True, "env": env, "cwd": cwd}
    pipes["start_new_session"] = True
    if stderr is None:
        return subprocess.Popen(command, **pipes)
    stderr.parent.mkdir(parents=True, exist_ok=True)
    with stderr.open("w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, stderr=log, **pipes)


def stop(worker: subprocess.Popen) -> None:
    """End the worker and every process it started, if any is still running."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # all gone already
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def go(worker: subprocess.Popen) -> None:
    assert worker.stdin is not None
    try:
        worker.stdin.write("go\n")
        worker.stdin.close()
    except BrokenPipeError:
        raise ScvError(f"dbt could not start (exit {worker.wait()}); run `make setup`") from None


def main() -> None:
    from dbt.cli.main import dbtRunner

    commands = json.loads(sys.argv[1])
    parsed = dbtRunner().invoke(commands["parse"])
    if sys.stdin.readline().strip() != "go":
        sys.exit(3)  # the build stopped before dbt was needed
    runner = dbtRunner(manifest=parsed.result if parsed.success else None, callbacks=[_report])
    result = runner.invoke(commands["run"])
    sys.stdout.flush()
    # os._exit skips the interpreter's slow teardown, and with it multiprocessing's exit hook that
    # unlinks the adapters' semaphores: run that hook, or its resource tracker warns of "leaked
    # semaphore objects" on the build's console.
    multiprocessing.util._run_finalizers(0)
    # The dbt command line's codes: 0 success, 1 failures in the run, 2 dbt itself failed.
    os._exit(0 if result.success else (2 if result.exception is not None else 1))


# What the build follows (run_dbt): each node's result and every error, one JSON line each.
# Only these are turned into JSON: dbt's own JSON console log converts every event, a second
# of a million-record build's CPU.
REPORTED = {"LogModelResult", "LogTestResult", "LogSeedResult"}


def _report(event) -> None:
    if event.info.name in REPORTED or event.info.level == "error":
        from google.protobuf.json_format import MessageToDict

        line = json.dumps(MessageToDict(event, preserving_proto_field_name=True))
        sys.stdout.write(line + "\n")


def dbt_vars(client: Client, keep_intermediate: bool = False) -> dict:
    """The vars a build passes to dbt: the client and its matching settings merged over the
    defaults in dbt_project.yml. (The build id goes in SCV_BUILD_ID: a var that changes every
    build would make dbt re-parse the whole project every time.)"""
    import yaml

    project = yaml.safe_load((paths.repo_root() / "dbt_project.yml").read_text())
    matching = dict(project["vars"]["matching"])
    matching.update(client.config.matching.dbt_overrides([s.name for s in client.config.sources]))
    kept = {"keep_intermediate": True} if keep_intermediate else {}  # absent by default: no re-parse
    return {"client": client.name, "matching": matching, **kept}


def dbt_env(build_id: str, budget: memory.Budget, cwd: Path) -> dict[str, str]:
    """The environment dbt runs in, in the build's folder (or a copy of it) `cwd`: profiles.yml
    reads the database, DuckDB's memory limit and its spill folder from it, all relative to cwd
    (a profile that names a different path every build would make dbt re-parse everything)."""
    (cwd / SPILL).parent.mkdir(parents=True, exist_ok=True)  # DuckDB makes only the last folder
    return {
        **os.environ,
        "SCV_DUCKDB_PATH": "scv.duckdb",
        "SCV_DUCKDB_MEMORY_LIMIT": budget.duckdb_setting,
        "SCV_DUCKDB_TEMP_DIRECTORY": SPILL,
        "SCV_BUILD_ID": build_id,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
