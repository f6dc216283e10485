"""The `scv` command: one verb per job the operations team and the workflows do."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from scv.core import paths
from scv.core.errors import ScvError, display_path

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
pr_app = typer.Typer(
    help="affected | profile | preview | review | merge | promotion-failed: the steps of the GitHub "
    "workflows, each reading the event payload ($GITHUB_EVENT_PATH).",
    no_args_is_help=True,
)
app.add_typer(client_app, name="client")
app.add_typer(source_app, name="source")
app.add_typer(access_app, name="access")
app.add_typer(uptime_app, name="uptime")
app.add_typer(audit_app, name="audit")
app.add_typer(servers_app, name="servers")
app.add_typer(pr_app, name="pr")

out = Console()
err = Console(stderr=True, soft_wrap=True)  # messages stay one line, whatever the width

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
    from scv.core.progress import steps
    from scv.demo.data import generate

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
    from scv.clients.registry import validate

    names = validate(client)
    out.print(f"[green]ok[/] {len(names)} client(s) valid: {', '.join(names)}")


@client_app.command("new")
def client_new(
    name: Annotated[str, typer.Argument(help="Client name: lowercase letters, digits and _.")],
    display_name: Annotated[str | None, typer.Option(help="The client's name as people write it.")] = None,
    inbox: Annotated[
        Path | None,
        typer.Option(help="A folder of delivered files: each is profiled and added as a source, to build."),
    ] = None,
) -> None:
    """Scaffold a client that validates: config files, models folder, CODEOWNERS line."""
    from scv.clients.registry import scaffold
    from scv.onboarding.client import new_client

    if inbox is not None:
        made = new_client(name, inbox, display_name)
        for source, added in made.sources.items():
            fields = ", ".join(f"{m['field']} <- {m['column']}" for m in added.mapping)
            out.print(f"  source [bold]{source}[/] (key {escape(added.key)}): {escape(fields)}")
        for path in (p for p in made.files if p.exists()):
            out.print(f"  wrote {display_path(path)}", highlight=False, soft_wrap=True)
        out.print(f"Client [bold]{name}[/]: {len(made.sources)} source(s) to review, then `scv build {name}`")
        return
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
    keep_intermediate: Annotated[
        bool,
        typer.Option(help="Keep the matching's intermediate tables in scv.duckdb too, to look into a match."),
    ] = False,
) -> None:
    """Load the client's delivery and run its dbt build into a new build directory."""
    from scv.build.pipeline import run_build
    from scv.github import api as github

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
    from scv.profiling.run import run_profile, summary_lines

    with steps(console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("Profiling", total=None)
        run = run_profile(
            files,
            client,
            source,
            out_dir,
            key,
            header,
            sheet,
            show_values,
            advance=lambda what: progress.update(task, description=what),
        )
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
    from scv.onboarding.source import add_source
    from scv.profiling.run import summary_lines

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
    from scv.build.checks import run_check

    result = run_check(client, build_id)
    raise typer.Exit(1 if result["verdict"] == "fail" else 0)


@app.command()
def report(client: ClientArg, build_id: BuildArg) -> None:
    """Write a build's report (report/index.html + report.json), client site (site/) and dbt docs (docs/)."""
    from scv.build.report import run_report

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
    from scv.release.publish import run_publish

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

    from scv.build.match_eval import default_truth, evaluate

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


@audit_app.command("logs")
def audit_logs(
    since: Annotated[
        str | None,
        typer.Option(
            help="Period to audit when a log has not been audited before: 90m, 24h, 7d, 2w or all "
            "(default 24h from servers, all with --files)."
        ),
    ] = None,
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--files", help="Audit these log files (repeat the option) instead of fetching from servers."
        ),
    ] = None,
    inventory: Annotated[
        Path | None,
        typer.Option(
            help="Ansible inventory of the servers (default playbooks/inventories/local).",
            envvar="SCV_INVENTORY",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for index.html and report.json (default SCV_HOME/audit/reports/<id>)."
        ),
    ] = None,
    deny_list: Annotated[
        Path | None,
        typer.Option(help="Also write an nginx deny-list snippet of offenders (medium and worse) here."),
    ] = None,
    open_issue: Annotated[
        bool,
        typer.Option(
            "--open-issue",
            help="On critical findings, open a GitHub issue with them (gh; GH_TOKEN). The workflow sets it.",
            envvar="SCV_AUDIT_OPEN_ISSUE",
        ),
    ] = False,
) -> None:
    """Audit access, error and auth logs for malicious attempts; report in HTML and JSON.

    Fetches only what earlier audits have not read, from every server in the inventory (Fabric
    over SSH), or reads the files given. Exit 1 on a critical finding (and an SMS through Apprise
    to SCV_ALERT_URLS), 2 on bad input.
    """
    from scv.audit.rules import SEVERITIES
    from scv.audit.run import run_audit
    from scv.core.progress import steps

    with steps(console=err, disable=not err.is_terminal) as progress:
        task = progress.add_task("Auditing logs", total=None)
        run = run_audit(
            since=since,
            files=files,
            inventory=inventory,
            out=out_dir,
            deny_list=deny_list,
            open_issue=open_issue,
            advance=lambda what: progress.update(task, description=what),
        )
    r = run.report
    t = r["totals"]
    fetched = f", {r['fetch']['bytes']:,} bytes fetched" if r["mode"] == "servers" else ""
    out.print(
        f"Audited {t['parsed']:,} of {t['lines']:,} lines from {len(r['sources'])} log(s){fetched}: "
        f"{t['unparseable']:,} unparseable, {t['before_period']:,} before the period",
        highlight=False,
        soft_wrap=True,
    )
    out.print(
        "Findings: " + ", ".join(f"{r['counts'][s]} {s}" for s in SEVERITIES), highlight=False, soft_wrap=True
    )
    for f in [f for f in run.findings if f["severity"] in ("critical", "high")][:20]:
        out.print(
            f"  {f['severity']:<8} {f['rule']:<28} {escape(f['message'])}", highlight=False, soft_wrap=True
        )
    for severity in ("medium", "low"):
        rules: dict[str, int] = {}
        for f in run.findings:
            if f["severity"] == severity:
                rules[f["rule"]] = rules.get(f["rule"], 0) + 1
        if rules:
            listed = ", ".join(f"{rule} ×{n}" for rule, n in sorted(rules.items(), key=lambda x: -x[1]))
            out.print(f"  {severity:<8} {listed}", highlight=False, soft_wrap=True)
    new = sum(1 for o in r["offenders"] if o["new"] and o["severity"] != "low")
    out.print(
        f"Offenders: {len(r['offenders']):,} ({new} new at medium or worse)", highlight=False, soft_wrap=True
    )
    out.print(f"Report: {display_path(run.out / 'index.html')}", highlight=False, soft_wrap=True)
    out.print(f"JSON:   {display_path(run.out / 'report.json')}", highlight=False, soft_wrap=True)
    if run.deny_list:
        out.print(f"Deny list: {display_path(run.deny_list)}", highlight=False, soft_wrap=True)
    if run.issue:
        out.print(f"Opened GitHub issue {run.issue}", highlight=False, soft_wrap=True)
    if run.issue_error:
        err.print(f"[red]The GitHub issue could not be opened:[/] {escape(run.issue_error)}", highlight=False)
    if run.critical:
        err.print(
            f"[red]{run.critical} critical finding(s)[/]"
            + (f"; alert sent to {run.alerted} target(s)" if run.alerted else "")
            + (f"; [red]the alert failed for {run.alert_failed} target(s)[/]" if run.alert_failed else ""),
            highlight=False,
        )
    raise typer.Exit(1 if run.critical else 0)


