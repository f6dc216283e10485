"""The client registry: typed schemas for clients/<client>/{client,access,release}.yml.

`load_client` returns a validated Client or raises Problems listing everything wrong at once,
each with file:line and the field, so a reviewer can fix a change request in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, HttpUrl, model_validator

from scv.clients.allowlist import entry_problems
from scv.clients.segments import problems as segment_problems
from scv.core import paths
from scv.core.errors import Problem, Problems, ScvError
from scv.core.schema import Clock, Cron, Identifier, Network, Size, Strict, Timezone, parse_file
from scv.core.yamlfile import YamlFile

CORRECTIONS = "corrections.yml"
CLIENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
BUILD_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{7,40}$")


Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Schedule(Strict):
    cron: Cron = Field(description="When the weekly build runs, in the client's timezone.")
    ready_by: Clock = Field("08:00", description="The build must be on the test site by this time.")


class Branding(Strict):
    colour: Colour = "#1f4e79"
    logo: str | None = Field(None, description="Path of a logo image, relative to the client folder.")


class Contact(Strict):
    name: str = Field(min_length=1)
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    role: str = ""


class Source(Strict):
    name: Identifier
    description: str = ""
    file: str = Field(min_length=1, description="File name or glob in the delivery folder.")
    format: Literal["csv", "xlsx", "ndjson", "parquet"]
    encoding: Literal["utf-8", "latin-1", "cp1252", "utf-16"] = "utf-8"
    delimiter: str = Field(",", min_length=1, max_length=1)
    quote: str = Field('"', min_length=1, max_length=1)
    header: bool = True
    sheet: str | None = None
    key: str = Field(min_length=1, description="The column that identifies a record in this source.")
    columns: list[str] = Field(default_factory=list, description="Columns the delivery must have.")


# Keys of int_contacts_matchable a blocking rule may use.
MATCH_KEYS = Literal[
    "email_key", "phone_key", "orcid_key", "customer_number_key", "first_name_key", "first_name_canonical",
    "first_initial", "last_name_key", "postcode_key", "postcode_district", "organisation_key", "birth_date",
    "country_code", "national_id_key", "membership_number_key", "first_name_phonetic", "last_name_phonetic",
    "street_number_key", "street_key", "place_key", "region_key",
]  # fmt: skip
Probability = Annotated[float, Field(gt=0, lt=1)]


class Matching(Strict):
    """Identity resolution settings. A setting left out takes its default from dbt_project.yml
    (vars.matching), where each is explained; macros/matching.sql says how they are used."""

    threshold: Probability | None = None
    max_group_size: int | None = Field(None, ge=2)
    hub_names: int | None = Field(None, ge=1)
    max_block_size: int | None = Field(None, ge=2)
    min_population: int | None = Field(None, ge=1)
    max_iterations: int | None = Field(None, ge=1)
    source_priority: list[str] = Field(default_factory=list)
    m_probabilities: dict[Identifier, dict[Identifier, Probability]] | None = None
    prior: Probability | None = None
    training_rounds: int | None = Field(None, ge=0, le=100)
    max_pairs_per_record: int | None = Field(None, ge=1)
    blocking_rules: list[Annotated[list[MATCH_KEYS], Field(min_length=1)]] | None = Field(None, min_length=1)

    def dbt_overrides(self, sources: list[str]) -> dict[str, Any]:
        """The settings this client sets, as dbt vars; source priority defaults to client.yml's order."""
        overrides = self.model_dump(exclude_none=True, exclude={"source_priority"})
        overrides["source_priority"] = self.source_priority or sources
        return overrides


Percent = Annotated[float, Field(ge=0, le=100)]


