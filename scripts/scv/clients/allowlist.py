"""The rules of an IP allowlist entry (cidr, who, why, since, until), wherever the list lives:
a client's access.yml or the operations team's `scv_operations_allow` in the inventory."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date

from scv.core.errors import Problem
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
    since: date | None = None

    def line(self) -> str:
        note = f"{self.who}: {self.why}" + (f" (until {self.until})" if self.until else "")
        return f"allow {self.cidr};  # {' '.join(note.split())}"


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
