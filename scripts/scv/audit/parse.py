"""Log files into DuckDB tables: nginx access and error logs, and sshd's lines in auth logs.

Access logs are the big ones (millions of lines a day), so DuckDB's CSV reader splits them: a
space-delimited, double-quoted line is exactly nginx's log format, and the reader types the
status and the timestamp itself, in parallel. That costs well under a second per million lines,
where a capturing regular expression per line costs several (nginx writes a `"` inside a field
as `\\x22`, so quotes only ever delimit fields). Both formats parse: scv's own
(`scv_access_log_format`: "combined" + `"$host"` + `$request_time`) and plain "combined".
Error and auth logs are small and are read line by line with regular expressions, in SQL too.

Nothing is dropped without being counted: a line the reader rejects (wrong number of fields,
bytes that are not UTF-8, a status that is not a number) or whose fields do not look like what
nginx writes is *unparseable*: counted per file, the first ones kept as examples with their line
number. Lines before the audited period are counted too. Blank lines carry nothing and are not
counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from scv.core.sql import literal

# Examples of unparseable lines kept per file: enough to see what is wrong, never the whole file.
EXAMPLES_PER_FILE = 20
# Lines read at the start of an access log to tell its format.
FORMAT_SAMPLE = 1000
# Lines read at the start of an access log for its usual user agents and requests (USUAL_VALUES
# at most, each seen at least twice there): a line with one of them skips that pattern, checked
# once on the value itself. Most lines come from a few browsers asking for a few pages, and a
# pattern costs some 20 times what a look-up does.
USUAL_SAMPLE = 20_000
USUAL_VALUES = 200

# The fields of an access log line as DuckDB's CSV reader splits it on spaces and quotes:
#   ip ident user [time +zone] "request" status bytes "referer" "agent" ("host" request_time)
ACCESS_COLUMNS = {
    "ip": "VARCHAR",
    "ident": "VARCHAR",
    "remote_user": "VARCHAR",
    "t": "TIMESTAMP",
    "zone": "VARCHAR",
    "request": "VARCHAR",
    "status": "USMALLINT",
    "body_bytes": "VARCHAR",
    "referer": "VARCHAR",
    "agent": "VARCHAR",
    "vhost": "VARCHAR",
    "request_time": "VARCHAR",
}

# Known scanners and attack tools by their user agent (case-insensitive). Research scanners
# (Censys, Expanse, …) are here too: they map what is exposed, which is the first step of an attack.
SCANNER_AGENTS = (
    "sqlmap", "nikto", "nmap", "masscan", "zgrab", "nuclei", "wpscan", "dirbuster", "gobuster",
    "feroxbuster", "dirsearch", "fuzz faster u fool", "wfuzz", "acunetix", "netsparker", "nessus",
    "openvas", "w3af", "whatweb", "arachni", "jaeles", "skipfish", "zmeu", "morfeus", "commix",
    "xsstrike", "joomscan", "droopescan", "hydra", "censysinspect", "expanse", "l9explore",
    "l9tcpid", "internet-measurement",
)  # fmt: skip
SCANNER_RE = "(?i)" + "|".join(SCANNER_AGENTS)

# What every request that any request rule could match contains (rules in detect.py): a cheap
# first look per line, so the decoding and the rules' patterns only run on the few that pass.
# Anything percent-, plus- or \\x-encoded passes, since decoding may reveal a pattern.
SUSPECT_RE = (
    r"(?i)[%+'\"<>\\;`|]|\.\.|/\.|select|union|sleep|benchmark|script|alert|onerror|onload|javascript"
    r"|passwd|win\.ini|boot\.ini|/proc/|/etc/|wp-|admin|php|cgi|phpunit|actuator|server-status|console"
    r"|manager|backup|dump|\.(bak|old|orig|save|swp|sql|tar|tgz|gz|zip|rar|7z|ini|conf|cfg|env|log|yml|yaml)\b"
    r"|web\.config|\.git|\.svn|\.hg|\.aws|\.ssh|\.htpass|\.htacc|\.ds_store|composer|package\.json"
)

SYSLOG_RE = (
    r"^(?:([A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"|([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})))"
    r" (\S+) ([^\s\[:]+)(?:\[([0-9]+)\])?: ?(.*)$"
)
ERROR_RE = r"^([0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}) \[([a-z]+)\] [0-9]+#[0-9]+: (.*)$"

# Whole lines: the delimiter is four control bytes no log line holds (nginx and rsyslog escape them).
LINE_READER = (
    "read_csv({path}, columns={{'line': 'VARCHAR'}}, delim='\x01\x02\x03\x04', quote='', escape='', "
    "new_line='\\n', header=false, auto_detect=false, strict_mode=false, ignore_errors=true, "
    "store_rejects=true, max_line_size=1048576)"
)


@dataclass
class LogFile:
    """One file to parse: a whole log named on the command line, or what a fetch brought back."""

    path: Path  # the local file DuckDB reads
    kind: str  # access | error | auth
    origin: str  # where the lines come from, for people: host:/var/log/… or the path given
    client: str | None = None
    env: str | None = None
    server: str | None = None  # inventory host; None for files given on the command line
    mtime: datetime | None = None  # when the original was last written (years of syslog dates)
    from_byte: int = 0  # where in the original these lines start (a fetch reads only new bytes)
    since: datetime | None = None  # lines before this are counted, not audited (None: all)
    file_id: int = 0
    stats: dict = field(default_factory=dict)


NOT_IN_FORMAT = "its fields are not in the expected format"


def connect(temp_dir: Path, memory_limit: str = "1536MB") -> duckdb.DuckDBPyConnection:
    """An in-memory database that spills to temp_dir rather than exceeding memory_limit."""
    temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(temp_dir)})
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    con.execute(SCHEMA)
    return con


SCHEMA = """
create table files (
    file_id usmallint primary key, kind varchar, origin varchar, client varchar, env varchar,
    server varchar, from_byte bigint, lines bigint default 0, parsed bigint default 0,
    unparseable bigint default 0, before_period bigint default 0, path varchar, fields integer
);
-- `ok` is false for an unparseable line, which then has only `shown` (the line as read).
create table access (
    file_id usmallint, ok boolean, ts timestamp, ip varchar, status usmallint, request varchar,
    scanner varchar, suspect boolean, shown varchar
);
create table errors (
    file_id usmallint, ok boolean, ts timestamp, level varchar, message varchar, ip varchar, shown varchar
);
create table auth (
    file_id usmallint, ok boolean, ts timestamp, host varchar, program varchar, pid integer,
    message varchar, shown varchar
);
create table unparsed (file_id usmallint, line_no bigint, reason varchar, line varchar);
"""


def load(
    con: duckdb.DuckDBPyConnection, files: list[LogFile], advance: Callable[[str], None] = lambda what: None
) -> None:
    """Parse every file into the tables; per-file counts land in `files` and in LogFile.stats.

    Afterwards the access, errors and auth tables hold only the parsed lines of each file's period.
    """
    for i, f in enumerate(files, start=1):
        f.file_id = i
        con.execute(
            "insert into files (file_id, kind, origin, client, env, server, from_byte, path) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [i, f.kind, f.origin, f.client, f.env, f.server, f.from_byte, str(f.path)],
        )
        advance(f"Parsing {f.origin}")
        table = {"access": "access", "error": "errors", "auth": "auth"}[f.kind]
        {"access": _load_access, "error": _load_errors, "auth": _load_auth}[f.kind](con, f)
        _count(con, f, table, f.since)


def _access_reader(
    path: Path, columns: int = len(ACCESS_COLUMNS), *, pad: bool = False, rejects: bool = True
) -> str:
    """DuckDB's reader of an access log with `columns` fields: 12 in scv's format, 10 in combined.

    A line with fewer fields (or a time, status or encoding the reader cannot take) is rejected
    by the reader, which keeps its number and text (`pad`: short lines are padded with nulls).
    """
    fields = "{" + ", ".join(f"'{k}': '{v}'" for k, v in list(ACCESS_COLUMNS.items())[:columns]) + "}"
    # DuckDB reads .gz itself. Quotes only ever delimit fields (nginx writes `"` as \x22).
    return (
        f"read_csv({literal(path)}, columns={fields}, delim=' ', quote='\"', escape='', "
        "new_line='\\n', header=false, auto_detect=false, strict_mode=false, "
        f"null_padding={str(pad).lower()}, ignore_errors=true, store_rejects={str(rejects).lower()}, "
        "timestampformat='[%d/%b/%Y:%H:%M:%S', max_line_size=1048576)"
    )


def sample(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The file's format from its first lines: 12 fields a line (scv's) or 10 (plain combined)."""
    ours = con.execute(
        f"""
        select count(vhost) > count(*) / 2 from (
            select vhost from {_access_reader(path, pad=True, rejects=False)} limit {FORMAT_SAMPLE}
        )
        """
    ).fetchone()[0]
    return len(ACCESS_COLUMNS) if ours is None or ours else len(ACCESS_COLUMNS) - 2


