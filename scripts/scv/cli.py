"""The `scv` command: one verb per job the operations team and the workflows do."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from scv import paths
from scv.errors import NotBuiltYet, ScvError, display_path

app = typer.Typer(
    help="Single customer view as a service: build, check, publish and watch each client's site.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
client_app = typer.Typer(
    help="new | validate: create and validate client folders (clients/<client>/).", no_args_is_help=True
)
source_app = typer.Typer(help="add: add a data source to a client.", no_args_is_help=True)
access_app = typer.Typer(
    help="validate | render: IP allowlists of client sites (access.yml).", no_args_is_help=True
)
uptime_app = typer.Typer(
    help="check | report | issues | validate: site uptime checks, alerts and reports.", no_args_is_help=True
)
audit_app = typer.Typer(help="logs: daily audit of access and auth logs.", no_args_is_help=True)
servers_app = typer.Typer(
    help="report: server upkeep (updates, reboots, certificates).", no_args_is_help=True
)
app.add_typer(client_app, name="client")
app.add_typer(source_app, name="source")
app.add_typer(access_app, name="access")
app.add_typer(uptime_app, name="uptime")
app.add_typer(audit_app, name="audit")
app.add_typer(servers_app, name="servers")

out = Console()
err = Console(stderr=True)

ClientArg = Annotated[str, typer.Argument(help="Client name: the folder under clients/.")]
BuildArg = Annotated[str, typer.Argument(help="Build id (e.g. 20261123T020000Z-1a2b3c4) or 'latest'.")]


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


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
    from scv.demo_data import generate
    from scv.progress import steps

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
    for name, rows in summary.items():
        out.print(f"  {name:<28} {rows:>10,}")
    out.print(f"Delivery for week {week} written to [bold]{target}[/]")


@client_app.command("validate")
def client_validate(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
) -> None:
    """Check client.yml, access.yml and release.yml: every problem, with file:line and field."""
    from scv.client import validate

    names = validate(client)
    out.print(f"[green]ok[/] {len(names)} client(s) valid: {', '.join(names)}")


@client_app.command("new")
def client_new(
    name: Annotated[str, typer.Argument(help="Client name: lowercase letters, digits and _.")],
    display_name: Annotated[str | None, typer.Option(help="The client's name as people write it.")] = None,
) -> None:
    """Scaffold a client that validates: config files, models folder, CODEOWNERS line."""
    from scv.client import scaffold

    for path in scaffold(name, display_name):
        out.print(f"  created {path}")
    out.print(
        f"Client [bold]{name}[/] scaffolded: edit clients/{name}/client.yml, "
        f"then run `scv client validate {name}`"
    )


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
) -> None:
    """Load the client's delivery and run its dbt build into a new build directory."""
    from scv.build import run_build

    result = run_build(client, inbox, engine.value if engine else None)
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
    from scv.profiling import run_profile, summary_lines
    from scv.progress import steps

    with steps(console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("Profiling", total=None)
        run = run_profile(
            files, client, source, out_dir, key, header, sheet, show_values,
            advance=lambda what: progress.update(task, description=what),
        )  # fmt: skip
    for line in summary_lines(run):
        out.print(escape(line), highlight=False, soft_wrap=True)
    if run.tables:
        out.print(f"Report: {display_path(run.out / 'index.html')}", highlight=False, soft_wrap=True)
        out.print(f"JSON:   {display_path(run.out / 'profile.json')}", highlight=False, soft_wrap=True)
    for message in run.errors:
        err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    failed = strict and any(f["severity"] == "fail" for t in run.tables for f in t["findings"])
    raise typer.Exit(2 if run.errors else 1 if failed else 0)


@source_app.command("add")
def source_add(
    client: ClientArg,
    source: Annotated[str, typer.Argument(help="Name of the new source: lowercase letters, digits and _.")],
    file: Annotated[Path, typer.Argument(help="A delivered file of the source, to profile.")],
    key: Annotated[
        str | None, typer.Option(help="Column that identifies a record (default: guessed).")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="The sheet of an XLSX workbook.")] = None,
    header: Annotated[
        bool | None,
        typer.Option("--header/--no-header", help="Whether the first row is a header (default: detected)."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="What the source is, for client.yml.")] = None,
) -> None:
    """Add a source to client.yml with a staging model, from a profiled file, for review."""
    from scv.profiling import summary_lines
    from scv.source import add_source

    added = add_source(client, source, file, key, sheet, header, description)
    for line in summary_lines(added.run):
        out.print(escape(line), highlight=False, soft_wrap=True)
    for path in added.files:
        out.print(f"  wrote {display_path(path)}", highlight=False, soft_wrap=True)
    out.print(f"Source [bold]{source}[/] added to {client} with key {escape(added.key)}. Mapping to review:")
    for m in added.mapping:
        out.print(
            f"  {m['field']:<18} <- {escape(m['column'])} ({m['confidence']:.0%})",
            highlight=False,
            soft_wrap=True,
        )
    out.print(f"Profile: {display_path(added.run.out / 'index.html')}", highlight=False, soft_wrap=True)


