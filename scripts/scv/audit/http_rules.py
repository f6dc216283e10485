"""The rules over the sites' nginx logs: allowlists, requests, bursts, volume and error logs.

Request rules look at the request target as logged, once URL-decoded and twice (double
encoding), with nginx's \\xHH escapes undone, lower-cased. Only requests that pass the cheap
first look of parse.SUSPECT_RE (done while parsing) are decoded, each distinct one once.
"""

from __future__ import annotations

import ipaddress
from datetime import date, datetime

import duckdb

from scv.audit.parse import served_requests
from scv.audit.rules import (
    BURST_4XX,
    BURST_MINUTES,
    HTTP_AUTH_FAILURES,
    HTTP_AUTH_MINUTES,
    VOLUME_DAYS,
    VOLUME_EXTRA,
    VOLUME_FACTOR,
    finding,
    site_label,
)

# Request patterns, applied to the lower-cased target: as logged, decoded once and decoded twice.
PROBE_RE = (
    r"/\.(env|git|svn|hg|bzr|aws|ssh|docker|idea|vscode|htpasswd|htaccess|ds_store|npmrc|bash_history)"
    r"([./?#]|$)"
    r"|/wp-(admin|login|content|includes|config)|/xmlrpc\.php|/wordpress"
    r"|/(phpmyadmin|pma|myadmin|adminer|phpinfo|info\.php|test\.php|shell\.php|config\.php|"
    r"configuration\.php|setup\.php|install\.php|eval-stdin\.php)"
    r"|/admin(istrator)?([/.?#]|$)|/manager/html|/cpanel|/webadmin|/console([/?#]|$)|/solr/"
    r"|/jenkins|/actuator|/server-(status|info)|/cgi-bin/|/vendor/phpunit|/telescope|/_profiler"
    r"|/(web|app)\.config|/appsettings\.json|/composer\.(json|lock)|/package(-lock)?\.json"
    r"|/credentials|/id_(rsa|dsa|ecdsa|ed25519)"
    r"|/(backups?|bak|db|dump|database|site|www|wwwroot|html|public_html|web|old|data)[^/?#]*"
    r"\.(zip|tar|tar\.gz|tgz|gz|rar|7z|sql|bak)([?#]|$)"
    r"|\.(sql|bak|old|orig|save|swp|sqlite3?|mdb|ini|conf|cfg|pem|key)([?#]|$)"
)
TRAVERSAL_RE = (
    r"\.\./|\.\.\\|/\.\.;|/etc/(passwd|shadow|hosts)|/proc/self|win\.ini|boot\.ini|c:\\windows"
    r"|%c0%ae|%c0%af|%c1%9c|%e0%80%ae|%uff0e"
)
SQLI_RE = (
    r"union(\s|/\*.*\*/|\()+(all(\s|/\*.*\*/)+)?select|select\s.+\sfrom\s|'\s*(or|and)\s+['\d(]"
    r"|\bor\s+\d+\s*=\s*\d+|sleep\s*\(|benchmark\s*\(|pg_sleep|waitfor\s+delay|information_schema"
    r"|xp_cmdshell|load_file\s*\(|into\s+(out|dump)file|;\s*(drop|insert|delete|update|shutdown)\s"
    r"|'\s*(--|#|/\*)|extractvalue\s*\(|updatexml\s*\(|\bchar\(\d+\)|0x[0-9a-f]{8,}"
)
XSS_RE = (
    r"<\s*/?\s*script|javascript:|vbscript:|\bon(error|load|mouseover|focus|click|toggle|begin)\s*="
    r"|<\s*(img|svg|iframe|body|object|embed|details|video|audio)\b[^>]*>|alert\s*\(|prompt\s*\("
    r"|confirm\s*\(|document\.(cookie|domain|location)|eval\s*\(|string\.fromcharcode"
)
# When a target does not decode to valid UTF-8, the escapes that matter are decoded one by one.
_ESCAPES = {
    "%2e": ".", "%2f": "/", "%5c": "\\", "%27": "'", "%22": '"', "%3c": "<", "%3e": ">", "%28": "(",
    "%29": ")", "%3d": "=", "%3b": ";", "%20": " ", "%23": "#", "%2d": "-", "%3a": ":", "%25": "%",
}  # fmt: skip


def _decode(expr: str) -> str:
    partial = expr
    for code, char in _ESCAPES.items():
        partial = f"replace({partial}, '{code}', '{char.replace(chr(39), chr(39) * 2)}')"
    return f"coalesce(try(url_decode({expr})), {partial})"


