"""Compressed deliveries unpack within limits of size and ratio, in `scv profile` and the loader."""

from __future__ import annotations

import gzip
import zipfile

import duckdb
import pytest

from scv.core.errors import ScvError
from scv.delivery import unpack
from scv.delivery.workbook import open_workbook


def test_a_gzip_bomb_stops_profiling_at_the_ratio_limit_with_one_line(scv, repo, tmp_path):
    # 40 MB of zeros packs into some 40 kB: a thousand times its size, where a CSV packs 5-15.
    bomb = tmp_path / "contacts.csv.gz"
    with gzip.open(bomb, "wb") as f:
        for _ in range(40):
            f.write(b"\0" * (1 << 20))
    assert bomb.stat().st_size < 100_000

    result = scv("profile", bomb, "--out", tmp_path / "report")

    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "contacts.csv.gz: unpacks to more than" in lines[0], result.err
    assert "decompression bomb" in lines[0]
    assert not list((tmp_path / "report").glob("*"))  # nothing half-written is kept
    leftovers = [p for p in (repo / ".scv").rglob("contacts.csv*")] if (repo / ".scv").exists() else []
    assert all(p.stat().st_size < (16 << 20) for p in leftovers)


def test_a_gzip_over_the_size_limit_is_refused_and_an_ordinary_one_reads(scv, repo, tmp_path, monkeypatch):
    rows = "".join(f"C{i:05},person{i}@example.org\n" for i in range(20_000))
    packed = tmp_path / "people.csv.gz"
    packed.write_bytes(gzip.compress(("id,email\n" + rows).encode()))

    ok = scv("profile", packed, "--out", tmp_path / "ok")
    assert ok.code == 0, ok.err

    monkeypatch.setenv("SCV_MAX_UNPACKED_BYTES", "100000")
    refused = scv("profile", packed, "--out", tmp_path / "refused")
    assert refused.code == 2
    assert "people.csv.gz: unpacks to more than" in refused.err and "100,000 bytes" in refused.err


def test_a_workbook_that_unpacks_beyond_the_limits_is_refused_before_it_is_read(tmp_path):
    book = tmp_path / "subscriptions.xlsx"
    with zipfile.ZipFile(book, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (40 << 20))

    with pytest.raises(ScvError, match=r"subscriptions.xlsx: unpacks to more than .* decompression bomb"):
        open_workbook(book)


def test_the_limits_follow_the_compressed_size_with_a_floor():
    assert unpack.allowed(1_000) == unpack.FLOOR  # a small file may always unpack a little
    assert unpack.allowed(1 << 20) == 200 << 20  # 200 times its size
    assert unpack.allowed(1 << 40) == 20 << 30  # and never more than 20 GiB


def test_the_loader_reads_workbooks_through_the_same_limits(repo, tmp_path):
    from scv.clients.config import load_client
    from scv.delivery.load import load_delivery
    from support.deliveries import write_delivery

    inbox = write_delivery(tmp_path / "inbox")
    book = inbox / "subscriptions.xlsx"
    with zipfile.ZipFile(book, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.bin", b"\0" * (40 << 20))

    with duckdb.connect() as con, pytest.raises(ScvError, match=r"subscriptions.xlsx: unpacks to more than"):
        load_delivery(con, load_client("demo"), inbox, tmp_path / "work")
