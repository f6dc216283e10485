"""Read any delivered file into a DuckDB table of text columns, for profiling.

Everything stays VARCHAR, as in the loader: what the values *are* is what the profile is for.
Text files are decoded with the loader's own helpers (the same rules a build applies), and
DuckDB reads the whole file; rows that do not parse are counted with their line, never dropped.
An XLSX workbook gives one table per sheet with data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from scv.clients import Source
from scv.core.errors import ScvError, display_path
from scv.core.sql import ident, literal
from scv.delivery import unpack
from scv.delivery.load import as_utf8, csv_options
from scv.delivery.sniff import GZIP_MAGIC, column_names, head_rows, looks_like_header, sniff_file
from scv.delivery.workbook import cell_text, open_workbook, sheet_rows

TABLE = "data"
MAX_LINE = 64 << 20  # a quoted field may hold a whole letter; DuckDB's default is 2 MB a line


@dataclass
class Table:
    """One table of a delivery, as loaded into DuckDB table `data`, and how it was read."""

    file: Path
    name: str
    format: str
    bytes: int
    compression: str | None = None
    encoding: str | None = None
    bom: bool = False
    delimiter: str | None = None
    quote: str | None = None
    header: bool | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    line_endings: str | None = None
    columns: list[str] = field(default_factory=list)
    declared_types: dict[str, str] = field(default_factory=dict)
    first_row: list[str] = field(default_factory=list)
    rows: int = 0
    rejected_rows: int = 0
    rejects: list[dict] = field(default_factory=list)  # the first few: line, error, raw text
    notes: list[str] = field(default_factory=list)


def read_tables(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    work: Path,
    header: bool | None = None,
    sheet: str | None = None,
) -> Iterator[Table]:
    """Each table in the file, loaded into `data` in turn (replacing the previous one)."""
    if path.is_dir():
        raise ScvError(f"{display_path(path)}: a folder; name the files in it")
    if not path.is_file():
        raise ScvError(f"{display_path(path)}: no such file")
    size = path.stat().st_size
    delivered, compression = path, None
    with path.open("rb") as f:
        if f.read(2) == GZIP_MAGIC:
            path, compression = _gunzip(path, work), "gzip"
    sniffed = sniff_file(path)
    base = dict(
        file=delivered,
        format=sniffed.format,
        bytes=size,
        compression=compression,
        encoding=sniffed.encoding,
        bom=sniffed.bom,
    )
    try:
        if sniffed.format == "xlsx":
            yield from _read_xlsx(con, path, base, header, sheet)
            return
        table = Table(name=base["file"].name, **base)
        if sniffed.format == "parquet":
            _read_parquet(con, path, table)
        elif sniffed.format in ("json", "ndjson"):
            _read_json(con, _utf8(path, table, work), table)
        else:
            table.delimiter, table.quote = sniffed.delimiter, sniffed.quote
            table.header = sniffed.header if header is None else header
            _read_csv(con, path, table, work)
        yield table
    except duckdb.Error as exc:
        # DuckDB's messages run over many lines with hints for SQL users; the first one says it.
        first = str(exc).splitlines()[0].split(": ", 1)[-1]
        raise ScvError(f"{display_path(base['file'])}: {first}") from None


def _gunzip(path: Path, work: Path) -> Path:
    """The decompressed file in the work folder, within the unpacking limits (unpack.py)."""
    name = path.name.removesuffix(".gz").removesuffix(".gzip")
    target = work / (name if name != path.name else name + ".unzipped")
    work.mkdir(parents=True, exist_ok=True)
    if unpack.gunzip(path, target) == 0:
        raise ScvError(f"{display_path(path)}: the gzip holds an empty file: nothing to profile")
    return target


def _source(table: Table, columns: list[str] | None = None) -> Source:
    """The file described as a client.yml source: the loader's helpers take one."""
    return Source(
        name="profiled",
        file=table.file.name,
        format="csv",
        encoding=table.encoding or "utf-8",
        delimiter=table.delimiter or ",",
        quote=table.quote or '"',
        header=bool(table.header),
        key=(columns or ["-"])[0],
    )


