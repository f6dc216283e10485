"""The command surface: every verb of DESIGN.md exists, and none fakes success."""

import json
import re

import duckdb
import pytest

DESIGN_VERBS = [
    "demo-data", "client", "profile", "source", "build", "check", "report", "publish", "promote",
    "rollback", "match-eval", "access", "uptime", "audit", "servers", "promotion-pr", "drift",
]  # fmt: skip
SUBCOMMANDS = {"client": ["new", "validate", "list"], "access": ["validate", "render"],
               "uptime": ["check", "report", "issues", "validate"], "audit": ["logs"], "servers": ["report"],
               "source": ["add"], "pr": ["affected", "profile", "preview", "review", "merge", "promotion-failed"]}  # fmt: skip


def test_help_lists_every_verb_of_the_design(scv):
    result = scv("--help")
    assert result.code == 0
    for verb in DESIGN_VERBS:
        assert re.search(rf"│ {re.escape(verb)}\s+\S", result.out), f"{verb} missing from scv --help"


@pytest.mark.parametrize("group", sorted(SUBCOMMANDS))
def test_groups_list_their_subcommands(scv, group):
    result = scv(group, "--help")
    assert result.code == 0
    for sub in SUBCOMMANDS[group]:
        assert re.search(rf"│ {sub}\s+\S", result.out), f"scv {group} {sub} missing"


def test_promote_rollback_and_render_refuse_bad_input_in_one_line_before_any_playbook(scv, repo):
    nothing = scv("promote", "demo")  # release.yml in git names no build
    staging = scv("rollback", "demo", "--env", "staging")
    not_an_id = scv("rollback", "demo", "--to", "last-week")
    no_client = scv("access", "render")

    assert [r.code for r in (nothing, staging, not_an_id, no_client)] == [2, 2, 2, 2]
    assert nothing.err == "error: clients/demo/release.yml: build_id: no build named, so nothing to promote\n"
    assert staging.err == "error: --env 'staging': expected test or live\n"
    assert not_an_id.err == "error: --to 'last-week' is not a build id (like 20261123T020000Z-1a2b3c4)\n"
    assert no_client.err == "error: name a client (or --json for every client)\n"
    assert not (repo / ".." / "home" / "logs").exists()  # no playbook ran


def test_unknown_option_is_a_usage_error(scv):
    result = scv("build", "--no-such-option")
    assert result.code == 2
    assert "No such option" in result.err
    assert "Traceback" not in result.err


def test_unknown_client_is_one_line_exit_2(scv, repo):
    result = scv("build", "nosuchclient")
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "no client 'nosuchclient'" in result.err


def test_match_eval_measures_pairs_and_clusters(scv, tmp_path):
    """Three records put in one customer where truth says two people: precision 1/3, recall 1."""
    build = tmp_path / "build"
    (build / "exports").mkdir(parents=True)
    duckdb.sql(
        "copy (select * from (values ('C1', 'crm', '1'), ('C1', 'crm', '2'), ('C1', 'shop', '9'), ('C2', 'crm', '3')) "
        f"t(customer_id, source, source_record_id)) to '{build}/exports/customer_sources.parquet' (format parquet)"
    )
    truth = tmp_path / "truth.csv"
    truth.write_text("source,source_record_id,entity_id\ncrm,1,P1\ncrm,2,P1\nshop,9,P2\ncrm,3,P3\n")
    result = scv("match-eval", build, "--truth", truth, "--json")
    assert result.code == 0, result.err
    figures = json.loads(result.out)
    assert figures["pairwise"] == {
        "precision": round(1 / 3, 6), "recall": 1.0, "f1": 0.5,
        "true_positive_pairs": 1, "predicted_pairs": 3, "true_pairs": 1,
    }  # fmt: skip
    assert (
        figures["clusters"]["entities_split"] == 0 and figures["clusters"]["customers_merging_entities"] == 1
    )
    assert figures["clusters"]["entities_exactly_right"] == 1  # P3 only
    low = scv("match-eval", build, "--truth", truth, "--min-f1", "0.9")
    assert low.code == 1 and "below 0.9" in low.err
    bad = tmp_path / "bad.csv"
    bad.write_text("source,id\ncrm,1\n")
    broken = scv("match-eval", build, "--truth", bad)
    assert broken.code == 2 and "bad.csv: line 1: missing column(s) entity_id, source_record_id" in broken.err
