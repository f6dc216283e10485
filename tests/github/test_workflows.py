"""The workflows are thin and safe: each step calls one make target or one scv verb that exists,
environments and runner labels are documented ones, actions are pinned, event data never reaches a
shell through `${{ }}`. (Schema and security audit: check-jsonschema and zizmor in `make lint`.)
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from support.repo import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
README = (REPO / "README.md").read_text()


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True: put it back under its name.
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps() -> list[tuple[str, str, dict]]:
    return [
        (path.name, job_id, step)
        for path in WORKFLOWS
        for job_id, job in load(path)["jobs"].items()
        for step in job.get("steps", [])
    ]


def runs() -> list[tuple[str, str]]:
    return [(f"{wf}:{job}", step["run"]) for wf, job, step in steps() if "run" in step]


def documented(heading: str) -> set[str]:
    """The names in the first column of the tables under a README heading."""
    section = README.split(heading, 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.M))


def test_the_workflows_of_the_design_are_there():
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "weekly-build.yml", "promote.yml", "uptime.yml", "log-audit.yml", "upkeep.yml"} <= names


@pytest.mark.parametrize(("where", "command"), runs())
def test_each_step_runs_one_make_target_or_one_scv_verb(where, command):
    assert "\n" not in command.strip(), f"{where}: one command per step"
    words = shlex.split(command)
    # The GitHub CLI is allowed for one GitHub-side action on a file scv wrote (an issue, a PR).
    allowed = ("make", ".venv/bin/scv") + (("gh",) if words[1:2] in (["issue"], ["pr"]) else ())
    assert words[0] in allowed, f"{where}: {command}"
    assert not set(words) & {"&&", "||", "|", ";", ">", ">>"}, f"{where}: {command}"


def test_every_make_target_a_workflow_calls_exists():
    targets = {shlex.split(c)[1] for _, c in runs() if c.startswith("make ")}
    assert targets, "no make target found"
    for target in sorted(targets):
        done = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, f"make {target}: {done.stderr}"


def scv_verbs() -> list[tuple[str, ...]]:
    """('pr', 'review'), ('build',)…: the verb words of every scv command in a workflow."""
    found = set()
    for _, command in runs():
        words = shlex.split(command)
        if words[0].endswith("scv"):
            verb = tuple(w for w in words[1:3] if not w.startswith(("-", "$")))
            found.add(verb)
    return sorted(found)


@pytest.mark.parametrize("verb", scv_verbs(), ids=" ".join)
def test_every_scv_verb_a_workflow_calls_exists(scv, verb):
    result = scv(*verb, "--help")

    assert result.code == 0, result.err
    assert f"Usage: scv {' '.join(verb)} " in result.out.replace("  ", " ")


def test_every_environment_is_a_documented_one():
    environments = set(documented("### Environments and secrets"))
    used = {
        (job["environment"]["name"] if isinstance(job["environment"], dict) else job["environment"])
        for path in WORKFLOWS
        for job in load(path)["jobs"].values()
        if "environment" in job
    }
    assert used == {"live"}
    # An environment name that does not exist is created silently, without protection.
    assert used <= environments


def test_every_self_hosted_label_is_documented():
    labels = {
        label
        for path in WORKFLOWS
        for job in load(path)["jobs"].values()
        for label in ([job["runs-on"]] if isinstance(job["runs-on"], str) else job["runs-on"])
    }
    assert labels == {"ubuntu-latest", "self-hosted", "scv-builder"}
    assert "`self-hosted` and **`scv-builder`**" in README


def test_secrets_used_are_documented():
    used = set(re.findall(r"secrets\.(\w+)", "".join(p.read_text() for p in WORKFLOWS))) - {"GITHUB_TOKEN"}
    assert "SCV_TEAMS_TOKEN" in used
    assert used <= documented("### Environments and secrets")


def test_actions_are_pinned_by_full_commit_sha():
    for wf, job, step in steps():
        if "uses" in step:
            # owner/repo, or owner/repo/path for an action inside a repository (actions/cache/save)
            assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w.-]+)*@[0-9a-f]{40}", step["uses"]), (
                f"{wf}:{job}: {step['uses']}"
            )


def test_no_expression_is_expanded_inside_a_shell_command():
    for where, command in runs():
        assert "${{" not in command, f"{where}: pass event data through env: ({command})"


def test_permissions_are_read_only_at_the_top_and_checkouts_keep_no_credentials():
    for path in WORKFLOWS:
        data = load(path)
        assert data["permissions"] in ({}, {"contents": "read"}), path.name
    for wf, job, step in steps():
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{wf}:{job}"


def test_the_live_job_is_one_concurrency_group_per_client_never_cancelled():
    promote = load(REPO / ".github/workflows/promote.yml")["jobs"]["promote"]
    assert promote["environment"] == "live"
    assert promote["concurrency"] == {
        "group": "promote-${{ needs.decide.outputs.client }}",
        "cancel-in-progress": False,
    }
    assert promote["if"] == "needs.decide.outputs.promote == 'true'"


def test_scheduled_workflows_can_also_be_run_by_hand():
    for path in WORKFLOWS:
        on = load(path)["on"]
        if "schedule" in on:
            assert "workflow_dispatch" in on, path.name


def test_the_pull_request_template_asks_what_the_client_wanted_and_how_to_verify():
    text = (REPO / ".github" / "pull_request_template.md").read_text()
    assert "## What the client asked for" in text
    assert "## How to verify it on the test site" in text
