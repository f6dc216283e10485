"""Fetch the logs an audit reads from every server in an Ansible inventory, with Fabric over SSH.

Which servers and which logs: every host of the inventory (`--inventory`, the local one by
default), with its variables as Ansible renders them (`ansible all -m debug`, so group_vars,
host_vars, Jinja and vaulted values all resolve exactly as in a playbook; nothing connects):

  ansible_host, ansible_port, ansible_user,   how to reach it (ansible_connection: local reads the
  ansible_ssh_private_key_file                 files directly: the local inventory)
  scv_log_dir                                  nginx's logs: <client>.<env>.access.log and .error.log
  scv_audit_auth_log (/var/log/auth.log)       sshd's log
  scv_operations_allow                         where SSH logins are expected from

Rotated files beside each log (`.1`, `.2.gz`, `-20261123`, `-20261123.gz`) are read too.

Only bytes not yet audited are fetched. SCV_HOME/audit/state.json remembers, per server, each
file by its log's name and a fingerprint of its first line (both survive rotation and renaming)
with how many bytes of it have been audited, and each path's size and modification time:
- a file whose path, size and time are unchanged, or a rotated copy of one audited to its end,
  is not read at all: an audit with nothing new fetches nothing;
- a grown file is read from where the last audit stopped, up to its last complete line;
- a compressed file is fetched only if its uncompressed size (the gzip trailer) is beyond what
  was audited of it, which with logrotate's delaycompress is never;
- a file not seen before, last written before --since, is left alone.
The state is written only when the audit has written its report: an audit that fails half-way
fetches the same bytes again next time.

Host keys are checked against known_hosts (~/.ssh/known_hosts and SCV_SSH_KNOWN_HOSTS): Fabric
would accept an unknown key, the audit does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from scv.audit.parse import LogFile
from scv.audit.rules import finding
from scv.core import paths
from scv.core.errors import ScvError, display_path

DEFAULT_AUTH_LOG = "/var/log/auth.log"
# nginx's per-site logs, as role `site` names them, and their rotated copies.
SITE_LOG = re.compile(
    r"^(?P<client>[a-z][a-z0-9_]*)\.(?P<env>[a-z][a-z0-9_-]*)\.(?P<kind>access|error)\.log"
    r"(?P<rotated>\.\d+|-\d{8})?(?P<gz>\.gz)?$"
)
FINGERPRINT_BYTES = 1024  # the first line, or this much of it
READ_BLOCK = 1 << 20


@dataclass
class Server:
    """One inventory host as the audit reaches it."""

    name: str
    connection: str  # ssh | local
    host: str
    port: int
    user: str | None
    key_file: str | None
    log_dir: str | None
    auth_log: str | None
    operations: list[dict]

    @property
    def target(self) -> str:
        """Where the files physically are: two hosts that are the same machine share state."""
        if self.connection == "local":
            return "local"
        return f"{self.user or ''}@{self.host}:{self.port}"


@dataclass
class FetchResult:
    files: list[LogFile] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # findings: unreachable, missing logs
    bytes_fetched: int = 0
    skipped: list[dict] = field(default_factory=list)  # files not read, and why
    state: dict = field(default_factory=dict)  # the new state, saved once the audit is written


# ----------------------------------------------------------------------------------------------
# The inventory


def servers_from_inventory(inventory: Path) -> list[Server]:
    """Every host of the inventory with the variables the audit needs, rendered by Ansible."""
    if not inventory.exists():
        raise ScvError(f"{display_path(inventory)}: no such inventory")
    fields = {
        "connection": "ansible_connection | default('ssh')",
        "host": "ansible_host | default(inventory_hostname)",
        "port": "ansible_port | default(22)",
        "user": "ansible_user | default(none)",
        "key_file": "ansible_ssh_private_key_file | default(ansible_private_key_file | default(none))",
        "log_dir": "scv_log_dir | default(none)",
        "auth_log": f"scv_audit_auth_log | default('{DEFAULT_AUTH_LOG}')",
        "operations": "scv_operations_allow | default([])",
    }
    message = "{{ {" + ", ".join(f"'{k}': ({v})" for k, v in fields.items()) + "} | to_json }}"
    repo = paths.repo_root()
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible")),
            "all",
            "--inventory",
            str(inventory),
            "--module-name",
            "ansible.builtin.debug",
            "--args",
            f"msg={message}",
        ],
        capture_output=True,
        text=True,
        cwd=repo / "playbooks",
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(repo / "playbooks" / "ansible.cfg"),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal",
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "SCV_HOME": str(paths.scv_home()),
        },
        check=False,
    )
    servers = []
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^(\S+) \| SUCCESS => ", done.stdout, re.MULTILINE):
        result, _ = decoder.raw_decode(done.stdout, match.end())
        v = json.loads(result["msg"])
        servers.append(
            Server(
                name=match.group(1),
                connection="local" if v["connection"] == "local" else "ssh",
                host=v["host"],
                port=int(v["port"]),
                user=v["user"],
                key_file=v["key_file"],
                log_dir=v["log_dir"],
                auth_log=v["auth_log"] or None,
                operations=v["operations"] or [],
            )
        )
    if done.returncode != 0 or not servers:
        error = next(
            (
                line
                for line in (done.stderr + done.stdout).splitlines()
                if "ERROR" in line or "FAILED" in line
            ),
            f"ansible exited {done.returncode} listing no host",
        )
        raise ScvError(f"{display_path(inventory)}: cannot read the inventory: {error.strip()}")
    return sorted(servers, key=lambda s: s.name)


# ----------------------------------------------------------------------------------------------
# Reaching a server: the same few operations over SFTP (Fabric) or on the local filesystem.


@dataclass
class Entry:
    path: str
    size: int
    mtime: int


class LocalFiles:
    def list(self, folder: str) -> list[Entry] | None:
        try:
            return [
                Entry(str(Path(folder) / e.name), e.stat().st_size, int(e.stat().st_mtime))
                for e in os.scandir(folder)
                if e.is_file()
            ]
        except FileNotFoundError:
            return None

    @contextmanager
    def open(self, path: str) -> Iterator[Any]:
        with Path(path).open("rb") as f:
            yield f


class SftpFiles:
    def __init__(self, sftp: Any):
        self.sftp = sftp

    def list(self, folder: str) -> list[Entry] | None:
        try:
            return [
                Entry(str(PurePosixPath(folder) / a.filename), a.st_size or 0, int(a.st_mtime or 0))
                for a in self.sftp.listdir_attr(folder)
                if a.st_mode is not None and stat.S_ISREG(a.st_mode)
            ]
        except FileNotFoundError:
            return None

    @contextmanager
    def open(self, path: str) -> Iterator[Any]:
        with self.sftp.open(path, "rb") as f:
            f.set_pipelined(True)
            yield f


@contextmanager
def reach(server: Server) -> Iterator[LocalFiles | SftpFiles]:
    """The server's files: locally, or over SFTP with Fabric and a strict host key check."""
    if server.connection == "local":
        yield LocalFiles()
        return
    import paramiko
    from fabric import Connection

    connect_kwargs: dict[str, Any] = {"banner_timeout": 15, "auth_timeout": 15}
    if server.key_file:
        connect_kwargs["key_filename"] = str(Path(server.key_file).expanduser())
    elif key := os.environ.get("SCV_SSH_PRIVATE_KEY"):
        connect_kwargs["pkey"] = _private_key(key)
    conn = Connection(
        server.host, user=server.user, port=server.port, connect_timeout=10, connect_kwargs=connect_kwargs
    )
    # Fabric accepts unknown host keys (AutoAddPolicy); an audit must not.
    conn.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    conn.client.load_system_host_keys()
    if known := os.environ.get("SCV_SSH_KNOWN_HOSTS"):
        conn.client.load_host_keys(str(Path(known).expanduser()))
    try:
        conn.open()
        yield SftpFiles(conn.sftp())
    finally:
        conn.close()


