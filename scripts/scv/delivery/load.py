"""Load a client's delivery into DuckDB exactly as client.yml declares it.

Every file is checked against its declared encoding first (a mislabelled file stops the build
with the file and line, instead of loading mojibake), then read as text into raw.<source>.
Rows that do not parse go to raw.rejects with their line and reason and are counted: nothing
is dropped silently. Types are the staging models' job, so everything here stays VARCHAR.

Every file is accounted for line by line: its data lines are the rows loaded (with the lines
their quoted values run over), the rows rejected and the blank lines, or the build stops naming
the file. Each loaded row keeps the line it starts on (`_scv_line`), so a finding about a value
can say where it is. A quote that is never closed does not swallow the rest of the file: its
line is rejected and the lines after it are read again.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from scv.clients import Client, Source
from scv.core.errors import ScvError, display_path
from scv.core.sql import ident, literal
from scv.delivery.workbook import cell_text, open_workbook, sheet_rows

CHUNK = 8 << 20
UTF8_BOM = codecs.BOM_UTF8


@dataclass
class LoadedFile:
    source: str
    file: str
    sha256: str
    bytes: int
    encoding: str
    format: str
    columns: list[str] = field(default_factory=list)
    line_endings: str | None = None
    rows: int = 0
    rejected_rows: int = 0
    # The accounting: data_lines (after the header) = rows + rejected_rows + continued_lines
    # (lines a quoted value of a loaded row runs over) + blank_lines. For a workbook or JSON
    # lines, a "line" is a row of the sheet or a line of the file.
    data_lines: int = 0
    continued_lines: int = 0
    blank_lines: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


REJECTS_DDL = """
create table if not exists raw.rejects (
    source varchar, file varchar, line bigint, error_type varchar,
    column_name varchar, error_message varchar, raw_line varchar
)
"""


def load_delivery(
    con: duckdb.DuckDBPyConnection, client: Client, inbox: Path, work: Path, advance=lambda description: None
) -> list[LoadedFile]:
    """Load every declared source from inbox into raw.*; return what was loaded, per file."""
    if not inbox.is_dir():
        raise ScvError(f"{display_path(inbox)}: no delivery folder for client {client.name}")
    con.execute("create schema if not exists raw")
    con.execute(REJECTS_DDL)
    work.mkdir(parents=True, exist_ok=True)
    deliveries = []
    for index, source in enumerate(client.config.sources):
        files = inbox_files(inbox, source.file)
        if not files:
            raise ScvError(
                f"{display_path(inbox)}: no file matches {source.file!r} for source {source.name} "
                f"(clients/{client.name}/client.yml sources[{index}].file)"
            )
        deliveries.append((index, source, files))

    def load_source(index: int, source: Source, files: list[Path]) -> list[LoadedFile]:
        cursor = con.cursor()  # a connection of its own: temp tables and registrations stay apart
        try:
            done = []
            for i, path in enumerate(files):
                advance(f"Loading {source.name} ({path.name})")
                into = (
                    f"create table raw.{source.name} as"
                    if i == 0
                    else f"insert into raw.{source.name} by name"
                )
                where = f"clients/{client.name}/client.yml sources[{index}]"
                done.append(_load_file(cursor, where, source, path, work, into, inbox))
            return done
        finally:
            cursor.close()

    # Two sources at a time: while one spends its time in Python (a workbook, JSON lines), DuckDB
    # parses another's CSV on the other core. The Python ones start first, as they take longest.
    started = sorted(deliveries, key=lambda d: (d[1].format == "csv", -sum(p.stat().st_size for p in d[2])))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {delivery[0]: pool.submit(load_source, *delivery) for delivery in started}
        return [info for index, _, _ in deliveries for info in futures[index].result()]


def inbox_files(inbox: Path, pattern: str) -> list[Path]:
    """The files of the delivery folder a client.yml `file` pattern names, in order."""
    if Path(pattern).is_absolute():
        raise ScvError(f"{pattern}: a file pattern is relative to the delivery folder {display_path(inbox)}")
    return sorted(p for p in inbox.glob(pattern) if _inside(inbox, p) and p.is_file())


def _inside(inbox: Path, path: Path) -> bool:
    """A delivered file is a plain file in the inbox. A symbolic link (in the file or any folder
    between it and the inbox) or a pattern leading out of the inbox is refused, not followed:
    whatever it points at is not what the client sent."""
    relative = Path(os.path.relpath(path, inbox))
    if relative.parts[:1] == ("..",):
        raise ScvError(f"{display_path(path)}: outside the delivery folder {display_path(inbox)}; refused")
    for depth in range(1, len(relative.parts) + 1):
        step = inbox.joinpath(*relative.parts[:depth])
        if step.is_symlink():
            raise ScvError(
                f"{display_path(step)}: a symbolic link (to {step.readlink()}); deliveries must be "
                f"plain files in the delivery folder, so it is refused"
            )
    return True


def _load_file(con, where: str, source: Source, path: Path, work: Path, into: str, inbox: Path) -> LoadedFile:
    """One delivered file into raw.<source>; `where` names its source in client.yml for messages."""
    sha, size = _sha256(path)
    name = path.relative_to(inbox).as_posix()
    info = LoadedFile(source.name, name, sha, size, source.encoding, source.format)
    if size == 0:
        raise ScvError(f"{display_path(path)}: the file is empty (0 bytes); ask for the file again")
    if source.format == "csv":
        text, info.line_endings = as_utf8(path, source, work, where)
        info.columns, header_lines = _csv_header(text, source, path)
        _require_columns(info.columns, source, path, where)
        _load_csv(con, text, source, path, into, info, header_lines)
    elif source.format == "xlsx":
        _load_arrow(con, _read_xlsx(path, source, where, info), source, path, into, info)
    elif source.format == "ndjson":
        _load_arrow(con, _read_ndjson(con, path, source, where, info), source, path, into, info)
    elif source.format == "parquet":
        con.execute(f"create or replace temp view _delivery as select * from read_parquet({literal(path)})")
        info.columns = [row[0] for row in con.execute("describe _delivery").fetchall()]
        _require_columns(info.columns, source, path, where)
        casts = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in info.columns)
        ((info.data_lines,),) = con.execute("select count(*) from _delivery").fetchall()
        _insert(
            con, f"select {casts}, row_number() over () as _scv_line from _delivery", source, path, into, info
        )
    if info.data_lines != info.rows + info.rejected_rows + info.continued_lines + info.blank_lines:
        raise ScvError(
            f"{display_path(path)}: the rows do not add up: {info.data_lines:,} data lines, "
            f"{info.rows:,} rows loaded ({info.continued_lines:,} more lines inside quoted values), "
            f"{info.rejected_rows:,} rejected, {info.blank_lines:,} blank; the build stops rather than "
            f"lose rows"
        )
    return info


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def as_utf8(path: Path, source: Source, work: Path, where: str) -> tuple[Path, str]:
    """The file as UTF-8 with one kind of line ending and no BOM, and which endings it had.

    The original is used as it is when it already qualifies; otherwise a normalised copy is made.
    Decoding is strict, so a file in another encoding than declared stops here with its line.
    """
    with path.open("rb") as f:
        head = f.read(4)
    if source.encoding == "utf-8" and head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise ScvError(
            f"{display_path(path)}: starts with a UTF-16 byte-order mark but {where}.encoding says utf-8"
        )
    if source.encoding in ("latin-1", "cp1252") and _is_utf8_with_non_ascii(path):
        raise ScvError(
            f"{display_path(path)}: is UTF-8 text but {where}.encoding says {source.encoding}; "
            f"loading it would garble every accented character"
        )
    crlf = lf = cr = 0
    for text in _decoded(path, source.encoding, where):
        crlf += text.count("\r\n")
        lf += text.count("\n")
        cr += text.count("\r")
    endings = "none" if not lf else "crlf" if crlf == lf else "lf" if not crlf else "mixed"
    if cr > crlf:  # a lone carriage return ends a line too (old Mac exports); DuckDB wants one kind
        endings = "cr" if not lf else "mixed"
    if source.encoding == "utf-8" and not head.startswith(UTF8_BOM) and endings in ("none", "lf", "crlf"):
        return path, endings
    target = work / f"{source.name}-{path.name}.utf8"
    with target.open("w", encoding="utf-8", newline="") as dst:
        pending = ""  # a \r at the end of one chunk may pair with a \n at the start of the next
        for chunk in _decoded(path, source.encoding, where):
            text = pending + chunk
            pending = "\r" if text.endswith("\r") else ""
            dst.write(text[: len(text) - len(pending)].replace("\r\n", "\n").replace("\r", "\n"))
        dst.write(pending.replace("\r", "\n"))
    return target, endings


def _decoded(path: Path, encoding: str, where: str) -> Iterator[str]:
    """The file's text in chunks, strictly decoded, without a leading UTF-8 BOM (which some
    export tools write even in front of latin-1)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    with path.open("rb") as f:
        first = True
        while chunk := f.read(CHUNK):
            if first and encoding != "utf-16":
                chunk = chunk.removeprefix(UTF8_BOM)
            first = False
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].decode(encoding, errors="replace").count("\n")
                byte = chunk[exc.start]
                hint = " (it looks like latin-1 or cp1252)" if encoding == "utf-8" and byte >= 0xA0 else ""
                raise ScvError(
                    f"{display_path(path)}: line {line}: byte 0x{byte:02x} is not valid {encoding} as "
                    f"{where}.encoding declares{hint}"
                ) from None
            except UnicodeError as exc:  # utf-16 without a byte-order mark
                raise ScvError(
                    f"{display_path(path)}: line 1: not valid {encoding} as {where}.encoding declares ({exc})"
                ) from None
            line += text.count("\n")
            yield text
        try:
            yield decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ScvError(f"{display_path(path)}: ends in the middle of a {encoding} character") from None