class Checks(Strict):
    """Thresholds of `scv check`, per client. Percentages compare this build with the previous
    build and with the live one; `pts` are percentage points of a rate (45% -> 38% is 7 points).

    A finding over a `warn` threshold is a warning for the team; over a `query` threshold it also
    becomes a question to the client, and the build waits for the answer; over `fail` it stops.
    """

    rows_change_warn_pct: Percent = Field(10, description="Rows of a source rose or fell by more.")
    rows_change_query_pct: Percent = Field(25, description="...and ask the client whether it was complete.")
    removed_records_query_pct: Percent = Field(
        20, description="Share of last week's records of a source that are gone this week."
    )
    rejected_rows_warn_pct: Percent = Field(0, description="Share of a file's rows that could not be read.")
    rejected_rows_query_pct: Percent = Field(1, description="...and ask the client for a corrected file.")
    rejected_rows_fail_pct: Percent = Field(25, description="...so many that the build is not usable.")
    customers_change_warn_pct: Percent = Field(10, description="Customers rose or fell by more.")
    match_rate_change_warn_pts: Percent = Field(5, description="Share of records matched to another moved.")
    fill_rate_drop_warn_pts: Percent = Field(5, description="A golden-record field is filled less often.")
    fill_rate_drop_query_pts: Percent = Field(20, description="...and ask if a source stopped sending it.")
    ready_by_margin_minutes: int = Field(
        60, ge=0, description="Warn when a build at the scheduled time would be ready with less to spare."
    )
    static_sources: list[str] = Field(
        default_factory=list, description="Sources that may be identical from week to week (never stale)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Checks:
        for low, high in [
            ("rows_change_warn_pct", "rows_change_query_pct"),
            ("rejected_rows_warn_pct", "rejected_rows_query_pct"),
            ("rejected_rows_query_pct", "rejected_rows_fail_pct"),
            ("fill_rate_drop_warn_pts", "fill_rate_drop_query_pts"),
        ]:
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} ({getattr(self, low):g}) is above {high} ({getattr(self, high):g})")
        return self


class Site(Strict):
    url: HttpUrl


class Sites(Strict):
    test: Site
    live: Site


class ClientConfig(Strict):
    display_name: str = Field(min_length=1)
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb", description="dbt runs on DuckDB (one machine) or on Spark (dbt-spark; profiles.yml)."
    )
    timezone: Timezone
    schedule: Schedule
    branding: Branding = Branding()
    contacts: list[Contact] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    memory_budget: Size | None = Field(
        None,
        description="Memory the whole build may take (e.g. 6GiB); the runner's SCV_MEMORY_BUDGET caps it, "
        "and without either a build takes a third of the machine (scv.core.memory).",
    )
    matching: Matching = Matching()
    checks: Checks = Checks()
    sites: Sites


class AccessEntry(Strict):
    cidr: Network
    who: str = Field(min_length=1)
    why: str = Field(min_length=1)
    since: date
    until: date | None = None
    allow_broad: bool = False
    reason: str | None = None


class AccessConfig(Strict):
    allow: list[AccessEntry] = Field(default_factory=list)


class ResolvedQuery(Strict):
    """A query of the build (build.json `queries`, by check and subject) the client has answered."""

    check: str = Field(min_length=1)
    subject: str
    answer: str = Field(min_length=1, description="The client's answer, in a sentence.")
    by: str | None = Field(None, description="Who answered (`scv query answer --by`).")
    answered_at: datetime | None = None


# A source record as the client's site and `scv correction add` name it: `crm_contacts:C123`.
RECORD = re.compile(r"^(?P<source>[a-z][a-z0-9_]*):(?P<record_id>\S(?:.*\S)?)$")


def _record(value: str) -> str:
    if not RECORD.match(value):
        raise ValueError(f"{value!r} is not a record as source:record_id (e.g. crm_contacts:C123)")
    return value


Record = Annotated[str, AfterValidator(_record)]
RecordPair = Annotated[list[Record], Field(min_length=2, max_length=2)]


