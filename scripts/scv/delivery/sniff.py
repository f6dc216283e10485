"""What a delivered file is, from its first bytes: format, encoding, delimiter, quoting, header.

Detection reads only the head of the file (a megabyte at most); everything after that is
DuckDB's job over the whole file. Each guess is something a person can check in the report and
override on the command line, so the rules stay simple and explainable rather than clever.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from scv.core.errors import ScvError, display_path

HEAD = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc): not something we read
PARQUET_MAGIC = b"PAR1"
# Bytes 0x80-0x9f that cp1252 leaves undefined: a file with these is not cp1252.
CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


@dataclass
class Sniffed:
    """The guesses about one file, in the words client.yml uses for a source."""

    format: str  # csv | xlsx | json | ndjson | parquet
    encoding: str | None = None  # utf-8 | latin-1 | cp1252 | utf-16 (text formats only)
    bom: bool = False
    delimiter: str | None = None
    quote: str | None = None
    header: bool | None = None
    notes: list[str] = field(default_factory=list)


def sniff_file(path: Path) -> Sniffed:
    """The format and, for text, encoding and dialect of an uncompressed file."""
    with path.open("rb") as f:
        head = f.read(HEAD)
    if not head:
        raise ScvError(f"{display_path(path)}: the file is empty (0 bytes): nothing to profile")
    if head.startswith(PARQUET_MAGIC):
        return Sniffed("parquet")
    if head.startswith(OLE_MAGIC):
        raise ScvError(
            f"{display_path(path)}: a legacy Excel .xls workbook (OLE2), which scv does not read; "
            f"ask for XLSX or CSV"
        )
    if head.startswith(ZIP_MAGIC):
        return Sniffed("xlsx") if _is_xlsx(path) else _zip_error(path)
    encoding, bom, text = sniff_encoding(head, path)
    _refuse_binary(text, path)
    stripped = text.lstrip()
    if not stripped:
        raise ScvError(f"{display_path(path)}: contains only whitespace: nothing to profile")
    sniffed = Sniffed("csv", encoding, bom)
    if stripped[0] in "[{":
        sniffed.format = _json_kind(stripped, path)
        return sniffed
    sniffed.delimiter, sniffed.quote = sniff_dialect(text)
    sniffed.header = looks_like_header(head_rows(text, sniffed.delimiter, sniffed.quote))
    return sniffed


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _zip_error(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        raise ScvError(f"{display_path(path)}: a damaged or truncated ZIP archive") from None
    shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
    raise ScvError(
        f"{display_path(path)}: a ZIP archive ({shown}), not an XLSX workbook; unzip it and profile the files"
    )


def sniff_encoding(head: bytes, path: Path) -> tuple[str, bool, str]:
    """(encoding, has a byte-order mark, the head as text) for the encodings client.yml allows."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", True, _decode_head(head[3:], "utf-8", path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True, _decode_head(head, "utf-16", path)
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) > len(sample) // 4:
        # ASCII text in UTF-16 has a zero in every other byte. Without a byte-order mark Python
        # (and the loader) read it little-endian, which is what Windows tools write.
        if sample[1::2].count(0) > len(sample) // 4:
            return "utf-16", False, _decode_head(head, "utf-16", path)
        raise ScvError(
            f"{display_path(path)}: looks like big-endian UTF-16 without a byte-order mark; "
            f"ask for UTF-8, or UTF-16 with a BOM"
        )
    try:
        return "utf-8", False, codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    # Not UTF-8. cp1252 is latin-1 plus printable characters in 0x80-0x9f (smart quotes, €):
    # those bytes decide; without them the two read the same and latin-1 is the plainer name.
    high = {b for b in head if 0x80 <= b <= 0x9F}
    encoding = "cp1252" if high and not high & CP1252_UNDEFINED else "latin-1"
    return encoding, False, head.decode(encoding)


def _decode_head(head: bytes, encoding: str, path: Path) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        line = head[: exc.start].count(b"\n") + 1
        raise ScvError(
            f"{display_path(path)}: line {line}: byte 0x{head[exc.start]:02x} is not valid {encoding} "
            f"although the file starts with a {encoding} byte-order mark"
        ) from None


