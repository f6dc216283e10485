"""report.json of an audit: what was read, what was found, per site, per server and per hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from scv.audit import http_rules, rules
from scv.audit.fetch import FetchResult, Server
from scv.audit.parse import LogFile
from scv.core.errors import display_path


@dataclass
class Gathered:
    """What an audit read and found, for its report."""

    audit_id: str
    started: datetime
    since_at: datetime | None
    inventory: Path
    files: bool  # the files were given (no servers fetched)
    servers: list[Server]
    log_files: list[LogFile]
    findings: list[dict]
    offenders: list[dict]
    fetch_result: FetchResult | None
    unknown: list[str]


def report(con: duckdb.DuckDBPyConnection, g: Gathered, history: duckdb.DuckDBPyConnection | None) -> dict:
    """report.json: what was read, what was found, per site and per server."""
    return {
        "audit_id": g.audit_id,
        "generated_at": _iso(g.started),
        "period": {"since": _iso(g.since_at) if g.since_at else None, "until": _iso(g.started)},
        "mode": "files" if g.files else "servers",
        "inventory": display_path(g.inventory) if not g.files else None,
        "servers": [
            {"name": s.name, "target": s.target, "log_dir": s.log_dir, "auth_log": s.auth_log}
            for s in g.servers
        ],
        "fetch": {
            "bytes": g.fetch_result.bytes_fetched if g.fetch_result else 0,
            "files": len(g.log_files) if g.fetch_result else 0,
            "skipped": g.fetch_result.skipped if g.fetch_result else [],
        },
        "totals": _totals(con),
        "counts": {s: sum(1 for f in g.findings if f["severity"] == s) for s in rules.SEVERITIES},
        "rules": [r.__dict__ for r in rules.RULES],
        "findings": g.findings,
        "offenders": g.offenders,
        "sites": _sites(con, g, history),
        "unknown_clients": g.unknown,
        "timeline": _timeline(con, g.offenders),
        "ssh": {"servers": _ssh_servers(con), "hours": _ssh_hours(con)},
        "sources": _sources(g.log_files),
        "unparseable_examples": _unparsed(con),
    }


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _sources(log_files: list[LogFile]) -> list[dict]:
    return [
        {
            "origin": f.origin,
            "kind": f.kind,
            "client": f.client,
            "env": f.env,
            "server": f.server,
            "from_byte": f.from_byte,
            **f.stats,
        }
        for f in log_files
    ]


def _unparsed(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return [
        {"origin": origin, "line": n, "reason": reason, "text": text}
        for origin, n, reason, text in con.execute(
            "select f.origin, u.line_no, u.reason, u.line from unparsed u join files f using (file_id) "
            "order by u.file_id, u.line_no nulls last"
        ).fetchall()
    ]


TOTALS = ("lines", "parsed", "unparseable", "before_period", "requests", "addresses", "ssh_events",
          "error_log_entries")  # fmt: skip


def _totals(con: duckdb.DuckDBPyConnection) -> dict:
    totals = con.execute(
        """
        select (select coalesce(sum(lines), 0) from files), (select coalesce(sum(parsed), 0) from files),
            (select coalesce(sum(unparseable), 0) from files),
            (select coalesce(sum(before_period), 0) from files),
            (select coalesce(sum(requests), 0)::bigint from hourly), (select count(distinct ip) from hourly),
            (select count(*) from ssh), (select count(*) from errors)
        """
    ).fetchone()
    return dict(zip(TOTALS, totals, strict=True))


def _timeline(con: duckdb.DuckDBPyConnection, offenders: list[dict]) -> list[dict]:
    """Requests per hour: all, from offenders (medium or worse), refused."""
    worth = [o["address"] for o in offenders if rules.RANK[o["severity"]] <= rules.RANK["medium"]]
    con.execute(
        "create or replace temp table offender_ips as select unnest($ips::varchar[]) as ip", {"ips": worth}
    )
    timeline = con.execute(
        """
        select strftime(hour, '%Y-%m-%d %H:00') as hour, sum(requests)::bigint,
            coalesce(sum(requests) filter (ip in (select ip from offender_ips)), 0)::bigint,
            coalesce(sum(requests) filter (status = 403), 0)::bigint
        from hourly group by 1 order by 1
        """
    ).fetchall()
    return [{"hour": h, "requests": r, "from_offenders": o, "refused": d} for h, r, o, d in timeline]


def _ssh_hours(con: duckdb.DuckDBPyConnection) -> list[dict]:
    ssh_hours = con.execute(
        """
        with events as (
            select ts, 'failed' as event from ssh_attempts
            union all select ts, event from ssh where event = 'accepted'
        )
        select strftime(time_bucket(interval 1 hour, ts), '%Y-%m-%d %H:00') as hour,
            count(*) filter (event = 'failed'), count(*) filter (event = 'accepted')
        from events group by 1 order by 1
        """
    ).fetchall()
    return [{"hour": h, "failed": f, "accepted": a} for h, f, a in ssh_hours]


def _sites(con: duckdb.DuckDBPyConnection, g: Gathered, history: duckdb.DuckDBPyConnection | None) -> list:
    """Per client and environment: requests, addresses, statuses, refused paths, daily volume."""
    by_site: dict[tuple, list[dict]] = {(f["client"], f["env"]): [] for f in g.findings if f["client"]}
    for f in g.findings:
        if f["client"]:
            by_site[(f["client"], f["env"])].append(f)
    sites = []
    history_volume: dict[tuple, list] = {}
    if history:
        for c, e, d, n in history.execute(
            "select client, env, day, sum(requests) from volume group by all order by day"
        ).fetchall():
            history_volume.setdefault((c, e), []).append((d, n))
    volume = http_rules.period_volume(con)
    for client, env, requests, addresses, s2, s3, s4, s5, refused, top in con.execute(
        """
        with per_file as (  -- aggregated per file first: far fewer rows to join
            select file_id, sum(requests) as n,
                coalesce(sum(requests) filter (status between 200 and 299), 0) as s2,
                coalesce(sum(requests) filter (status between 300 and 399), 0) as s3,
                coalesce(sum(requests) filter (status between 400 and 499), 0) as s4,
                coalesce(sum(requests) filter (status >= 500), 0) as s5,
                coalesce(sum(requests) filter (status = 403), 0) as refused
            from hourly group by file_id
        ),
        refused_paths as (
            select f.client, f.env, split_part(a.request, ' ', 2) as path, count(*) as n
            from access a join files f using (file_id) where a.status >= 400 group by all
        ),
        top_paths as (
            select client, env, list(struct_pack(path := path, n := n) order by n desc, path) as top
            from (select *, row_number() over (partition by client, env order by n desc, path) as k
                  from refused_paths)
            where k <= 5 group by all
        ),
        sites as (
            select f.client, f.env, sum(n)::bigint as n, sum(s2)::bigint as s2, sum(s3)::bigint as s3,
                sum(s4)::bigint as s4, sum(s5)::bigint as s5, sum(refused)::bigint as refused
            from per_file p join files f using (file_id) group by all
        )
        select s.client, s.env, s.n,
            (select count(distinct ip) from addresses d
             where d.client is not distinct from s.client and d.env is not distinct from s.env),
            s.s2, s.s3, s.s4, s.s5, s.refused, t.top
        from sites s
        left join top_paths t on t.client is not distinct from s.client and t.env is not distinct from s.env
        order by s.client nulls last, s.env
        """
    ).fetchall():
        site_findings = by_site.get((client, env), [])
        days = {d: n for d, n in history_volume.get((client, env), [])}
        for c, e, d, n in volume:
            if (c, e) == (client, env):
                days[d] = days.get(d, 0) + n if not g.files else n
        sites.append(
            {
                "client": client,
                "env": env,
                "requests": requests,
                "addresses": addresses,
                "status": {"2xx": s2, "3xx": s3, "4xx": s4, "5xx": s5},
                "refused": refused,
                "top_refused": [dict(t) for t in top or []],
                "allowlist_checked": client not in g.unknown and client is not None,
                "findings": {
                    s: sum(1 for f in site_findings if f["severity"] == s) for s in rules.SEVERITIES
                },
                "volume": [{"day": str(d), "requests": n} for d, n in sorted(days.items())][-30:],
            }
        )
    return sites


def _ssh_servers(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return [
        {"server": s, "accepted": a, "failed": fl, "invalid_user": i}
        for s, a, fl, i in con.execute(
            """
            select server, count(*) filter (event = 'accepted'),
                (select count(*) from ssh_attempts t where t.server is not distinct from s.server),
                count(*) filter (event = 'invalid_user')
            from ssh s group by server order by server nulls last
            """
        ).fetchall()
    ]