def _utf8(path: Path, table: Table, work: Path) -> Path:
    """The file as UTF-8 text DuckDB can read; the original when it already is (no copy of a
    big file for nothing), else the loader's normalised copy."""
    if table.encoding == "utf-8" and not table.bom:
        table.line_endings = line_endings(path)
        if table.line_endings != "mixed":
            return path
    work.mkdir(parents=True, exist_ok=True)
    try:
        text, table.line_endings = as_utf8(path, _source(table), work, "the detected encoding")
    except ScvError:
        if table.encoding != "cp1252":
            raise
        # cp1252 was a guess from the head; a byte it leaves undefined further on means latin-1.
        table.notes.append("a byte further on is not cp1252: read as latin-1")
        table.encoding = "latin-1"
        text, table.line_endings = as_utf8(path, _source(table), work, "the detected encoding")
    return text


def line_endings(path: Path) -> str:
    """none | lf | crlf | cr | mixed, over the whole file at memchr speed.

    Nearly every file has no carriage return at all: one count of \\r settles it, and only a
    file with some pays for counting the rest.
    """
    with path.open("rb") as f:
        has_lf = b"\n" in f.read(1 << 20)
        f.seek(0)
        cr = sum(chunk.count(b"\r") for chunk in iter(lambda: f.read(8 << 20), b""))
    if not cr:
        return "lf" if has_lf else "none"
    crlf = lf = 0
    last = b""
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            if last == b"\r" and chunk.startswith(b"\n"):
                crlf += 1
            crlf += chunk.count(b"\r\n")
            lf += chunk.count(b"\n")
            last = chunk[-1:]
    kinds = [k for k, n in (("crlf", crlf), ("lf", lf - crlf), ("cr", cr - crlf)) if n]
    return kinds[0] if len(kinds) == 1 else "mixed"


def _read_csv(con, path: Path, table: Table, work: Path) -> None:
    text = _utf8(path, table, work)
    rows = head_rows(_head_text(text), table.delimiter or ",", table.quote or '"', limit=201)
    if table.header is None:
        table.header = looks_like_header(rows)
    table.first_row = rows[0] if rows else []
    table.columns, notes = column_names(table.first_row, bool(table.header))
    table.notes += notes
    if not table.columns:
        raise ScvError(f"{display_path(table.file)}: no columns found in the first row")
    _load_csv(con, text, table)
    invalid = [r for r in table.rejects if r["error"] == "INVALID ENCODING"]
    if invalid and table.encoding == "utf-8":
        # The head was UTF-8 but a later line is not: a file saved from two tools, or a cp1252
        # file whose first megabyte happened to be plain ASCII. Read it as cp1252; the mojibake
        # check then shows any UTF-8 lines that this garbles.
        table.notes.append(f"line {invalid[0]['line']} is not valid UTF-8: the file was read as cp1252")
        table.encoding, table.bom = "cp1252", False
        text = _utf8(path, table, work)
        _load_csv(con, text, table)


