"""Running a playbook of playbooks/ the way every scv verb does: progress, a log, the recap.

scv decides; Ansible deploys, on whatever the inventory says (this machine by default, servers
over SSH in production). A run that fails is one line for the user, the message of the task that
failed (an assert's fail_msg says what was refused and why), and the log for the rest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from scv.core import paths
from scv.core.errors import ProblemFound, ScvError, display_path
from scv.core.progress import steps

RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)"
)
FATAL = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\].*? => (?P<result>\{.*\})\s*$")


@dataclass
class Run:
    ok: int
    changed: int
    failed: int
    log: Path

    def summary(self) -> str:
        return f"ok={self.ok} changed={self.changed} failed={self.failed}"


def inventory_path(inventory: Path | None) -> Path:
    path = inventory or paths.default_inventory()
    if not path.exists():
        raise ScvError(f"{display_path(path)}: no such inventory")
    return path


def playbook_env() -> dict[str, str]:
    repo = paths.repo_root()
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(repo / "playbooks" / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "SCV_HOME": str(paths.scv_home()),
        "SCV_REPO": str(repo),
        # The playbooks call `scv` (access render) with the same environment as this process.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def stream(command: list[str], label: str, name: str, console: Console) -> tuple[list[str], int, Path]:
    """Run ansible-playbook with its tasks as progress; its lines, exit code and the log in
    SCV_HOME/logs/ that keeps the whole output."""
    logs = paths.scv_home() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{label}-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.log"
    lines: list[str] = []
    with steps(console=console) as progress, log.open("w", encoding="utf-8") as record:
        task = progress.add_task(f"ansible-playbook {name}", total=None)
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=playbook_env(),
            cwd=paths.repo_root(),
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                record.write(line)
                lines.append(line.rstrip("\n"))
                if line.startswith("TASK ["):
                    progress.update(task, description=line[6:].split("]")[0])
        progress.update(task, description=f"ansible-playbook {name} finished")
    return lines, proc.returncode, log


def run_playbook(
    name: str,
    extra: dict,
    inventory: Path | None,
    label: str,
    what: str,
    console: Console | None = None,
) -> Run:
    """ansible-playbook playbooks/<name> with extra vars; ProblemFound naming the failed task."""
    repo = paths.repo_root()
    command = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "--inventory",
        str(inventory_path(inventory)),
        "--extra-vars",
        json.dumps(extra),
        str(repo / "playbooks" / name),
    ]
    lines, code, log = stream(command, label, name, console or Console(emoji=False))
    recap = [m.groupdict() for line in lines if (m := RECAP.match(line))]
    if code != 0 or not recap:
        raise ProblemFound(f"{what} failed: {failure(lines, code)} (log: {display_path(log)})")
    totals = {k: sum(int(r[k]) for r in recap) for k in ("ok", "changed", "failed")}
    return Run(**totals, log=log)


def failure(lines: list[str], code: int) -> str:
    """The message of the first failed task, as one line."""
    for line in lines:
        if m := FATAL.match(line):
            try:
                result = json.loads(m["result"])
            except ValueError:
                return _one_line(line)
            message = result.get("msg") or ""
            if result.get("rc") and result.get(
                "stderr"
            ):  # a command: what it said, not "non-zero return code"
                message = result["stderr"]
            return _one_line(str(message)) or _one_line(line)
    for line in lines:
        if line.startswith(("ERROR!", "[ERROR]")):
            return _one_line(line.removeprefix("ERROR!").removeprefix("[ERROR]:"))
    return f"ansible-playbook exited {code}"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:500]