def _refuse_binary(text: str, path: Path) -> None:
    """Text files have no NUL bytes and few control characters; anything else is not a delivery."""
    sample = text[:65536]
    if "\x00" in sample:
        offset = sample.index("\x00")
        raise ScvError(
            f"{display_path(path)}: binary data, not text (a NUL character at offset {offset}); "
            f"expected CSV, TSV, JSON, NDJSON, XLSX or Parquet"
        )
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    if controls > max(8, len(sample) // 100):
        raise ScvError(
            f"{display_path(path)}: binary data, not text ({controls} control characters in the first "
            f"{len(sample):,}); expected CSV, TSV, JSON, NDJSON, XLSX or Parquet"
        )


def _json_kind(text: str, path: Path) -> str:
    """An array of records, or one record per line. A file starting with '{' whose second
    non-blank line does not also start with '{' is one big object, which is not records."""
    if text[0] == "[":
        return "json"
    lines = [line.strip() for line in text.splitlines()[:50] if line.strip()]
    if len(lines) == 1 or lines[1].startswith("{"):
        return "ndjson"
    raise ScvError(
        f"{display_path(path)}: line 1: one JSON object spread over several lines, not records; "
        f"expected NDJSON (one object per line) or an array of objects"
    )


def head_rows(text: str, delimiter: str, quote: str, limit: int = 2000) -> list[list[str]]:
    """The complete rows of the head (the last line may be cut off, so it is dropped)."""
    if "\n" in text and len(text) >= HEAD // 2:
        text = text[: text.rindex("\n") + 1]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
    rows = []
    try:
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass  # a malformed line in the head: the rows before it still tell the dialect
    return rows


def sniff_dialect(text: str) -> tuple[str, str]:
    """The delimiter that splits the head's lines into the most consistent number of fields.

    Each candidate is scored by the share of rows that have its most common field count; a
    delimiter that never splits anything scores nothing. Ties go to the earlier candidate.
    """
    quote = "'" if text.count("'") > 2 * text.count('"') and re.search(r"(^|[,;\t|])'", text) else '"'
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in head_rows(text, delimiter, quote, limit=500)]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = (round(counts.count(modal) / len(counts), 2), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best, quote


_NUMBER = re.compile(r"\s*[+-]?(\d[\d,]*(\.\d*)?|\.\d+)\s*")
_DATE = re.compile(r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?\s*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NAME = re.compile(r"[^\W\d][\w .()#/'-]{0,59}", re.UNICODE)


def _is_data(value: str) -> bool:
    """A cell that could not be a column name: a number, a date, an email, or long text."""
    return bool(_NUMBER.fullmatch(value) or _DATE.fullmatch(value) or _EMAIL.search(value)) or len(value) > 60


def looks_like_header(rows: list[list[str]]) -> bool:
    """Is the first row names rather than data?

    No: any of its cells looks like data (a number, a date, an email). Yes: it
    sits over a column whose values do look like data, or all its cells are short words none of
    which occurs again below. When in doubt: yes, as nearly every delivery has a header, and the
    report shows the first row so a person can see which way it went (--no-header overrides).
    """
    if not rows:
        return True
    first, rest = rows[0], rows[1:201]
    cells = [c.strip() for c in first]
    if any(_is_data(c) for c in cells if c):
        return False
    for i, cell in enumerate(cells):
        below = [row[i].strip() for row in rest if i < len(row) and row[i].strip()]
        if below and cell and sum(map(_is_data, below)) >= len(below) / 2:
            return True
    if all(_NAME.fullmatch(c) for c in cells if c):
        return not any(cell and any(i < len(row) and row[i].strip() == cell for row in rest)
                       for i, cell in enumerate(cells))  # fmt: skip
    return True


def column_names(first_row: list[str], header: bool) -> tuple[list[str], list[str]]:
    """Usable, unique column names, and what had to be done to get them.

    Duplicate and empty header names are common in hand-made exports; the profile names them
    (email, email_2; column_7) and reports it instead of refusing the file.
    """
    if not header:
        # the loader's names for a file without a header, so a staging model written from a
        # profile reads the same columns a build loads
        return [f"column{i}" for i in range(len(first_row))], []
    notes: list[str] = []
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(first_row):
        name = raw.strip().replace("\x00", "")
        if not name:
            name = f"column{i + 1}"
            notes.append(f"column {i + 1} has no name in the header; called it {name}")
        if name.lower() in seen:
            count = seen[name.lower()]
            while f"{name}_{count + 1}".lower() in seen:
                count += 1
            renamed = f"{name}_{count + 1}"
            seen[name.lower()] = count + 1
            notes.append(f"header name {name!r} appears again in column {i + 1}; called it {renamed}")
            name = renamed
        seen[name.lower()] = seen.get(name.lower(), 1)
        names.append(name)
    return names, notes
