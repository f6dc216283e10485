"""`make bench-match`: scv and Splink side by side on the same deliveries of the independent
generator (tests/support/linkage.py): one source with duplicates, two sources linked one to one,
three sources of different shapes, and the one-source delivery at about 1M records.

scv goes the way a new client does: `scv client new NAME --inbox DIR` (onboarding, timed apart),
then `scv build NAME` from the delivered files to customers. Splink (DuckDB backend) reads the
same files into one standardised table (the mapping a Splink user writes by hand for each
delivery), trains (prior from deterministic rules, u from random pairs, m by EM on two blocking
rules), predicts and clusters at 0.95. Each runs in its own process: wall seconds and the peak
memory of its process tree. Both are scored by `scv match-eval`'s pairwise measures.

    python -m benchmarks.match [--records 20000] [--large 1000000] [--kinds duplicates,linked,mixed]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.scv_build import tree_rss
from scv.build.match_eval import evaluate
from scv.core import paths
from support import linkage
from support.repo import copy_repo

console = Console(width=160)

# How a Splink user maps each delivery's files onto one table (DuckDB SQL over the files).
DATE = "coalesce(try_strptime({c}, '%Y%m%d'), try_strptime({c}, '%d/%m/%Y'), try_strptime({c}, '%d %b %Y'), try_cast({c} as date))"  # noqa: E501
MMDDYY = "try_strptime({c}, '%m/%d/%y')"
COLUMNS = (
    "first_name",
    "surname",
    "dob",
    "street_number",
    "street",
    "suburb",
    "postcode",
    "state",
    "national_id",
    "email",
    "phone",
    "membership",
)


def _select(source: str, key: str, **exprs: str) -> str:
    parts = [f"'{source}' as source", f"{key} as source_record_id", f"'{source}-' || {key} as unique_id"]
    for column in COLUMNS:
        value = exprs.get(column, "null")
        if column == "dob":
            parts.append(f"cast({value} as date) as dob")
        else:
            parts.append(f"nullif(lower(trim(cast({value} as varchar))), '') as {column}")
    return "select " + ", ".join(parts)


def splink_sql(kind: str, inbox: Path) -> str:
    read = "read_csv('{f}', all_varchar = true, header = true{o})"
    if kind == "duplicates":
        src = read.format(f=inbox / "people.csv", o="")
        return (
            _select(
                "people",
                "rec_id",
                first_name="given_name",
                surname="surname",
                dob=DATE.format(c="date_of_birth"),
                street_number="street_number",
                street="address_1",
                suburb="suburb",
                postcode="postcode",
                state="state",
                national_id="soc_sec_id",
            )
            + f" from {src}"
        )
    if kind == "linked":
        roll = read.format(f=inbox / "roll.csv", o="")
        registry = read.format(f=next((inbox / "registry").rglob("*.csv")), o=", delim = '\t'")
        return (
            _select(
                "roll",
                "voter_id",
                first_name="first_name",
                surname="last_name",
                dob=DATE.format(c="birth_date"),
                street_number="regexp_extract(residential_address, '^(\\d+)', 1)",
                street="regexp_replace(residential_address, '^\\d+\\s*', '')",
                suburb="locality",
                postcode="postcode",
                state="state",
                national_id="national_id",
                phone="phone",
            )
            + f" from {roll}"
            + " union all "
            + _select(
                "registry",
                "patient_id",
                first_name="given_names",
                surname="family_name",
                dob=MMDDYY.format(c="dob")
                + " - (case when "
                + MMDDYY.format(c="dob")
                + " > current_date then interval 100 year else interval 0 year end)",
                street_number="street_no",
                street="street_name",
                suburb="town",
                postcode="post_code",
                national_id="ssn",
            )
            + f" from {registry}"
        )
    crm = read.format(f=inbox / "crm_export.csv", o=", delim = ';'")
    members = read.format(f=inbox / "members.csv", o="")
    events = f"read_json('{next((inbox / 'events').rglob('*.ndjson'))}', format = 'newline_delimited')"
    first = (
        "case when contains(name, ',') then trim(split_part(name, ',', 2)) else split_part(name, ' ', 1) end"
    )
    last = "case when contains(name, ',') then trim(split_part(name, ',', 1)) else nullif(split_part(name, ' ', 2), '') end"  # noqa: E501
    return (
        _select(
            "crm_export",
            "customer_ref",
            first_name=first,
            surname=last,
            dob=DATE.format(c="date_of_birth"),
            street_number="regexp_extract(address, '^(\\d+)', 1)",
            street="regexp_replace(split_part(address, ',', 1), '^\\d+\\s*', '')",
            suburb="trim(split_part(address, ',', 2))",
            postcode="postcode",
            email="email",
            phone="telephone",
            membership="membership_number",
        )
        + f" from {crm}"
        + " union all "
        + _select(
            "members",
            "member_key",
            first_name="forename",
            surname="surname",
            dob=DATE.format(c="born"),
            street_number="house_number",
            street="street",
            suburb="suburb",
            state="state",
            postcode="postcode",
            email="email",
            membership="membership_no",
        )
        + f" from {members}"
        + " union all "
        + _select(
            "registrations",
            "registration",
            first_name="firstName",
            surname="lastName",
            email="emailAddress",
            phone="mobile",
        )
        + f" from {events}"
    )


def run_splink(kind: str, inbox: Path, out: Path) -> None:
    """Splink from the delivered files to clusters, written as customer_sources Parquet."""
    import duckdb
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    con = duckdb.connect()
    con.execute(f"create table people as {splink_sql(kind, inbox)}")
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("street", [0.9]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]).configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
            cl.DamerauLevenshteinAtThresholds("national_id", [1]),
            cl.EmailComparison("email"),
            cl.DamerauLevenshteinAtThresholds("phone", [1]),
            cl.DamerauLevenshteinAtThresholds("membership", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("dob"),
            block_on("national_id"),
            block_on("postcode", "surname"),
            block_on("email"),
            block_on("phone"),
            block_on("membership"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(db_api.register("people"), settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("email"), block_on("national_id", "dob")],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    con.execute(
        f"copy (select cluster_id as customer_id, source, source_record_id from {clusters.physical_name}) "
        f"to '{out}' (format parquet)"
    )


def timed(command: list[str], env: dict[str, str]) -> dict:
    """Run a process; its wall seconds and the peak memory of its process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command[:4])} failed (exit {proc.returncode}): {err[-2000:]}")
    return {"wall_s": time.perf_counter() - started, "peak_gib": peak / 2**30}


