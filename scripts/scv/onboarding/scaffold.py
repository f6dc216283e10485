"""`scv client new`: the files of a new client, from the templates beside this module."""

from __future__ import annotations

from pathlib import Path

from scv.clients import CLIENT_NAME
from scv.core import paths
from scv.core.errors import ScvError

TEMPLATES = Path(__file__).with_name("templates")
# Each client's folders are owned by its reviewers' team: they approve its promotions.
CODEOWNERS_ORG = "@scv-org"


def template(name: str) -> str:
    return (TEMPLATES / f"{name}.tmpl").read_text(encoding="utf-8")


def example(name: str) -> dict[str, str]:
    """The scaffold's example source as it wrote it: the text of each of its parts, by file."""
    return {
        "client.yml": template("example_source.yml"),
        f"_{name}__sources.yml": template("example_table.yml"),
        f"_{name}__models.yml": template("example_model.yml").format(name=name),
        f"stg_{name}__contacts.sql": template("staging.sql").format(name=name),
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
              "example_source": template("example_source.yml"),
              "example_table": template("example_table.yml")}  # fmt: skip
    values["example_model"] = template("example_model.yml").format(**values)
    files = {
        folder / "client.yml": "client.yml",
        folder / "access.yml": "access.yml",
        folder / "release.yml": "release.yml",
        models / f"_{name}__sources.yml": "sources.yml",
        models / f"_{name}__models.yml": "models.yml",
        models / f"stg_{name}__contacts.sql": "staging.sql",
        models / f"int_{name}__contacts_unioned.sql": "contacts_unioned.sql",
        models / f"int_{name}__activity_unioned.sql": "activity_unioned.sql",
    }
    for path, name_of_template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template(name_of_template).format(**values), encoding="utf-8")
    created = list(files)
    codeowners = paths.repo_root() / ".github" / "CODEOWNERS"
    lines = codeowners.read_text(encoding="utf-8").splitlines() if codeowners.exists() else []
    owners = f"{CODEOWNERS_ORG}/{values['slug']}-reviewers"
    entries = [f"/clients/{name}/ {owners}", f"/models/clients/{name}/ {owners}"]
    codeowners.parent.mkdir(parents=True, exist_ok=True)
    codeowners.write_text("\n".join([*lines, *entries]) + "\n", encoding="utf-8")
    created.append(codeowners)
    return created