def classify_requests(con: duckdb.DuckDBPyConnection) -> None:
    """`request_classes`: each distinct suspect request with the request rules it matches;
    `flagged`: the requests that match one, with who made them and when."""
    raw = (
        "replace(replace(replace(replace(lower(coalesce(nullif(split_part(request, ' ', 2), ''), request)), "
        "'\\x22', '\"'), '\\x5c', '\\'), '\\x27', ''''), '+', ' ')"
    )
    con.execute(
        f"""
        create or replace temp table request_classes as
        with distinct_requests as (select distinct request from access where suspect),
        once as (select request, {raw} as raw from distinct_requests),
        twice as (select request, raw, {_decode("raw")} as d1 from once),
        forms as (select request, raw || chr(10) || d1 || chr(10) || {_decode("d1")} as t from twice)
        select request,
            regexp_matches(t, $probe) as probe,
            regexp_matches(t, $traversal) as traversal,
            regexp_matches(t, $sqli) as sqli,
            regexp_matches(t, $xss) as xss
        from forms
        """,
        {"probe": PROBE_RE, "traversal": TRAVERSAL_RE, "sqli": SQLI_RE, "xss": XSS_RE},
    )
    con.execute(
        """
        create or replace temp table flagged as
        select a.file_id, a.ip, a.ts, a.status, a.request, c.probe, c.traversal, c.sqli, c.xss
        from access a join request_classes c using (request)
        where a.suspect and (c.probe or c.traversal or c.sqli or c.xss)
        """
    )


def hourly(con: duckdb.DuckDBPyConnection) -> None:
    """`hourly`: the requests per file, address, hour and answer. The one pass over every request
    that the rules and the report need: they read this far smaller table instead."""
    con.execute(
        """
        create or replace temp table hourly as
        select file_id, ip, date_trunc('hour', ts) as hour, status, count(*) as requests,
            min(ts) as first_seen, max(ts) as last_seen
        from access group by all
        """
    )


def address_table(
    con: duckdb.DuckDBPyConnection, allow: dict[str, list[dict]], operations: list[dict]
) -> None:
    """`addresses`: per client, environment, address and day, whether the address was allowed.

    Allowed = on the client's access.yml (an entry counts from its `since` to its `until`) or on
    the operations team's list. IPv4 is compared as numbers in SQL; the rare IPv6 address is
    checked in Python, once per distinct address.
    """
    ranges = []
    for client, entries in [*allow.items(), ("*", operations)]:
        for e in entries:
            net = ipaddress.ip_network(str(e["cidr"]), strict=False)
            ranges.append(
                (
                    client,
                    net.version,
                    int(net.network_address),
                    int(net.broadcast_address),
                    e.get("since"),
                    e.get("until"),
                    e.get("who", ""),
                )
            )
    con.execute(
        "create or replace temp table allow_ranges (client varchar, family int, lo hugeint, hi hugeint, "
        "since date, until date, who varchar)"
    )
    if ranges:
        con.executemany("insert into allow_ranges values (?, ?, ?, ?, ?, ?, ?)", ranges)
    hourly(con)
    con.execute(
        """
        create or replace temp table addresses as
        with per_file as (
            select file_id, ip, hour::date as day, sum(requests) as requests,
                coalesce(sum(requests) filter (status between 200 and 399), 0) as served,
                min(first_seen) as first_seen, max(last_seen) as last_seen
            from hourly group by all
        ),
        per_day as (
            select f.client, f.env, a.ip, a.day, sum(a.requests)::bigint as requests,
                sum(a.served)::bigint as served, min(a.first_seen) as first_seen,
                max(a.last_seen) as last_seen
            from per_file a join files f using (file_id)
            group by all
        ),
        numbered as (
            select *, case when ip like '%.%.%.%' and ip not like '%:%' then
                try_cast(split_part(ip, '.', 1) as hugeint) * 16777216
                + try_cast(split_part(ip, '.', 2) as hugeint) * 65536
                + try_cast(split_part(ip, '.', 3) as hugeint) * 256
                + try_cast(split_part(ip, '.', 4) as hugeint)
                end as v4
            from per_day
        )
        select n.* exclude (v4), exists (
            select 1 from allow_ranges r
            where r.family = 4 and n.v4 between r.lo and r.hi and r.client in (n.client, '*')
                and (r.since is null or r.since <= n.day) and (r.until is null or n.day <= r.until)
        ) as allowed
        from numbered n
        """
    )
    v6 = con.execute("select distinct client, ip, day from addresses where ip like '%:%'").fetchall()
    allowed = [(c, ip, d) for c, ip, d in v6 if _allowed_v6(ip, c, d, ranges)]
    if allowed:
        con.executemany(
            "update addresses set allowed = true where client is not distinct from ? and ip = ? and day = ?",
            allowed,
        )