@servers_app.command("report")
def servers_report(
    inventory: Annotated[
        Path | None,
        typer.Option(help="Ansible inventory (default playbooks/inventories/local).", envvar="SCV_INVENTORY"),
    ] = None,
    limit: Annotated[str | None, typer.Option(help="Only these servers (an Ansible host pattern).")] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for index.html and report.json (default SCV_HOME/servers)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print report.json instead of the table.")] = False,
) -> None:
    """Each server red, amber or green: updates, reboot, kernel, nginx, disk, memory, certificates, patching.

    Exit 1 when a server is red (someone has to act).
    """
    import json

    from scv.servers.report import print_report, run_report

    doc = run_report(inventory, limit, out_dir)
    if as_json:
        # Plain write, not Rich: a long finding must not be wrapped inside a JSON string.
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        print_report(doc, out)
    raise typer.Exit(1 if doc["needs_action"] else 0)


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
    from scv.uptime.check import run_check

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
    from scv.uptime.status_page import run_report

    run_report(out_dir, console=out)


@uptime_app.command("issues")
def uptime_issues() -> None:
    """Open a GitHub issue per announced incident and close it when resolved (`gh`, GH_TOKEN).

    Exit 1 when some of the work is left for the next run.
    """
    from scv.uptime.check import run_issues

    raise typer.Exit(1 if run_issues(console=out) else 0)


