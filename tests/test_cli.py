"""The command surface: every verb of DESIGN.md exists, and none fakes success."""

import re

import pytest

DESIGN_VERBS = [
    "demo-data", "client", "profile", "source", "build", "check", "report", "publish", "promote",
    "rollback", "match-eval", "access", "uptime", "audit", "servers", "promotion-pr", "drift",
]  # fmt: skip
SUBCOMMANDS = {"client": ["new", "validate"], "access": ["validate", "render"], "uptime": ["check", "report"],
               "audit": ["logs"], "servers": ["report"], "source": ["add"]}  # fmt: skip


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


@pytest.mark.parametrize(
    "args",
    [["profile"], ["promote"], ["rollback"],
     ["access", "validate"], ["access", "render"], ["uptime", "check"], ["uptime", "report"],
     ["audit", "logs"], ["servers", "report"], ["promotion-pr"], ["drift"], ["source", "add"]],
)  # fmt: skip
def test_verbs_not_built_yet_exit_2_and_say_so(scv, args):
    result = scv(*args)
    assert result.code == 2
    assert "not built yet" in result.err
    assert "Traceback" not in result.err + result.out


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