def _load_access(con: duckdb.DuckDBPyConnection, f: LogFile) -> None:
    columns = sample(con, f.path)
    con.execute("update files set fields = ? where file_id = ?", [columns, f.file_id])
    reader = _access_reader(f.path, columns)
    _usual(con, f.path, columns)
    # The reader has checked the field count, the time and the status; `zone` is the "+0000]"
    # half of [$time_local]. Cheap tests only: this runs on every line.
    ok = "coalesce(ip <> '' and zone like '_____]', false)"
    utc = (
        "case when zone = '+0000]' then t else t - to_minutes((case when zone[1] = '-' then -1 else 1 end)"
        " * (try_cast(zone[2:3] as int) * 60 + try_cast(zone[4:5] as int))) end"
    )
    con.execute(
        f"""
        insert into access
        select {f.file_id}, ok, ts, ip, status,
            -- The request is kept where a rule or the report looks at it: a refusal, an error,
            -- a suspect request or a scanner. Leave out the millions of ordinary ones.
            case when status >= 400 or suspect or scanner is not null then request end,
            scanner, suspect, null
        from (
            select ok, ts, ip, status, request,
                case when not ok or agent in (select value from usual_agents) then null
                    when regexp_matches(agent, $scanner)
                    then lower(regexp_extract(agent, $scanner, 0)) end as scanner,
                case when not ok then null when request in (select value from usual_requests) then false
                    else regexp_matches(request, $suspect) end as suspect
            from (select *, {ok} as ok, {utc} as ts from {reader})
        )
        """,
        {"scanner": SCANNER_RE, "suspect": SUSPECT_RE},
    )
    if con.execute("select count(*) from access where file_id = ? and not ok", [f.file_id]).fetchone()[0]:
        # Rare: read the file once more for what those lines say.
        shown = (
            "concat_ws(' ', ip, ident, remote_user, strftime(t, '[%d/%b/%Y:%H:%M:%S'), zone, "
            "'\"' || request || '\"', status, body_bytes, '\"' || referer || '\"', '\"' || agent || '\"'"
            + (", '\"' || vhost || '\"', request_time)" if columns == len(ACCESS_COLUMNS) else ")")
        )
        con.execute(
            f"""
            insert into unparsed
            select {f.file_id}, null, '{NOT_IN_FORMAT}', {shown}
            from {_access_reader(f.path, columns, rejects=False)} where not {ok} limit {EXAMPLES_PER_FILE}
            """
        )