@uptime_app.command("validate")
def uptime_validate() -> None:
    """Check uptime.yml (file:line and field for each problem) and list every endpoint checked."""
    from scv.uptime.check import validate

    validate(console=out)


InventoryOpt = Annotated[
    Path | None,
    typer.Option(help="Ansible inventory (default playbooks/inventories/local).", envvar="SCV_INVENTORY"),
]


@access_app.command("validate")
def access_validate(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
    inventory: InventoryOpt = None,
) -> None:
    """Check access.yml allowlists and the operations team's addresses: CIDR syntax, breadth,
    duplicates and overlaps, who and why, expiry. Exit 2 with file:line and field per problem."""
    from scv.clients.access import validate

    counts = validate(client, inventory)
    ops = counts.pop("operations")
    listed = ", ".join(f"{name} ({n})" for name, n in counts.items())
    out.print(f"[green]ok[/] access lists valid: {listed}; operations team ({ops})", highlight=False)


@access_app.command("render")
def access_render(
    client: Annotated[str | None, typer.Argument(help="One client; all clients with --json.")] = None,
    inventory: InventoryOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {client: lines} as JSON (what playbooks/site.yml reads).")
    ] = False,
) -> None:
    """Print the nginx allow/deny lines of a client's site (what playbooks/site.yml installs)."""
    import json

    from scv.clients.access import render_all

    if client is None and not as_json:
        raise ScvError("name a client (or --json for every client)")
    rendered = render_all(client, inventory)
    sys.stdout.write(json.dumps(rendered) + "\n" if as_json else rendered[client])


@app.command()
def promote(
    client: ClientArg,
    build: Annotated[
        str | None,
        typer.Option(
            help="Promote this build (id or 'latest') instead of release.yml's, pinned by its sealed "
            "manifest on this machine: a manual promotion, or `make demo`'s."
        ),
    ] = None,
    inventory: InventoryOpt = None,
) -> None:
    """Promote the build release.yml names from the test site to live (playbooks/promote.yml).

    Exit 1 when refused (digest differs, not on test, verdict fail, unanswered queries) or when
    the smoke check fails; live keeps serving what it served.
    """
    from scv.release.promote import promote as run

    run(client, build, inventory)


@app.command()
def rollback(
    client: ClientArg,
    env: Annotated[str, typer.Option(help="The site to roll back: live or test.", envvar="SCV_ENV")] = "live",
    to: Annotated[
        str | None, typer.Option(help="Return to this release (default: the one before the last switch).")
    ] = None,
    inventory: InventoryOpt = None,
) -> None:
    """Put the previous release back on a site in one step (playbooks/rollback.yml)."""
    from scv.release.promote import rollback as run

    if env not in ("test", "live"):
        raise ScvError(f"--env {env!r}: expected test or live")
    run(client, env, to, inventory)


@app.command()
def drift(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
    inventory: InventoryOpt = None,
) -> None:
    """Compare the build live serves with release.yml, and test's site configuration with live's.

    Prints each difference; exit 1 on drift.
    """
    from scv.release.drift import run_drift

    if run_drift(client, inventory):
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------------------
# GitHub workflows (issue #6): every decision a workflow makes is one of these verbs.

EventOption = Annotated[
    Path | None,
    typer.Option("--event", help="Event payload file (default: $GITHUB_EVENT_PATH, set by the runner)."),
]


