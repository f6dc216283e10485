"""`scv uptime report`: uptime per endpoint, incidents and response times, as a static status page.

Reads the history (SCV_HOME/uptime/history, one CSV per endpoint and month) with DuckDB and
writes index.html (the base template, inline SVG charts, works offline) and status.json (the
same figures for machines) to SCV_HOME/uptime/status/ by default, on the ops-state branch.

Uptime over a window = share of its checks that were not down (degraded is slow or wrong, but
up), leaving out checks made inside a maintenance window. A window without checks has no figure
rather than a flattering 100%.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup, escape
from rich.console import Console

from scv import pages
from scv.core import paths
from scv.core.errors import display_path
from scv.uptime.alerts import duration
from scv.uptime.config import load_uptime, now_utc
from scv.uptime.incidents import State, iso, parse_time, resolved_incidents

WINDOWS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "365d": timedelta(days=365),
}
STRIP_DAYS = 90
CHART_DAYS = 7
DAY_COLOURS = {"up": "#15803d", "degraded": "#b45309", "down": "#b91c1c", "none": "#e5e7eb"}


def run_report(
    out_dir: Path | None = None, *, now: datetime | None = None, console: Console | None = None
) -> Path:
    console = console or Console(emoji=False)
    uptime = load_uptime()
    now = now or now_utc()
    root = paths.uptime_dir()
    out = out_dir or root / "status"
    status = build_status(uptime, root, now)
    out.mkdir(parents=True, exist_ok=True)
    (out / "status.json").write_text(json.dumps(status, indent=1) + "\n", encoding="utf-8")
    pages.write(
        out / "index.html",
        "uptime.html.j2",
        title="Service status",
        s=status,
        strips={e["name"]: day_strip(e["days"]) for e in status["endpoints"]},
        response_charts={e["name"]: response_chart(e["hourly"]) for e in status["endpoints"]},
    )
    summary = status["summary"]
    console.print(
        f"Status of {len(status['endpoints'])} endpoints: {summary['headline']}; "
        f"{len(status['incidents'])} incident(s) in 365 days",
        highlight=False,
    )
    console.print(f"  page  {display_path(out / 'index.html')}", highlight=False, soft_wrap=True)
    console.print(f"  JSON  {display_path(out / 'status.json')}", highlight=False, soft_wrap=True)
    return out


def build_status(uptime, root: Path, now: datetime) -> dict[str, Any]:
    names = [e.name for e in uptime.endpoints]
    figures = _figures(root, names, now)
    state = State(root)
    endpoints = []
    for e in uptime.endpoints:
        entry = state.endpoints.get(e.name, {})
        f = figures.get(e.name, {})
        incident = entry.get("incident")
        endpoints.append(
            {
                "name": e.name,
                "client": e.client,
                "env": e.env,
                "url": e.url,
                "skip": e.skip,
                "status": "skipped" if e.skip else entry.get("status", "unknown"),
                "since": (
                    entry.get("up_since") if entry.get("status") == "up" else entry.get("failing_since")
                ),
                "last_checked": entry.get("last_checked"),
                "detail": entry.get("detail", ""),
                "open_incident": incident["id"] if incident else None,
                "uptime": {w: f.get("uptime", {}).get(w) for w in WINDOWS},
                "response_ms_24h": f.get("response_ms_24h", {"mean": None, "p95": None}),
                "cert_days": f.get("cert_days"),
                "days": f.get("days", _empty_days(now)),
                "hourly": f.get("hourly", _empty_hours(now)),
            }
        )
    since = now - WINDOWS["365d"]
    known = set(names)
    listed = [
        {**i, "ongoing": False}
        for i in resolved_incidents(root)
        if i["endpoint"] in known and parse_time(i["resolved_at"]) > since
    ]
    listed += [
        {**i, "ongoing": True, "duration_s": int((now - parse_time(i["started_at"])).total_seconds())}
        for i in state.open_incidents()
        if i["endpoint"] in known
    ]
    # Newest first; an ongoing incident heads its second (timestamps are whole seconds, and an
    # outage can end and start again within one).
    listed.sort(key=lambda i: (i["started_at"], i["ongoing"]), reverse=True)
    for i in listed:
        i["duration"] = duration(i["duration_s"])
    checked = [e for e in endpoints if e["status"] != "skipped"]
    counts = {s: sum(e["status"] == s for e in checked) for s in ("up", "degraded", "down", "unknown")}
    if counts["down"] or counts["degraded"]:
        headline = ", ".join(f"{counts[s]} {s}" for s in ("down", "degraded") if counts[s])
        overall = "down" if counts["down"] else "degraded"
    elif counts["unknown"]:
        headline, overall = f"{counts['unknown']} not checked yet", "unknown"
    else:
        headline, overall = "all systems operational", "up"
    return {
        "generated_at": iso(now),
        "summary": {
            "overall": overall,
            "headline": headline,
            **counts,
            "skipped": len(endpoints) - len(checked),
        },
        "windows": list(WINDOWS),
        "endpoints": endpoints,
        "incidents": listed,
    }


def _files(root: Path, names: list[str], now: datetime) -> list[str]:
    """The monthly files that can hold the last 365 days."""
    first = f"{now - WINDOWS['365d']:%Y-%m}"
    return [
        str(p) for name in names for p in sorted((root / "history" / name).glob("*.csv")) if p.stem >= first
    ]


def _figures(root: Path, names: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    files = _files(root, names, now)
    if not files:
        return {}
    naive_now = now.replace(tzinfo=None)
    con = duckdb.connect()
    con.execute(
        """
        create table h as
        select regexp_extract(filename, '([^/]+)/[0-9]{4}-[0-9]{2}\\.csv$', 1) as endpoint,
               strptime(time, '%Y-%m-%dT%H:%M:%SZ') as t, status, ms, cert_days, maintenance = 1 as muted
        from read_csv($files, header = true, filename = true, columns = {
            'time': 'varchar', 'status': 'varchar', 'ms': 'integer', 'code': 'integer',
            'cert_days': 'double', 'maintenance': 'integer', 'detail': 'varchar'})
        where strptime(time, '%Y-%m-%dT%H:%M:%SZ') > $now - interval 365 day
        """,
        {"files": files, "now": naive_now},
    )
    out: dict[str, dict[str, Any]] = {n: {"uptime": {}} for n in names}
    for window, span in WINDOWS.items():
        rows = con.execute(
            """select endpoint, count(*), count(*) filter (where status = 'down')
               from h where not muted and t > $since group by endpoint""",
            {"since": naive_now - span},
        ).fetchall()
        for endpoint, checks, down in rows:
            out[endpoint]["uptime"][window] = round(1 - down / checks, 6) if checks else None
    for endpoint, mean, p95 in con.execute(
        """select endpoint, avg(ms), quantile_cont(ms, 0.95) from h
           where t > $since and ms is not null group by endpoint""",
        {"since": naive_now - WINDOWS["24h"]},
    ).fetchall():
        out[endpoint]["response_ms_24h"] = {"mean": round(mean), "p95": round(p95)}
    for endpoint, cert in con.execute(
        "select endpoint, arg_max(cert_days, t) from h where cert_days is not null group by endpoint"
    ).fetchall():
        out[endpoint]["cert_days"] = cert
    day0 = (now - timedelta(days=STRIP_DAYS - 1)).date()
    days: dict[str, dict[str, dict]] = {}
    for endpoint, day, checks, down, degraded in con.execute(
        """select endpoint, t::date, count(*) filter (where not muted),
                  count(*) filter (where not muted and status = 'down'),
                  count(*) filter (where not muted and status = 'degraded')
           from h where t::date >= $day0 group by all""",
        {"day0": day0},
    ).fetchall():
        days.setdefault(endpoint, {})[day.isoformat()] = {
            "checks": checks,
            "down": down,
            "degraded": degraded,
        }
    hour0 = (naive_now - timedelta(days=CHART_DAYS)).replace(minute=0, second=0) + timedelta(hours=1)
    hours: dict[str, dict[str, tuple]] = {}
    for endpoint, hour, mean, p95 in con.execute(
        """select endpoint, date_trunc('hour', t), avg(ms), quantile_cont(ms, 0.95) from h
           where t >= $hour0 and ms is not null group by all""",
        {"hour0": hour0},
    ).fetchall():
        hours.setdefault(endpoint, {})[f"{hour:%Y-%m-%dT%H}"] = (round(mean), round(p95))
    for name in names:
        out[name]["days"] = _empty_days(now, days.get(name, {}))
        out[name]["hourly"] = _empty_hours(now, hours.get(name, {}))
    return out


def _empty_days(now: datetime, found: dict | None = None) -> list[dict[str, Any]]:
    """One entry per day of the strip, oldest first; days without checks say so."""
    found = found or {}
    out = []
    for k in range(STRIP_DAYS - 1, -1, -1):
        day = (now - timedelta(days=k)).date().isoformat()
        f = found.get(day, {"checks": 0, "down": 0, "degraded": 0})
        uptime = round(1 - f["down"] / f["checks"], 6) if f["checks"] else None
        out.append({"date": day, **f, "uptime": uptime})
    return out


def _empty_hours(now: datetime, found: dict | None = None) -> list[dict[str, Any]]:
    found = found or {}
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=CHART_DAYS * 24 - 1)
    out = []
    for k in range(CHART_DAYS * 24):
        hour = start + timedelta(hours=k)
        mean, p95 = found.get(f"{hour:%Y-%m-%dT%H}", (None, None))
        out.append({"hour": f"{hour:%Y-%m-%dT%H}:00Z", "mean_ms": mean, "p95_ms": p95})
    return out


def day_strip(days: list[dict[str, Any]], width: int = 720) -> Markup:
    """A bar per day, coloured by its worst check: the picture a status page is known for."""
    step = width / len(days)
    out = [f'<svg class="chart strip" role="img" viewBox="0 0 {width} 34" width="{width}" height="34">']
    for k, d in enumerate(days):
        if not d["checks"]:
            kind, text = "none", "no checks"
        else:
            kind = "down" if d["down"] else "degraded" if d["degraded"] else "up"
            text = (
                f"{100 * d['uptime']:.2f}% up "
                f"({d['down']} of {d['checks']} checks down, {d['degraded']} degraded)"
            )
        out.append(
            f'<rect x="{k * step + 0.5:.1f}" y="0" width="{max(step - 1.5, 1):.1f}" height="24" rx="1.5" '
            f'fill="{DAY_COLOURS[kind]}"><title>{escape(d["date"])}: {escape(text)}</title></rect>'
        )
    out.append(
        f'<text x="0" y="33">{escape(days[0]["date"])}</text>'
        f'<text x="{width}" y="33" text-anchor="end">{escape(days[-1]["date"])}</text></svg>'
    )
    return Markup("".join(out))


def response_chart(hourly: list[dict[str, Any]]) -> Markup:
    labels = [f"{parse_time(h['hour']):%a %H:%M}" for h in hourly]
    return pages.line_chart(
        labels,
        {"mean ms": [h["mean_ms"] for h in hourly], "p95 ms": [h["p95_ms"] for h in hourly]},
        title="Response time per hour (ms)",
        width=720,
        height=180,
    )