def _private_key(text: str) -> Any:
    """A private key given as text (from a CI secret) in any format paramiko reads."""
    import io

    import paramiko

    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise ScvError("SCV_SSH_PRIVATE_KEY: not a private key paramiko can read (ed25519, ecdsa or rsa)")


# ----------------------------------------------------------------------------------------------
# Fetching


def state_path() -> Path:
    return paths.scv_home() / "audit" / "state.json"


def load_state() -> dict:
    path = state_path()
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScvError(
            f"{display_path(path)}: not valid JSON ({exc}); remove it to audit from scratch"
        ) from None


def save_state(state: dict) -> None:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(path)


def fetch(
    servers: list[Server],
    since: datetime | None,
    dest: Path,
    advance: Callable[[str], None] = lambda what: None,
) -> FetchResult:
    """Fetch what is new on every server into dest/<server>/; the files to parse, and problems."""
    known = os.environ.get("SCV_SSH_KNOWN_HOSTS")
    if known and not Path(known).expanduser().is_file():
        raise ScvError(f"SCV_SSH_KNOWN_HOSTS: {known}: no such file (the servers' SSH host keys)")
    result = FetchResult(state=json.loads(json.dumps(load_state())))
    done_targets: dict[str, str] = {}
    for server in servers:
        if server.target in done_targets:
            # Same machine as an earlier host (the local inventory's test and live): read once.
            continue
        done_targets[server.target] = server.name
        advance(f"Connecting to {server.name}")
        try:
            with reach(server) as files:
                _fetch_server(server, files, since, dest / server.name, result, advance)
        except Exception as exc:
            import paramiko

            changed = isinstance(exc, paramiko.BadHostKeyException)
            result.problems.append(
                finding(
                    "server_host_key_changed" if changed else "server_unreachable",
                    f"{server.name} ({server.target}): {_why(exc)}; nothing fetched from it",
                    server=server.name,
                )
            )
    return result


