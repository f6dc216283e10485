"""The client registry: broken client files are reported with file:line and field, exit 2."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

# (case, file, text to replace, replacement, line anchor: text on the line the error must name,
#  field the error must name, words the message must contain)
BROKEN = [
    ("misspelt key", "client.yml", "    encoding: utf-8\n    delimiter: \",\"", "    encodng: utf-8\n    delimiter: \",\"",
     "encodng: utf-8", "sources[0].encodng", "unknown key (did you mean 'encoding'?)"),
    ("bad cron", "client.yml", 'cron: "0 2 * * 1"', 'cron: "0 25 * * 1"',
     "cron:", "schedule.cron", "not a 5-field cron expression"),
    ("bad timezone", "client.yml", "timezone: Europe/London", "timezone: Europe/Lundon",
     "timezone:", "timezone", "not an IANA timezone"),
    ("duplicate source", "client.yml", "- name: event_registrations", "- name: shop_orders",
     "- name: shop_orders\n    description: Conference", "sources[3].name", "duplicate source name 'shop_orders'"),
    ("invalid CIDR", "access.yml", "cidr: 127.0.0.1/32", "cidr: 127.0.0.1/33",
     "cidr:", "allow[0].cidr", "not an IPv4/IPv6 address or CIDR block"),
    ("unknown encoding", "client.yml", "encoding: utf-16", "encoding: utf16",
     "encoding: utf16", "sources[3].encoding", "'utf16' is not allowed"),
    ("bad site URL", "client.yml", "url: https://127.0.0.1:8481/", "url: not a url",
     "url: not a url", "sites.test.url", "url"),
    ("missing key column", "client.yml", "    key: order_id\n", "",
     "- name: shop_orders", "sources[1].key", "required key is missing"),
    ("duplicate YAML key", "client.yml", "engine: duckdb\n", "engine: duckdb\nengine: duckdb\n",
     "engine: duckdb\ntimezone", "engine", "duplicate key (first on line 5)"),
    ("YAML syntax", "client.yml", '  ready_by: "08:00"', '   ready_by: "08:00"',
     None, "", "YAML syntax error"),
    ("bad build id", "release.yml", "build_id: null", "build_id: last-week",
     "build_id:", "build_id", "does not match the required pattern"),
    ("key not a column", "client.yml", "key: contact_id", "key: id",
     "key: id", "sources[0].key", "key column 'id' is not among columns"),
    ("unknown priority source", "client.yml", "source_priority: [crm_contacts,", "source_priority: [crm,",
     "source_priority:", "matching.source_priority[0]", "'crm' is not a source"),
    ("access entry without why", "access.yml", "    why: Staff use the customer dashboard\n", "",
     "- cidr:", "allow[0].why", "required key is missing"),
    ("bad colour", "client.yml", 'colour: "#1f4e79"', "colour: navy",
     "colour:", "branding.colour", "'navy' does not match"),
    ("expired access", "access.yml", "since: 2026-01-05", "since: 2020-01-05\n    until: 2021-01-01",
     "until:", "allow[0].until", "expired on 2021-01-01"),
    ("whole internet", "access.yml", "cidr: 127.0.0.1/32", "cidr: 0.0.0.0/0",
     "cidr:", "allow[0].cidr", "allows the whole internet"),
    ("unknown engine", "client.yml", "engine: duckdb", "engine: flink",
     "engine: flink", "engine", "'flink' is not allowed; expected 'duckdb' or 'spark'"),
    ("duplicate segment", "segments.yml", "- name: event_buyers", "- name: uk_subscribers",
     "- name: uk_subscribers\n    title: Event", "segments[2].name", "duplicate segment 'uk_subscribers'"),
    ("segment without a condition", "segments.yml", "    where: source_count >= 3\n", "",
     "- name: known_everywhere", "segments[1].where", "required key is missing"),
    ("misspelt segment key", "segments.yml", "    title: UK journal subscribers", "    titel: UK journal subscribers",
     "titel:", "segments[0].titel", "unknown key (did you mean 'title'?)"),
]  # fmt: skip


def line_of(text: str, anchor: str) -> int:
    return text[: text.index(anchor)].count("\n") + 1


@pytest.mark.parametrize(
    ("file", "old", "new", "anchor", "field", "words"),
    [case[1:] for case in BROKEN],
    ids=[c[0] for c in BROKEN],
)
def test_broken_client_file_names_file_line_and_field(scv, repo, file, old, new, anchor, field, words):
    path = repo / "clients" / "demo" / file
    text = path.read_text()
    assert old in text, "the test case no longer matches the demo client"
    broken = text.replace(old, new, 1)
    path.write_text(broken)

    result = scv("client", "validate", "demo")

    assert result.code == 2
    assert "Traceback" not in result.err + result.out
    line = re.escape(str(line_of(broken, anchor))) if anchor else r"\d+"
    where = rf"^error: clients/demo/{re.escape(file)}:{line}: " + (re.escape(field) + ": " if field else "")
    # One problem per line; a mistake may cause a second, related one (a renamed source is also
    # missing from source_priority), so look for the expected line among them.
    matching = [x for x in result.err.splitlines() if re.match(where, x) and words in x]
    assert matching, result.err


def test_every_problem_is_reported_at_once(scv, repo):
    client = repo / "clients" / "demo" / "client.yml"
    client.write_text(
        client.read_text()
        .replace("timezone: Europe/London", "timezone: Mars/Olympus")
        .replace("encoding: latin-1", "encoding: ebcdic")
        .replace("max_group_size: 50", "max_group_size: 1")
    )
    access = repo / "clients" / "demo" / "access.yml"
    access.write_text(access.read_text().replace("127.0.0.1/32", "127.0.0.300"))

    result = scv("client", "validate")

    assert result.code == 2
    fields = [line.split(": ")[2] for line in result.err.strip().splitlines()]
    assert fields == ["allow[0].cidr", "timezone", "sources[1].encoding", "matching.max_group_size"]


def test_missing_model_folder_is_reported(scv, repo):
    shutil.rmtree(repo / "models" / "clients" / "demo")
    result = scv("client", "validate", "demo")
    assert result.code == 2
    assert "clients/demo/client.yml:1: model folder" in result.err
    assert "models/clients/demo is missing" in result.err


def test_the_demo_client_validates(scv, repo):
    result = scv("client", "validate")
    assert result.code == 0, result.err
    assert "demo" in result.out


def test_new_client_is_scaffolded_and_validates(scv, repo: Path):
    result = scv("client", "new", "acme_books", "--display-name", "Acme Books Ltd")
    assert result.code == 0, result.err
    assert (repo / "clients" / "acme_books" / "client.yml").exists()
    assert (repo / "models" / "clients" / "acme_books" / "stg_acme_books__contacts.sql").exists()
    owners = (repo / ".github" / "CODEOWNERS").read_text().splitlines()
    assert "/clients/acme_books/ @scv-org/acme-books-reviewers" in owners
    assert "/models/clients/acme_books/ @scv-org/acme-books-reviewers" in owners

    validated = scv("client", "validate", "acme_books")
    assert validated.code == 0, validated.err


def test_new_client_refuses_to_overwrite_or_bad_names(scv, repo):
    existing = scv("client", "new", "demo")
    assert existing.code == 2
    assert "already exists" in existing.err
    bad = scv("client", "new", "Acme Books")
    assert bad.code == 2
    assert "is not a client name" in bad.err


def test_a_client_on_spark_validates(scv, repo):
    client_yml = repo / "clients" / "demo" / "client.yml"
    client_yml.write_text(client_yml.read_text().replace("engine: duckdb", "engine: spark"))

    result = scv("client", "validate", "demo")

    assert result.code == 0, result.err