def _is_utf8_with_non_ascii(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    non_ascii = False
    with path.open("rb") as f:
        first = True
        while chunk := f.read(CHUNK):
            if first:
                chunk, first = chunk.removeprefix(UTF8_BOM), False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            non_ascii = non_ascii or not chunk.isascii()
    return non_ascii


def _csv_header(text: Path, source: Source, path: Path) -> tuple[list[str], int]:
    """The header row and how many lines it takes, read by us: the dialect is declared, so DuckDB
    need not guess it from rows that may be the very ones that are malformed."""
    with text.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=source.delimiter, quotechar=source.quote)
        try:
            first = next(reader, [])
        except csv.Error as exc:
            raise ScvError(f"{display_path(path)}: line 1: the header row is not readable ({exc})") from None
        lines = reader.line_num
    if not first or not "".join(first).strip():
        raise ScvError(f"{display_path(path)}: line 1 is blank: no header row, so no columns to read")
    if "\x00" in "".join(first):
        raise ScvError(f"{display_path(path)}: line 1: a NUL byte in the header row: not a text file")
    if not source.header:
        return [f"column{i}" for i in range(len(first))], 0
    names = [name.strip() for name in first]
    if "" in names:
        column = names.index("") + 1
        raise ScvError(
            f"{display_path(path)}: line 1: the header row has an empty column name (column {column})"
        )
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ScvError(
            f"{display_path(path)}: line 1: column(s) {', '.join(twice)} appear twice in the header"
        )
    return names, lines


