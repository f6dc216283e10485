"""Compressed deliveries opened with limits: a gzip or a workbook (a ZIP archive) may not unpack
to more than SCV_MAX_UNPACKED_BYTES (default 20 GiB) nor more than SCV_MAX_UNPACK_RATIO (default
200) times its own size, so a small file built to expand without end (a "zip bomb") stops with a
one-line error instead of filling the disk or the memory of the builder or of a CI runner.

Real deliveries stay far below both: CSV compresses 5-15 times, a workbook's XML 10-40 times. A
small file may always unpack to 16 MiB, whatever its ratio.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from pathlib import Path

from scv.core.errors import ScvError, display_path

FLOOR = 16 << 20


def limits() -> tuple[int, float]:
    """(most bytes, highest ratio) a compressed delivery may unpack to."""
    try:
        size = int(os.environ.get("SCV_MAX_UNPACKED_BYTES", 20 << 30))
        ratio = float(os.environ.get("SCV_MAX_UNPACK_RATIO", 200))
    except ValueError as exc:
        raise ScvError(f"SCV_MAX_UNPACKED_BYTES / SCV_MAX_UNPACK_RATIO: not a number ({exc})") from None
    return size, ratio


def allowed(compressed: int) -> int:
    """How many bytes `compressed` bytes may unpack to."""
    size, ratio = limits()
    return min(size, max(FLOOR, int(ratio * compressed)))


def _refuse(path: Path, unpacked: int, compressed: int) -> ScvError:
    size, ratio = limits()
    return ScvError(
        f"{display_path(path)}: unpacks to more than {unpacked:,} bytes from {compressed:,} (limits: "
        f"{size:,} bytes, {ratio:g} times the compressed size; SCV_MAX_UNPACKED_BYTES, "
        f"SCV_MAX_UNPACK_RATIO); refused as a possible decompression bomb"
    )


def gunzip(path: Path, target: Path) -> int:
    """path's content into target, within the limits; the bytes written. A truncated or
    damaged gzip is an error."""
    written = 0
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw) as src, target.open("wb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                # Against what has been read so far: a bomb stops at the first megabytes.
                if written > allowed(raw.tell()):
                    raise _refuse(path, written, raw.tell())
                dst.write(chunk)
    except EOFError:
        target.unlink(missing_ok=True)
        after = f" after {written:,} bytes of data" if written else ""
        raise ScvError(
            f"{display_path(path)}: truncated gzip: the compressed stream stops{after} before its end; "
            f"ask for the file again"
        ) from None
    except (gzip.BadGzipFile, zlib.error, OSError) as exc:
        target.unlink(missing_ok=True)
        raise ScvError(f"{display_path(path)}: damaged gzip after {written:,} bytes ({exc})") from None
    except ScvError:
        target.unlink(missing_ok=True)
        raise
    return written


def check_archive(path: Path) -> None:
    """A ZIP archive (an XLSX workbook) whose members would unpack beyond the limits is refused
    before anything reads it, by the sizes its directory declares."""
    compressed = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a readable archive: the reader says so in its own words
    if unpacked > allowed(compressed):
        raise _refuse(path, allowed(compressed), compressed)
