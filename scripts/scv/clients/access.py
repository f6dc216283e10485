"""`scv access validate` and `scv access render CLIENT`: who may open a client's site.

clients/<client>/access.yml lists the approved addresses, each with who, why, since and an
optional until. A site's nginx lines are the client's entries, then the operations team's
(`scv_operations_allow` in the inventory's group_vars/all.yml), then `deny all`: an address on
neither list gets 403. The rules below are the only ones: `scv client validate` applies them,
and playbooks/site.yml renders every site through `scv access render`, which refuses to render
a file that breaks them, so nothing unchecked reaches nginx.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from scv.clients.allowlist import Allowed, entry_problems
from scv.clients.config import AccessConfig, list_clients, load_client
from scv.core import paths
from scv.core.errors import Problem, Problems, ScvError, display_path
from scv.core.schema import parse_file
from scv.core.yamlfile import YamlFile


def operations(inventory: Path | None = None) -> tuple[list[Allowed], list[Problem]]:
    """The operations team's addresses from the inventory's group_vars/all.yml, checked."""
    path = (inventory or paths.default_inventory()) / "group_vars" / "all.yml"
    doc = YamlFile(path)
    if doc.problems:
        return [], doc.problems
    entries = doc.data.get("scv_operations_allow") if isinstance(doc.data, dict) else None
    if not isinstance(entries, list):
        return [], [Problem(path, None, "scv_operations_allow", "missing: the operations team's addresses")]
    problems, allowed = entry_problems(doc, "scv_operations_allow"), []
    for i, entry in enumerate(entries):
        loc = ("scv_operations_allow", i)
        if not isinstance(entry, dict):
            problems.append(doc.problem(loc, "expected cidr, who and why"))
            continue
        for field in ("cidr", "who", "why"):
            if not isinstance(entry.get(field), str):
                problems.append(doc.problem((*loc, field), "required key is missing"))
        try:
            ipaddress.ip_network(str(entry.get("cidr")), strict=True)
        except ValueError as exc:
            problems.append(doc.problem((*loc, "cidr"), f"not an IPv4/IPv6 address or CIDR block ({exc})"))
            continue
        allowed.append(Allowed(str(entry["cidr"]), str(entry.get("who")), str(entry.get("why"))))
    return allowed, problems


def client_entries(client: str) -> tuple[list[Allowed], list[Problem]]:
    """The client's checked entries; its access.yml problems otherwise (schema and rules).

    Only access.yml is read: the log audit needs the allowlist even when another of the client's
    files is being changed."""
    if client not in list_clients():  # an unknown client is a one-line error, like every other verb
        load_client(client)
    path = paths.client_dir(client) / "access.yml"
    problems: list[Problem] = []
    config = parse_file(path, AccessConfig, problems)
    problems += entry_problems(YamlFile(path), "allow")
    if config is None or problems:
        return [], problems
    return [Allowed(e.cidr, e.who, e.why, e.until, e.since) for e in config.allow], []


def validate(client: str | None, inventory: Path | None = None) -> dict[str, int]:
    """Entries per client (and for the operations team); Problems with every error otherwise."""
    from scv.clients.config import list_clients

    names = [client] if client else list_clients()
    if not names:
        raise ScvError(f"no clients under {display_path(paths.clients_dir())}")
    counts, problems = {}, []
    ops, ops_problems = operations(inventory)
    problems += ops_problems
    counts["operations"] = len(ops)
    for name in names:
        entries, found = client_entries(name)
        problems += found
        counts[name] = len(entries)
    if problems:
        raise Problems(problems)
    return counts


def render_all(client: str | None, inventory: Path | None = None) -> dict[str, str]:
    """{client: its nginx lines} for one client or all; Problems when any file breaks a rule."""
    from scv.clients.config import list_clients

    names = [client] if client else list_clients()
    ops, problems = operations(inventory)
    entries = {}
    for name in names:
        entries[name], found = client_entries(name)
        problems += found
    if problems:
        raise Problems(problems)
    return {name: render(name, entries[name], ops, inventory or paths.default_inventory()) for name in names}


def render(client: str, entries: list[Allowed], ops: list[Allowed], inventory: Path) -> str:
    """The nginx lines of a client's site: its entries, the operations team's, deny all."""
    lines = [f"# clients/{client}/access.yml"]
    lines += [e.line() for e in entries] or ["# (no entries: only the operations team may open the site)"]
    lines.append(f"# the operations team: scv_operations_allow of the {inventory.name} inventory")
    lines += [e.line() for e in ops]
    lines.append("deny all;")
    return "\n".join(lines) + "\n"
