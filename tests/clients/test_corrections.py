"""corrections.yml: validated like every client file (file:line and field, exit 2), written by
`scv correction add` from the records the client's site names, and a change to it previews the
client (pr/changes)."""

from __future__ import annotations

import pytest

from scv.pr.changes import affected_clients

GOOD = """\
corrections:
  - different: [crm_contacts:C001, crm_contacts:C003]
    who: Data Team (demo)
    why: Father and son at one address.
    asked_on: 2026-11-20
  - same: ["crm_contacts:C010", "shop_orders:WS-1"]
    who: Data Team (demo)
    why: Married name.
    asked_on: 2026-11-21
    reference: "scv:demo/20261123T020000Z-1a2b3c4/C1A2B3C4D5E6"
"""

# (case, text replacing GOOD's, line of the error, field, words)
BROKEN = [
    ("unknown source", GOOD.replace("crm_contacts:C003", "crm:C003"), 2, "corrections[0].different[1]", "'crm' is not a source"),
    ("not source:id", GOOD.replace("crm_contacts:C003", "C003"), 2, "corrections[0].different[1]", "'C003' is not a record as source:record_id"),
    ("both kinds", GOOD.replace("  - same:", "    same:").replace("    who: Data Team (demo)\n    why: Father and son at one address.\n    asked_on: 2026-11-20\n", "", 1), 2, "corrections[0]", "give exactly one of same: or different:"),
    ("one record", GOOD.replace(", crm_contacts:C003]", "]"), 2, "corrections[0].different", "at least 2 items"),
    ("the same record twice", GOOD.replace("crm_contacts:C003", "crm_contacts:C001"), 2, "corrections[0]", "names 'crm_contacts:C001' twice"),
    ("no why", GOOD.replace("    why: Married name.\n", ""), 6, "corrections[1].why", "required key is missing"),
    ("misspelt key", GOOD.replace("asked_on: 2026-11-21", "askd_on: 2026-11-21"), 9, "corrections[1].askd_on", "did you mean 'asked_on'?"),
    ("contradiction", GOOD + "  - same: [crm_contacts:C003, crm_contacts:C001]\n    who: x\n    why: y\n    asked_on: 2026-11-22\n", 11, "corrections[2].same", "contradicts corrections[0] (different)"),
]  # fmt: skip


def test_a_good_file_validates(scv, repo):
    (repo / "clients/demo/corrections.yml").write_text(GOOD)
    result = scv("client", "validate", "demo")
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    ("text", "line", "field", "words"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_a_broken_file_is_one_line_naming_file_line_and_field(scv, repo, text, line, field, words):
    (repo / "clients/demo/corrections.yml").write_text(text)
    result = scv("client", "validate", "demo")
    assert result.code == 2
    [error] = [e for e in result.err.splitlines() if f" {field}: " in e]
    assert error.startswith(f"error: clients/demo/corrections.yml:{line}: {field}: "), error
    assert words in error
    assert "Traceback" not in result.err


def test_correction_add_writes_an_entry_that_validates_and_keeps_the_file(scv, repo):
    (repo / "clients/demo/corrections.yml").write_text(GOOD)
    result = scv(
        "correction", "add", "demo", "--different", "shop_orders:WS-2", "event_registrations:EV-1",
        "--who", "Priya Shah (Northbridge)", "--why", 'Two people called "Bob"', "--on", "2026-11-25",
        "--reference", "scv:demo/20261123T020000Z-1a2b3c4/C0FFEE000001",
    )  # fmt: skip
    assert result.code == 0, result.err
    text = (repo / "clients/demo/corrections.yml").read_text()
    assert text.startswith(GOOD)
    assert text[len(GOOD) :] == (
        '  - different: ["shop_orders:WS-2", "event_registrations:EV-1"]\n'
        '    who: "Priya Shah (Northbridge)"\n'
        '    why: "Two people called \\"Bob\\""\n'
        "    asked_on: 2026-11-25\n"
        '    reference: "scv:demo/20261123T020000Z-1a2b3c4/C0FFEE000001"\n'
    )
    assert scv("client", "validate", "demo").code == 0


def test_correction_add_creates_the_file_with_its_header(scv, repo):
    result = scv(
        "correction",
        "add",
        "demo",
        "--same",
        "crm_contacts:C1",
        "shop_orders:WS-1",
        "--who",
        "a",
        "--why",
        "b",
    )
    assert result.code == 0, result.err
    text = (repo / "clients/demo/corrections.yml").read_text()
    assert text.startswith("# The client's corrections to matching") and "\ncorrections:\n  - same:" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--same", "crm_contacts:C001", "crm_contacts:C003"], "corrections[0] already says different: crm_contacts:C001 crm_contacts:C003"),
        (["--same", "crm_contacts:C001"], "--same takes two records"),
        (["--same", "--different", "crm_contacts:C1", "crm_contacts:C2"], "say --same or --different"),
        (["--same", "nope:C1", "crm_contacts:C2"], "'nope' is not a source of demo"),
        (["--same", "crm_contacts", "crm_contacts:C2"], "'crm_contacts' is not a record as source:record_id"),
    ],
)  # fmt: skip
def test_correction_add_refuses_bad_input_in_one_line_and_leaves_the_file(scv, repo, args, words):
    (repo / "clients/demo/corrections.yml").write_text(GOOD)
    result = scv("correction", "add", "demo", *args, "--who", "a", "--why", "b")
    assert result.code == 2
    assert words in result.err and len(result.err.strip().splitlines()) == 1
    assert (repo / "clients/demo/corrections.yml").read_text() == GOOD


def test_a_change_to_corrections_yml_previews_the_client():
    [affected] = affected_clients(["clients/demo/corrections.yml"], ["demo", "other"])
    assert (affected.client, affected.because) == ("demo", "clients/demo/corrections.yml")