class Correction(Strict):
    """One of the client's corrections to matching: two records that are (`same`) or are not
    (`different`) one person. Applied on every build; a cannot-link beats any score."""

    same: RecordPair | None = Field(None, description="Must-link: always one customer.")
    different: RecordPair | None = Field(None, description="Cannot-link: never one customer.")
    who: str = Field(min_length=1, description="Who at the client asked for it.")
    why: str = Field(min_length=1, description="What they told us, in a sentence.")
    asked_on: date
    reference: str | None = Field(None, description="The reference the client sent (the site's email).")

    @model_validator(mode="after")
    def _one_kind(self) -> Correction:
        if (self.same is None) == (self.different is None):
            raise ValueError("give exactly one of same: or different: (two records each)")
        if len(set(self.records)) != 2:
            raise ValueError(f"names {self.records[0]!r} twice: a correction is about two records")
        return self

    @property
    def kind(self) -> Literal["same", "different"]:
        return "same" if self.same is not None else "different"

    @property
    def records(self) -> list[str]:
        return list(self.same or self.different or [])


class CorrectionsConfig(Strict):
    corrections: list[Correction] = Field(default_factory=list)


class ReleaseConfig(Strict):
    build_id: Annotated[str, Field(pattern=BUILD_ID.pattern)] | None = None
    manifest_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    # A build with verdict `query` goes live only when every one of its queries is answered here.
    resolved_queries: list[ResolvedQuery] = Field(default_factory=list)
    promoted_at: datetime | None = None
    promoted_by: str | None = None


@dataclass(frozen=True)
class Client:
    """A client as the rest of scv sees it: its name, folder and validated configuration."""

    name: str
    folder: Path
    config: ClientConfig
    access: AccessConfig
    release: ReleaseConfig
    corrections: CorrectionsConfig = field(default_factory=CorrectionsConfig)

    def source(self, name: str) -> Source:
        for source in self.config.sources:
            if source.name == name:
                return source
        raise ScvError(f"{self.folder / 'client.yml'}: client {self.name} has no source {name!r}")


def list_clients() -> list[str]:
    root = paths.clients_dir()
    return sorted(p.name for p in root.iterdir() if (p / "client.yml").exists()) if root.exists() else []


def load_client(name: str) -> Client:
    """The validated client, or Problems naming every file, line and field that is wrong."""
    folder = paths.client_dir(name)
    if not CLIENT_NAME.match(name):
        raise ScvError(f"{name!r} is not a client name: lowercase letters, digits and _, 2-31 characters")
    if not (folder / "client.yml").exists():
        known = ", ".join(list_clients()) or "none"
        raise ScvError(f"no client {name!r}: {folder / 'client.yml'} does not exist (clients: {known})")
    problems: list[Problem] = []
    client = parse_file(folder / "client.yml", ClientConfig, problems)
    access = parse_file(folder / "access.yml", AccessConfig, problems)
    release = parse_file(folder / "release.yml", ReleaseConfig, problems)
    # corrections.yml is optional: most clients never send one.
    corrections = (
        parse_file(folder / CORRECTIONS, CorrectionsConfig, problems)
        if (folder / CORRECTIONS).exists()
        else CorrectionsConfig()
    )
    problems += _cross_checks(name, folder)
    if problems or client is None or access is None or release is None or corrections is None:
        raise Problems(problems)
    return Client(name, folder, client, access, release, corrections)


def _cross_checks(name: str, folder: Path) -> list[Problem]:
    """What one field cannot know alone: duplicates, references between fields, files on disk.

    Done on the raw YAML so these are reported even when a schema error elsewhere stops the model.
    """
    doc = YamlFile(folder / "client.yml")
    data = doc.data if isinstance(doc.data, dict) else {}
    names, problems = _source_checks(doc, data)
    return problems + _other_checks(name, folder, doc, data, names)


def _source_checks(doc: YamlFile, data: dict) -> tuple[dict[str, int], list[Problem]]:
    """Sources: names unique, the key among the columns, columns once, sheets only for workbooks."""
    problems: list[Problem] = []
    sources = data.get("sources") if isinstance(data.get("sources"), list) else []
    names: dict[str, int] = {}
    for i, source in enumerate(sources):
        if not isinstance(source, dict):
            continue
        source_name = source.get("name")
        if isinstance(source_name, str):
            if source_name in names:
                problems.append(
                    doc.problem(
                        ("sources", i, "name"),
                        f"duplicate source name {source_name!r} (also sources[{names[source_name]}])",
                    )
                )
            names.setdefault(source_name, i)
        columns, key = source.get("columns"), source.get("key")
        if isinstance(columns, list) and columns and isinstance(key, str) and key not in columns:
            problems.append(doc.problem(("sources", i, "key"), f"key column {key!r} is not among columns"))
        if isinstance(columns, list) and len(set(map(str, columns))) != len(columns):
            problems.append(doc.problem(("sources", i, "columns"), "a column is listed twice"))
        if source.get("sheet") is not None and source.get("format") != "xlsx":
            problems.append(doc.problem(("sources", i, "sheet"), "sheet applies only to format: xlsx"))
    return names, problems


