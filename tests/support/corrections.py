"""A delivery on which the client's corrections change the outcome, for DuckDB and Spark alike.

- a chain: C001 and C002 share an email, C002 and C003 a phone, so the matcher joins all three;
  the client says C001 and C003 are two people (a father and son at one address);
- two records of one woman under her married and her maiden name with nothing in common the
  matcher can see (C010, C011); the client says they are one person;
- people no correction touches: a pair the matcher joins (C020, C021), people alone, and the
  other sources' records.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from support.deliveries import crm_row, write_delivery

ROWS = [
    crm_row("C001", "Jane", "Okonkwo", email="jane.ok@example.org", postcode="AB1 2CD"),
    crm_row("C002", "Jane", "Okonkwo", email="jane.ok@example.org", phone="07700 900111"),
    crm_row("C003", "Jane", "Okonkwo", email="j.okonkwo@other.example", phone="+44 7700 900111", postcode="ZZ9 9ZZ"),
    crm_row("C010", "Mary", "Fitzgerald", email="mary.fitz@example.net", postcode="L1 8JQ"),
    crm_row("C011", "Mary", "Adeyemi", email="m.adeyemi@college.example", postcode="M13 9PL"),
    crm_row("C020", "Ahmed", "Khan", email="ahmed.khan@example.com", phone="020 7946 0123"),
    crm_row("C021", "Ahmed", "Khan", email="ahmed.khan@example.com", postcode="E1 6AN"),
    crm_row("C030", "Tomasz", "Nowak", email="t.nowak@example.pl"),
    crm_row("C031", "Grace", "Hopper", email="grace@navy.example", postcode="SW1A 2AA"),
]  # fmt: skip

DIFFERENT = ("crm_contacts:C001", "crm_contacts:C003")
SAME = ("crm_contacts:C010", "crm_contacts:C011")
STALE = ("crm_contacts:C999", "crm_contacts:C030")  # C999 is not delivered
TOUCHED = {"C001", "C002", "C003", "C010", "C011"}

CORRECTIONS_YML = f"""\
corrections:
  - different: [{DIFFERENT[0]}, {DIFFERENT[1]}]
    who: Data Team (demo)
    why: Father and son at one address, sharing a phone.
    asked_on: 2026-11-20
  - same: [{SAME[0]}, {SAME[1]}]
    who: Data Team (demo)
    why: Mary Adeyemi is Mary Fitzgerald's married name.
    asked_on: 2026-11-20
  - same: [{STALE[0]}, {STALE[1]}]
    who: Data Team (demo)
    why: A record the CRM has since deleted.
    asked_on: 2026-10-01
"""


def write(folder: Path) -> Path:
    return write_delivery(folder, crm_rows=ROWS)


def customer_of(build: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(build / "scv.duckdb"), read_only=True) as con:
        rows = con.execute("select source, source_record_id, customer_id from customer_sources").fetchall()
    return {(s, r): c for s, r, c in rows}


def record(ref: str) -> tuple[str, str]:
    source, record_id = ref.split(":", 1)
    return source, record_id


def assert_uncorrected(build: Path) -> dict[tuple[str, str], str]:
    """Without corrections the matcher joins the chain and keeps the two Marys apart."""
    was = customer_of(build)
    assert was[record(DIFFERENT[0])] == was[record(DIFFERENT[1])]
    assert was[record(SAME[0])] != was[record(SAME[1])]
    return was


def assert_corrected(was: dict[tuple[str, str], str], build: Path) -> None:
    """What a person checks after the corrections: the build they are in, against the one before."""
    now = customer_of(build)
    assert now[record(DIFFERENT[0])] != now[record(DIFFERENT[1])]
    assert now[record(SAME[0])] == now[record(SAME[1])]
    # The side of the split the id followed keeps it; C002 is tied to C001 by the stronger link.
    assert now["crm_contacts", "C001"] == now["crm_contacts", "C002"] == was["crm_contacts", "C001"]
    untouched = [key for key in was if not (key[0] == "crm_contacts" and key[1] in TOUCHED)]
    assert len(untouched) >= 8
    assert {key: now[key] for key in untouched} == {key: was[key] for key in untouched}

    meta = json.loads((build / "build.json").read_text())
    [stale] = [c for c in meta["checks"] if c["name"] == "corrections" and c["outcome"] == "warn"]
    assert "crm_contacts:C999 not in this delivery" in stale["detail"]
    assert "clients/demo/corrections.yml:" in stale["detail"]
    assert meta["verdict"] != "fail"
    with duckdb.connect(str(build / "scv.duckdb"), read_only=True) as con:
        effects = dict(
            con.execute("select kind || ' ' || record_id_l, effect from match_corrections").fetchall()
        )
    assert effects == {"different C001": "split", "same C010": "joined", "same C999": "stale"}
