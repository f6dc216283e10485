"""The audit report as HTML: the shared base template, readable in two minutes.

Worst first: what needs attention today, then who (top offenders, new or repeat), when (the
timeline), where (a panel per client site, the servers' SSH), and last how the logs were read.
"""

from __future__ import annotations

import functools
import ipaddress
from pathlib import Path

from scv import pages
from scv.audit import rules

SEVERITY_COLOURS = {"critical": "#b91c1c", "high": "#c2410c", "medium": "#b45309", "low": "#64748b"}
# A bad day has thousands of findings: the page lists this many of each kind (worst and most
# frequent first) and counts the rest per rule; report.json has them all.
SHOWN = 50
LOW_SHOWN = 200
# Attacks come from botnets and hosting ranges: one rule firing for many addresses of the same
# network on the same site reads as one row (report.json keeps a finding per address). A /24 for
# IPv4 (the unit providers hand out and deny lists block); a /64 for IPv6 (one subscriber).
NETWORK_PREFIX = {4: 24, 6: 64}


def write_page(path: Path, report: dict) -> Path:
    timeline = report["timeline"]
    hours = [t["hour"][5:] for t in timeline]  # MM-DD HH:00: the year says nothing here
    timeline_chart = pages.line_chart(
        hours,
        {
            "requests": [t["requests"] for t in timeline],
            "from offenders": [t["from_offenders"] for t in timeline],
            "refused (403)": [t["refused"] for t in timeline],
        },
        title="Requests per hour",
        width=1000,
    )
    ssh_hours = report["ssh"]["hours"]
    ssh_chart = pages.line_chart(
        [h["hour"][5:] for h in ssh_hours],
        {"failed": [h["failed"] for h in ssh_hours], "accepted": [h["accepted"] for h in ssh_hours]},
        title="SSH authentications per hour",
        width=1000,
    )
    offenders = report["offenders"]
    top = [o for o in offenders if rules.RANK[o["severity"]] <= rules.RANK["medium"]][:15]
    offender_chart = pages.bar_chart(
        [(f"{o['address']} ({o['severity']})", o["requests"]) for o in top],
        title="Requests from the top offenders",
    )
    sites = []
    for s in report["sites"]:
        sites.append(
            {
                **s,
                "status_chart": pages.stacked_bar(
                    s["status"],
                    title=f"Answers for {s['client']} {s['env']}",
                    colours={"2xx": "#15803d", "3xx": "#2563eb", "4xx": "#b45309", "5xx": "#b91c1c"},
                ),
                "volume_chart": pages.bar_chart(
                    [(v["day"], v["requests"]) for v in s["volume"][-14:]],
                    title=f"Requests per day for {s['client']} {s['env']}",
                    bar_height=12,
                ),
                "site_findings": group_by_network(
                    [
                        f
                        for f in report["findings"]
                        if f["client"] == s["client"] and f["env"] == s["env"] and f["severity"] != "low"
                    ]
                ),
            }
        )
    findings = report["findings"]
    counts = report["counts"]
    worst = next((s for s in rules.SEVERITIES if counts.get(s)), None)
    title = f"Log audit {report['audit_id']}"
    return pages.write(
        path,
        "audit.html.j2",
        title=title,
        r=report,
        worst=worst,
        urgent=group_by_network([f for f in findings if f["severity"] in ("critical", "high")]),
        urgent_by_rule=_count_by(findings, "critical") + _count_by(findings, "high"),
        urgent_findings=counts.get("critical", 0) + counts.get("high", 0),
        medium=group_by_network([f for f in findings if f["severity"] == "medium"]),
        medium_by_rule=_count_by(findings, "medium"),
        medium_findings=counts.get("medium", 0),
        low=group_by_network([f for f in findings if f["severity"] == "low"]),
        low_by_rule=_count_by(findings, "low"),
        shown=SHOWN,
        low_shown=LOW_SHOWN,
        top=offenders[:25],
        new_offenders=sum(1 for o in offenders if o["new"] and o["severity"] != "low"),
        repeat_offenders=sum(1 for o in offenders if not o["new"] and o["severity"] != "low"),
        offender_chart=offender_chart,
        timeline_chart=timeline_chart,
        ssh_chart=ssh_chart,
        sites=sites,
        severity_chart=pages.stacked_bar(
            {s: counts.get(s, 0) for s in rules.SEVERITIES},
            title="Findings by severity",
            colours=SEVERITY_COLOURS,
        ),
    )


def _count_by(findings: list[dict], severity: str) -> list[tuple[str, str, int, int, int]]:
    """(title, severity, findings, networks, occurrences) per rule of one severity, most findings first."""
    by: dict[str, tuple[list[int], set[str]]] = {}
    for f in findings:
        if f["severity"] == severity:
            counts, networks = by.setdefault(f["rule"], ([0, 0], set()))
            counts[0] += 1
            counts[1] += f["count"] or 0
            if net := network(f["address"]):
                networks.add(net)
    rows = [(rules.RULE[r].title, severity, n, len(nets), c) for r, ((n, c), nets) in by.items()]
    return sorted(rows, key=lambda t: -t[2])


@functools.cache  # thousands of addresses, each looked at by several of the page's lists
def network(address: str | None) -> str | None:
    """The network an address is grouped in (NETWORK_PREFIX), or None for no address."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    return str(ipaddress.ip_network(f"{ip}/{NETWORK_PREFIX[ip.version]}", strict=False))


def group_by_network(findings: list[dict]) -> list[dict]:
    """The findings as rows for people: those of one rule, severity and site from two or more
    addresses of one network become one row, in the place of its worst member. Critical findings
    stay one per address: each is an incident of its own."""
    groups: dict[tuple, list[dict]] = {}
    for f in findings:
        net = network(f["address"]) if f["severity"] != "critical" else None
        key = (f["rule"], f["severity"], f["client"], f["env"], f["server"], net or id(f))
        groups.setdefault(key, []).append(f)
    rows = []
    for members in groups.values():
        if len(members) == 1:
            rows.append(members[0])
            continue
        first, net = members[0], network(members[0]["address"])
        total = sum(m["count"] or 0 for m in members)
        where = rules.site_label(first["client"], first["env"]) if first["client"] else first["server"]
        # The page shows five examples a row: the worst four and how many more, when there are more.
        shown = [m["message"] for m in members[: 5 if len(members) <= 5 else 4]]
        if len(members) > len(shown):
            shown.append(f"… and {len(members) - len(shown)} more address(es) in report.json")
        rows.append(
            {
                **first,
                "address": net,
                "count": total,
                "message": f"{len(members)} addresses in {net}"
                + (f" on {where}" if where else "")
                + f": {total:,} in all",
                "first_seen": min(filter(None, (m["first_seen"] for m in members)), default=None),
                "last_seen": max(filter(None, (m["last_seen"] for m in members)), default=None),
                "examples": shown,
            }
        )
    return rows