def csv_options(source: Source, columns: list[str]) -> str:
    quote = source.quote.replace("'", "''")
    delim = source.delimiter.replace("'", "''")
    types = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in columns)
    return (
        f"delim = '{delim}', quote = '{quote}', escape = '{quote}', header = {str(source.header).lower()}, "
        f"columns = {{{types}}}, auto_detect = false, strict_mode = true, null_padding = false"
    )


def _require_columns(found: list[str], source: Source, path: Path, where: str) -> None:
    missing = [c for c in source.columns if c not in found]
    if missing:
        raise ScvError(
            f"{display_path(path)}: missing column(s) {', '.join(missing)} declared in {where}.columns "
            f"(found: {', '.join(found)})"
        )
    if source.key not in found:
        raise ScvError(f"{display_path(path)}: key column {source.key!r} ({where}.key) is not in the file")


def _load_csv(con, text: Path, source: Source, path: Path, into: str, info: LoadedFile, header: int) -> None:
    """The rows into raw.<source>, each with the line it starts on, and the rejects into raw.rejects.

    DuckDB reads the file (in parallel, fast) and numbers a rejected row by its record: a blank
    line counts, the lines of a quoted value do not. The loaded rows' lines are worked out from
    that, and most files need no work at all: no blank line, no reject, one line per row. When
    DuckDB's records and the file's lines do not tell the same story, which is what a quote left
    open does (DuckDB reads on to the end of the file inside it, or until some later quote), the
    file is read again line by line in Python (`_read_lines`), where such a quote rejects only its
    own line.
    """
    lines, has_blank = _line_counts(text)
    table, this = f"raw.{source.name}", f"_scv_file = {literal(info.file)}"
    con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
    try:
        # Straight into raw.<source>, numbered as if each row were one line after the header:
        # true of most files, and the walk below corrects the others.
        ((loaded,),) = con.execute(
            f"{into} select *, row_number() over () + {header} as _scv_line, {literal(info.file)} as "
            f"_scv_file from read_csv({literal(text)}, {csv_options(source, info.columns)}, "
            f"store_rejects = true, rejects_table = 'reject_errors', rejects_scan = 'reject_scans')"
        ).fetchall()
    except duckdb.Error:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
            [source.name],
        ).fetchone()[0]
        _read_lines(con, text, source, path, f"insert into {table} by name" if exists else into, info, header)
        return
    # DuckDB records one error per bad field; a rejected row is one record, with its first error.
    con.execute(
        "create or replace temp table _rejects as select line as record, cast(error_type as varchar) as "
        "error_type, column_name, error_message, trim(csv_line, chr(13) || chr(10)) as text from "
        "reject_errors qualify row_number() over (partition by line order by column_idx) = 1"
    )
    # How many lines each reject's text runs over: more than one is a quote left open.
    rejects = dict(con.execute(f"select record, 1 + {_line_breaks('text')} from _rejects").fetchall())
    placed = not rejects and not has_blank and loaded == lines - header
    if not placed:
        newlines = " + ".join(f"coalesce({_line_breaks(ident(c))}, 0)" for c in info.columns)
        extra = dict(
            con.execute(
                f"select _scv_line - {header}, n from (select _scv_line, {newlines} as n from {table} "
                f"where {this}) where n > 0"
            ).fetchall()
        )
        blank = _blank_lines(text) if has_blank else set()
        first = header + 1
        row_lines, reject_lines, blanks, end = _walk(
            first, 2 if header else 1, lines, loaded, extra, rejects, blank
        )
        placed = (
            len(row_lines) == loaded
            and len(reject_lines) == len(rejects)
            and end == lines + 1
            and all(span == 1 for span in rejects.values())
        )
        if not placed:
            con.execute(f"delete from {table} where {this}; drop table _rejects")
            _read_lines(con, text, source, path, f"insert into {table} by name", info, header)
            return
        info.continued_lines += sum(extra.values())
        info.blank_lines += blanks
        moved = [(row, line) for row, line in enumerate(row_lines, start=1) if line != row + header]
        con.register(
            "_row_lines",
            pa.table(
                {
                    "row": pa.array([m[0] for m in moved], pa.int64()),
                    "line": pa.array([m[1] for m in moved], pa.int64()),
                }
            ),
        )
        con.execute(
            f"update {table} set _scv_line = l.line from _row_lines as l "
            f"where {table}.{this} and {table}._scv_line = l.row + {header}"
        )
        con.unregister("_row_lines")
        con.register(
            "_reject_lines",
            pa.table(
                {
                    "record": pa.array(list(reject_lines), pa.int64()),
                    "line": pa.array(list(reject_lines.values()), pa.int64()),
                }
            ),
        )
        con.execute(
            "insert into raw.rejects select ?, ?, line, error_type, column_name, error_message, "
            "left(split_part(text, chr(10), 1), 10000) from _rejects join _reject_lines using (record)",
            [source.name, info.file],
        )
        con.unregister("_reject_lines")
        info.rejected_rows += len(rejects)
    con.execute("drop table _rejects")
    info.data_lines += lines - header
    _move_out(con, source, info, loaded)