def _usual(con: duckdb.DuckDBPyConnection, path: Path, columns: int) -> None:
    """`usual_agents` and `usual_requests`: the file's frequent values that no pattern matches."""
    con.execute(
        f"create or replace temp table usual_lines as "
        f"select agent, request from {_access_reader(path, columns, rejects=False)} limit {USUAL_SAMPLE}"
    )
    for table, column, pattern in (
        ("usual_agents", "agent", SCANNER_RE),
        ("usual_requests", "request", SUSPECT_RE),
    ):
        con.execute(
            f"""
            create or replace temp table {table} as
            select {column} as value from usual_lines where {column} is not null
            group by all having count(*) > 1 and not regexp_matches({column}, $pattern)
            order by count(*) desc limit {USUAL_VALUES}
            """,
            {"pattern": pattern},
        )
    con.execute("drop table usual_lines")


def _load_errors(con: duckdb.DuckDBPyConnection, f: LogFile) -> None:
    con.execute(
        f"""
        insert into errors
        select {f.file_id}, m.ts <> '', try_strptime(nullif(m.ts, ''), '%Y/%m/%d %H:%M:%S'), m.level,
            m.message, nullif(regexp_extract(m.message, 'client: ([^,]+)', 1), ''), line
        from (
            select line, regexp_extract(line, $re, ['ts', 'level', 'message']) as m
            from {LINE_READER.format(path=literal(f.path))}
            where line is not null
        )
        """,
        {"re": ERROR_RE},
    )


