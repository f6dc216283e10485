"""The weekly build's verbs: demo data, profile, build, check, report, diff, match-eval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import BuildArg, ClientArg, Engine, err, error, out, say, table
from scv.core import paths
from scv.core.errors import display_path

app = typer.Typer()


@app.command("demo-data")
def demo_data(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write the delivery to.")] = None,
    customers: Annotated[int, typer.Option(min=1, help="People in the synthetic population.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 42,
    week: Annotated[int, typer.Option(min=1, help="Week number; week K+1 is week K with churn.")] = 1,
    mess: Annotated[
        float, typer.Option(min=0, help="Scale of typos, case and format variants (0 = clean, 1 = default).")
    ] = 1.0,
) -> None:
    """Write a synthetic delivery for the demo client (four sources plus truth.csv)."""
    from scv.core.progress import steps
    from scv.demo import generate

    target = out_dir or paths.inbox_dir("demo")
    with steps() as progress:
        task = progress.add_task("Generating demo delivery", total=None)
        summary = generate(
            target,
            customers=customers,
            seed=seed,
            week=week,
            mess=mess,
            progress=lambda what, n: progress.update(task, description=what, advance=n),
        )
    say(f"  {name:<28} {rows:>10,}" for name, rows in summary.items())
    say([f"Delivery for week {week} written to {target}"])


@app.command()
def build(
    client: ClientArg,
    inbox: Annotated[
        Path | None, typer.Option(help="Delivery folder (default SCV_HOME/inbox/CLIENT).")
    ] = None,
    engine: Annotated[
        Engine | None,
        typer.Option(help="Build on this engine instead of client.yml's (to try a client on Spark)."),
    ] = None,
    keep_intermediate: Annotated[
        bool,
        typer.Option(help="Keep the matching's intermediate tables in scv.duckdb too, to look into a match."),
    ] = False,
) -> None:
    """Load the client's delivery and run its dbt build into a new build directory."""
    from scv import github
    from scv.build import run_build

    result = run_build(
        client, inbox, engine=engine.value if engine else None, keep_intermediate=keep_intermediate
    )
    github.set_output("build_id", result.build_id)  # for the next steps of a workflow
    github.set_output("build_dir", str(result.path))
    raise typer.Exit(0 if result.verdict != "fail" else 1)


@app.command()
def profile(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Delivered files: CSV, TSV, pipe, XLSX, JSON, NDJSON, Parquet, or gzip of these."
        ),
    ],
    client: Annotated[
        str | None, typer.Option(help="Client the files are for (with --source): check and compare.")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Source in the client's client.yml, declared or about to be.")
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for index.html and profile.json (default SCV_HOME/profiles/…)."),
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Column that identifies a record (default: declared or guessed).")
    ] = None,
    header: Annotated[
        bool | None,
        typer.Option("--header/--no-header", help="Whether the first row is a header (default: detected)."),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Only this sheet of an XLSX workbook.")] = None,
    show_values: Annotated[
        bool, typer.Option("--show-values", help="Show sample values unmasked (they are personal data).")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when a finding is `fail` (for checks that must block).")
    ] = False,
) -> None:
    """Profile new data files: structure, content and quality, before anything processes them.

    Exit 0 with a report, 1 with --strict and a `fail` finding, 2 when a file cannot be read
    (the others still get their report).
    """
    from scv.core.progress import steps
    from scv.profiling import Reading, run_profile, summary_lines

    with steps(console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("Profiling", total=None)
        run = run_profile(
            files,
            client,
            source,
            out_dir,
            Reading(key, header, sheet),
            show_values,
            advance=lambda what: progress.update(task, description=what),
        )
    say(summary_lines(run))
    if run.tables:
        say(
            [
                f"Report: {display_path(run.out / 'index.html')}",
                f"JSON:   {display_path(run.out / 'profile.json')}",
            ]
        )
    for message in run.errors:
        error(message)
    failed = strict and any(f["severity"] == "fail" for t in run.tables for f in t["findings"])
    raise typer.Exit(2 if run.errors else 1 if failed else 0)


@app.command()
def check(client: ClientArg, build_id: BuildArg) -> None:
    """Check a build against last week and live: findings pass/warn/fail, queries for the client.

    Exit 1 when the verdict is fail. build.json is updated unless the build is already published.
    """
    from scv.build import run_check

    result = run_check(client, build_id)
    raise typer.Exit(1 if result["verdict"] == "fail" else 0)


@app.command()
def report(client: ClientArg, build_id: BuildArg) -> None:
    """Write a build's report (report/index.html + report.json), client site (site/) and dbt docs (docs/)."""
    from scv.build import run_report

    run_report(client, build_id)


@app.command("match-eval")
def match_eval(
    build_dir: Annotated[Path, typer.Argument(help="A build directory (SCV_HOME/builds/CLIENT/BUILD).")],
    truth: Annotated[
        Path | None,
        typer.Option(
            help="truth.csv (source,source_record_id,entity_id); default: beside the build's delivery."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    min_f1: Annotated[
        float | None, typer.Option(help="Exit 1 when the pairwise F1 is below this (for CI).")
    ] = None,
) -> None:
    """Pairwise precision, recall and F1, and cluster measures, of a build against truth.csv."""
    import json

    from scv.build import default_truth, evaluate_matching, summary_rows

    result = evaluate_matching(build_dir, truth or default_truth(build_dir))
    if as_json:
        out.print_json(json.dumps(result))
    else:
        table(
            f"Matching of {build_dir.name} against {result['truth']}",
            ("measure", "value"),
            summary_rows(result),
        )
    if min_f1 is not None and result["pairwise"]["f1"] < min_f1:
        err.print(f"pairwise F1 {result['pairwise']['f1']:.4f} is below {min_f1}", markup=False)
        raise typer.Exit(1)


@app.command("diff")
def diff(
    client: ClientArg,
    build_id: BuildArg,
    against: Annotated[
        str, typer.Option(help="The build to compare with: 'live' (release.yml) or a build id.")
    ] = "live",
    as_json: Annotated[bool, typer.Option("--json", help="Print the diff as JSON.")] = False,
) -> None:
    """What changed in the customer view: schema, rows per model, customers, golden records (masked)."""
    import json

    from scv.build import diff_markdown, run_diff

    result = run_diff(client, build_id, against)
    if as_json:
        out.print_json(json.dumps(result))
    else:
        say([diff_markdown(result)])