def _read_lines(
    con, text: Path, source: Source, path: Path, into: str, info: LoadedFile, header: int
) -> None:
    """The file read line by line: a row is a line, or the lines a quoted value runs over. A line
    whose quote is never closed (no later line closes it) is rejected on its own, and reading
    goes on with the next line, so one stray quote costs one row and not the rest of the file."""
    quote, width = source.quote, len(info.columns)
    with text.open(encoding="utf-8", newline=None) as f:  # \r\n and a lone \r end a line, as in DuckDB
        lines = f.read().removeprefix("\ufeff").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    odd = [line.count(quote) % 2 == 1 for line in lines]
    # For each line, the next line after it that closes a quote it opens (an odd count), if any.
    closer: list[int | None] = [None] * len(lines)
    following = None
    for number in range(len(lines) - 1, -1, -1):
        closer[number] = following
        if odd[number]:
            following = number
    values: list[list[str | None]] = [[] for _ in range(width)]
    row_lines: list[int] = []
    rejects: list[tuple] = []
    blank = continued = 0
    i = header
    while i < len(lines):
        line, number = lines[i], i + 1
        if line == "":
            blank, i = blank + 1, i + 1
            continue
        last = i if not odd[i] else closer[i]
        if last is None:
            rejects.append(
                (number, "UNQUOTED VALUE", None, "a quote opened on this line is never closed", line)
            )
            i += 1
            continue
        record = "\n".join(lines[i : last + 1])
        try:
            fields = next(
                csv.reader(io.StringIO(record, newline=""), delimiter=source.delimiter, quotechar=quote)
            )
        except (csv.Error, StopIteration) as exc:
            rejects.append((number, "INVALID ROW", None, f"not readable as CSV ({exc})", line))
            i = last + 1
            continue
        if len(fields) != width:
            kind = "TOO MANY COLUMNS" if len(fields) > width else "MISSING COLUMNS"
            message = f"Expected Number of Columns: {width} Found: {len(fields)}"
            rejects.append((number, kind, None, message, line))
        else:
            for column, value in zip(values, fields, strict=True):
                column.append(value or None)
            row_lines.append(number)
            continued += last - i
        i = last + 1
    info.data_lines += len(lines) - header
    info.blank_lines += blank
    info.continued_lines += continued
    table = pa.table(
        {
            **{
                name: pa.array(column, pa.string()) for name, column in zip(info.columns, values, strict=True)
            },
            "_scv_line": pa.array(row_lines, pa.int64()),
        }
    )
    con.register("_arrow", table)
    try:
        _insert(con, "select * from _arrow", source, path, into, info)
    finally:
        con.unregister("_arrow")
    if rejects:
        con.executemany(
            "insert into raw.rejects values (?, ?, ?, ?, ?, ?, ?)",
            [
                (source.name, info.file, n, kind, column, message, raw[:10000])
                for n, kind, column, message, raw in rejects
            ],
        )
        info.rejected_rows += len(rejects)


