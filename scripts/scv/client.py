"""`scv client validate` and `scv client new`: the registry of clients under clients/."""

from __future__ import annotations

from pathlib import Path

from scv import paths
from scv.config import CLIENT_NAME, list_clients, load_client
from scv.errors import Problem, Problems, ScvError

CODEOWNERS_TEAM = "@scv-org/operations"


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


CLIENT_YML = """\
# {display_name}: who the client is, what it sends, who may see its site.
display_name: {display_name}
engine: duckdb
timezone: Europe/London

schedule:
  cron: "0 2 * * 1"      # Mondays 02:00, client's timezone
  ready_by: "08:00"

branding:
  colour: "#1f4e79"

contacts:
  - name: Data owner at {display_name}
    email: data@{name}.example
    role: data owner

sources:
  # One entry per file the client sends; `scv source add` writes these from a profiled file.
  - name: contacts
    description: The client's contact list.
    file: contacts.csv
    format: csv
    encoding: utf-8
    delimiter: ","
    key: id
    columns: [id, first_name, last_name, email]

sites:
  test:
    url: https://{slug}.test.scv.example/
  live:
    url: https://{slug}.scv.example/
"""

ACCESS_YML = """\
# Who may open {display_name}'s site. Everything not listed here is denied.
# Each entry: cidr, who, why, since (and until for temporary access).
allow: []
"""

RELEASE_YML = """\
# Desired live state. Changed only by promotion pull requests; approving one promotes the build.
build_id: null
manifest_sha256: null
"""

MODELS_README = """\
# {name}: dbt models

One staging model per source in client.yml (`stg_{name}__<source>s`), declared in
`_{name}__sources.yml`, then `int_{name}__contacts_unioned`, which maps them onto the canonical
contact shape that the shared identity-resolution models read.
"""


def scaffold(name: str, display_name: str | None = None) -> list[Path]:
    """Create the files of a new client; refuse to overwrite anything that exists."""
    if not CLIENT_NAME.match(name):
        raise ScvError(f"{name!r} is not a client name: lowercase letters, digits and _, 2-31 characters")
    folder, models = paths.client_dir(name), paths.client_models_dir(name)
    for existing in (folder, models):
        if existing.exists():
            raise ScvError(f"{existing} already exists; not overwriting client {name!r}")
    display_name = display_name or name.replace("_", " ").title()
    values = {"name": name, "display_name": display_name, "slug": name.replace("_", "-")}
    files = {
        folder / "client.yml": CLIENT_YML,
        folder / "access.yml": ACCESS_YML,
        folder / "release.yml": RELEASE_YML,
        models / "README.md": MODELS_README,
    }
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    created = list(files)
    codeowners = paths.repo_root() / ".github" / "CODEOWNERS"
    lines = codeowners.read_text(encoding="utf-8").splitlines() if codeowners.exists() else []
    entry = f"/clients/{name}/ /models/clients/{name}/ {CODEOWNERS_TEAM}"
    codeowners.parent.mkdir(parents=True, exist_ok=True)
    codeowners.write_text("\n".join([*lines, entry]) + "\n", encoding="utf-8")
    created.append(codeowners)
    return created