@app.command()
def check(client: ClientArg, build_id: BuildArg) -> None:
    """Check a build against last week and live: findings pass/warn/fail, queries for the client.

    Exit 1 when the verdict is fail. build.json is updated unless the build is already published.
    """
    from scv.check import run_check

    result = run_check(client, build_id)
    raise typer.Exit(1 if result["verdict"] == "fail" else 0)


@app.command()
def report(client: ClientArg, build_id: BuildArg) -> None:
    """Write a build's report (report/index.html + report.json), client site (site/) and dbt docs (docs/)."""
    from scv.report import run_report

    run_report(client, build_id)


@app.command()
def publish(
    client: ClientArg,
    build_id: BuildArg,
    env: Annotated[
        str,
        typer.Option(help="Site to publish to: a group of the inventory (test or live).", envvar="SCV_ENV"),
    ] = "test",
    inventory: Annotated[
        Path | None, typer.Option(help="Ansible inventory (default playbooks/inventories/local).")
    ] = None,
) -> None:
    """Publish a checked build to a client's site with playbooks/publish.yml.

    Refuses a build whose verdict is fail (exit 1); publishing the same build again changes nothing.
    """
    from scv.publish import run_publish

    if env not in ("test", "live"):
        raise ScvError(f"--env {env!r}: expected test or live")
    run_publish(client, build_id, env, inventory)


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

    from rich.table import Table

    from scv.match_eval import default_truth, evaluate

    result = evaluate(build_dir, truth or default_truth(build_dir))
    if as_json:
        out.print_json(json.dumps(result))
    else:
        table = Table(title=f"Matching of {build_dir.name} against {result['truth']}", title_justify="left")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for group in ("pairwise", "clusters"):
            for name, value in result[group].items():
                shown = f"{value:.4f}" if isinstance(value, float) else f"{value:,}"
                table.add_row(f"{group} {name.replace('_', ' ')}", shown)
        table.add_row("records compared", f"{result['records']:,}")
        table.add_row("records missing from build", f"{result['records_missing_from_build']:,}")
        table.add_row("records missing from truth", f"{result['records_missing_from_truth']:,}")
        out.print(table)
    if min_f1 is not None and result["pairwise"]["f1"] < min_f1:
        err.print(f"pairwise F1 {result['pairwise']['f1']:.4f} is below {min_f1}")
        raise typer.Exit(1)


@uptime_app.command("check")
def uptime_check(
    skip_loopback: Annotated[
        bool,
        typer.Option(
            "--skip-loopback",
            envvar="SCV_UPTIME_SKIP_LOOPBACK",
            help="Do not check sites on 127.0.0.0/8 or localhost (a GitHub runner cannot reach them).",
        ),
    ] = False,
) -> None:
    """Check every site once; record it; open and resolve incidents; alert.

    Exit 1 when an endpoint is down or an alert could not be sent; 2 when uptime.yml or a
    client file is wrong.
    """
    from scv.uptime import run_check

    run = run_check(skip_loopback=skip_loopback, console=out)
    raise typer.Exit(1 if run.problem else 0)


@uptime_app.command("report")
def uptime_report(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for index.html and status.json (default SCV_HOME/uptime/status)."),
    ] = None,
) -> None:
    """Uptime per endpoint over 24 h, 7 d, 30 d and 365 d, incidents, response times: a status page."""
    from scv.status_page import run_report

    run_report(out_dir, console=out)


@uptime_app.command("issues")
def uptime_issues() -> None:
    """Open a GitHub issue per announced incident and close it when resolved (`gh`, GH_TOKEN).

    Exit 1 when some of the work is left for the next run.
    """
    from scv.uptime import run_issues

    raise typer.Exit(1 if run_issues(console=out) else 0)


@uptime_app.command("validate")
def uptime_validate() -> None:
    """Check uptime.yml (file:line and field for each problem) and list every endpoint checked."""
    from scv.uptime import validate

    validate(console=out)


def _not_built(verb: str, issue: int):
    def command() -> None:
        raise NotBuiltYet(verb, issue)

    return command


# Verbs of the design still to be built. Each exits 2 saying so; none pretends to work.
for _app, _verb, _issue, _help in [
    (app, "promote", 5, "Promote the build in release.yml to the live site (Ansible)."),
    (app, "rollback", 5, "Put the previous release back on a site."),
    (access_app, "validate", 5, "Check access.yml allowlists: syntax, breadth, overlaps, expiry."),
    (access_app, "render", 5, "Print the nginx allow/deny lines for a client."),
    (audit_app, "logs", 9, "Fetch and audit access and auth logs for malicious attempts."),
    (servers_app, "report", 10, "Pending updates, reboots and certificates per server."),
    (app, "promotion-pr", 6, "Render the body of a promotion pull request."),
    (app, "drift", 5, "Compare what sites serve with release.yml."),
]:
    _app.command(_verb, help=_help + f" [dim](not built yet: issue #{_issue})[/]")(_not_built(_verb, _issue))


def main() -> None:
    """Entry point: bad input is one line on stderr and exit 2, never a traceback.

    Click itself turns usage errors (unknown option, missing argument) into exit 2.
    """
    try:
        app()
    except ScvError as exc:
        for line in str(exc).splitlines():
            err.print(f"[red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