def _other_checks(name: str, folder: Path, doc: YamlFile, data: dict, names: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    matching = data.get("matching") if isinstance(data.get("matching"), dict) else {}
    priority = matching.get("source_priority") if isinstance(matching.get("source_priority"), list) else []
    for i, source_name in enumerate(priority):
        if names and source_name not in names:
            problems.append(
                doc.problem(("matching", "source_priority", i), f"{source_name!r} is not a source")
            )
    checks = data.get("checks") if isinstance(data.get("checks"), dict) else {}
    static = checks.get("static_sources") if isinstance(checks.get("static_sources"), list) else []
    for i, source_name in enumerate(static):
        if names and source_name not in names:
            problems.append(doc.problem(("checks", "static_sources", i), f"{source_name!r} is not a source"))
    branding = data.get("branding") if isinstance(data.get("branding"), dict) else {}
    if isinstance(logo := branding.get("logo"), str) and not (folder / logo).is_file():
        problems.append(doc.problem(("branding", "logo"), f"logo file {logo!r} not found in {folder}"))
    models = paths.client_models_dir(name)
    if not models.is_dir():
        problems.append(
            Problem(doc.path, 1, "", f"model folder {models} is missing (scv client new scaffolds it)")
        )
    problems += _release_checks(folder / "release.yml")
    if (folder / CORRECTIONS).exists():
        problems += _correction_checks(YamlFile(folder / CORRECTIONS), set(names))
    problems += _access_checks(folder / "access.yml")
    problems += _segments_checks(folder)
    return problems


def _segments_checks(folder: Path) -> list[Problem]:
    return segment_problems(folder)  # segments.yml has a module of its own


def _release_checks(path: Path) -> list[Problem]:
    doc = YamlFile(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    if bool(data.get("build_id")) != bool(data.get("manifest_sha256")):
        missing = "manifest_sha256" if data.get("build_id") else "build_id"
        return [doc.problem((missing,), "build_id and manifest_sha256 go together: set both or neither")]
    return []


def _correction_checks(doc: YamlFile, sources: set[str]) -> list[Problem]:
    """Each record of a known source; no pair twice (in either order), so no pair both same and
    different: which of two contradicting entries should win is for a person to say."""
    data = doc.data if isinstance(doc.data, dict) else {}
    entries = data.get("corrections") if isinstance(data.get("corrections"), list) else []
    problems: list[Problem] = []
    seen: dict[frozenset[str], tuple[int, str]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        for kind in ("same", "different"):
            pair = entry.get(kind)
            if not isinstance(pair, list) or not all(isinstance(r, str) for r in pair):
                continue
            for j, record in enumerate(pair):
                m = RECORD.match(record)
                if m and sources and m["source"] not in sources:
                    known = ", ".join(sorted(sources))
                    problems.append(
                        doc.problem(("corrections", i, kind, j), f"{m['source']!r} is not a source ({known})")
                    )
            key = frozenset(pair)
            if len(pair) == 2 and len(key) == 2:
                if key in seen:
                    first, first_kind = seen[key]
                    what = "repeats" if first_kind == kind else "contradicts"
                    problems.append(
                        doc.problem(("corrections", i, kind), f"{what} corrections[{first}] ({first_kind})")
                    )
                seen.setdefault(key, (i, kind))
    return problems


def _access_checks(path: Path) -> list[Problem]:
    return entry_problems(YamlFile(path), "allow")