def _why(exc: Exception) -> str:
    import paramiko

    if isinstance(exc, paramiko.BadHostKeyException):
        return "its host key is not the one in known_hosts"
    if isinstance(exc, paramiko.SSHException) and "not found in known_hosts" in str(exc):
        return (
            "its host key is not in known_hosts (ssh-keyscan it after checking it, into SCV_SSH_KNOWN_HOSTS)"
        )
    return f"{type(exc).__name__}: {exc}".strip()


def _fetch_server(
    server: Server,
    files: LocalFiles | SftpFiles,
    since: datetime | None,
    dest: Path,
    result: FetchResult,
    advance: Callable[[str], None],
) -> None:
    state = result.state.setdefault(server.target, {"files": {}, "paths": {}})
    previous_paths = dict(state["paths"])
    state["paths"] = {}
    candidates: list[tuple[Entry, str, str | None, str | None]] = []
    if server.log_dir:
        listed = files.list(server.log_dir)
        if listed is None:
            result.problems.append(
                finding(
                    "log_missing", f"{server.name}: no log directory {server.log_dir}", server=server.name
                )
            )
        for e in listed or []:
            m = SITE_LOG.match(PurePosixPath(e.path).name)
            if m:
                candidates.append((e, m["kind"], m["client"], m["env"]))
    if server.auth_log:
        log = PurePosixPath(server.auth_log)
        rotated = re.compile(re.escape(log.name) + r"(\.\d+|-\d{8})?(\.gz)?$")
        listed = files.list(str(log.parent))
        found = [e for e in listed or [] if rotated.fullmatch(PurePosixPath(e.path).name)]
        if not found:
            result.problems.append(
                finding("log_missing", f"{server.name}: no auth log {server.auth_log}", server=server.name)
            )
        candidates += [(e, "auth", None, None) for e in found]
    listing = {e.path: [e.size, e.mtime] for e, *_ in candidates}
    # Oldest first: lines are audited in the order they were written.
    for entry, kind, client, env in sorted(candidates, key=lambda c: (c[0].mtime, c[0].path)):
        state["paths"][entry.path] = [entry.size, entry.mtime]
        if previous_paths.get(entry.path) == [entry.size, entry.mtime]:
            continue  # unchanged since the last audit: not even opened
        if any(
            [v.get("size"), v.get("mtime")] == [entry.size, entry.mtime]
            and v.get("done")
            and listing.get(v.get("path")) != [entry.size, entry.mtime]
            for v in state["files"].values()
        ):
            continue  # a file audited to its end, renamed (its old path is gone or another file)
        known = bool(state["files"]) or bool(previous_paths)
        if not known and since is not None and entry.mtime < since.timestamp():
            result.skipped.append(
                {"server": server.name, "path": entry.path, "why": "last written before the period"}
            )
            continue
        advance(f"Fetching {server.name}:{entry.path}")
        fetched = _fetch_file(files, entry, state["files"], dest, result)
        if fetched is None:
            continue
        local, start = fetched
        result.files.append(
            LogFile(
                path=local,
                kind=kind,
                origin=f"{server.name}:{entry.path}",
                client=client,
                env=env,
                server=server.name,
                mtime=datetime.fromtimestamp(entry.mtime, UTC),
                from_byte=start,
            )
        )


