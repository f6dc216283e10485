"""`scv source add CLIENT SOURCE FILE`: a new source from a profiled file, for a person to review.

Writes what a build needs to read the source, in the style of `scv client new`: the client.yml
entry (as the profile read the file: format, encoding, delimiter, key, columns), the source
table in `_<client>__sources.yml`, a staging model that renames mapped columns to the canonical
contact fields (each with its confidence), its entry in `_<client>__models.yml`, and a select
in the client's contacts union. Existing files are edited as text so their comments survive;
every edit is checked by parsing the result, and nothing is left half-written.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from scv.clients import Client, load_client
from scv.core import paths
from scv.core.errors import ScvError, display_path
from scv.onboarding.scaffold import example
from scv.profiling import CANONICAL, ProfileRun, Reading, run_profile
from scv.profiling import normalise_column as normalise
from scv.profiling import summary_lines as profile_summary

SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
CLEANER = {
    "email": "clean_email",
    "phone": "clean_phone",
    "national_id": "clean_identifier",
    "membership_number": "clean_identifier",
    "birth_date": "parse_date",
    "record_updated_at": "parse_timestamp",
}
TYPE_OF = {"birth_date": "date", "record_updated_at": "timestamp"}


@dataclass
class Added:
    files: list[Path]
    run: ProfileRun
    key: str
    mapping: list[dict]


def add_source(
    client: str,
    source: str,
    file: Path,
    reading: Reading = Reading(),
    description: str | None = None,
    inbox: Path | None = None,
) -> Added:
    """inbox: the delivery folder the file is in (default the client's own inbox): the entry's
    `file:` is its path there, with any date in it a wildcard, so next week's file is found."""
    loaded = load_client(client)
    models = paths.client_models_dir(client)
    staging = models / f"stg_{client}__{source}.sql"
    _require_new(loaded, source, staging)
    run = run_profile([file], client, source, reading=reading)
    if run.errors:
        raise ScvError(run.errors[0])
    if len(run.tables) > 1:
        sheets = ", ".join(t["sheet"] for t in run.tables)
        raise ScvError(f"{display_path(file)}: several sheets have data ({sheets}): choose one with --sheet")
    table = run.tables[0]
    entry, key = _entry(table, source, file, reading.key, description)
    entry["file"] = file_pattern(file, inbox or paths.inbox_dir(client))
    # the key is the record id, whatever else its values looked like
    mapping = [m for m in table["mapping"] if m["field"] != "source_record_id"]
    mapping.insert(
        0, {"column": key, "field": "source_record_id", "confidence": 1.0, "reason": "the source's key"}
    )
    outputs = _outputs(table["columns"], mapping, key)
    edits = _edits(loaded, source, file, entry, outputs)
    _write_checked(client, edits)
    return Added([p for p, t in edits.items() if t is not None], run, key, mapping)


def _require_new(loaded: Client, source: str, staging: Path) -> None:
    if not SOURCE_NAME.match(source):
        raise ScvError(
            f"{source!r} is not a source name: lowercase letters, digits and _, starting with a letter"
        )
    if any(s.name == source for s in loaded.config.sources):
        client = loaded.name
        raise ScvError(f"clients/{client}/client.yml: client {client} already has a source {source!r}")
    if staging.exists():
        raise ScvError(f"{display_path(staging)} already exists; not overwriting it")


def _edits(
    loaded: Client, source: str, file: Path, entry: dict, outputs: list[dict]
) -> dict[Path, str | None]:
    """The text of every file the new source adds or changes (None: the file goes)."""
    client = loaded.name
    models = paths.client_models_dir(client)
    union = models / f"int_{client}__contacts_unioned.sql"
    texts = {path: path.read_text(encoding="utf-8") for path in _scaffold_parts(loaded.folder, models, union)}
    edits: dict[Path, str | None] = {}
    fresh = _example_parts(client, loaded.folder, models)
    if fresh:  # the scaffold's example source goes: it names a file no delivery has
        for path, part in fresh.items():
            if path.suffix == ".sql":
                edits[path] = None
            elif path.name == "client.yml":  # the new entry where the example was
                edits[path] = texts[path].replace(part, _source_block(entry), 1)
            elif path.name.endswith("__sources.yml"):
                table = yaml.safe_dump([_table(source, file)], sort_keys=False, width=100, allow_unicode=True)
                edits[path] = texts[path].replace(part, textwrap.indent(table, " " * 6), 1)
            else:
                texts[path] = texts[path].replace(part, "", 1)
    else:
        edits[loaded.folder / "client.yml"] = _append_source(loaded.folder / "client.yml", entry, texts)
        edits[models / f"_{client}__sources.yml"] = _append_table(
            models / f"_{client}__sources.yml", source, file, texts
        )
    edits[models / f"_{client}__models.yml"] = _append_model(
        models / f"_{client}__models.yml", client, source, outputs, texts
    )
    edits[models / f"stg_{client}__{source}.sql"] = _staging_sql(client, source, file, outputs)
    if union in texts:
        edits[union] = _union_sql(texts[union], client, source, outputs, fresh=bool(fresh))
    return edits


def _write_checked(client: str, edits: dict[Path, str | None]) -> None:
    """Write every edit, then check the client still validates; on any failure put all back."""
    originals = {path: path.read_text(encoding="utf-8") if path.exists() else None for path in edits}
    try:
        for path, text in edits.items():
            if text is None:
                path.unlink()
            else:
                path.write_text(text, encoding="utf-8")
        load_client(client)  # the edited client.yml must still validate
    except BaseException:
        for path, text in originals.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        raise


# A date in a file or folder name: 2026-11-30, 20261130, 2026_11, 30-11-2026…
DATE_IN_NAME = re.compile(
    r"(?<!\d)((19|20)\d{2}[-_.]?(0[1-9]|1[0-2])([-_.]?(0[1-9]|[12]\d|3[01]))?"
    r"|(0[1-9]|[12]\d|3[01])[-_.](0[1-9]|1[0-2])[-_.](19|20)\d{2})(?!\d)"
)


def file_pattern(file: Path, inbox: Path) -> str:
    """The source's `file:` in client.yml: the file's path in the inbox (sub-folders and all),
    each date in it a `*`, so that next week's file (patients_20261207.csv) is found too."""
    try:
        relative = file.resolve().relative_to(inbox.resolve())
    except ValueError:
        relative = Path(file.name)
    return "/".join(DATE_IN_NAME.sub("*", part) for part in relative.parts)


def _scaffold_parts(folder: Path, models: Path, union: Path) -> list[Path]:
    client = folder.name
    parts = [folder / "client.yml", models / f"_{client}__sources.yml", models / f"_{client}__models.yml"]
    return [*parts, union] if union.exists() else parts


def _example_parts(client: str, folder: Path, models: Path) -> dict[Path, str]:
    """The parts of the scaffold's example source, by file, when every one of them is still as
    `scv client new` wrote it (a fresh client); else nothing: a source someone kept stays."""
    parts = {
        (folder if name == "client.yml" else models) / name: text for name, text in example(client).items()
    }
    for path, text in parts.items():
        if not path.exists():
            return {}
        content = path.read_text(encoding="utf-8")
        if (content != text) if path.suffix == ".sql" else (text not in content):
            return {}
    return parts


def _entry(
    table: dict, source: str, file: Path, key: str | None, description: str | None
) -> tuple[dict, str]:
    """The client.yml source entry for the file as it was read; refuse what the loader cannot read."""
    where = display_path(file)
    if table["compression"]:
        raise ScvError(f"{where}: the loader reads uncompressed files; ask for the file without gzip")
    if table["format"] == "json":
        raise ScvError(
            f"{where}: a JSON array; the loader reads csv, xlsx, ndjson and parquet: ask for NDJSON"
        )
    renamed = [n for n in table["notes"] if n.startswith(("header name", "column "))]
    if renamed:
        raise ScvError(f"{where}: line 1: {renamed[0]}; the loader needs unique, non-empty header names")
    if table["format"] == "xlsx" and not table["header"]:
        raise ScvError(f"{where}: the sheet has no header row; the loader reads XLSX by its header")
    key = key or (table["key"] or {}).get("column")
    names = [c["name"] for c in table["columns"]]
    if key is None:
        raise ScvError(f"{where}: no column is unique and always filled; name the key with --key")
    if key not in names:
        raise ScvError(f"{where}: --key {key!r} is not a column (columns: {', '.join(names)})")
    entry: dict = {
        "name": source,
        "description": description or f"Added from {file.name} by scv source add; review the mapping.",
        "file": file.name,
        "format": table["format"],
    }
    if table["format"] in ("csv", "ndjson"):
        entry["encoding"] = table["encoding"]
    if table["format"] == "csv":
        entry["delimiter"] = table["delimiter"]
        if table["quote"] != '"':
            entry["quote"] = table["quote"]
        if not table["header"]:
            entry["header"] = False
    if table["sheet"]:
        entry["sheet"] = table["sheet"]
    entry["key"] = key
    entry["columns"] = names
    return entry, key


def _source_block(entry: dict) -> str:
    body = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    return "".join(f"  {line}" for line in body.splitlines(keepends=True))


def _append_source(path: Path, entry: dict, texts: dict[Path, str]) -> str:
    """client.yml with the entry as the last item of `sources:`, comments and all kept."""
    text = texts[path]
    lines = text.splitlines(keepends=True)
    # 1-based lines of the top-level keys (the scaffold's and source add's layout: keys at column 0)
    top = [i + 1 for i, line in enumerate(lines) if re.match(r"[A-Za-z_][\w-]*\s*:", line)]
    start = next((i + 1 for i, line in enumerate(lines) if re.match(r"sources\s*:", line)), None)
    if start is None:
        raise ScvError(f"{display_path(path)}: has no sources: list to add to")
    end = next((line - 1 for line in top if line > start), len(lines))  # the line before the next key
    while end > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1  # the next key's comments and the blank lines before it stay with it
    block = "\n" + _source_block(entry)
    return (
        "".join(lines[:end]) + ("" if lines[end - 1].endswith("\n") else "\n") + block + "".join(lines[end:])
    )


DUMP_WIDTHS = (80, 100, 110, 120)


def _dumped_width(text: str) -> int | None:
    """The line width yaml.safe_dump wrote the text with, if it was written by it at all: such a
    file can be loaded, changed and dumped again with a diff of only the change."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    for width in DUMP_WIDTHS:
        if yaml.safe_dump(data, sort_keys=False, width=width, allow_unicode=True) == text:
            return width
    return None


def _append_item(path: Path, text: str, item: dict, parent: str, check) -> str:
    """text with item added at its end, as the last entry of the list under `parent:` (the
    file's last list), indented like that list's first item: as text, so a hand-written file
    keeps its comments. `check` proves the result."""
    first = re.search(rf"^ *{parent}:\s*\n(?:\s*#.*\n)*( *)- ", text, re.M)  # the list's first item
    indent = first.group(1) if first else "  "
    body = yaml.safe_dump([item], sort_keys=False, width=100, allow_unicode=True, default_flow_style=False)
    block = "".join(indent + line if line.strip() else line for line in body.splitlines(keepends=True))
    edited = text.rstrip("\n") + "\n" + block
    try:
        ok = check(yaml.safe_load(edited))
    except (yaml.YAMLError, KeyError, TypeError, IndexError):
        ok = False
    if not ok:
        raise ScvError(f"{display_path(path)}: not in a layout scv can add to; add the entry by hand")
    return edited


def _table(source: str, file: Path) -> dict:
    return {"name": source, "description": f"{file.name}, added by scv source add (schema raw)."}


def _append_table(path: Path, source: str, file: Path, texts: dict[Path, str]) -> str:
    text = texts[path]
    table = _table(source, file)
    if width := _dumped_width(text):
        data = yaml.safe_load(text)
        data["sources"][0]["tables"].append(table)
        return yaml.safe_dump(data, sort_keys=False, width=width, allow_unicode=True)
    return _append_item(
        path, text, table, "tables", lambda d: any(t.get("name") == source for t in d["sources"][0]["tables"])
    )


def _append_model(path: Path, client: str, source: str, outputs: list[dict], texts: dict[Path, str]) -> str:
    """The staging model's entry, and the new source among the union's accepted `source` values."""
    text = texts[path]
    key = next(o["name"] for o in outputs if "source_record_id" in o["fields"])
    model = {
        "name": f"stg_{client}__{source}",
        "description": f"{source}, cleaned; written by scv source add from a profile, to review.",
        "columns": [
            {"name": key, "description": "The source's record id (its key).", "data_tests": ["not_null"]}
        ],
    }
    if width := _dumped_width(text):
        data = yaml.safe_load(text)
        data["models"].append(model)
        _accept_source(data, client, source)
        return yaml.safe_dump(data, sort_keys=False, width=width, allow_unicode=True)
    edited = _append_item(
        path, text, model, "models", lambda d: any(m.get("name") == model["name"] for m in d["models"])
    )
    union = re.search(rf"^( *)- name: int_{client}__contacts_unioned\n(?:\1 .*\n|\s*\n)*", edited, re.M)
    values = re.compile(r"(values:\s*\[)([^\]\n]*)(\])")
    found = values.search(edited, union.start(), union.end()) if union else None
    if found:  # the flow list `values: [a, b]` a hand-written file uses
        listed = found.group(2).rstrip()
        edited = (
            edited[: found.start(2)] + (f"{listed}, {source}" if listed else source) + edited[found.end(2) :]
        )
    return edited


def _accept_source(data: dict, client: str, source: str) -> None:
    """A union whose `source` column has an accepted_values test must accept the new source."""
    for model in data.get("models", []):
        if model.get("name") != f"int_{client}__contacts_unioned":
            continue
        for column in model.get("columns", []):
            for test in column.get("data_tests", []) if column.get("name") == "source" else []:
                accepted = test.get("accepted_values") if isinstance(test, dict) else None
                if accepted is not None:
                    accepted.get("arguments", accepted)["values"].append(source)


def _outputs(columns: list[dict], mapping: list[dict], key: str) -> list[dict]:
    """Each column's staging name and expression: the canonical name when mapped, else its own.
    Ids keep their own name (the union maps them); a column may serve two fields."""
    fields: dict[str, list[dict]] = {}
    for m in mapping:
        fields.setdefault(m["column"], []).append(m)
    taken: set[str] = set()
    outputs = []
    for c in columns:
        maps = fields.get(c["name"], [])
        names = [m["field"] for m in maps]
        plain = not names or {"source_record_id", "customer_number"} & set(names)
        name = normalise(c["name"]) if plain else names[0]
        name = name if re.match(r"^[a-z_]", name or "") else f"col_{name or c['position']}"
        while name in taken:
            name += "_2"
        taken.add(name)
        arg = c["name"].replace("\\", "\\\\").replace("'", "\\'").replace('"', '""')
        # A record's key is never left empty by a validating cleaner ("M1" is a short membership
        # number but still the member's id): keys get clean_text.
        keyed = "source_record_id" in names
        macro = None if keyed else next((CLEANER[f] for f in names if f in CLEANER), None)
        macro = macro or {"date": "parse_date", "timestamp": "parse_timestamp"}.get(c["type"], "clean_text")
        note = "; ".join(f"{m['field']}, {m['confidence']:.0%}: {m['reason']}" for m in maps)
        # The profile decided from the values whether 03/05/98 is the 3rd of May or March 5th.
        order = ", month_first=true" if macro == "parse_date" and c.get("month_first") else ""
        if order:
            note = (note + "; " if note else "") + "month-first dates (a value's second part is over 12)"
        outputs.append(
            {"name": name, "fields": names, "sql": f"{{{{ {macro}('\"{arg}\"'{order}) }}}}", "note": note}
        )
    return outputs


def _staging_sql(client: str, source: str, file: Path, outputs: list[dict]) -> str:
    lines = []
    for o in outputs:
        # the why goes above its line, wrapped: sqlfluff allows 120 characters
        lines += [f"        -- {part}" for part in textwrap.wrap(o["note"], 100)]
        lines.append(f"        {o['sql']} as {o['name']},")
    # where each row came from, so a value the model leaves empty can be found in the file
    lines += ["        _scv_file,", "        _scv_line"]
    return (
        f"{{#- {source}: written by `scv source add` from {file.name}. Mapped columns carry the\n"
        f"    canonical contact names (field, confidence and why above each): review them. -#}}\n\n"
        f"with\n\nsource as (\n    select * from {{{{ source('{client}', '{source}') }}}}\n),\n\n"
        f"renamed as (\n    select\n" + "\n".join(lines) + "\n    from source\n)\n\nselect * from renamed\n"
    )


def _union_select(client: str, source: str, outputs: list[dict]) -> str:
    by_field = {f: o["name"] for o in outputs for f in o["fields"]}
    full = by_field.get("full_name")
    exprs = [f"'{source}' as source"]
    for field in CANONICAL:
        if field in by_field:
            expr = by_field[field]
        elif field == "customer_number":
            expr = "cast(null as varchar)"
        elif full and field in ("title", "first_name", "last_name"):
            part = {"title": "title", "first_name": "first", "last_name": "last"}[field]
            expr = f"{{{{ name_part('{full}', '{part}') }}}}"
        else:
            expr = f"cast(null as {TYPE_OF.get(field, 'varchar')})"
        exprs.append(expr if expr == field else f"{expr} as {field}")
    body = ",\n        ".join(exprs)
    return f"{source} as (\n    select\n        {body}\n    from {{{{ ref('stg_{client}__{source}') }}}}\n)"


def _union_sql(text: str, client: str, source: str, outputs: list[dict], fresh: bool = False) -> str:
    """The contacts union with one more select: a CTE before the final select, and its union."""
    final = re.search(r"\n\)\n\n(select \* from \w+(\s+union all\s+select \* from \w+)*)\s*$", text)
    if final is None:
        raise ScvError(
            f"models/clients/{client}/int_{client}__contacts_unioned.sql: not in the layout `scv client new` "
            f"writes (CTEs, then select * … union all …); add the source to it by hand"
        )
    head = text[: final.start() + 2]
    select = _union_select(client, source, outputs)
    if fresh:  # the only select
        return text[: text.index("with\n")] + f"with\n\n{select}\n\nselect * from {source}\n"
    return f"{head},\n\n{select}\n\n{final.group(1)}\nunion all\nselect * from {source}\n"


def summary_lines(added: Added, client: str, source: str) -> list[str]:
    """What `scv source add` prints: the profile, the files written and the mapping to review."""
    lines = [*profile_summary(added.run)]
    lines += [f"  wrote {display_path(path)}" for path in added.files]
    lines.append(f"Source {source} added to {client} with key {added.key}. Mapping to review:")
    lines += [f"  {m['field']:<18} <- {m['column']} ({m['confidence']:.0%})" for m in added.mapping]
    lines.append(f"Profile: {display_path(added.run.out / 'index.html')}")
    return lines