def _allowed_v6(ip: str, client: str | None, day: date, ranges: list[tuple]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    value = int(addr)
    return any(
        family == addr.version
        and lo <= value <= hi
        and c in (client, "*")
        and (since is None or since <= day)
        and (until is None or day <= until)
        for c, family, lo, hi, since, until, _ in ranges
    )


def access_findings(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Allowlist, request and window rules over the access logs."""
    return _allowlist_findings(con) + _request_findings(con) + _window_findings(con)


def _allowlist_findings(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Addresses on no allowlist: served (critical) or refused (summarised, low)."""
    out: list[dict] = []
    rows = con.execute(
        """
        select client, env, ip, sum(requests), sum(served), min(first_seen), max(last_seen)
        from addresses where not allowed group by all order by 4 desc
        """
    ).fetchall()
    leaked = {(c, e, ip) for c, e, ip, _, served, _, _ in rows if served}
    examples = _leak_examples(con) if leaked else {}
    for client, env, ip, requests, served, first, last in rows:
        if (client, env, ip) in leaked:
            out.append(
                finding(
                    "allowlist_leak",
                    f"{ip} is on no allowlist for {site_label(client, env)} and was served {served:,} of "
                    f"{requests:,} request(s)",
                    address=ip,
                    client=client,
                    env=env,
                    count=served,
                    first_seen=first,
                    last_seen=last,
                    examples=examples.get((client, env, ip), []),
                )
            )
        else:
            out.append(
                finding(
                    "denied_address",
                    f"{ip} is on no allowlist for {site_label(client, env)}: {requests:,} request(s) refused",
                    address=ip,
                    client=client,
                    env=env,
                    count=requests,
                    first_seen=first,
                    last_seen=last,
                )
            )
    return out


def _request_findings(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Request rules: one finding per rule, site and address."""
    out: list[dict] = []
    for rule, condition, what in [
        ("sensitive_file_served", "a.probe and a.status between 200 and 299", "sensitive file(s) served"),
        # A traversal to /etc/passwd or win.ini is counted as traversal, not also as a probe.
        (
            "sensitive_probe",
            "a.probe and not a.traversal and not a.status between 200 and 299",
            "probe(s) for sensitive files",
        ),
        ("path_traversal", "a.traversal", "path traversal attempt(s)"),
        ("sql_injection", "a.sqli", "SQL injection attempt(s)"),
        ("xss", "a.xss", "cross-site scripting attempt(s)"),
    ]:
        out += _per_address(con, rule, f"from flagged a join files f using (file_id) where {condition}", what)
    out += _per_address(
        con,
        "scanner_agent",
        "from access a join files f using (file_id) where a.scanner is not null",
        "request(s) from a known scanner",
        extra="string_agg(distinct a.scanner, ', ' order by a.scanner)",
    )
    return out


def _window_findings(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """401s within HTTP_AUTH_MINUTES, 4xx within BURST_MINUTES consecutive minutes."""
    out: list[dict] = []
    # A window
    # of an hour or less lies within two consecutive hours, so only an address with half a
    # threshold in some hour can reach it: only its requests are counted per minute.
    assert max(HTTP_AUTH_MINUTES, BURST_MINUTES) <= 60
    con.execute(
        f"""
        create or replace temp table burst_candidates as
        select ip from (
            select ip, coalesce(sum(requests) filter (status = 401), 0) as s401,
                coalesce(sum(requests) filter (status between 400 and 499), 0) as s4xx
            from hourly where status between 400 and 499 group by ip, hour
        )
        where s401 * 2 >= {HTTP_AUTH_FAILURES} or s4xx * 2 >= {BURST_4XX}
        group by ip
        """
    )
    con.execute(
        """
        create or replace temp table errors_per_minute as
        with per_file as (
            select file_id, ip, time_bucket(interval 1 minute, ts) as minute,
                count(*) filter (status = 401) as n401, count(*) as n4xx
            from access
            where status between 400 and 499 and ip in (select ip from burst_candidates)
            group by all
        )
        select f.client, f.env, a.ip, a.minute, sum(a.n401)::bigint as n401, sum(a.n4xx)::bigint as n4xx
        from per_file a join files f using (file_id)
        group by all
        """
    )
    for rule, column, threshold, minutes, what in [
        ("http_auth_brute_force", "n401", HTTP_AUTH_FAILURES, HTTP_AUTH_MINUTES, "401 answers"),
        ("error_burst", "n4xx", BURST_4XX, BURST_MINUTES, "4xx answers"),
    ]:
        rows = con.execute(
            f"""
            with windows as (
                select *, sum({column}) over (
                    partition by client, env, ip order by minute
                    range between interval {minutes - 1} minutes preceding and current row
                ) as in_window
                from errors_per_minute
                where {column} > 0 and ip in (
                    -- Only who could reach the threshold: a window holding it has a minute with
                    -- at least threshold / minutes of them.
                    select ip from errors_per_minute where {column} >= {-(-threshold // minutes)})
            )
            select client, env, ip, max(in_window), sum({column}), min(minute),
                max(minute) + interval 59 second
            from windows group by all having max(in_window) >= {threshold}
            """
        ).fetchall()
        for client, env, ip, peak, total, first, last in rows:
            out.append(
                finding(
                    rule,
                    f"{ip}: {peak:,} {what} within {minutes} minutes on {site_label(client, env)} "
                    f"({total:,} in the period)",
                    address=ip,
                    client=client,
                    env=env,
                    count=int(total),
                    first_seen=first,
                    last_seen=last,
                )
            )
    return out


def _per_address(
    con: duckdb.DuckDBPyConnection, rule: str, source: str, what: str, extra: str = "null"
) -> list[dict]:
    rows = con.execute(
        f"""
        select f.client, f.env, a.ip, count(*), min(a.ts), max(a.ts),
            (array_agg(distinct a.request || ' → ' || a.status
                       order by a.request || ' → ' || a.status))[1:5], {extra}
        {source}
        group by all
        """
    ).fetchall()
    out = []
    for client, env, ip, n, first, last, examples, detail in rows:
        message = f"{ip}: {n:,} {what} on {site_label(client, env)}" + (f" ({detail})" if detail else "")
        out.append(
            finding(
                rule,
                message,
                address=ip,
                client=client,
                env=env,
                count=n,
                first_seen=first,
                last_seen=last,
                examples=sorted(examples),
            )
        )
    return out


def _leak_examples(con: duckdb.DuckDBPyConnection) -> dict[tuple, list[str]]:
    """What was served to addresses on no allowlist, up to 5 requests each."""
    leaked = con.execute(
        "select distinct client, env, ip from addresses where not allowed and served > 0"
    ).fetchall()
    wanted = {(c, e, ip) for c, e, ip in leaked}
    sites = dict(
        ((i,), (c, e)) for i, c, e in con.execute("select file_id, client, env from files").fetchall()
    )
    examples: dict[tuple, set[str]] = {}
    for file_id, ip, request, status in served_requests(con, sorted({ip for _, _, ip in leaked})):
        key = (*sites[(file_id,)], ip)
        if key in wanted:
            examples.setdefault(key, set()).add(f"{request} → {status}")
    return {k: sorted(v)[:5] for k, v in examples.items()}


def period_volume(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, date, int]]:
    """Requests per client, environment and day in this audit (what the history records)."""
    return con.execute(
        """
        with per_file as (select file_id, hour::date as day, sum(requests) as n from hourly group by all)
        select f.client, f.env, a.day, sum(a.n)::bigint from per_file a join files f using (file_id)
        where f.client is not null group by all order by all
        """
    ).fetchall()


def volume_findings(
    con: duckdb.DuckDBPyConnection, history: list[tuple[str, str, date, int]], add_history: bool
) -> list[dict]:
    now = {(c, e, d): n for c, e, d, n in period_volume(con)}
    before: dict[tuple, int] = {}
    for c, e, d, n in history:
        before[(c, e, d)] = before.get((c, e, d), 0) + n
    out = []
    for (client, env, day), n in sorted(now.items()):
        total = n + (before.get((client, env, day), 0) if add_history else 0)
        earlier = sorted(
            v
            for (c, e, d), v in {**before, **{k: v for k, v in now.items() if k[2] < day}}.items()
            if c == client and e == env and 0 < (day - d).days <= 28
        )
        if len(earlier) < VOLUME_DAYS:
            continue
        mid = len(earlier) // 2
        usual = earlier[mid] if len(earlier) % 2 else (earlier[mid - 1] + earlier[mid]) / 2
        if total > VOLUME_FACTOR * usual and total - usual >= VOLUME_EXTRA:
            out.append(
                finding(
                    "volume_anomaly",
                    f"{site_label(client, env)}: {total:,} requests on {day}, {total / max(usual, 1):.1f}× "
                    f"its usual {usual:,.0f} a day (median of {len(earlier)} earlier days)",
                    client=client,
                    env=env,
                    count=total,
                    first_seen=datetime.combine(day, datetime.min.time()),
                )
            )
    return out


def error_log_findings(con: duckdb.DuckDBPyConnection) -> list[dict]:
    out = []
    for server, client, env, level, n, first, last, examples in con.execute(
        """
        select f.server, f.client, f.env, e.level, count(*), min(e.ts), max(e.ts),
            (array_agg(e.message order by e.ts))[1:5]
        from errors e join files f using (file_id)
        where e.level in ('crit', 'alert', 'emerg') group by all
        """
    ).fetchall():
        out.append(
            finding(
                "nginx_error",
                f"{n} nginx error log entr{'y' if n == 1 else 'ies'} at {level} for {site_label(client, env)}"
                + (f" on {server}" if server else ""),
                client=client,
                env=env,
                server=server,
                count=n,
                first_seen=first,
                last_seen=last,
                examples=examples,
            )
        )
    return out
