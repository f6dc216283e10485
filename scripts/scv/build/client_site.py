"""The client site: site/ in a build, a static dashboard on the single customer view.

Branded with the client's name, colour and logo (client.yml), on the same base template as the
report. Everything is in the folder: the page with inline charts, the downloads (Parquet and
CSV) and a copy of build.json, served at /build.json for the uptime checks. The folder is
written beside the final one and swapped in, so a half-written site never exists.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from scv import pages
from scv.build import store as builds
from scv.clients import Client
from scv.core import spreadsheet

# The tables a client downloads, in the order the page lists them.
DOWNLOADS = {
    "customers": "One row per person: the golden record.",
    "customer_sources": "Every record you sent us and the person it belongs to.",
}


def write_site(client: Client, path: Path, meta: dict) -> Path:
    final = path / "site"
    partial = path / ".site.partial"
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "downloads").mkdir(parents=True)
    downloads = _write_downloads(path / "scv.duckdb", partial / "downloads")
    data = site_data(client, path, meta)
    branding = client.config.branding
    brand = {"colour": branding.colour, "name": client.config.display_name}
    if branding.logo:
        brand["logo_uri"] = pages.data_uri(client.folder / branding.logo)
    pages.write(
        partial / "index.html",
        "site.html.j2",
        title=client.config.display_name,
        brand=brand,
        s=data,
        downloads=downloads,
    )
    shutil.copy2(path / "build.json", partial / "build.json")
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    return final / "index.html"


def _write_downloads(db: Path, out: Path) -> list[dict]:
    files = []
    if not db.is_file():
        return files
    with duckdb.connect(str(db), read_only=True) as con:
        present = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        for table, about in DOWNLOADS.items():
            if table not in present:
                continue
            (rows,) = con.execute(f"select count(*) from {table}").fetchone()
            entry = {"table": table, "about": about, "rows": rows, "files": []}
            for fmt, options in (
                ("csv", "format csv, header true"),
                ("parquet", "format parquet, compression zstd"),
            ):
                target = out / f"{table}.{fmt}"
                if fmt == "csv":  # opened in a spreadsheet: formulas written as text
                    spreadsheet.write_csv(con, table, target)
                else:
                    con.execute(f"copy (select * from {table} order by all) to '{target}' ({options})")
                entry["files"].append(
                    {"name": target.name, "format": fmt.upper(), "bytes": target.stat().st_size}
                )
            files.append(entry)
    return files


def site_data(client: Client, path: Path, meta: dict) -> dict:
    """The dashboard's figures, from this build's customer view and the history of builds."""
    db = path / "scv.duckdb"
    data: dict = {
        "totals": {},
        "by_source": {},
        "overlap": [],
        "source_counts": {},
        "countries": {},
        "segments": {},
    }
    if db.is_file():
        with duckdb.connect(str(db), read_only=True) as con:
            tables = {
                r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
            }
            if {"customers", "customer_sources"} <= tables:
                data.update(_figures(con, tables))
    data["new_customers"] = _new_customers(client, path)
    history = builds.history(client.name, meta["build_id"])
    growth: list[dict] = []
    for m, label in zip(history, builds.labels([m["build_id"] for m in history]), strict=True):
        count, last = m.get("metrics", {}).get("customers"), growth[-1]["customers"] if growth else None
        change = count - last if count is not None and last is not None else None
        growth.append({"label": label, "customers": count, "change": change})
    data["growth"] = growth
    tz = ZoneInfo(client.config.timezone)
    data["about"] = {
        "build_id": meta["build_id"],
        "built_at": datetime.fromisoformat(meta["finished_at"])
        .astimezone(tz)
        .strftime("%A %d %B %Y, %H:%M %Z"),
        "inputs": meta.get("inputs", []),
        "model_version": meta.get("git_sha"),
        "verdict": meta.get("verdict"),
        "queries": meta.get("queries", []),  # questions for the client: a query build waits for them
        "checks": {
            o: sum(c["outcome"] == o for c in meta.get("checks", [])) for o in ("pass", "warn", "fail")
        },
    }
    data["fill_rates"] = {
        field.replace("_", " "): round(100 * rate, 1)
        for field, rate in meta.get("metrics", {}).get("fill_rates", {}).items()
    }
    data["rejected"] = [
        {"file": i["file"], "rows": i["rows"], "rejected": i["rejected_rows"]} for i in meta.get("inputs", [])
    ]
    return data


def _figures(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict:
    (customers,) = con.execute("select count(*) from customers").fetchone()
    (records,) = con.execute("select count(*) from customer_sources").fetchone()
    by_source = dict(
        con.execute(
            "select source, count(distinct customer_id) from customer_sources group by 1 order by 2 desc"
        ).fetchall()
    )
    per_customer = (
        "select customer_id, list(distinct source order by source) as sources "
        "from customer_sources group by 1"
    )
    source_counts = {
        f"{n} source" + ("s" if n > 1 else ""): c
        for n, c in con.execute(
            f"select len(sources), count(*) from ({per_customer}) group by 1 order by 1"
        ).fetchall()
    }
    combos = con.execute(
        f"select array_to_string(sources, ' + '), count(*) from ({per_customer}) where len(sources) > 1 "
        "group by 1 order by 2 desc, 1 limit 8"
    ).fetchall()
    # Country names from the reference seed where the golden record holds a code.
    columns = {r[0] for r in con.execute("select column_name from (describe customers)").fetchall()}
    country = next((f"c.{c}" for c in ("country_code", "country") if c in columns), "null")
    named = (
        f"left join reference.countries as r on upper({country}) = r.country_code"
        if _has(con, "reference", "countries")
        else "left join (select null as country_code, null as country_name) as r on false"
    )
    country_rows = con.execute(
        f"select coalesce(r.country_name, nullif(trim({country}), ''), 'Unknown') as name, count(*) as n "
        f"from customers as c {named} group by 1 order by 2 desc, 1"
    ).fetchall()
    countries = dict(country_rows[:10])
    if rest := sum(n for _, n in country_rows[10:]):
        countries["Other countries"] = rest
    # Segment: how a person reaches the client. An email at a free-mail provider is a personal
    # customer; any other domain is an organisation's (university, company, library).
    free_mail = (
        "select domain from reference.free_mail_domains"
        if _has(con, "reference", "free_mail_domains")
        else "select 'gmail.com' as domain"
    )
    segments = dict(
        con.execute(
            "select case when email is null or trim(email) = '' then 'No email address' "
            f"when lower(split_part(email, '@', 2)) in ({free_mail}) then 'Personal email' "
            "else 'Organisation email' end as segment, count(*) from customers group by 1 order by 2 desc"
        ).fetchall()
    )
    multi = sum(c for label, c in source_counts.items() if not label.startswith("1 "))
    return {
        "totals": {
            "customers": customers,
            "records": records,
            "sources": len(by_source),
            "multi_source": multi,
        },
        "by_source": by_source,
        "source_counts": source_counts,
        "overlap": [{"sources": s, "customers": n} for s, n in combos],
        "countries": countries,
        "segments": segments,
    }


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _new_customers(client: Client, path: Path) -> int | None:
    """People in this build who were not in the previous one (customer ids are stable)."""
    previous = builds.previous(client.name, path.name)
    if previous is None:
        return None
    before, now = previous / "exports" / "customers.parquet", path / "scv.duckdb"
    if not before.is_file() or not now.is_file():
        return None
    with duckdb.connect(str(now), read_only=True) as con:
        if not _has(con, "main", "customers"):
            return None  # dbt stopped before the marts (a failed build)
        return con.execute(
            "select count(*) from customers where customer_id not in "
            f"(select customer_id from read_parquet('{str(before).replace(chr(39), chr(39) * 2)}'))"
        ).fetchone()[0]
