"""Awkward delivery files, made byte by byte by the tests: what clients really send.

Each writer makes one file in a folder and returns its path. CORPUS lists them with what
`scv profile` must do: give a report (and what the report must say), or one line of error.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

PEOPLE = [
    ("1", "Dr", "Jane", "Smith", "jane.smith@uni.example", "London"),
    ("2", "Ms", "Zoë", "Müller", "zoe@x.example", "Köln"),
    ("3", "Mr", "José", "García", "jose@y.example", "Köln"),
    ("4", "Mr", "Bob", "Jones", "bob@mail.example", "Köln"),
    ("5", "Prof", "Ann", "Lee", "ann@lee.example", "Köln"),
    ("6", "Mrs", "Søren", "Ødegård", "soren@z.example", "Köln"),
]
HEADER = ["id", "title", "first_name", "last_name", "email", "city"]


def _csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def people_csv(delimiter: str = ",", newline: str = "\n") -> str:
    return _csv_text([HEADER, *map(list, PEOPLE)], delimiter, newline)


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def two_sheets(folder: Path) -> Path:
    book = openpyxl.Workbook()
    members = book.active
    members.title = "Members"
    members.append(["member_no", "forename", "surname", "email", "joined"])
    for i, (_, _, first, last, email, _) in enumerate(PEOPLE):
        members.append([f"M{i}", first, last, email, f"2024-0{i + 1}-01"])
    notes = book.create_sheet("Notes")
    notes.append(["note", "author"])
    notes.append(["Exported from the society's CRM", "data team"])
    book.create_sheet("Blank")
    path = folder / "two_sheets.xlsx"
    book.save(path)
    return path


def parquet(folder: Path) -> Path:
    table = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "email": ["a@b.example", None, "c@d.example"],
                      "joined": pa.array([19000, 19001, 19002], pa.date32())})  # fmt: skip
    path = folder / "table.parquet"
    pq.write_table(table, path)
    return path


def truncated_gzip(folder: Path) -> Path:
    packed = gzip.compress(people_csv().encode() * 200)
    return write(folder, "truncated.csv.gz", packed[: len(packed) // 2])


def zip_archive(folder: Path) -> Path:
    path = folder / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("people.csv", people_csv())
    return path


def late_latin1(folder: Path) -> Path:
    """A megabyte and more of plain ASCII, then one latin-1 'é': the head alone says UTF-8."""
    rows = [["id", "city"], *[[str(i), "Paris"] for i in range(120_000)], ["120000", "Orl\xe9ans"]]
    return write(folder, "late_latin1.csv", _csv_text(rows).encode("latin-1"))


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], Path]
    error: str | None = None  # the one-line error it must give; None: it must get a report


CORPUS = [
    Case("empty", lambda d: write(d, "empty.csv", b""), error="empty.csv: the file is empty (0 bytes)"),
    Case("header only", lambda d: write(d, "header_only.csv", "id,name,email\n")),
    Case("utf-8 with BOM", lambda d: write(d, "bom.csv", codecs.BOM_UTF8 + people_csv().encode())),
    Case("latin-1 accents", lambda d: write(d, "latin1.csv", people_csv(";").encode("latin-1"))),
    Case(
        "cp1252 smart quotes",
        lambda d: write(
            d, "cp1252.csv", "id,note\n1,\u201cquoted\u201d \u2013 \u20ac5\n2,O\u2019Brien\n".encode("cp1252")
        ),
    ),
    Case("utf-16 tab-separated", lambda d: write(d, "utf16.txt", people_csv("\t", "\r\n").encode("utf-16"))),
    Case(
        "ragged rows",
        lambda d: write(
            d,
            "ragged.csv",
            "id,name,email\n1,Ann,a@x.example\n2,Bob\n3,Cy,c@x.example\n4,Di,d@x.example,extra\n",
        ),
    ),
    Case(
        "newlines inside quotes",
        lambda d: write(
            d,
            "quoted_newlines.csv",
            'id,address,city\n1,"1 Road\nFlat 2",Leeds\n2,"3 Street",York\n3,"5 Lane\r\nUpper",Bath\n',
        ),
    ),
    Case(
        "duplicate header names",
        lambda d: write(d, "duplicate_headers.csv", "id,email,Email,\n1,a@x.example,b@x.example,z\n"),
    ),
    Case(
        "1,000 columns",
        lambda d: write(
            d,
            "wide.csv",
            _csv_text(
                [[f"c{i}" for i in range(1000)], *[[f"{r}-{i}" for i in range(1000)] for r in range(5)]]
            ),
        ),
    ),
    Case(
        "binary junk",
        lambda d: write(d, "junk.bin", random.Random(7).randbytes(5000)),
        error="junk.bin: binary data, not text",
    ),
    Case(
        "truncated gzip",
        truncated_gzip,
        error="truncated.csv.gz: truncated gzip: the compressed stream stops",
    ),
    Case("xlsx with two sheets", two_sheets),
    Case("pipe-separated", lambda d: write(d, "pipe.txt", people_csv("|"))),
    Case(
        "semicolons, decimal commas",
        lambda d: write(d, "decimal_comma.csv", "id;amount\n1;12,50\n2;9,99\n3;100,00\n"),
    ),
    Case(
        "ndjson with a bad line",
        lambda d: write(
            d,
            "records.ndjson",
            '{"id": 1, "email": "a@x.example"}\n{"id": 2, "email": null, "tags": ["x"]}\n{oops\n{"id": 4}\n',
        ),
    ),
    Case(
        "json array",
        lambda d: write(d, "records.json", json.dumps([{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bob"}])),
    ),
    Case("parquet", parquet),
    Case("gzip csv", lambda d: write(d, "people.csv.gz", gzip.compress(people_csv().encode()))),
    Case("no header", lambda d: write(d, "no_header.csv", _csv_text([list(p) for p in PEOPLE]))),
    Case("utf-8 head, latin-1 later", late_latin1),
    Case("unclosed quote", lambda d: write(d, "unclosed.csv", 'id,name\n1,Ann\n2,"Bob\n3,Cy\n')),
    Case("mixed line endings", lambda d: write(d, "mixed_endings.csv", "id,name\r\n1,Ann\n2,Bob\r\n")),
    Case(
        "whitespace only",
        lambda d: write(d, "blank.csv", "  \n\n   \n"),
        error="blank.csv: contains only whitespace",
    ),
    Case(
        "legacy xls",
        lambda d: write(d, "legacy.xls", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(500)),
        error="legacy.xls: a legacy Excel .xls workbook",
    ),
    Case("zip, not xlsx", zip_archive, error="archive.zip: a ZIP archive (people.csv), not an XLSX workbook"),
    Case(
        "damaged xlsx",
        lambda d: write(d, "damaged.xlsx", b"PK\x03\x04" + bytes(300)),
        error="damaged.xlsx: a damaged or truncated ZIP archive",
    ),
    Case(
        "utf-16 big-endian without BOM",
        lambda d: write(d, "utf16be.txt", people_csv().encode("utf-16-be")),
        error="utf16be.txt: looks like big-endian UTF-16 without a byte-order mark",
    ),
    Case(
        "one pretty-printed JSON object",
        lambda d: write(d, "object.json", json.dumps({"records": [{"id": 1}]}, indent=2)),
        error="object.json: line 1: one JSON object spread over several lines",
    ),
]