@client_app.command("list")
def client_list(
    due: Annotated[
        bool,
        typer.Option("--due", help="Only clients whose scheduled build time has passed with no build since."),
    ] = False,
    only: Annotated[
        str | None,
        typer.Option(
            help="These clients (names separated by spaces or commas, or 'all'), due or not.",
            envvar="SCV_CLIENTS",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list (a workflow matrix).")] = False,
) -> None:
    """The clients under clients/, for the weekly build's matrix (step output `clients`)."""
    import json

    from scv.build.schedule import select
    from scv.github import api as github

    names = select(only, due)
    github.set_output("clients", names)
    if as_json:
        out.print(json.dumps(names), highlight=False)
    else:
        for name in names:
            out.print(name, highlight=False)


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

    from scv.build import diff as datadiff
    from scv.build import store as builds
    from scv.clients.config import load_client

    path = builds.resolve(client, build_id)
    if against == "live":
        live_id, base = builds.live(load_client(client))
        if live_id and base is None:
            raise ScvError(f"the live build {live_id} (release.yml) is not in {display_path(path.parent)}")
    else:
        base = builds.resolve(client, against)
    result = datadiff.diff_builds(base, path)
    if as_json:
        out.print_json(json.dumps(result))
    else:
        out.print(datadiff.markdown(result), highlight=False, markup=False, soft_wrap=True)


@app.command("promotion-pr")
def promotion_pr(
    client: ClientArg,
    build_id: BuildArg,
    open_pr: Annotated[
        bool,
        typer.Option(
            "--open", help="Open or update the client's promotion PR on GitHub (branch promote/CLIENT)."
        ),
    ] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Also write the body to the job summary ($GITHUB_STEP_SUMMARY).")
    ] = False,
) -> None:
    """The promotion pull request of a build: its body (summary, report, queries, diff against live)
    and release.yml. Prints the body; --open opens or updates the PR."""
    from scv.pr.promotion import run_promotion_pr

    result = run_promotion_pr(client, build_id, open_pr=open_pr, summary=summary)
    if result.number is None:
        out.print(result.body, highlight=False, markup=False, soft_wrap=True)
    else:
        verb = "Opened" if result.created else "Updated"
        out.print(f"{verb} promotion PR #{result.number} of {client}: {result.url}", highlight=False)


@pr_app.command("affected")
def pr_affected(event_file: EventOption = None) -> None:
    """Clients a PR affects, sources it adds, and whether it may be previewed (step outputs)."""
    from scv.clients.config import list_clients
    from scv.github import api as github
    from scv.pr import changes

    event = github.load_event(event_file)
    base = github.field(event, "pull_request.base.sha")
    head = github.field(event, "pull_request.head.sha")
    files = changes.changed_files(base, head)
    affected = changes.affected_clients(files, list_clients())
    sources = changes.added_sources(base, head, files)
    fork = github.from_fork(event)
    github.set_output("clients", [a.client for a in affected])
    github.set_output("preview", bool(affected) and not fork)
    github.set_output("sources", [f"{s.client}/{s.source}" for s in sources])
    out.print(f"{len(files)} file(s) changed between {base[:7]} and {head[:7]}", highlight=False)
    for a in affected:
        out.print(f"  affects {a.client}  (first: {escape(a.because)})", highlight=False)
    if not affected:
        out.print("  no client's build is affected", highlight=False)
    for s in sources:
        out.print(f"  adds source {s.client}/{s.source} ({escape(s.file)})", highlight=False)
    if affected and fork:
        out.print("  no preview: the pull request comes from a fork", highlight=False)


@pr_app.command("profile")
def pr_profile(
    event_file: EventOption = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the reports: OUT/<client>/<source>/index.html.")
    ] = Path("profiles"),
) -> None:
    """Profile every source the PR adds, on its latest delivery; exit 1 on a fail finding or no delivery."""
    from scv.github import api as github
    from scv.pr.profile import run_pr_profile

    results = run_pr_profile(github.load_event(event_file), out_dir)
    for r in results:
        for message in r.errors:
            err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        if r.report:
            out.print(f"Report: {display_path(r.report)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1 if any(r.errors or r.fails for r in results) else 0)


@pr_app.command("preview")
def pr_preview(
    client: ClientArg,
    event_file: EventOption = None,
    comment: Annotated[bool, typer.Option(help="Comment the data diff on the PR (GITHUB_TOKEN).")] = True,
) -> None:
    """Build the PR's code on the client's latest delivery, publish it to the test site, and comment
    the data diff against live on the PR."""
    from scv.github import api as github
    from scv.pr.preview import run_preview

    result = run_preview(client, github.load_event(event_file), comment=comment)
    if not comment:
        out.print(result.comment, highlight=False, markup=False, soft_wrap=True)


@pr_app.command("review")
def pr_review(event_file: EventOption = None) -> None:
    """Decide whether a submitted review promotes a build (outputs promote, client, build_id).

    Exit 0 to promote or when there is nothing to promote; 1, with a comment on the PR, when a
    promotion is refused."""
    from scv.github import api as github
    from scv.pr.review import run_review

    run_review(github.load_event(event_file))


@pr_app.command("merge")
def pr_merge(event_file: EventOption = None) -> None:
    """Merge the approved promotion PR at the approved commit, after `scv promote` succeeded."""
    from scv.github import api as github
    from scv.pr.review import run_merge

    run_merge(github.load_event(event_file))


@pr_app.command("promotion-failed")
def pr_promotion_failed(client: ClientArg, event_file: EventOption = None) -> None:
    """Comment on the PR that the promotion failed and live is unchanged."""
    from scv.github import api as github
    from scv.pr.review import run_failed

    run_failed(github.load_event(event_file), client)


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
