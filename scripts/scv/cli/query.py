"""`scv query send | remind | answer`: a build's queries to the client by email, and their answers back."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    help="send | remind | answer: a build's queries emailed to the client's contacts, and their answers.",
    no_args_is_help=True,
)
out = Console()

ClientArg = Annotated[str, typer.Argument(help="Client name: the folder under clients/.")]
BuildArg = Annotated[str, typer.Argument(help="Build id (e.g. 20261123T020000Z-1a2b3c4) or 'latest'.")]


def _print(sent) -> None:
    for s in sent:
        state = "[green]sent[/]" if s.ok else f"[red]failed[/] ({escape(s.detail)})"
        out.print(f"  {escape(s.to)}: {state}", highlight=False)


@app.command("send")
def send(client: ClientArg, build_id: BuildArg) -> None:
    """Email the build's queries (verdict query) to each contact of client.yml, once each, through
    Apprise (SCV_MAIL_URL), with the figures and a link to the test site's queries page."""
    from scv.queries import mail

    sent = mail.send_queries(client, build_id)
    if not sent:
        out.print(
            f"No queries of {client} {build_id} to send (none, or every contact has them)", highlight=False
        )
    _print(sent)
    mail.require_delivered(sent)


@app.command("remind")
def remind(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
    within: Annotated[int, typer.Option(min=1, help="Remind this many hours before ready_by.")] = 2,
) -> None:
    """Remind the contacts, once per build, of queries still open when the client's ready_by time
    is near (hourly in weekly-build.yml)."""
    from scv.queries import mail

    done = mail.remind(client, timedelta(hours=within))
    for name, build, sent in done:
        out.print(f"Reminded {name} of the open queries of {build}:", highlight=False)
        _print(sent)
    if not done:
        out.print("No reminders due", highlight=False)
    mail.require_delivered([s for _, _, sent in done for s in sent])


@app.command("answer")
def answer(
    client: ClientArg,
    build_id: BuildArg,
    check: Annotated[str, typer.Option(help="The query's check, as its reference says (e.g. rows).")],
    subject: Annotated[str, typer.Option(help="The query's subject (e.g. shop_orders; '' for none).")],
    text: Annotated[str, typer.Option("--answer", help="The client's answer, in a sentence.")],
    by: Annotated[str, typer.Option(help="Who answered (name, and organisation).")],
) -> None:
    """Record the client's answer to a query: in the promotion PR's release.yml (resolved_queries,
    with the PR's box ticked) and in the build's query history."""
    from scv.queries.answer import answer as run

    result = run(client, build_id, check, subject, text, by)
    out.print(
        f"Answer recorded in {escape(result.where)}: {escape(result.query['question'])}", highlight=False
    )
    left = result.remaining
    out.print(
        f"  {left} quer{'y' if left == 1 else 'ies'} of the build still open"
        if left
        else "  every query of the build is answered",
        highlight=False,
    )
