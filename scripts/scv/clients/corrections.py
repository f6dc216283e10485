"""The client's corrections to matching: clients/<client>/corrections.yml.

Each entry says two source records are the same person (`same`, a must-link) or are not
(`different`, a cannot-link), with who at the client asked, why and when. The file is in git,
reviewed like any change, and applied on every build (`raw.corrections`, read by the matching
models). `scv correction add` writes an entry; the records are named as the client's site names
them, `source:record_id`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb

from scv.clients.config import CORRECTIONS, RECORD, Client, Correction, load_client
from scv.core.errors import ScvError
from scv.core.yamlfile import YamlFile

HEADER = """\
# The client's corrections to matching, applied on every build (README: "Corrections").
# same: the two records are one person (must-link); different: they are not (cannot-link,
# which beats any score). Records are source:record_id, as the client's site names them.
# Add entries with `scv correction add CLIENT --same|--different RECORD RECORD --who … --why …`.
corrections:
"""

# raw.corrections: one row per entry, both records split into source and id.
COLUMNS = (
    "line integer, kind varchar, source_l varchar, record_id_l varchar, "
    "source_r varchar, record_id_r varchar, who varchar, why varchar, asked_on date, reference varchar"
)


def split(record: str) -> tuple[str, str]:
    """`crm_contacts:C123` -> ("crm_contacts", "C123"); the id may itself contain colons."""
    m = RECORD.match(record.strip())
    if not m:
        raise ScvError(f"{record!r} is not a record as source:record_id (e.g. crm_contacts:C123)")
    return m["source"], m["record_id"]


def load(con: duckdb.DuckDBPyConnection, client: Client) -> int:
    """raw.corrections for the build (empty when the client has none); returns the entries."""
    con.execute(f"create or replace table raw.corrections ({COLUMNS})")
    entries = client.corrections.corrections
    if not entries:
        return 0
    doc = YamlFile(client.folder / CORRECTIONS)
    rows = []
    for i, c in enumerate(entries):
        (source_l, id_l), (source_r, id_r) = (split(r) for r in c.records)
        line = doc.line_of(("corrections", i))
        rows.append((line, c.kind, source_l, id_l, source_r, id_r, c.who, c.why, c.asked_on, c.reference))
    con.executemany("insert into raw.corrections values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


@dataclass
class Added:
    path: str
    entry: Correction
    text: str


def add(
    name: str,
    kind: str,
    records: list[str],
    who: str,
    why: str,
    asked_on: date | None = None,
    reference: str | None = None,
) -> Added:
    """Append an entry to clients/<name>/corrections.yml (created when missing), for a PR.

    The entry is validated with the whole file before anything is written: the records must be
    of the client's sources, and the pair must not be in the file already (either way round)."""
    client = load_client(name)
    if kind not in ("same", "different"):
        raise ScvError(f"{kind!r}: a correction is --same or --different")
    if len(records) != 2:
        raise ScvError(f"--{kind} takes two records (source:record_id), got {len(records)}")
    sources = {s.name for s in client.config.sources}
    for record in records:
        source, _ = split(record)
        if source not in sources:
            raise ScvError(f"{record}: {source!r} is not a source of {name} ({', '.join(sorted(sources))})")
    entry = Correction.model_validate(
        {
            kind: [r.strip() for r in records],
            "who": who.strip(),
            "why": why.strip(),
            "asked_on": asked_on or date.today(),
            "reference": reference or None,
        }
    )
    for i, existing in enumerate(client.corrections.corrections):
        if set(existing.records) == set(entry.records):
            raise ScvError(
                f"clients/{name}/{CORRECTIONS}: corrections[{i}] already says {existing.kind}: "
                f"{' '.join(existing.records)} (edit or remove that entry instead)"
            )
    path = client.folder / CORRECTIONS
    original = path.read_text(encoding="utf-8") if path.exists() else None
    before = HEADER if original is None else original
    if not before.endswith("\n"):
        before += "\n"
    if "corrections: []" in before:  # an emptied file: the list starts again
        before = before.replace("corrections: []", "corrections:")
    text = _entry_yaml(entry)
    path.write_text(before + text, encoding="utf-8")
    try:
        load_client(name)  # the file as written validates, or it is put back as it was
    except ScvError:
        if original is None:
            path.unlink()
        else:
            path.write_text(original, encoding="utf-8")
        raise
    return Added(str(path), entry, text)


def _entry_yaml(entry: Correction) -> str:
    # JSON strings are YAML strings: quoting stays right whatever the client wrote.
    records = ", ".join(json.dumps(r, ensure_ascii=False) for r in entry.records)
    lines = [
        f"  - {entry.kind}: [{records}]",
        f"    who: {json.dumps(entry.who, ensure_ascii=False)}",
        f"    why: {json.dumps(entry.why, ensure_ascii=False)}",
        f"    asked_on: {entry.asked_on.isoformat()}",
    ]
    if entry.reference:
        lines.append(f"    reference: {json.dumps(entry.reference, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
