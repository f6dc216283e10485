"""A new client from a folder of files to matched customers, through onboarding alone.

Each delivery of the independent generator (tests/support/linkage.py) goes the way a new
client's does: `scv client new NAME --inbox DIR`, then `scv build NAME`, no file edited by hand;
`scv match-eval` then measures the customers against the generator's truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scv.onboarding.client import delivered_files, source_name
from scv.onboarding.source import file_pattern
from support import linkage
from support.repo import copy_repo, scv_process

RECORDS = 3000


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory) -> dict:
    """Each delivery onboarded and built once, in one repository copy."""
    base = tmp_path_factory.mktemp("onboarding")
    env = {"SCV_REPO": str(copy_repo(base / "repo")), "SCV_HOME": str(base / "home"), "COLUMNS": "200"}
    out = {"env": env, "repo": Path(env["SCV_REPO"])}
    for kind in linkage.KINDS:
        client = f"gen_{kind}"
        inbox = linkage.write(kind, base / "home" / "inbox" / client, RECORDS)
        made = scv_process("client", "new", client, "--inbox", inbox, env=env)
        built = scv_process("build", client, env=env)
        builds = sorted((base / "home" / "builds" / client).glob("2*"))
        out[kind] = {"client": client, "inbox": inbox, "new": made, "build": built, "dir": builds[-1]}
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", linkage.KINDS)
def test_a_new_client_builds_from_its_files_with_no_hand_edits(onboarded, kind):
    run = onboarded[kind]
    assert run["new"].returncode == 0, run["new"].stdout + run["new"].stderr
    assert run["build"].returncode == 0, run["build"].stdout[-3000:] + run["build"].stderr
    meta = json.loads((run["dir"] / "build.json").read_text())
    assert meta["verdict"] != "fail"
    client = yaml.safe_load((onboarded["repo"] / "clients" / run["client"] / "client.yml").read_text())
    names = {s["name"] for s in client["sources"]}
    assert "contacts" not in names  # the scaffold's example is gone
    truth = {line.split(",")[0] for line in (run["inbox"] / "truth.csv").read_text().splitlines()[1:]}
    assert names == truth
    # Every delivered row is a record of some customer.
    assert (
        sum(i["rows"] - i.get("rejected_rows", 0) for i in meta["inputs"])
        == meta["row_counts"]["customer_sources"]
    )


@pytest.mark.slow
def test_a_source_in_a_dated_sub_folder_is_found_by_a_wildcard(onboarded):
    client = yaml.safe_load((onboarded["repo"] / "clients" / "gen_linked" / "client.yml").read_text())
    files = {s["name"]: s["file"] for s in client["sources"]}
    assert files == {"registry": "registry/*/registry_*.csv", "roll": "roll.csv"}


@pytest.mark.slow
@pytest.mark.parametrize("kind", linkage.KINDS)
def test_matching_of_an_onboarded_client_reaches_f1_099_and_precision_0995(onboarded, kind):
    run = onboarded[kind]
    evaluated = scv_process("match-eval", run["dir"], "--json", env=onboarded["env"])
    assert evaluated.returncode == 0, evaluated.stderr
    figures = json.loads(evaluated.stdout)
    assert figures["records_missing_from_build"] == 0 and figures["records_missing_from_truth"] == 0
    assert figures["pairwise"]["precision"] >= 0.995, figures["pairwise"]
    assert figures["pairwise"]["f1"] >= 0.99, figures["pairwise"]


def test_file_patterns_keep_sub_folders_and_turn_dates_into_wildcards(tmp_path):
    inbox = tmp_path / "inbox"
    cases = {
        "members.csv": "members.csv",
        "exports/2026-11/members_20261130.csv": "exports/*/members_*.csv",
        "crm_2026-11-30.xlsx": "crm_*.xlsx",
        "orders 30.11.2026.csv": "orders *.csv",
        "orders_v2.csv": "orders_v2.csv",
    }
    for relative, pattern in cases.items():
        assert file_pattern(inbox / relative, inbox) == pattern
    assert file_pattern(tmp_path / "elsewhere" / "x_20260101.csv", inbox) == "x_*.csv"


def test_files_differing_by_a_date_are_one_source(tmp_path):
    for name in ("weekly/members_20261123.csv", "weekly/members_20261130.csv", "Shop Orders.csv",
                 "truth.csv", ".DS_Store", "~$Shop Orders.xlsx"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("id\n1\n")
    groups = delivered_files(tmp_path)
    assert {k: [p.name for p in v] for k, v in groups.items()} == {
        "Shop Orders.csv": ["Shop Orders.csv"],
        "weekly/members_*.csv": ["members_20261123.csv", "members_20261130.csv"],
    }
    assert [source_name(p, set()) for p in groups] == ["shop_orders", "members"]
    assert source_name("2026.csv", {"source_2026"}) == "source_2026_2"


def test_client_new_from_a_missing_folder_writes_nothing(tmp_path):
    env = {"SCV_REPO": str(copy_repo(tmp_path / "repo")), "SCV_HOME": str(tmp_path / "home")}
    result = scv_process("client", "new", "acme", "--inbox", tmp_path / "nowhere", env=env)
    assert result.returncode == 2 and "not a folder of delivered files" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "repo" / "clients" / "acme").exists()
    assert [p.name for p in (tmp_path / "repo" / "models" / "clients").iterdir()] == ["demo"]


@pytest.mark.slow
def test_the_build_keeps_what_matching_learned_and_why_each_pair_was_joined(onboarded):
    import duckdb

    with duckdb.connect(str(onboarded["duplicates"]["dir"] / "scv.duckdb"), read_only=True) as con:
        card = {
            (f, lv): (m, trained)
            for f, lv, m, trained in con.execute(
                "select field_name, level_name, m_probability, is_trained from match_parameters"
            ).fetchall()
        }
        rules = dict(con.execute("select rule_keys, is_used from match_blocking_rules").fetchall())
        explained = con.execute("describe match_explanations").fetchall()
        per_pair = con.execute(
            "select count(*), count(distinct field) from match_explanations "
            "group by left_source, left_record_id, right_source, right_record_id"
        ).fetchall()
        matched = con.execute(
            "select count(*) from (select customer_id from customer_sources group by 1 having count(*) > 1)"
        ).fetchone()[0]
    # Learned from this delivery: the national id agrees for most of one person's records, and
    # m of each field's levels adds up to one.
    assert card["national_id", "exact"][1] and card["national_id", "exact"][0] > 0.5
    for field in {f for f, _ in card if f != "(prior)"}:
        assert abs(sum(m for (f, _), (m, _) in card.items() if f == field) - 1) < 0.01, field
    # Blocking follows the mapped fields: no rule on an email this delivery does not have.
    assert rules["email_key"] is False and rules["national_id_key"] is True
    # One row per accepted pair and field, in the shape the client site reads.
    assert [c[0] for c in explained] == [
        "customer_id", "left_source", "left_record_id", "right_source", "right_record_id",
        "match_probability", "match_weight", "field", "level", "weight",
    ]  # fmt: skip
    assert per_pair and all(n == fields for n, fields in per_pair)
    assert len(per_pair) >= matched


@pytest.mark.slow
def test_the_build_report_shows_the_trained_parameters_and_explained_pairs(onboarded, monkeypatch):
    from scv.build.report import write_pages
    from scv.clients.config import load_client

    monkeypatch.setenv("SCV_REPO", onboarded["env"]["SCV_REPO"])
    monkeypatch.setenv("SCV_HOME", onboarded["env"]["SCV_HOME"])
    run = onboarded["linked"]
    write_pages(load_client(run["client"]), run["dir"])
    html = (run["dir"] / "report" / "index.html").read_text()
    data = json.loads((run["dir"] / "report" / "report.json").read_text())
    assert "What matching learned from this delivery" in html
    assert "Weight of each field and level" in html and "Why records were joined" in html
    assert {"national_id", "birth_date", "last_name"} <= {c["field"] for c in data["model_card"]}
    assert len(data["explained_pairs"]) == 5
    assert all(
        p["probability"] >= 0.95 and p["fields"][0]["field"] == "(prior)" for p in data["explained_pairs"]
    )


def test_identifiers_address_parts_and_dates_are_proposed_from_names_and_values(scv, repo, tmp_path):
    rows = ["patient_id,ssn,given_names,family_name,dob,street_no,street_name,suburb,state,post_code"]
    rows += [f"P{i},{1000000 + i},Ann,Lee,{(i % 12) + 1:02d}/{13 + i % 15}/{50 + i % 40},{i},High Street,Kew,"
             f"VIC,{3000 + i}" for i in range(40)]  # fmt: skip
    members = ["member_no,forename,surname,born"] + [f"M{i},Ann,Lee,19{50 + i % 40}0{(i % 9) + 1}{10 + i % 18}"
                                                     for i in range(40)]  # fmt: skip
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "patients.csv").write_text("\n".join(rows) + "\n")
    (inbox / "members.csv").write_text("\n".join(members) + "\n")

    result = scv("client", "new", "clinic", "--inbox", inbox)

    assert result.code == 0, result.err
    models = repo / "models" / "clients" / "clinic"
    staging = (models / "stg_clinic__patients.sql").read_text()
    for column, field in [("street_no", "street_number"), ("street_name", "address_line1"),
                          ("suburb", "locality"), ("state", "region"), ("post_code", "postcode")]:  # fmt: skip
        assert f"{{{{ clean_text('\"{column}\"') }}}} as {field}" in staging, (column, field)
    # An id matching cannot use ("n/a") is left empty in staging, where a finding can name its line.
    assert "{{ clean_identifier('\"ssn\"') }} as national_id" in staging
    # 03/25/67: a second part over 12, so the column is month-first.
    assert "parse_date('\"dob\"', month_first=true) }} as birth_date" in staging
    # 19670425: a date, not a number.
    assert "parse_date('\"born\"') }} as birth_date" in (models / "stg_clinic__members.sql").read_text()
    assert "member_no as membership_number" in (models / "int_clinic__contacts_unioned.sql").read_text()
