"""The same playbooks over real SSH: sshd on a loopback port with a throwaway key, an inventory
whose test and live servers are reached through it (as production's are), nothing else changed."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from support.loopback import free_ports
from support.repo import copy_repo, need
from support.sites import Sites, set_site_urls, stop_nginx

pytestmark = pytest.mark.slow


@pytest.fixture
def sshd(tmp_path: Path):
    """sshd on 127.0.0.1:<free port>, accepting one throwaway key; stopped after the test."""
    binary = need("sshd") if shutil.which("sshd") else need("/usr/sbin/sshd")
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", keys / name], check=True)
    (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
    (port,) = free_ports(1)
    config = keys / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\nPidFile {keys / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
        "LogLevel VERBOSE\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    log = keys / "sshd.log"
    process = subprocess.Popen([binary, "-D", "-e", "-f", str(config)], stderr=log.open("w"))
    deadline = time.monotonic() + 10
    while "Server listening" not in log.read_text() and time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        time.sleep(0.05)
    try:
        yield {"port": port, "key": keys / "client", "log": log}
    finally:
        process.terminate()
        process.wait(timeout=10)


def ssh_inventory(repo: Path, sshd: dict) -> Path:
    """The local inventory's variables, its servers reached over SSH like production's."""
    local = repo / "playbooks" / "inventories" / "local"
    inventory = repo / "playbooks" / "inventories" / "ssh"
    shutil.copytree(local / "group_vars", inventory / "group_vars")
    reach = {
        "ansible_connection": "ssh",
        "ansible_host": "127.0.0.1",
        "ansible_port": sshd["port"],
        "ansible_user": getpass.getuser(),
        "ansible_ssh_private_key_file": str(sshd["key"]),
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
        "ansible_python_interpreter": sys.executable,
    }
    hosts = {"all": {"children": {"test": {"hosts": {"test.ssh": None}}, "live": {"hosts": {"live.ssh": None}}},
                     "vars": reach}}  # fmt: skip
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return inventory


def test_site_publish_and_promote_over_ssh(two_weeks, sshd, tmp_path, monkeypatch):
    need("nginx")
    # One SSH connection per host, reused by every task (as Ansible does by default), in a folder
    # of this test's so that the masters are closed at the end: nothing is left running.
    control = tmp_path / "cp"
    control.mkdir()
    monkeypatch.setenv("ANSIBLE_SSH_CONTROL_PATH_DIR", str(control))
    monkeypatch.setenv("ANSIBLE_SSH_ARGS", "-o ControlMaster=auto -o ControlPersist=120s")
    repo = copy_repo(tmp_path / "repo")
    home = tmp_path / "home"
    shutil.copytree(two_weeks.home / "builds", home / "builds", symlinks=True)
    s = Sites(repo, home, set_site_urls(repo, *free_ports(2)), two_weeks.week1, two_weeks.week2)
    s.inventory = ssh_inventory(repo, sshd)
    try:
        site, _ = s.playbook("site.yml")
        assert site.returncode == 0, site.stdout[-3000:] + site.stderr
        published = s.scv("publish", "demo", s.week1, "--env", "test")
        assert published.returncode == 0, published.stdout + published.stderr
        s.release_yml(s.week1)
        promoted = s.scv("promote", "demo")  # test -> control machine -> live, over SSH both ways
        assert promoted.returncode == 0, promoted.stdout + promoted.stderr

        assert [s.get(env).build_id for env in ("test", "live")] == [s.week1, s.week1]
        assert [s.get(env, source="127.0.0.2").status for env in ("test", "live")] == [403, 403]
    finally:
        stop_nginx(home)
        for master in control.iterdir():
            subprocess.run(["ssh", "-o", f"ControlPath={master}", "-O", "exit", "scv"], capture_output=True)
    log = sshd["log"].read_text()
    assert "ok: [test.ssh]" in site.stdout and "ok: [live.ssh]" in site.stdout
    # The tasks really went over SSH. Both hosts are this one sshd at one address, port and user,
    # so when one host's connection is up first the other reuses it (ControlMaster): one or two.
    assert log.count("Accepted publickey for") >= 1, log[-2000:]
    # The SSH masters are closed: `ssh -O exit` returns before the master removes its socket.
    deadline = time.monotonic() + 10
    while list(control.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not list(control.iterdir())
