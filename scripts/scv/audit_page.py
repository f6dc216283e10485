"""The audit report as HTML: the shared base template, readable in two minutes.

Worst first: what needs attention today, then who (top offenders, new or repeat), when (the
timeline), where (a panel per client site, the servers' SSH), and last how the logs were read.
"""

from __future__ import annotations

from pathlib import Path

from scv import charts, detect, pages

SEVERITY_COLOURS = {"critical": "#b91c1c", "high": "#c2410c", "medium": "#b45309", "low": "#64748b"}
# A bad day has thousands of findings: the page lists this many of each kind (worst and most
# frequent first) and counts the rest per rule; report.json has them all.
SHOWN = 50
LOW_SHOWN = 200


def write_page(path: Path, report: dict) -> Path:
    timeline = report["timeline"]
    hours = [t["hour"][5:] for t in timeline]  # MM-DD HH:00: the year says nothing here
    timeline_chart = charts.line_chart(
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
    ssh_chart = charts.line_chart(
        [h["hour"][5:] for h in ssh_hours],
        {"failed": [h["failed"] for h in ssh_hours], "accepted": [h["accepted"] for h in ssh_hours]},
        title="SSH authentications per hour",
        width=1000,
    )
    offenders = report["offenders"]
    top = [o for o in offenders if detect.RANK[o["severity"]] <= detect.RANK["medium"]][:15]
    offender_chart = charts.bar_chart(
        [(f"{o['address']} ({o['severity']})", o["requests"]) for o in top],
        title="Requests from the top offenders",
    )
    sites = []
    for s in report["sites"]:
        sites.append(
            {
                **s,
                "status_chart": charts.stacked_bar(
                    s["status"],
                    title=f"Answers for {s['client']} {s['env']}",
                    colours={"2xx": "#15803d", "3xx": "#2563eb", "4xx": "#b45309", "5xx": "#b91c1c"},
                ),
                "volume_chart": charts.bar_chart(
                    [(v["day"], v["requests"]) for v in s["volume"][-14:]],
                    title=f"Requests per day for {s['client']} {s['env']}",
                    bar_height=12,
                ),
                "site_findings": [
                    f
                    for f in report["findings"]
                    if f["client"] == s["client"] and f["env"] == s["env"] and f["severity"] != "low"
                ],
            }
        )
    findings = report["findings"]
    counts = report["counts"]
    worst = next((s for s in detect.SEVERITIES if counts.get(s)), None)
    title = f"Log audit {report['audit_id']}"
    return pages.write(
        path,
        "audit.html.j2",
        title=title,
        r=report,
        worst=worst,
        urgent=[f for f in findings if f["severity"] in ("critical", "high")],
        urgent_by_rule=_count_by(findings, "critical") + _count_by(findings, "high"),
        medium=[f for f in findings if f["severity"] == "medium"],
        medium_by_rule=_count_by(findings, "medium"),
        low=[f for f in findings if f["severity"] == "low"],
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
        severity_chart=charts.stacked_bar(
            {s: counts.get(s, 0) for s in detect.SEVERITIES},
            title="Findings by severity",
            colours=SEVERITY_COLOURS,
        ),
    )


def _count_by(findings: list[dict], severity: str) -> list[tuple[str, int, int]]:
    """(rule, findings, occurrences) for one severity, most findings first."""
    by: dict[str, list[int]] = {}
    for f in findings:
        if f["severity"] == severity:
            entry = by.setdefault(f["rule"], [0, 0])
            entry[0] += 1
            entry[1] += f["count"] or 0
    return sorted(((r, n, c) for r, (n, c) in by.items()), key=lambda t: -t[1])
