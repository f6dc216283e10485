"""Load a client's delivery into DuckDB exactly as client.yml declares it.

Every file is checked against its declared encoding first (a mislabelled file stops the build
with the file and line, instead of loading mojibake), then read as text into raw.<source>.
Rows that do not parse go to raw.rejects with their line and reason and are counted: nothing
is dropped silently. Types are the staging models' job, so everything here stays VARCHAR.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
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
        files = sorted(p for p in inbox.glob(source.file) if p.is_file())
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
                done.append(_load_file(cursor, client, index, source, path, work, into))
            return done
        finally:
            cursor.close()

    # Two sources at a time: while one spends its time in Python (a workbook, JSON lines), DuckDB
    # parses another's CSV on the other core. The Python ones start first, as they take longest.
    started = sorted(deliveries, key=lambda d: (d[1].format == "csv", -sum(p.stat().st_size for p in d[2])))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {delivery[0]: pool.submit(load_source, *delivery) for delivery in started}
        return [info for index, _, _ in deliveries for info in futures[index].result()]


def _load_file(
    con, client: Client, index: int, source: Source, path: Path, work: Path, into: str
) -> LoadedFile:
    where = f"clients/{client.name}/client.yml sources[{index}]"
    sha, size = _sha256(path)
    info = LoadedFile(source.name, path.name, sha, size, source.encoding, source.format)
    if source.format == "csv":
        text, info.line_endings = as_utf8(path, source, work, where)
        info.columns = _csv_header(text, source)
        _require_columns(info.columns, source, path, where)
        _load_csv(con, text, source, path, into, info)
    elif source.format == "xlsx":
        _load_arrow(con, _read_xlsx(path, source, where), source, path, into, info)
    elif source.format == "ndjson":
        table, info.rejected_rows = _read_ndjson(con, path, source, where)
        _load_arrow(con, table, source, path, into, info)
    elif source.format == "parquet":
        con.execute(f"create or replace temp view _delivery as select * from read_parquet({literal(path)})")
        info.columns = [row[0] for row in con.execute("describe _delivery").fetchall()]
        _require_columns(info.columns, source, path, where)
        casts = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in info.columns)
        _insert(con, f"select {casts} from _delivery", source, path, into, info)
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
    crlf = lf = 0
    for text in _decoded(path, source.encoding, where):
        crlf += text.count("\r\n")
        lf += text.count("\n")
    endings = "none" if not lf else "crlf" if crlf == lf else "lf" if not crlf else "mixed"
    if source.encoding == "utf-8" and not head.startswith(UTF8_BOM) and endings != "mixed":
        return path, endings
    target = work / f"{source.name}-{path.name}.utf8"
    with target.open("w", encoding="utf-8", newline="") as dst:
        pending = ""  # a \r at the end of one chunk may pair with a \n at the start of the next
        for chunk in _decoded(path, source.encoding, where):
            text = pending + chunk
            pending = "\r" if text.endswith("\r") else ""
            dst.write(text[: len(text) - len(pending)].replace("\r\n", "\n"))
        dst.write(pending)
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


def _csv_header(path: Path, source: Source) -> list[str]:
    """The header row, read by us: the dialect is declared, so DuckDB need not guess it from
    rows that may be the very ones that are malformed."""
    with path.open(encoding="utf-8", newline="") as f:
        first = next(csv.reader(f, delimiter=source.delimiter, quotechar=source.quote), [])
    if not source.header:
        return [f"column{i}" for i in range(len(first))]
    names = [name.strip() for name in first]
    if not names or "" in names:
        raise ScvError(f"{display_path(path)}: line 1: the header row has an empty column name")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ScvError(
            f"{display_path(path)}: line 1: column(s) {', '.join(twice)} appear twice in the header"
        )
    return names


def csv_options(source: Source, columns: list[str]) -> str:
    quote, delim = literal(source.quote), literal(source.delimiter)
    types = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in columns)
    return (
        f"delim = {delim}, quote = {quote}, escape = {quote}, header = {str(source.header).lower()}, "
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


def _load_csv(con, text: Path, source: Source, path: Path, into: str, info: LoadedFile) -> None:
    con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
    relation = (
        f"select * from read_csv({literal(text)}, {csv_options(source, info.columns)}, "
        f"store_rejects = true, rejects_table = 'reject_errors', rejects_scan = 'reject_scans')"
    )
    _insert(con, relation, source, path, into, info)
    rejected = con.execute(
        # DuckDB records one error per bad field; a rejected row is one line, with its first error.
        "insert into raw.rejects select ?, ?, line, cast(error_type as varchar), column_name, error_message, "
        "csv_line from reject_errors qualify row_number() over (partition by line order by column_idx) = 1",
        [source.name, path.name],
    ).fetchone()
    info.rejected_rows += rejected[0] if rejected else 0


def _insert(con, relation: str, source: Source, path: Path, into: str, info: LoadedFile) -> None:
    """Rows with an empty key go to rejects too: they cannot be traced back to the client's system.
    They are few, so every row goes in first and those few move out after: one pass over the file."""
    table, file = f"raw.{source.name}", literal(path.name)
    ((loaded,),) = con.execute(f"{into} select *, {file} as _scv_file from ({relation})").fetchall()
    blank = f"_scv_file = {file} and coalesce(regexp_full_match({ident(source.key)}, '\\s*'), true)"
    ((empty,),) = con.execute(f"select count(*) from {table} where {blank}").fetchall()
    if empty:
        con.execute(
            f"insert into raw.rejects select ?, ?, null, 'EMPTY KEY', ?, 'the key column is empty', "
            f"cast(to_json(r) as varchar) from {table} as r where {blank}",
            [source.name, path.name, source.key],
        )
        con.execute(f"delete from {table} where {blank}")
    info.rows += loaded - empty
    info.rejected_rows += empty


def _load_arrow(con, table: pa.Table, source: Source, path: Path, into: str, info: LoadedFile) -> None:
    info.columns = table.column_names
    con.register("_arrow", table)
    try:
        _insert(con, "select * from _arrow", source, path, into, info)
    finally:
        con.unregister("_arrow")


def _read_xlsx(path: Path, source: Source, where: str) -> pa.Table:
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
    records = [row for row in rows[1:] if row.count("") + row.count(None) < len(row)]
    width = len(header)
    records = [row if len(row) >= width else [*row, *[None] * (width - len(row))] for row in records]
    # Column by column; cells beyond the header's last column (rows are at least as wide) are left out.
    columns = dict.fromkeys(header, ())
    columns.update(zip(header, zip(*records, strict=False), strict=False))
    if not header:
        return pa.table({})
    return pa.table({name: _text_column(values) for name, values in columns.items()})


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


def _read_ndjson(con, path: Path, source: Source, where: str) -> tuple[pa.Table, int]:
    records: list[dict] = []
    rejects: list[tuple] = []
    with path.open(encoding=source.encoding) as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                rejects.append((source.name, path.name, number, "INVALID JSON", None, str(exc), line[:1000]))
                continue
            records.append(
                {
                    k: None if v is None else (v if isinstance(v, str) else json.dumps(v))
                    for k, v in record.items()
                }
            )
    if rejects:
        con.executemany("insert into raw.rejects values (?, ?, ?, ?, ?, ?, ?)", rejects)
    names = list(dict.fromkeys(k for r in records for k in r))
    _require_columns(names, source, path, where)
    return pa.table({n: pa.array([r.get(n) for r in records], pa.string()) for n in names}), len(rejects)
