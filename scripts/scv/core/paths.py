"""Where things live: the repository checkout and SCV_HOME (inboxes, builds, sites, history)."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout scv runs from. SCV_REPO overrides it (tests use a copy of the repository)."""
    if env := os.environ.get("SCV_REPO"):
        return Path(env).resolve()
    # scripts/scv/core/paths.py -> the checkout is two levels above the package.
    return Path(__file__).resolve().parents[3]


def scv_home() -> Path:
    """Inboxes, builds, sites, uptime history and reports; `.scv/` in the checkout by default."""
    if env := os.environ.get("SCV_HOME"):
        return Path(env).resolve()
    return repo_root() / ".scv"


def clients_dir() -> Path:
    return repo_root() / "clients"


def client_dir(client: str) -> Path:
    return clients_dir() / client


def client_models_dir(client: str) -> Path:
    return repo_root() / "models" / "clients" / client


def inbox_dir(client: str) -> Path:
    return scv_home() / "inbox" / client


def builds_dir(client: str) -> Path:
    return scv_home() / "builds" / client


def sites_dir(client: str) -> Path:
    """Site roots of the local inventory: sites/<client>/<env>/{releases/,current}."""
    return scv_home() / "sites" / client


def uptime_config() -> Path:
    """The uptime checks' own settings and extra endpoints (client sites come from client.yml)."""
    return repo_root() / "uptime.yml"


def uptime_dir() -> Path:
    """Uptime history, incident state and status page: the ops-state branch in GitHub."""
    return scv_home() / "uptime"


def default_inventory() -> Path:
    """The inventory every verb and playbook uses unless told otherwise: this machine's sites."""
    return repo_root() / "playbooks" / "inventories" / "local"
