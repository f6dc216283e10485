"""`scv client validate` and `scv client new`: the registry of clients under clients/."""

from __future__ import annotations

from pathlib import Path

from scv.clients.config import CLIENT_NAME, list_clients, load_client
from scv.core import paths
from scv.core.errors import Problem, Problems, ScvError

# Each client's folders are owned by its reviewers' team: they approve its promotions.
CODEOWNERS_ORG = "@scv-org"


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
{example_source}
sites:
  test:
    url: https://{slug}.test.scv.example/
  live:
    url: https://{slug}.scv.example/
"""

# The scaffold's example source: `scv source add` on a fresh client replaces it (it names a
# file no delivery has, so a client keeping it would not build).
EXAMPLE_SOURCE = """\
  - name: contacts
    description: The client's contact list.
    file: contacts.csv
    format: csv
    encoding: utf-8
    delimiter: ","
    key: id
    columns: [id, first_name, last_name, email]
"""
EXAMPLE_TABLE = """\
      - name: contacts
        description: The client's contact list.
"""

EXAMPLE_MODEL = """\
  - name: stg_{name}__contacts
    description: The client's contacts, cleaned.
    columns:
      - name: contact_id
        description: The client's id for the contact.
        data_tests: [not_null]
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

SOURCES_YML = """\
version: 2

sources:
  - name: {name}
    description: {display_name}'s delivery, loaded as text by `scv build` (schema raw).
    schema: raw
    tables:
{example_table}"""

STAGING_SQL = """\
with

source as (
    select * from {{{{ source('{name}', 'contacts') }}}}
),

renamed as (
    select
        {{{{ clean_text('id') }}}} as contact_id,
        {{{{ clean_text('first_name') }}}} as first_name,
        {{{{ clean_text('last_name') }}}} as last_name,
        {{{{ clean_email('email') }}}} as email
    from source
)

select * from renamed
"""

UNIONED_SQL = """\
{{#- {display_name}'s sources on the canonical contact shape read by the shared models. -#}}

with

contacts as (
    select
        'contacts' as source,
        contact_id as source_record_id,
        contact_id as customer_number,
        cast(null as string) as title,
        first_name,
        last_name,
        email,
        cast(null as string) as phone,
        cast(null as string) as organisation,
        cast(null as string) as address_line1,
        cast(null as string) as city,
        cast(null as string) as postcode,
        cast(null as string) as country,
        cast(null as string) as orcid,
        cast(null as date) as birth_date,
        cast(null as timestamp) as record_updated_at
    from {{{{ ref('stg_{name}__contacts') }}}}
)

select * from contacts
"""

ACTIVITY_SQL = """\
{{#- What {display_name}'s customers did (orders, subscriptions, events…), on the canonical
    activity shape the shared customer_activity mart reads. None yet: add a select per source
    that records activity, and union them. -#}}

select
    cast(null as string) as source,
    cast(null as string) as source_record_id,
    cast(null as string) as activity_type,
    cast(null as timestamp) as activity_at,
    cast(null as decimal(12, 2)) as amount,
    cast(null as string) as currency,
    cast(null as string) as description
where false
"""

MODELS_YML = """\
version: 2

models:
{example_model}  - name: int_{name}__contacts_unioned
    description: Every {display_name} source record on the canonical contact shape.
    columns:
      - name: source_record_id
        description: The record's id in its source.
        data_tests: [not_null]
  - name: int_{name}__activity_unioned
    description: What {display_name}'s customers did, one row per activity (none yet).
"""


def example(name: str) -> dict[str, str]:
    """The scaffold's example source as it wrote it: the text of each of its parts, by file."""
    return {
        "client.yml": EXAMPLE_SOURCE,
        f"_{name}__sources.yml": EXAMPLE_TABLE,
        f"_{name}__models.yml": EXAMPLE_MODEL.format(name=name),
        f"stg_{name}__contacts.sql": STAGING_SQL.format(name=name),
    }


def scaffold(name: str, display_name: str | None = None) -> list[Path]:
    """Create the files of a new client; refuse to overwrite anything that exists."""
    if not CLIENT_NAME.match(name):
        raise ScvError(f"{name!r} is not a client name: lowercase letters, digits and _, 2-31 characters")
    folder, models = paths.client_dir(name), paths.client_models_dir(name)
    for existing in (folder, models):
        if existing.exists():
            raise ScvError(f"{existing} already exists; not overwriting client {name!r}")
    display_name = display_name or name.replace("_", " ").title()
    values = {"name": name, "display_name": display_name, "slug": name.replace("_", "-"),
              "example_source": EXAMPLE_SOURCE, "example_table": EXAMPLE_TABLE}  # fmt: skip
    values["example_model"] = EXAMPLE_MODEL.format(**values)
    files = {
        folder / "client.yml": CLIENT_YML,
        folder / "access.yml": ACCESS_YML,
        folder / "release.yml": RELEASE_YML,
        models / f"_{name}__sources.yml": SOURCES_YML,
        models / f"_{name}__models.yml": MODELS_YML,
        models / f"stg_{name}__contacts.sql": STAGING_SQL,
        models / f"int_{name}__contacts_unioned.sql": UNIONED_SQL,
        models / f"int_{name}__activity_unioned.sql": ACTIVITY_SQL,
    }
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    created = list(files)
    codeowners = paths.repo_root() / ".github" / "CODEOWNERS"
    lines = codeowners.read_text(encoding="utf-8").splitlines() if codeowners.exists() else []
    owners = f"{CODEOWNERS_ORG}/{values['slug']}-reviewers"
    entries = [f"/clients/{name}/ {owners}", f"/models/clients/{name}/ {owners}"]
    codeowners.parent.mkdir(parents=True, exist_ok=True)
    codeowners.write_text("\n".join([*lines, *entries]) + "\n", encoding="utf-8")
    created.append(codeowners)
    return created
