"""`scv promotion-pr`: the weekly build's promotion PR, on two real weekly builds of the demo client
(week 1 live, week 2 proposed), against the fake GitHub API."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from support import gitpr
from support.github_fake import fake_github
from support.repo import set_checks

pytestmark = pytest.mark.slow


def make_live(weekly, build_id: str) -> None:
    digest = hashlib.sha256((weekly.home / "builds/demo" / build_id / "SHA256SUMS").read_bytes()).hexdigest()
    (weekly.repo / "clients/demo/release.yml").write_text(
        f"build_id: {build_id}\nmanifest_sha256: {digest}\n"
    )


@pytest.fixture
def gh(monkeypatch, tmp_path):
    with fake_github() as gh:
        gh.teams["scv-org/demo-reviewers"] = {"alice"}
        gh.files[("main", "clients/demo/release.yml")] = "build_id: null\nmanifest_sha256: null\n"
        for key, value in gh.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
        yield gh


def with_queries(scv, weekly) -> list[dict]:
    """Week 2 re-checked with thresholds that make every source's 4% growth a query."""
    set_checks(weekly.repo, rows_change_warn_pct=1, rows_change_query_pct=2)
    assert scv("check", "demo", weekly.week2).code == 0
    meta = json.loads((weekly.home / "builds/demo" / weekly.week2 / "build.json").read_text())
    assert meta["verdict"] == "query"
    return meta["queries"]


def test_the_body_summarises_the_build_and_diffs_it_against_live(scv, weekly, gh, tmp_path):
    make_live(weekly, weekly.week1)

    result = scv("promotion-pr", "demo", weekly.week2, "--summary")

    assert result.code == 0, result.err
    body = result.out
    assert f"## Promote Northbridge University Press (demo) build `{weekly.week2}` to live" in body
    assert "**Verdict: pass**" in body
    assert "the test site https://127.0.0.1:8481/ serves this build" in body
    assert (
        f"`report-demo-{weekly.week2}` artifact of [the weekly run](https://github.com/scv-org/scv/actions/runs/4242)"
        in body
    )
    assert "### Queries\n\nNone: nothing to ask the client." in body
    assert f"### Against live (`{weekly.week1}`)" in body
    assert re.search(r"\*\*Customers\*\*: \d+ → \d+: \d+ added, \d+ removed, \d+ changed", body)
    assert "| `staging.stg_demo__crm_contacts` | 50 | 52 | +2 (+4%) |" in body
    assert (tmp_path / "summary.md").read_text().strip() == body.strip()
    assert gh.pulls == []  # without --open nothing reaches GitHub


def test_open_creates_the_promotion_pr_then_updates_the_same_one(scv, weekly, gh, tmp_path):
    make_live(weekly, weekly.week1)

    first = scv("promotion-pr", "demo", weekly.week2, "--open")

    assert first.code == 0, first.err
    assert "Opened promotion PR #1 of demo: https://github.com/scv-org/scv/pull/1" in first.out
    [pr] = gh.pulls
    assert (pr["head"], pr["base"], pr["title"]) == (
        "promote/demo",
        "main",
        f"Promote demo build {weekly.week2} to live (pass)",
    )
    release = gh.files[("promote/demo", "clients/demo/release.yml")]
    digest = hashlib.sha256(
        (weekly.home / "builds/demo" / weekly.week2 / "SHA256SUMS").read_bytes()
    ).hexdigest()
    assert f"build_id: {weekly.week2}\nmanifest_sha256: {digest}\n" in release
    assert (tmp_path / "outputs").read_text() == "pr=1\n"

    second = scv("promotion-pr", "demo", weekly.week2, "--open")

    assert second.code == 0, second.err
    assert "Updated promotion PR #1 of demo" in second.out
    assert len(gh.pulls) == 1
    assert ("PATCH", "/repos/scv-org/scv/git/refs/heads/promote/demo") in gh.requests  # reset to main


def test_a_failed_or_live_build_gets_no_promotion_pr(scv, weekly, gh):
    make_live(weekly, weekly.week2)

    result = scv("promotion-pr", "demo", weekly.week2, "--open")

    assert result.code == 1
    assert result.err == f"error: build {weekly.week2} is already live (release.yml): nothing to promote\n"
    assert gh.pulls == []


def test_queries_become_a_checklist_that_the_review_decision_reads(scv, weekly, gh, tmp_path):
    """The body scv writes, ticked by a reviewer, with the answers committed to release.yml, promotes."""
    make_live(weekly, weekly.week1)
    queries = with_queries(scv, weekly)
    assert scv("promotion-pr", "demo", weekly.week2, "--open").code == 0
    [pr] = gh.pulls
    release = gh.files[("promote/demo", "clients/demo/release.yml")]
    assert pr["body"].count("- [ ] ") == len(queries) == 4
    for q in queries:
        assert f"- [ ] {q['question']} <!-- scv-query " in pr["body"]
        assert f'#   - check: "{q["check"]}"\n#     subject: "{q["subject"]}"' in release
    assert release.endswith("resolved_queries: []\n")

    base = gitpr.init(weekly.repo)
    answers = "resolved_queries:\n" + "".join(
        f'  - check: "{q["check"]}"\n    subject: "{q["subject"]}"\n    answer: "Four new contacts a week."\n'
        for q in queries
    )
    head = gitpr.change(
        weekly.repo,
        "promote/demo",
        {"clients/demo/release.yml": release.replace("resolved_queries: []\n", answers)},
    )
    (tmp_path / "outputs").write_text("")

    def review(body: str):
        event = gitpr.review_event(tmp_path / "event.json", base=base, head=head, body=body, number=1)
        return scv("pr", "review", "--event", event)

    untouched = review(pr["body"])
    assert untouched.code == 1
    assert untouched.err.count("query not ticked") == 4

    ticked = review(pr["body"].replace("- [ ] ", "- [x] "))
    assert ticked.code == 0, ticked.err
    assert "promote=true" in (tmp_path / "outputs").read_text().splitlines()[-3:]


def test_release_yml_of_a_passing_build_is_valid_for_scv_client_validate(scv, weekly, gh):
    make_live(weekly, weekly.week1)
    assert scv("promotion-pr", "demo", weekly.week2, "--open").code == 0
    Path(weekly.repo / "clients/demo/release.yml").write_text(
        gh.files[("promote/demo", "clients/demo/release.yml")]
    )

    result = scv("client", "validate", "demo")

    assert result.code == 0, result.err
