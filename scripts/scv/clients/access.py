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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scv.clients.config import AccessConfig, load_client, parse_file
from scv.core import paths
from scv.core.errors import Problem, Problems, ScvError, display_path
from scv.core.yamlfile import YamlFile

# The broadest block an entry may name without `allow_broad: true` and a reason: a /16 is
# 65,536 IPv4 addresses (a whole organisation); a /48 is one IPv6 site.
BROADEST = {4: 16, 6: 48}


@dataclass(frozen=True)
class Allowed:
    cidr: str
    who: str
    why: str
    until: date | None = None

    def line(self) -> str:
        note = f"{self.who}: {self.why}" + (f" (until {self.until})" if self.until else "")
        return f"allow {self.cidr};  # {' '.join(note.split())}"


def default_inventory() -> Path:
    return paths.repo_root() / "playbooks" / "inventories" / "local"


def entry_problems(doc: YamlFile, key: str, today: date | None = None) -> list[Problem]:
    """Breadth, overlaps, expiry and empty who/why of the entries under `key` of a parsed file.

    Syntax and required keys are the schema's (config.AccessEntry); this is what an entry
    cannot know alone. Works on the raw YAML so it reports even when the schema rejects a field.
    """
    today = today or date.today()
    data = doc.data if isinstance(doc.data, dict) else {}
    entries = data.get(key) if isinstance(data.get(key), list) else []
    problems: list[Problem] = []
    seen: list[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        for field in ("who", "why"):
            if isinstance(entry.get(field), str) and not entry[field].strip():
                problems.append(doc.problem((key, i, field), "is empty: say who the address is and why"))
        until, since = entry.get("until"), entry.get("since")
        if isinstance(until, date) and until < today:
            problems.append(
                doc.problem((key, i, "until"), f"expired on {until}: remove the entry or extend it")
            )
        if isinstance(until, date) and isinstance(since, date) and until < since:
            problems.append(doc.problem((key, i, "until"), f"{until} is before since ({since})"))
        try:
            network = ipaddress.ip_network(str(entry.get("cidr")), strict=True)
        except ValueError:
            continue  # the schema reports it
        if network.prefixlen == 0:
            problems.append(doc.problem((key, i, "cidr"), f"{network} allows the whole internet"))
        elif network.prefixlen < BROADEST[network.version]:
            reason = entry.get("reason")
            if entry.get("allow_broad") is not True or not (isinstance(reason, str) and reason.strip()):
                problems.append(
                    doc.problem(
                        (key, i, "cidr"),
                        f"{network} is {network.num_addresses:,} addresses, broader than "
                        f"/{BROADEST[network.version]}: set allow_broad: true and a reason",
                    )
                )
        for j, other in seen:
            if other.version != network.version or not network.overlaps(other):
                continue
            where = f"{key}[{j}] (line {doc.line_of((key, j))})"
            problems.append(
                doc.problem(
                    (key, i, "cidr"),
                    f"duplicate of {where}"
                    if network == other
                    else f"{network} overlaps {other} of {where}: keep one entry",
                )
            )
        seen.append((i, network))
    return problems


def operations(inventory: Path | None = None) -> tuple[list[Allowed], list[Problem]]:
    """The operations team's addresses from the inventory's group_vars/all.yml, checked."""
    path = (inventory or default_inventory()) / "group_vars" / "all.yml"
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
    """The client's checked entries; its access.yml problems otherwise (schema and rules)."""
    load_client(client)  # an unknown client is a one-line error, like every other verb
    path = paths.client_dir(client) / "access.yml"
    problems: list[Problem] = []
    config = parse_file(path, AccessConfig, problems)
    problems += entry_problems(YamlFile(path), "allow")
    if config is None or problems:
        return [], problems
    return [Allowed(e.cidr, e.who, e.why, e.until) for e in config.allow], []


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
    return {name: render(name, entries[name], ops, inventory or default_inventory()) for name in names}


def render(client: str, entries: list[Allowed], ops: list[Allowed], inventory: Path) -> str:
    """The nginx lines of a client's site: its entries, the operations team's, deny all."""
    lines = [f"# clients/{client}/access.yml"]
    lines += [e.line() for e in entries] or ["# (no entries: only the operations team may open the site)"]
    lines.append(f"# the operations team: scv_operations_allow of the {inventory.name} inventory")
    lines += [e.line() for e in ops]
    lines.append("deny all;")
    return "\n".join(lines) + "\n"
