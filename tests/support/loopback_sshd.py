"""A real OpenSSH server on loopback for one test: its own host key, authorised key and config.

`make sshd` installs openssh-server when missing. The server runs as whoever runs the tests
(root in CI: root may then log in with the key; anyone else: only themselves), listens on a free
port of 127.0.0.1 and is stopped when the `with` block ends, whatever happens in it.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


def need_sshd() -> str:
    """sshd's path; missing: skip locally, fail under CI=true (like conftest.need)."""
    path = SSHD if Path(SSHD).exists() else shutil.which("sshd")
    if path is None:
        message = "sshd is not installed (make sshd installs openssh-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class Sshd:
    host: str
    port: int
    user: str
    key: Path  # the client's private key
    known_hosts: Path  # a known_hosts line for this server's host key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sshd(folder: Path) -> Iterator[Sshd]:
    binary = need_sshd()
    folder.mkdir(parents=True, exist_ok=True)
    host_key, key = folder / "host_ed25519", folder / "client_ed25519"
    for path in (host_key, key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    (folder / "authorized_keys").write_text(key.with_suffix(".pub").read_text())
    (folder / "authorized_keys").chmod(0o600)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    log = folder / "sshd.log"
    for _attempt in range(5):  # another process may take the free port before sshd binds it
        port = _free_port()
        config = folder / "sshd_config"
        config.write_text(
            f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {folder / "sshd.pid"}
AuthorizedKeysFile {folder / "authorized_keys"}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel VERBOSE
"""
        )
        proc = subprocess.Popen(
            [binary, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=log.open("w")
        )
        if _listening(port, proc):
            break
        proc.kill()
        proc.wait()
    else:
        raise RuntimeError(f"sshd did not start: {log.read_text()[-2000:]}")
    public = host_key.with_suffix(".pub").read_text().split()
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
    try:
        yield Sshd("127.0.0.1", port, getpass.getuser(), key, known_hosts)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _listening(port: int, proc: subprocess.Popen, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(4).startswith(b"SSH-"):
                    return True
        except OSError:
            time.sleep(0.05)
    return False
