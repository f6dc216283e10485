"""The client's saved segments (clients/<client>/segments.yml), counted in every build.

Each segment's members go to exports/segment_members.parquet; who joined or left since the
previous build to exports/segment_changes.parquet; the counts to build.json (`segments`), so
that the history of a segment is the history of builds, like every other figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from scv.clients import SEGMENTS_FILE, Client, Segment, load_segments, segment_line
from scv.core.db import connect
from scv.core.errors import ScvError, display_path


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export(client: Client, build: Path, previous: Path | None) -> list[dict]:
    """Count every saved segment in the build's customer view; returns build.json's `segments`."""
    segments = load_segments(client.folder)
    exports = build / "exports"
    members, changes = exports / "segment_members.parquet", exports / "segment_changes.parquet"
    before = previous / "exports" / "segment_members.parquet" if previous else None
    before_customers = previous / "exports" / "customers.parquet" if previous else None
    # Segments the previous build counted too: only they have a "before" (a new one has none).
    counted_before = (
        {s["name"] for s in json.loads((previous / "build.json").read_text()).get("segments", [])}
        if previous is not None and before is not None and before.is_file()
        else set()
    )
    known = [s for s in segments if s.name in counted_before]
    with connect(build / "scv.duckdb", read_only=True) as con:
        con.execute("create temp table members (segment varchar, customer_id varchar)")
        for i, segment in enumerate(segments):
            try:
                con.execute(
                    f"insert into members select ?, customer_id from customers where ({segment.where})",
                    [segment.name],
                )
            except duckdb.Error as exc:
                line = segment_line(client.folder, i)
                where = f"{display_path(client.folder / SEGMENTS_FILE)}:{line}" if line else SEGMENTS_FILE
                first = str(exc).splitlines()[0]
                raise ScvError(f"{where}: segments[{i}].where ({segment.name}): {first}") from None
        con.execute(f"copy (select * from members order by all) to {_quote(members)} (format parquet)")
        con.execute(
            "create temp table previous_members as "
            + (
                f"select segment, customer_id from read_parquet({_quote(before)})"
                if counted_before
                else "select * from members where false"
            )
        )
        names = (
            f"select customer_id, first_name, last_name from read_parquet({_quote(before_customers)})"
            if before_customers is not None and before_customers.is_file()
            else "select customer_id, first_name, last_name from customers where false"
        )
        con.execute(
            f"""
            copy (
                select j.segment, 'joined' as change, j.customer_id, c.first_name, c.last_name
                from (select * from members except select * from previous_members) as j
                left join customers as c using (customer_id)
                where j.segment in ({_names(known)})
                union all
                select l.segment, 'left' as change, l.customer_id,
                    coalesce(c.first_name, p.first_name), coalesce(c.last_name, p.last_name)
                from (select * from previous_members except select * from members) as l
                left join customers as c using (customer_id)
                left join ({names}) as p using (customer_id)
                where l.segment in ({_names(known)})
                order by 1, 2, 3
            ) to {_quote(changes)} (format parquet)
            """
        )
        counts = dict(con.execute("select segment, count(*) from members group by 1").fetchall())
        previous_counts = dict(
            con.execute("select segment, count(*) from previous_members group by 1").fetchall()
        )
        moves = {
            (s, c): n
            for s, c, n in con.execute(
                f"select segment, change, count(*) from read_parquet({_quote(changes)}) group by 1, 2"
            ).fetchall()
        }
    out = []
    for segment in segments:
        # A segment new in segments.yml has no "before": joined and left are unknown, not everyone.
        was = segment in known
        out.append(
            {
                "name": segment.name,
                "title": segment.title,
                "description": segment.description,
                "where": segment.where,
                "customers": counts.get(segment.name, 0),
                "previous_customers": previous_counts.get(segment.name, 0) if was else None,
                "joined": moves.get((segment.name, "joined"), 0) if was else None,
                "left": moves.get((segment.name, "left"), 0) if was else None,
            }
        )
    return out


def _names(segments: list[Segment]) -> str:
    return ", ".join("'" + s.name.replace("'", "''") + "'" for s in segments) or "null"
