"""`scv query send | remind | answer`: a build's queries to the client by email, and their answers back."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from scv.cli.common import BuildArg, ClientArg, say

app = typer.Typer(
    help="send | remind | answer: a build's queries emailed to the client's contacts, and their answers.",
    no_args_is_help=True,
)


def _print(sent) -> None:
    say(f"  {s.to}: {'sent' if s.ok else f'failed ({s.detail})'}" for s in sent)


@app.command("send")
def send(client: ClientArg, build_id: BuildArg) -> None:
    """Email the build's queries (verdict query) to each contact of client.yml, once each, through
    Apprise (SCV_MAIL_URL), with the figures and a link to the test site's queries page."""
    from scv import queries

    sent = queries.send_queries(client, build_id)
    if not sent:
        say([f"No queries of {client} {build_id} to send (none, or every contact has them)"])
    _print(sent)
    queries.require_delivered(sent)


@app.command("remind")
def remind(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
    within: Annotated[int, typer.Option(min=1, help="Remind this many hours before ready_by.")] = 2,
) -> None:
    """Remind the contacts, once per build, of queries still open when the client's ready_by time
    is near (hourly in weekly-build.yml)."""
    from scv import queries

    done = queries.remind(client, timedelta(hours=within))
    for name, build, sent in done:
        say([f"Reminded {name} of the open queries of {build}:"])
        _print(sent)
    if not done:
        say(["No reminders due"])
    queries.require_delivered([s for _, _, sent in done for s in sent])


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
    from scv.pr import answer_query as run

    result = run(client, build_id, check, subject, text, by)
    left = result.remaining
    still = f"  {left} quer{'y' if left == 1 else 'ies'} of the build still open"
    say(
        [
            f"Answer recorded in {result.where}: {result.query['question']}",
            still if left else "  every query of the build is answered",
        ]
    )
