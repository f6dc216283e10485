"""SHA256SUMS: the checksum manifest of a build, in `sha256sum -c` format.

release.yml pins a build by the sha256 of this file, so what reaches a site is exactly what was checked.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MANIFEST = "SHA256SUMS"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_sha256sums(build_dir: Path) -> str:
    """Checksum every file under build_dir; return the sha256 of the manifest itself."""
    lines = [
        f"{file_sha256(path)}  {path.relative_to(build_dir).as_posix()}"
        for path in sorted(build_dir.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    ]
    manifest = build_dir / MANIFEST
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file_sha256(manifest)


def verify_sha256sums(build_dir: Path) -> list[str]:
    """Files whose checksum does not match, or that are missing; empty when the build is intact."""
    bad = []
    for line in (build_dir / MANIFEST).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = build_dir / name
        if not path.is_file() or file_sha256(path) != digest:
            bad.append(name)
    return bad