def _load_auth(con: duckdb.DuckDBPyConnection, f: LogFile) -> None:
    # Traditional syslog dates have no year: the year of the file's last write, or the one before
    # for a date that would otherwise lie after it (December lines read in January).
    written = (f.mtime or datetime.now()).replace(tzinfo=None)
    con.execute(
        f"""
        insert into auth
        with matched as (
            select line,
                regexp_extract(line, $re, ['classic', 'iso', 'host', 'program', 'pid', 'message']) as m
            from {LINE_READER.format(path=literal(f.path))}
            where line is not null
        ),
        dated as (
            select *,
                case when m.iso <> '' then make_timestamp(epoch_us(try_strptime(m.iso, [
                        '%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%fZ',
                        '%Y-%m-%dT%H:%M:%SZ'])))
                    else try_strptime(
                        $year || ' ' || regexp_replace(m.classic, ' +', ' '), '%Y %b %d %H:%M:%S')
                end as ts0
            from matched
        )
        select {f.file_id}, m.host <> '' and ts0 is not null,
            case when m.classic <> '' and ts0 > $written + interval 1 day
                then ts0 - interval 1 year else ts0 end,
            m.host, m.program, try_cast(nullif(m.pid, '') as integer), m.message, line
        from dated
        """,
        {"re": SYSLOG_RE, "year": str(written.year), "written": written},
    )


def _count(con: duckdb.DuckDBPyConnection, f: LogFile, table: str, since: datetime | None) -> None:
    """Count the file's lines, keep examples of what did not parse, keep only the period's lines."""
    period = {"id": f.file_id, "since": since.replace(tzinfo=None) if since else None}
    rejects = con.execute(
        """
        select e.line, lower(e.error_type), e.csv_line
        from reject_errors e join reject_scans s using (scan_id, file_id)
        where s.file_path = $path
        qualify row_number() over (partition by s.scan_id, e.line order by e.column_idx) = 1
        order by e.line
        """,
        {"path": str(f.path)},
    ).fetchall()
    lines, parsed, bad, before = con.execute(
        f"""
        select count(*), count(*) filter (ok and ($since is null or ts >= $since)),
            count(*) filter (not ok), count(*) filter (ok and ts < $since)
        from {table} where file_id = $id
        """,
        period,
    ).fetchone()
    f.stats = {
        "lines": lines + len(rejects),
        "parsed": parsed,
        "unparseable": bad + len(rejects),
        "before_period": before,
    }
    con.execute(
        "update files set lines = $lines, parsed = $parsed, unparseable = $unparseable, "
        "before_period = $before_period where file_id = $id",
        {**f.stats, "id": f.file_id},
    )
    examples = [
        (f.file_id, n, f"the reader rejected it ({kind})", text.lstrip("\r\n")) for n, kind, text in rejects
    ]
    if examples:
        con.executemany("insert into unparsed values (?, ?, ?, ?)", examples[:EXAMPLES_PER_FILE])
    con.execute(
        f"""
        insert into unparsed
        select file_id, null, '{NOT_IN_FORMAT}', shown from {table}
        where file_id = $id and not ok and shown is not null limit {EXAMPLES_PER_FILE}
        """,
        {"id": f.file_id},
    )
    con.execute(
        f"delete from {table} where file_id = $id and (not ok or ts < $since)",
        period,
    )
    # Free what the rejects held: the next file's scan starts empty.
    con.execute("delete from reject_errors")
    con.execute("delete from reject_scans")


def served_requests(con: duckdb.DuckDBPyConnection, addresses: list[str]) -> list[tuple]:
    """(file_id, ip, request, status) of requests answered 2xx/3xx to these addresses.

    The access table does not keep ordinary requests; when a rule needs them (what was served to
    an address on no allowlist, which is rare), the access logs are read once more for them.
    """
    rows: list[tuple] = []
    for file_id, path, fields in con.execute(
        "select file_id, path, fields from files where kind = 'access' and fields is not null"
    ).fetchall():
        rows += con.execute(
            f"""
            select {file_id}, ip, request, status from {_access_reader(Path(path), fields, rejects=False)}
            where status between 200 and 399 and ip in (select unnest($ips::varchar[]))
            """,
            {"ips": addresses},
        ).fetchall()
    return rows
