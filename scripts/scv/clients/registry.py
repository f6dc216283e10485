"""`scv client validate`: the registry of clients under clients/."""

from __future__ import annotations

from scv.clients.config import list_clients, load_client
from scv.core import paths
from scv.core.errors import Problem, Problems, ScvError


def validate(client: str | None = None) -> list[str]:
    """Validate one client or all; raise Problems with everything wrong across them."""
    names = [client] if client else list_clients()
    if not names:
        raise ScvError(f"no clients under {paths.clients_dir()}")
    problems: list[Problem] = []
    for name in names:
        try:
            load_client(name)
        except Problems as exc:
            problems += exc.problems
    if problems:
        raise Problems(problems)
    return names