def _head_text(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(1 << 20).decode("utf-8", errors="replace")


def _load_csv(con, text: Path, table: Table) -> None:
    """The whole file into `data`. A clean file is read once, fast; one with malformed lines
    is read again keeping every rejected line (with its number and reason), which costs a
    third more and only files that need it pay it."""
    options = csv_options(_source(table, table.columns), table.columns)
    con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
    try:
        con.execute(
            f"create or replace table {TABLE} as select * from read_csv({literal(str(text))}, {options})"
        )
        table.rejected_rows, table.rejects = 0, []
    except duckdb.Error:
        con.execute(
            f"create or replace table {TABLE} as select * from read_csv({literal(str(text))}, {options}, "
            f"max_line_size = {MAX_LINE}, store_rejects = true, rejects_table = 'reject_errors', "
            f"rejects_scan = 'reject_scans')"
        )
        # DuckDB records one error per bad field; a rejected row is one line, with its first error.
        first_errors = (
            "select line, cast(error_type as varchar) as error, error_message, csv_line from reject_errors "
            "qualify row_number() over (partition by line order by column_idx) = 1"
        )
        table.rejected_rows = con.execute(f"select count(*) from ({first_errors})").fetchone()[0]
        table.rejects = [
            {"line": line, "error": error, "message": message.split("\n")[0], "raw": raw}
            for line, error, message, raw in con.execute(f"{first_errors} order by line limit 5").fetchall()
        ]
    table.rows = con.execute(f"select count(*) from {TABLE}").fetchone()[0]


def _read_json(con, text: Path, table: Table) -> None:
    if table.format == "json":
        con.execute(
            f"create or replace table {TABLE} as select cast(columns(*) as varchar) from "
            f"read_json({literal(str(text))}, format = 'array', records = true, sample_size = -1, "
            f"maximum_object_size = {MAX_LINE})"
        )
    else:
        _read_ndjson(con, text, table)
    table.columns = [row[0] for row in con.execute(f"describe {TABLE}").fetchall()]
    table.rows = con.execute(f"select count(*) from {TABLE}").fetchone()[0]


def _read_ndjson(con, text: Path, table: Table) -> None:
    """One record per line: every key of every line becomes a column (a key that only appears
    in line 900,000 is not lost to a sample), and a line that is not a JSON object is a reject."""
    con.execute(
        f"create or replace temp table _lines as select row_number() over () as line, "
        f"column0 as text from read_csv({literal(text)}, header = false, "
        f"columns = {{'column0': 'VARCHAR'}}, "
        f"quote = '', escape = '', delim = e'\\x1f', auto_detect = false, strict_mode = false, "
        f"max_line_size = {MAX_LINE})"
    )
    is_record = "coalesce(json_type(try_cast(text as json)) = 'OBJECT', false)"
    rejects = (
        f"select line, text from _lines where text is not null and trim(text) <> '' and not ({is_record})"
    )
    table.rejected_rows = con.execute(f"select count(*) from ({rejects})").fetchone()[0]
    table.rejects = [
        {"line": line, "error": "INVALID JSON RECORD", "message": "not a JSON object", "raw": raw}
        for line, raw in con.execute(f"{rejects} order by line limit 5").fetchall()
    ]
    keys = [
        k
        for (k,) in con.execute(
            f"select key from (select line, unnest(json_keys(text)) as key, "
            f"generate_subscripts(json_keys(text), 1) as pos from _lines where {is_record}) "
            f"group by key order by min(line), min(pos)"
        ).fetchall()
    ]
    if not keys:
        raise ScvError(f"{display_path(table.file)}: no JSON object with any key in the file")
    names, notes = column_names(keys, True)
    table.notes += notes
    columns = ", ".join(f"text->>{literal(k)} as {ident(n)}" for k, n in zip(keys, names, strict=True))
    con.execute(f"create or replace table {TABLE} as select {columns} from _lines where {is_record}")
    con.execute("drop table _lines")


def _read_parquet(con, path: Path, table: Table) -> None:
    relation = f"read_parquet({literal(str(path))})"
    table.declared_types = {n: t for n, t, *_ in con.execute(f"describe select * from {relation}").fetchall()}
    con.execute(f"create or replace table {TABLE} as select cast(columns(*) as varchar) from {relation}")
    table.columns = list(table.declared_types)
    table.rows = con.execute(f"select count(*) from {TABLE}").fetchone()[0]


def _read_xlsx(con, path: Path, base: dict, header: bool | None, sheet: str | None) -> Iterator[Table]:
    book = open_workbook(path)
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise ScvError(f"{display_path(path)}: no sheet {sheet!r}; sheets: {', '.join(names)}")
    found = False
    for name in [sheet] if sheet else names:
        rows = [
            [cell_text(v) for v in row]
            for row in sheet_rows(book, path, name)
            if any(v is not None and v != "" for v in row)
        ]
        if not rows:
            continue  # an empty sheet (notes, a cover page) is listed but not profiled
        found = True
        table = Table(name=f"{base['file'].name} › {name}", sheet=name, sheets=names, **base)
        _load_rows(con, rows, table, header)
        yield table
    if not found:
        raise ScvError(f"{display_path(path)}: every sheet is empty ({', '.join(names)})")


def _load_rows(con, rows: list[list[str | None]], table: Table, header: bool | None) -> None:
    width = max(len(r) - next((i for i, v in enumerate(reversed(r)) if v is not None), len(r)) for r in rows)
    text_rows = [[v or "" for v in r[:width]] for r in rows[:201]]
    table.header = looks_like_header(text_rows) if header is None else header
    table.first_row = text_rows[0]
    first = (table.first_row + [""] * width)[:width]
    table.columns, table.notes = column_names(first, table.header)
    data = rows[1:] if table.header else rows
    arrays = {
        name: pa.array([r[i] if i < len(r) else None for r in data], pa.string())
        for i, name in enumerate(table.columns)
    }
    con.register("_sheet", pa.table(arrays))
    try:
        con.execute(f"create or replace table {TABLE} as select * from _sheet")
    finally:
        con.unregister("_sheet")
    table.rows = len(data)