def _line_breaks(expression: str) -> str:
    """SQL: how many line breaks a text holds, whichever kind (\\r\\n, \\n or a lone \\r)."""
    lf = f"replace(replace({expression}, chr(13) || chr(10), chr(10)), chr(13), chr(10))"
    return f"length({lf}) - length(replace({lf}, chr(10), ''))"


def _walk(
    line: int, record: int, last_line: int, rows: int, extra: dict, rejects: dict, blank: set
) -> tuple[list[int], dict[int, int], int, int]:
    """The line each row and each reject starts on, the blank lines and the line where the walk
    ended, from the records in the order DuckDB read them."""
    row_lines: list[int] = []
    reject_lines: dict[int, int] = {}
    blanks = row = 0
    while line <= last_line:
        if record in rejects:
            reject_lines[record] = line
            line += rejects[record]
        elif line in blank:
            blanks += 1
            line += 1
        elif row < rows:
            row += 1
            row_lines.append(line)
            line += 1 + extra.get(row, 0)
        else:
            break
        record += 1
    return row_lines, reject_lines, blanks, line


def _line_counts(text: Path) -> tuple[int, bool]:
    """Lines of the file as DuckDB counts them (\\n, \\r\\n or a lone \\r ends one) and whether
    any is empty, at memchr speed."""
    lines = 0
    blank = False
    tail = b"\n"  # the start of the file is the start of a line
    last = b""
    with text.open("rb") as f:
        while chunk := f.read(CHUNK):
            joined = tail + chunk
            lines += chunk.count(b"\n") + chunk.count(b"\r") - joined.count(b"\r\n") + tail.count(b"\r\n")
            blank = blank or b"\n\n" in joined or b"\r\r" in joined or b"\n\r\n" in joined
            tail, last = joined[-2:], chunk[-1:]
    if last and last not in b"\r\n":
        lines += 1
    return lines, blank


