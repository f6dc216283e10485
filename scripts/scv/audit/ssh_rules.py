"""The rules over sshd's auth log: logins from outside the operations team, brute force, users."""

from __future__ import annotations

import ipaddress

import duckdb

from scv.audit.rules import SSH_FAILURES, SSH_MINUTES, finding

SSH_EVENTS = """
create or replace temp table ssh as
with m as (
    select a.*, f.server,
        regexp_extract(message,
            '^(Failed|Accepted) (\\S+) for (invalid user )?(.*) from (\\S+) port ([0-9]+)',
            ['result', 'method', 'invalid', 'user', 'ip', 'port']) as auth,
        regexp_extract(message, '^Invalid user (.*) from (\\S+)', ['user', 'ip']) as invalid,
        regexp_extract(message,
            '^(?:Connection closed by|Disconnected from) (?:authenticating|invalid) user (.*) (\\S+) '
            || 'port ([0-9]+) \\[preauth\\]',
            ['user', 'ip', 'port']) as closed
    from auth a join files f using (file_id)
    where a.program = 'sshd' or a.program like 'sshd-%'
)
select server, ts, host, pid,
    case when auth.result = 'Accepted' then 'accepted'
         when auth.result = 'Failed' then 'failed'
         when invalid.ip <> '' then 'invalid_user'
         when closed.ip <> '' then 'closed_preauth'
    end as event,
    coalesce(nullif(auth.ip, ''), nullif(invalid.ip, ''), nullif(closed.ip, '')) as ip,
    coalesce(nullif(auth.user, ''), nullif(invalid.user, ''), nullif(closed.user, '')) as user,
    nullif(auth.method, '') as method, coalesce(nullif(auth.port, ''), nullif(closed.port, '')) as port,
    message
from m
"""


def ssh_findings(
    con: duckdb.DuckDBPyConnection, operations_by_server: dict[str | None, list[dict]]
) -> list[dict]:
    con.execute(SSH_EVENTS)
    out: list[dict] = []

    def operations(server: str | None) -> list:
        entries = operations_by_server.get(server, operations_by_server.get(None, []))
        return [ipaddress.ip_network(str(e["cidr"]), strict=False) for e in entries]

    def is_operations(ip: str, server: str | None) -> bool:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in net for net in operations(server))

    for server, ip, user, method, n, first, last, examples in con.execute(
        """
        select server, ip, user, string_agg(distinct method, ', ' order by method), count(*), min(ts),
            max(ts), (array_agg(message order by ts))[1:5]
        from ssh where event = 'accepted' group by all
        """
    ).fetchall():
        if not is_operations(ip, server):
            out.append(
                finding(
                    "ssh_login_outside_operations",
                    f"{ip} logged in to {server or 'the server'} as {user} ({method}), {n} time(s): "
                    "not an operations team address",
                    address=ip,
                    server=server,
                    count=n,
                    first_seen=first,
                    last_seen=last,
                    examples=examples,
                )
            )
    # A failed attempt: each "Failed …" line, plus a connection closed before authenticating that
    # logged no "Failed" line (key-only servers log just that).
    con.execute(
        """
        create or replace temp table ssh_attempts as
        select server, ip, ts, user from ssh where event = 'failed'
        union all
        select c.server, c.ip, c.ts, c.user from ssh c
        where c.event = 'closed_preauth' and not exists (
            select 1 from ssh f where f.event = 'failed' and f.server is not distinct from c.server
                and f.ip = c.ip and f.port = c.port)
        """
    )
    rows = con.execute(
        f"""
        with attempts as (select * from ssh_attempts),
        windows as (
            select *, count(*) over (
                partition by server, ip order by ts
                range between interval {SSH_MINUTES} minutes preceding and current row) as in_window
            from attempts
        )
        select server, ip, max(in_window), count(*), min(ts), max(ts),
            (array_agg(distinct user order by user))[1:10]
        from windows group by all having max(in_window) >= {SSH_FAILURES}
        """
    ).fetchall()
    for server, ip, peak, n, first, last, users in rows:
        out.append(
            finding(
                "ssh_brute_force",
                f"{ip}: {peak} failed SSH authentications within {SSH_MINUTES} minutes on "
                f"{server or 'the server'} ({n} in the period; users {', '.join(users)})",
                address=ip,
                server=server,
                count=n,
                first_seen=first,
                last_seen=last,
            )
        )
    for server, ip, n, first, last, users in con.execute(
        """
        select server, ip, count(*), min(ts), max(ts), (array_agg(distinct user order by user))[1:10]
        from ssh where event = 'invalid_user' group by all
        """
    ).fetchall():
        ops = is_operations(ip, server)
        out.append(
            finding(
                "ssh_invalid_user",
                f"{ip}: {n} SSH attempt(s) for users that do not exist on {server or 'the server'}: "
                f"{', '.join(users)}" + (" (an operations team address)" if ops else ""),
                severity="low" if ops else None,
                address=ip,
                server=server,
                count=n,
                first_seen=first,
                last_seen=last,
            )
        )
    return out
