"""Publishing, promotion, rollback and drift: what reaches the client's sites (Ansible playbooks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scv.cli.common import BuildArg, ClientArg, InventoryOpt
from scv.core.errors import ScvError

app = typer.Typer()


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
    from scv.release import run_publish

    if env not in ("test", "live"):
        raise ScvError(f"--env {env!r}: expected test or live")
    run_publish(client, build_id, env, inventory)


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
    from scv.release import promote_release

    promote_release(client, build, inventory)


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
    from scv.release import rollback_release

    if env not in ("test", "live"):
        raise ScvError(f"--env {env!r}: expected test or live")
    rollback_release(client, env, to, inventory)


@app.command()
def drift(
    client: Annotated[str | None, typer.Argument(help="One client; all clients when omitted.")] = None,
    inventory: InventoryOpt = None,
) -> None:
    """Compare the build live serves with release.yml, and test's site configuration with live's.

    Prints each difference; exit 1 on drift.
    """
    from scv.release import run_drift

    if run_drift(client, inventory):
        raise typer.Exit(1)