def _blank_lines(text: Path) -> set[int]:
    with text.open(encoding="utf-8", errors="replace", newline=None) as f:
        return {number for number, line in enumerate(f, start=1) if line == "\n"}


def _insert(con, relation: str, source: Source, path: Path, into: str, info: LoadedFile) -> None:
    """Rows with an empty key, and a header line repeated (two exports joined), go to rejects too:
    neither can be traced back to the client's system. They are few, so every row goes in first
    and those few move out after: one pass over the file."""
    ((loaded,),) = con.execute(
        f"{into} select *, {literal(info.file)} as _scv_file from ({relation})"
    ).fetchall()
    _move_out(con, source, info, loaded)


def _move_out(con, source: Source, info: LoadedFile, loaded: int) -> None:
    """The file's rows with an empty key or that repeat the header, from raw.<source> to rejects."""
    table, this = f"raw.{source.name}", f"_scv_file = {literal(info.file)}"
    key = f"coalesce(regexp_full_match({ident(source.key)}, '\\s*'), true)"
    header = " and ".join(f"trim({ident(c)}) = {literal(c)}" for c in info.columns) or "false"
    values = "struct_pack(" + ", ".join(f"{ident(c)} := {ident(c)}" for c in info.columns) + ")"
    moved = 0
    for error, message, where in (
        ("REPEATED HEADER", "the header line again (two exports joined?)", header),
        ("EMPTY KEY", "the key column is empty", key),
    ):
        ((count,),) = con.execute(f"select count(*) from {table} where {this} and {where}").fetchall()
        if count:
            con.execute(
                f"insert into raw.rejects select ?, ?, _scv_line, ?, ?, ?, "
                f"cast(to_json({values}) as varchar) from {table} where {this} and {where}",
                [source.name, info.file, error, source.key if error == "EMPTY KEY" else None, message],
            )
            con.execute(f"delete from {table} where {this} and {where}")
            moved += count
    info.rows += loaded - moved
    info.rejected_rows += moved


