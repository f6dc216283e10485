"""The client site: site/ in a build, the client's own window on their single customer view.

Static files, branded with the client's name, colour and logo (client.yml), on the same base
template as the report:

- index.html: the dashboard (figures drawn at build time, inline charts, downloads);
- search.html, person.html, segments.html: search, a person's joined-up record and the segment
  builder, which query the build's Parquet files (data/) in the browser with DuckDB-WASM;
- data/: the build's exports (hard links), the search index (data/search/<c>.parquet) and the id
  changes by their former id (data/customer_id_moves.parquet);
- pages/<name>.html: the client's own pages (clients/<client>/site/*.md), rendered at build time;
- assets/: the pages' scripts and, in assets/vendor/, the files they need from npm (DuckDB-WASM,
  apache-arrow, fflate), copied from node_modules (`make site-assets`): nothing from a CDN;
- build.json, served at /build.json for the uptime checks.

The folder is written beside the final one and swapped in, so a half-written site never exists.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from markupsafe import Markup

from scv import pages
from scv.build import store as builds
from scv.clients import Client
from scv.core import paths, spreadsheet
from scv.core.db import connect
from scv.core.errors import ScvError, display_path

# The tables a client downloads, in the order the page lists them.
DOWNLOADS = {
    "customers": "One row per person: the golden record.",
    "customer_sources": "Every record you sent us and the person it belongs to.",
}
# The build's exports the site's pages query in the browser (data/<table>.parquet).
DATA = (
    "customers",
    "customer_sources",
    "activities",
    "customer_activity",
    "customer_id_history",
    "match_explanations",
    "segment_members",
    "segment_changes",
)
# What the site needs from npm (package-lock.json), under node_modules: source -> assets/vendor/.
DUCKDB = "@duckdb/duckdb-wasm/dist/"
VENDOR = {
    DUCKDB + "duckdb-eh.wasm": "duckdb-eh.wasm",
    DUCKDB + "duckdb-mvp.wasm": "duckdb-mvp.wasm",
    DUCKDB + "duckdb-browser-eh.worker.js": "duckdb-browser-eh.worker.js",
    DUCKDB + "duckdb-browser-mvp.worker.js": "duckdb-browser-mvp.worker.js",
    "apache-arrow/Arrow.es2015.min.js": "arrow.js",
    "fflate/esm/browser.js": "fflate.js",
}
STATIC = Path(__file__).resolve().parents[1] / "pages" / "static"
GOLDEN_FIELDS = (
    "title", "first_name", "last_name", "email", "phone", "organisation", "address_line1", "city",
    "postcode", "country_code", "orcid", "birth_date", "customer_number",
)  # fmt: skip
DEFAULT_COLUMNS = ("customer_id", "first_name", "last_name", "email", "organisation", "country_code")
CHANGES_SHOWN = 50
# The files of the search index: a term's first character if a-z or 0-9, else "_" (search.js).
SEARCH_SHARDS = (*"abcdefghijklmnopqrstuvwxyz0123456789", "_")


def node_modules() -> Path:
    """npm's packages for the site, installed by `make site-assets` beside scv's own code."""
    if env := os.environ.get("SCV_NODE_MODULES"):
        return Path(env)
    return Path(__file__).resolve().parents[3] / "node_modules"


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
    has_data = _write_data(path / "exports", partial / "data")
    if has_data:
        _write_assets(partial / "assets")
    with _exports(partial / "data" if has_data else None) as con:
        # A build that failed before its exports has nothing for the client's pages to query:
        # its site (never published) has the dashboard only.
        client_pages = _client_pages(client, con) if has_data else []
        facets = _facets(con, client) if has_data else {}
    nav = [("index.html", "Dashboard")]
    if has_data:
        nav += [("search.html", "Search"), ("segments.html", "Segments")]
    nav += [(f"pages/{p['slug']}.html", p["title"]) for p in client_pages]
    site = {
        "client": client.name,
        "title": client.config.display_name,
        "build_id": meta["build_id"],
        "built_at": data["about"]["built_at"],
        "contact": _account_contact(client),
        "nav": nav,
    }
    common = {"title": client.config.display_name, "brand": brand, "site": site}
    pages.write(
        partial / "index.html", "site.html.j2", **common, s=data, downloads=downloads, root="",
        current="index.html", script=None,
    )  # fmt: skip
    if has_data:
        for name, template, script in (
            ("search.html", "site_search.html.j2", "search.js"),
            ("person.html", "site_person.html.j2", "person.js"),
        ):
            pages.write(partial / name, template, **common, root="", current=name, script=script)
        saved = _saved_segments(client, path, meta)
        pages.write(
            partial / "segments.html", "site_segments.html.j2",
            **{**common, "site": {**site, "everyone": facets["everyone"]}}, root="", current="segments.html",
            script="segments.js", facets=facets, **saved,
        )  # fmt: skip
    for page in client_pages:
        pages.write(
            partial / "pages" / f"{page['slug']}.html", "site_page.html.j2",
            **{**common, "title": f"{page['title']} · {client.config.display_name}"},
            root="../", current=f"pages/{page['slug']}.html", script=None, body=page["html"],
        )  # fmt: skip
    shutil.copy2(path / "build.json", partial / "build.json")
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    return final / "index.html"


def _account_contact(client: Client) -> dict | None:
    """Who a "Something wrong?" mail goes to: the contact whose role says account, else the first."""
    contacts = client.config.contacts
    chosen = next((c for c in contacts if "account" in c.role.lower()), contacts[0] if contacts else None)
    return {"name": chosen.name, "email": chosen.email} if chosen else None


def _write_data(exports: Path, out: Path) -> bool:
    """The exports the pages query, as data/*.parquet (hard links: the same bytes, no second copy),
    and the search index. False for a build without exports (dbt failed): no data pages then."""
    if not all((exports / f"{table}.parquet").is_file() for table in DATA):
        return False
    out.mkdir(parents=True)
    for table in DATA:
        source, target = exports / f"{table}.parquet", out / f"{table}.parquet"
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
    with connect() as con:
        _search_index(con, exports, out / "search")
        # The id changes found by the id they came from (the history is in customer_id order): a
        # person's page finds the ids merged into another or split off without reading it all.
        con.execute(
            f"copy (select * from read_parquet({_q(exports / 'customer_id_history.parquet')}) "
            "where previous_customer_id is not null order by previous_customer_id, build_id) "
            f"to {_q(out / 'customer_id_moves.parquet')} (format parquet, compression zstd)"
        )
    return True


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _search_index(con: duckdb.DuckDBPyConnection, exports: Path, target: Path) -> None:
    """data/search/<c>.parquet: one row per (term, customer), one file per first character of
    the term, sorted by term then name.

    Terms are lower case without accents: names (first, last, both orders), emails,
    organisations, postcodes without spaces and every identifier (record ids, customer numbers,
    ORCID iDs, phone numbers, the customer id). Each row carries what a result line shows.

    Why this shape: a page opens no index until a person types, then reads the footer of one
    small file (not one of a few hundred row groups); and since the rows are in the order the
    results are shown (exact term first, then longer terms, each by name), a prefix search takes
    the first rows of its range and stops, reading one row group however common the prefix.
    """
    records, customers = _q(exports / "customer_sources.parquet"), _q(exports / "customers.parquet")
    parts = [
        ("name", "first_name"),
        ("name", "last_name"),
        ("name", "concat_ws(' ', first_name, last_name)"),
        ("name", "concat_ws(' ', last_name, first_name)"),
        ("email", "email"),
        ("organisation", "organisation"),
        ("postcode", "replace(postcode, ' ', '')"),
        ("id", "source_record_id"),
        ("id", "customer_number"),
        ("id", "orcid"),
        ("id", "phone"),
        ("id", "customer_id"),
    ]
    terms = " union all ".join(
        f"select customer_id, '{kind}' as kind, {expr} as v from read_parquet({records})"
        for kind, expr in parts
    )
    target.mkdir(parents=True)
    con.execute(
        f"""
        create temp table search_terms as
        select case when regexp_matches(left(t.term, 1), '^[a-z0-9]$') then left(t.term, 1) else '_' end
                as shard,
            t.term, t.kind, t.customer_id,
            concat_ws(' ', c.first_name, c.last_name) as label,
            c.email, c.organisation, c.postcode, c.country_code, c.sources
        from (
            select distinct
                lower(strip_accents(trim(regexp_replace(v, '\\s+', ' ', 'g')))) as term, kind, customer_id
            from ({terms})
            where v is not null and trim(v) <> ''
        ) as t
        inner join read_parquet({customers}) as c using (customer_id)
        """
    )
    for shard in SEARCH_SHARDS:  # every one, empty or not: a page never asks for a missing file
        con.execute(
            f"""
            copy (
                select * exclude (shard) from search_terms where shard = '{shard}'
                order by term, label, customer_id
            ) to {_q(target / f"{shard}.parquet")} (format parquet, compression zstd, row_group_size 8192)
            """
        )
    con.execute("drop table search_terms")


def _write_assets(out: Path) -> None:
    """The pages' scripts, and from node_modules only the files they load (no CDN at any time)."""
    (out / "vendor").mkdir(parents=True)
    for script in sorted(STATIC.glob("*.js")):
        shutil.copy2(script, out / script.name)
    modules = node_modules()
    for source, name in VENDOR.items():
        if not (modules / source).is_file():
            raise ScvError(
                f"{display_path(modules / source)} is missing: `make site-assets` installs the site's npm"
                " packages"
            )
        shutil.copy2(modules / source, out / "vendor" / name)
    # DuckDB-WASM's module imports apache-arrow by its npm name, which a browser cannot resolve
    # without a bundler: the page loads arrow.js (its standalone build, global `Arrow`) first.
    module = (modules / DUCKDB / "duckdb-browser.mjs").read_text(encoding="utf-8")
    module, n = re.subn(r'import\*as (\w+) from"apache-arrow";', r"var \1=globalThis.Arrow;", module)
    if n == 0 or 'from"apache-arrow"' in module:
        raise ScvError(
            "the DuckDB-WASM module no longer imports apache-arrow as scv expects: check its version"
        )
    (out / "vendor" / "duckdb-browser.mjs").write_text(module, encoding="utf-8")
    # A gzip copy of each (nginx's gzip_static sends it to browsers that accept it): DuckDB's
    # 18 MB of WebAssembly travel as about 5 MB, compressed once here rather than per request.
    for file in sorted(out.rglob("*")):
        if file.suffix in (".js", ".mjs", ".wasm"):
            file.with_name(file.name + ".gz").write_bytes(gzip.compress(file.read_bytes(), 6, mtime=0))


class _exports:
    """A DuckDB connection with the tables the site's pages see: views on data/*.parquet."""

    def __init__(self, data: Path | None):
        self.data = data

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con = connect()
        if self.data is not None:
            for table in (*DATA, "search"):
                files = self.data / ("search/*.parquet" if table == "search" else f"{table}.parquet")
                self.con.execute(f"create view {table} as select * from read_parquet({_q(files)})")
        return self.con

    def __exit__(self, *exc) -> None:
        self.con.close()


def _facets(con: duckdb.DuckDBPyConnection, client: Client) -> dict:
    """The choices the segment builder offers, from this build's data."""
    columns = [r[0] for r in con.execute("select column_name from (describe customers)").fetchall()]
    seed = paths.repo_root() / "seeds" / "countries.csv"
    names = (
        dict(con.execute(f"select * from read_csv({_q(seed)}, all_varchar = true)").fetchall())
        if seed.is_file()
        else {}
    )
    return {
        "sources": [s.name for s in client.config.sources],
        "countries": [
            {"code": code, "name": names.get(code, code), "customers": n}
            for code, n in con.execute(
                "select country_code, count(*) from customers where country_code is not null "
                "group by 1 order by 2 desc, 1"
            ).fetchall()
        ],
        "activity_types": [
            r[0] for r in con.execute("select distinct activity_type from activities order by 1").fetchall()
        ],
        "descriptions": [
            r[0]
            for r in con.execute(
                "select description from activities where description is not null "
                "group by 1 order by count(*) desc, 1 limit 200"
            ).fetchall()
        ],
        # The builder's figures before any filter (segments.js asks the same of DuckDB-WASM after).
        "everyone": {
            "count": con.execute("select count(*) from customers").fetchone()[0],
            "by_country": [
                {"label": label, "n": n}
                for label, n in con.execute(
                    "select coalesce(country_code, 'Unknown'), count(*) from customers "
                    "group by 1 order by 2 desc, 1 limit 10"
                ).fetchall()
            ],
            "by_sources": [
                {"label": f"{k} source" + ("" if k == 1 else "s"), "n": n}
                for k, n in con.execute(
                    "select source_count, count(*) from customers group by 1 order by 1"
                ).fetchall()
            ],
        },
        "fields": [f for f in GOLDEN_FIELDS if f in columns],
        "columns": columns,
        "default_columns": [c for c in DEFAULT_COLUMNS if c in columns],
    }


def _saved_segments(client: Client, path: Path, meta: dict) -> dict:
    """Each saved segment with its count per build, its change since the previous build and who
    joined or left (the first few; the builder exports them all)."""
    history = builds.history(client.name, meta["build_id"])
    labels = builds.labels([m["build_id"] for m in history])
    changes: dict[str, list[dict]] = {}
    counts: dict[str, int] = {}
    target = path / "exports" / "segment_changes.parquet"
    if target.is_file():
        with connect() as con:
            rows = con.execute(
                "select segment, change, customer_id, concat_ws(' ', first_name, last_name) from "
                f"read_parquet({_q(target)}) order by segment, change, 4, customer_id"
            ).fetchall()
        for segment, change, customer_id, name in rows:
            counts[segment] = counts.get(segment, 0) + 1
            if len(changes.setdefault(segment, [])) < CHANGES_SHOWN:
                changes[segment].append({"change": change, "customer_id": customer_id, "name": name})
    segments = []
    for s in meta.get("segments", []):
        trend = [
            {
                "label": label,
                "customers": next(
                    (x["customers"] for x in m.get("segments", []) if x["name"] == s["name"]), None
                ),
            }
            for m, label in zip(history, labels, strict=True)
        ]
        shown = changes.get(s["name"], [])
        segments.append(
            {**s, "history": trend, "changes": shown, "more": counts.get(s["name"], 0) - len(shown)}
        )
    return {"segments": segments, "previous_label": labels[-2] if len(labels) > 1 else None}


# ```sql``` blocks of a client's page: a table; ```sql bar TITLE``` or ```sql line TITLE```: a chart.
FENCE = re.compile(r"^sql(?:\s+(bar|line))?(?:\s+(.*))?$")


def _client_pages(client: Client, con: duckdb.DuckDBPyConnection) -> list[dict]:
    """clients/<client>/site/*.md, rendered: markdown (no raw HTML) with SQL blocks run at build
    time on the tables the site queries, shown as tables or charts."""
    from markdown_it import MarkdownIt

    folder = client.folder / "site"
    out = []
    for source in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        text = source.read_text(encoding="utf-8")
        md = MarkdownIt("commonmark", {"html": False}).enable("table")
        default_fence = md.renderer.rules["fence"]

        def fence(tokens, idx, options, env, _source=source, _default=default_fence):
            token = tokens[idx]
            match = FENCE.match(token.info.strip())
            if not match:
                return _default(tokens, idx, options, env)
            line = token.map[0] + 1 if token.map else None
            return str(_sql_block(con, token.content, match[1], (match[2] or "").strip(), _source, line))

        md.renderer.rules["fence"] = fence
        heading = re.search(r"^#\s+(.+)$", text, re.M)
        out.append(
            {
                "slug": source.stem,
                "title": heading[1].strip() if heading else source.stem.replace("_", " ").capitalize(),
                "html": Markup(md.render(text)),
            }
        )
    return out


def _sql_block(con, sql: str, chart: str | None, title: str, source: Path, line: int | None) -> Markup:
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        where = f"{display_path(source)}:{line}" if line else display_path(source)
        raise ScvError(f"{where}: the SQL block fails: {str(exc).splitlines()[0]}") from None
    parts = []
    if chart == "bar" and len(columns) >= 2:
        parts.append(pages.bar_chart([(str(r[0]), r[1] or 0) for r in rows], title=title))
    elif chart == "line" and len(columns) >= 2:
        series = {c: [r[i] for r in rows] for i, c in enumerate(columns) if i}
        parts.append(pages.line_chart([str(r[0]) for r in rows], series, title=title))
    if title and not chart:
        parts.append(Markup("<h3>{}</h3>").format(title))
    body = "".join(
        Markup("<tr>{}</tr>").format(Markup("").join(Markup("<td>{}</td>").format(_cell(v)) for v in r))
        for r in rows
    )
    head = "".join(Markup('<th scope="col">{}</th>').format(c) for c in columns)
    table = Markup(
        '<div class="scroll"><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>'
    ).format(Markup(head), Markup(body))
    if chart:
        table = Markup("<details><summary>The figures</summary>{}</details>").format(table)
    parts.append(table)
    return Markup("").join(parts)


def _cell(v) -> str:
    if v is None:
        return ""
    return f"{v:,}" if isinstance(v, int) else str(v)


def _write_downloads(db: Path, out: Path) -> list[dict]:
    files = []
    if not db.is_file():
        return files
    with connect(db, read_only=True) as con:
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
        with connect(db, read_only=True) as con:
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
    with connect(now, read_only=True) as con:
        if not _has(con, "main", "customers"):
            return None  # dbt stopped before the marts (a failed build)
        return con.execute(
            "select count(*) from customers where customer_id not in "
            f"(select customer_id from read_parquet('{str(before).replace(chr(39), chr(39) * 2)}'))"
        ).fetchone()[0]