def _fetch_file(
    files: LocalFiles | SftpFiles, entry: Entry, known: dict, dest: Path, result: FetchResult
) -> tuple[Path, int] | None:
    """The new bytes of one file, up to its last complete line, as a local plain file."""
    compressed = entry.path.endswith(".gz")
    with files.open(entry.path) as f:
        head, head_bytes = _first_line(f, compressed)
        result.bytes_fetched += head_bytes
        if head is None:
            return None  # not one complete line yet
        # The log's name without its rotation suffix, and its first line: test's and live's
        # logs may well start with the same line, but they are not the same file.
        family = re.sub(r"(\.\d+|-\d{8})?(\.gz)?$", "", PurePosixPath(entry.path).name)
        fingerprint = f"{family}:{hashlib.sha256(head).hexdigest()[:32]}"
        record = known.setdefault(fingerprint, {"offset": 0})
        start = record["offset"]
        record.update(path=entry.path, size=entry.size, mtime=entry.mtime)
        if compressed:
            f.seek(max(entry.size - 4, 0))
            total = int.from_bytes(f.read(4), "little")  # the gzip trailer: size mod 2**32
            result.bytes_fetched += 4
            if total <= start:
                record["done"] = True
                return None
        elif entry.size <= start:
            record["done"] = entry.size == start
            return None
        dest.mkdir(parents=True, exist_ok=True)
        local = dest / f"{PurePosixPath(entry.path).name.removesuffix('.gz')}.from-{start}"
        begin = 0 if compressed else start
        f.seek(begin)
        if hasattr(f, "prefetch"):  # SFTP: many reads in flight rather than one round trip each
            f.prefetch(entry.size)
        written = _copy_lines(f, entry.size - begin, local, compressed, start if compressed else 0, result)
    record["offset"] = start + written
    record["done"] = compressed or record["offset"] == entry.size
    return (local, start) if written else None


def _first_line(f: Any, compressed: bool) -> tuple[bytes | None, int]:
    """The file's first line (at most FINGERPRINT_BYTES of it), and the bytes read to find it."""
    inflate = zlib.decompressobj(wbits=47) if compressed else None
    data, read = b"", 0
    while len(data) < FINGERPRINT_BYTES and b"\n" not in data:
        raw = f.read(FINGERPRINT_BYTES if not compressed else 8192)
        if not raw:
            break
        read += len(raw)
        data += inflate.decompress(raw, FINGERPRINT_BYTES - len(data)) if inflate else raw
    newline = data.find(b"\n")
    if newline < 0 and len(data) < FINGERPRINT_BYTES:
        return None, read
    return data[: newline if 0 <= newline < FINGERPRINT_BYTES else FINGERPRINT_BYTES], read


def _copy_lines(f: Any, size: int, local: Path, compressed: bool, skip: int, result: FetchResult) -> int:
    """Copy `size` bytes of f to local, decompressed, less the first `skip`, up to the last newline.

    Returns how many bytes of the (uncompressed) file the local copy holds.
    """
    inflate = zlib.decompressobj(wbits=47) if compressed else None
    written, tail = 0, b""
    with local.open("wb") as out:
        while size > 0 and (block := f.read(min(READ_BLOCK, size))):
            size -= len(block)
            result.bytes_fetched += len(block)
            data = inflate.decompress(block) if inflate else block
            if skip:
                cut = min(skip, len(data))
                data, skip = data[cut:], skip - cut
            data = tail + data
            last = data.rfind(b"\n")
            if last < 0:
                tail = data
                continue
            out.write(data[: last + 1])
            written += last + 1
            tail = data[last + 1 :]
        if inflate and tail:
            # A compressed file is complete: its last line counts even without a newline.
            out.write(tail + b"\n")
            written += len(tail)
    return written