def _load_arrow(con, table: pa.Table, source: Source, path: Path, into: str, info: LoadedFile) -> None:
    info.columns = [c for c in table.column_names if c != "_scv_line"]
    con.register("_arrow", table)
    try:
        _insert(con, "select * from _arrow", source, path, into, info)
    finally:
        con.unregister("_arrow")


def _read_xlsx(path: Path, source: Source, where: str, info: LoadedFile) -> pa.Table:
    book = open_workbook(path)
    sheet_name = source.sheet or book.sheet_names[0]
    if sheet_name not in book.sheet_names:
        raise ScvError(
            f"{display_path(path)}: no sheet {sheet_name!r} ({where}.sheet); "
            f"sheets: {', '.join(book.sheet_names)}"
        )
    rows = sheet_rows(book, path, sheet_name)
    header = [str(v).strip() for v in rows[0]] if rows else []
    while header and header[-1] == "":
        header.pop()
    _require_columns(header, source, path, where)
    # Excel's formatted-but-empty rows are not records. (Counting in C: a workbook can have a
    # million cells, and this runs while another source loads on the other core.)
    numbers = [n for n, row in enumerate(rows[1:], start=2) if row.count("") + row.count(None) < len(row)]
    records = [rows[n - 1] for n in numbers]
    info.data_lines = max(len(rows) - 1, 0)
    info.blank_lines = info.data_lines - len(records)
    width = len(header)
    records = [row if len(row) >= width else [*row, *[None] * (width - len(row))] for row in records]
    # Column by column; cells beyond the header's last column (rows are at least as wide) are left out.
    columns = dict.fromkeys(header, ())
    columns.update(zip(header, zip(*records, strict=False), strict=False))
    if not header:
        return pa.table({})
    return pa.table(
        {
            **{name: _text_column(values) for name, values in columns.items()},
            "_scv_line": pa.array(numbers, pa.int64()),  # the sheet's row number, as Excel shows it
        }
    )


def _text_column(values: tuple) -> pa.Array:
    """A workbook column as text, written the way a person typed it (workbook.cell_text)."""
    kinds = set(map(type, values))
    if kinds <= {str}:  # the common case, without a call per cell
        return pa.array([v or None for v in values], pa.string())
    if bool in kinds:  # True == 1 == 1.0: no shared lookup below
        return pa.array([cell_text(v) for v in values], pa.string())
    # Dates and numbers repeat: each distinct value is written once.
    texts = {v: cell_text(v) for v in set(values)}
    return pa.array([texts[v] for v in values], pa.string())


def _read_ndjson(con, path: Path, source: Source, where: str, info: LoadedFile) -> pa.Table:
    records: list[dict] = []
    numbers: list[int] = []
    rejects: list[tuple] = []
    try:
        lines = path.read_text(encoding=source.encoding).removeprefix("\ufeff").splitlines()
    except UnicodeDecodeError as exc:
        raise ScvError(
            f"{display_path(path)}: byte 0x{exc.object[exc.start]:02x} at offset {exc.start:,} is not valid "
            f"{source.encoding} as {where}.encoding declares"
        ) from None
    if True:
        for number, line in enumerate(lines, start=1):
            info.data_lines += 1
            if not line.strip():
                info.blank_lines += 1
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                rejects.append((source.name, info.file, number, "INVALID JSON", None, str(exc), line[:1000]))
                continue
            numbers.append(number)
            records.append(
                {
                    k: None if v is None else (v if isinstance(v, str) else json.dumps(v))
                    for k, v in record.items()
                }
            )
    if rejects:
        con.executemany("insert into raw.rejects values (?, ?, ?, ?, ?, ?, ?)", rejects)
    info.rejected_rows += len(rejects)
    names = [n for n in dict.fromkeys(k for r in records for k in r) if n != "_scv_line"]
    _require_columns(names, source, path, where)
    return pa.table(
        {
            **{n: pa.array([r.get(n) for r in records], pa.string()) for n in names},
            "_scv_line": pa.array(numbers, pa.int64()),
        }
    )
