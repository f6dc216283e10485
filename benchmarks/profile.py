"""`make bench-profile`: profile a 10-million-row, ~1 GB CSV; print seconds and peak memory.

The file is synthetic contact data made by DuckDB under SCV_HOME/bench/profile/ (never in git) and
kept between runs. `scv profile` runs as its own process, exactly as a person would run it, so
the peak is that process's resident memory and nothing of the generator's.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from scv.core import paths

TARGET_SECONDS = 30
TARGET_PEAK_GIB = 4
FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "Zoë",
    "Søren",
    "José",
    "Ann",
    "Mohammed",
    "Wei",
    "Olga",
    "Priya",
]
LAST = [
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Taylor",
    "Davies",
    "Müller",
    "García",
    "O'Brien",
    "Nguyen",
    "Kowalski",
    "Evans",
    "Thomas",
    "Roberts",
    "Johnson",
    "Lee",
]
CITIES = [
    "London",
    "Manchester",
    "Leeds",
    "Glasgow",
    "Köln",
    "Paris",
    "Dublin",
    "Cardiff",
    "Bristol",
    "Oxford",
]


def generate(path: Path, rows: int) -> None:
    """A contact export of `rows` rows, deterministic, with the mess the profile should find:
    2% broken emails, a few formula cells, stray spaces and duplicate ids."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute("create macro pick(i, k, n) as (hash(i, k) % n)::bigint")
        con.execute(
            f"""
            copy (
              select
                'C' || lpad((case when pick(i, 0, 100000) = 0 then i else i + 1 end)::varchar, 8, '0')
                    as customer_id,
                (['Dr', 'Mr', 'Ms', 'Mrs', 'Prof', ''])[1 + pick(i, 1, 6)] as title,
                (case when pick(i, 14, 10000) = 0 then ' ' else '' end)
                    || ($1::varchar[])[1 + pick(i, 2, {len(FIRST)})] as first_name,
                ($2::varchar[])[1 + pick(i, 3, {len(LAST)})] as last_name,
                case when pick(i, 4, 50) = 0 then 'not-an-email'
                     else lower(($1::varchar[])[1 + pick(i, 2, {len(FIRST)})]) || '.' || pick(i, 5, 100000)
                          || '@ex.org' end as email,
                '020 ' || lpad(pick(i, 6, 10000)::varchar, 4, '0') || ' '
                    || lpad(pick(i, 7, 10000)::varchar, 4, '0')
                    as phone,
                (['SW1A 1AA', 'M1 1AE', 'LS1 4AP', 'G1 1XQ', 'CF10 1EP', 'OX1 2JD', 'BS1 5TR', 'N/A'])
                    [1 + pick(i, 8, 8)]
                    as postcode,
                ($3::varchar[])[1 + pick(i, 9, {len(CITIES)})] as city,
                (['UK', 'GB', 'United Kingdom', 'DE', 'FR', 'IE'])[1 + pick(i, 10, 6)] as country,
                strftime(date '1940-01-01' + pick(i, 11, 25000)::int, '%Y-%m-%d') as date_of_birth,
                strftime(timestamp '2020-01-01' + to_seconds(pick(i, 12, 150000000)), '%Y-%m-%d %H:%M')
                    as updated_at,
                case when pick(i, 15, 1000000) = 0 then '=1+1'
                     else round(pick(i, 13, 100000) / 100.0, 2)::varchar end
                    as lifetime_value
              from range({rows}) t(i)
            ) to '{partial}' (header, delimiter ',')
            """,
            [FIRST, LAST, CITIES],
        )
    partial.rename(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    bench = paths.scv_home() / "bench" / "profile"
    data = bench / f"contacts-{args.rows}.csv"
    if not data.exists():
        print(f"Generating {args.rows:,} rows into {data} (once; kept for the next run)…", flush=True)
        clock = time.perf_counter()
        generate(data, args.rows)
        print(f"  generated in {time.perf_counter() - clock:.0f} s", flush=True)
    size = data.stat().st_size
    print(
        f"Profiling {data} ({size / 1e9:.2f} GB, {args.rows:,} rows) on {os.cpu_count()} cores…", flush=True
    )
    scv = Path(sys.executable).with_name("scv")
    clock = time.perf_counter()
    done = subprocess.run([str(scv), "profile", str(data), "--out", str(bench / "report")], check=False)
    seconds = time.perf_counter() - clock
    # ru_maxrss of the children is the largest resident set of any one child: the profile run
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 2**30
    verdict = "within" if seconds <= TARGET_SECONDS and peak_gib <= TARGET_PEAK_GIB else "OVER"
    print(
        f"bench-profile: {seconds:.1f} s wall, peak memory {peak_gib:.2f} GiB "
        f"({verdict} the target of {TARGET_SECONDS} s and {TARGET_PEAK_GIB} GiB)"
    )
    sys.exit(done.returncode or (0 if verdict == "within" else 1))


if __name__ == "__main__":
    main()