def compare(kind: str, records: int, base: Path) -> list[dict]:
    client = f"bench_{kind}_{records}"
    home, repo = base / "home", base / "repo"
    inbox = home / "inbox" / client
    if not (inbox / "truth.csv").exists():
        with console.status(f"Generating {kind} at {records:,} records"):
            linkage.write(kind, inbox, records)
    shutil.rmtree(repo / "clients" / client, ignore_errors=True)
    shutil.rmtree(repo / "models" / "clients" / client, ignore_errors=True)
    shutil.rmtree(home / "builds" / client, ignore_errors=True)
    env = {**os.environ, "SCV_REPO": str(repo), "SCV_HOME": str(home)}
    scv = str(Path(sys.executable).with_name("scv"))
    with console.status(f"scv: onboarding {client}"):
        onboarding = timed([scv, "client", "new", client, "--inbox", str(inbox)], env)
    with console.status(f"scv: building {client}"):
        built = timed([scv, "build", client], env)
    (build_dir,) = (home / "builds" / client).glob("2*")
    truth = inbox / "truth.csv"
    scv_quality = evaluate(build_dir, truth)["pairwise"]
    out = base / f"splink-{client}.parquet"
    with console.status(f"Splink: {client}"):
        splink = timed(
            [sys.executable, "-m", "benchmarks.match", "--splink", kind, str(inbox), str(out)], env
        )
    splink_quality = evaluate(out, truth)["pairwise"]
    rows = [
        {"tool": "scv", **built, **scv_quality, "onboarding_s": onboarding["wall_s"]},
        {"tool": "Splink", **splink, **splink_quality},
    ]
    for row in rows:
        row.update(kind=kind, records=records)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.match", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="Records of each delivery.")
    parser.add_argument("--large", type=int, default=1_000_000, help="Records of the large one (0: none).")
    parser.add_argument("--kinds", default=",".join(linkage.KINDS), help="Deliveries, comma-separated.")
    parser.add_argument("--splink", nargs=3, metavar=("KIND", "INBOX", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.splink:
        kind, inbox, out = args.splink
        run_splink(kind, Path(inbox), Path(out))
        return
    base = paths.scv_home() / "bench" / "match"
    if not (base / "repo").exists():
        copy_repo(base / "repo")
    else:  # the models and macros as they are now; the bench's own clients stay
        for part in ("models/shared", "macros", "dbt_project.yml", "seeds"):
            source, target = paths.repo_root() / part, base / "repo" / part
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    runs = [(kind, args.records) for kind in args.kinds.split(",")]
    if args.large:
        runs.append(("duplicates", args.large))
    rows = [row for kind, records in runs for row in compare(kind, records, base)]
    table = Table(title="Identity resolution: scv and Splink on the same files")
    for column in (
        "delivery",
        "records",
        "tool",
        "precision",
        "recall",
        "F1",
        "wall s",
        "peak GiB",
        "scv/Splink time",
    ):
        table.add_column(column, justify="left" if column in ("delivery", "tool") else "right")
    for scv_row, splink_row in zip(rows[::2], rows[1::2], strict=True):
        for row in (scv_row, splink_row):
            ratio = f"{scv_row['wall_s'] / splink_row['wall_s']:.2f}" if row is scv_row else ""
            table.add_row(
                row["kind"],
                f"{row['records']:,}",
                row["tool"],
                f"{row['precision']:.4f}",
                f"{row['recall']:.4f}",
                f"{row['f1']:.4f}",
                f"{row['wall_s']:.1f}",
                f"{row['peak_gib']:.2f}",
                ratio,
            )
    console.print(table)
    onboard = ", ".join(f"{r['kind']} {r['records']:,}: {r['onboarding_s']:.1f} s" for r in rows[::2])
    console.print(
        f"scv onboarding (scv client new --inbox, once per client, not in the build time): {onboard}"
    )
    (base / "results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
