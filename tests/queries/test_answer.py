"""`scv query answer` records the client's answer where the promotion needs it: the promotion
PR's release.yml (resolved_queries) and its checklist, on GitHub (the fake API on loopback), so
that `scv pr review` then accepts an approval, fed a pull_request_review payload; an unanswered
query still blocks it. The answer also goes into the build's query history."""

from __future__ import annotations

import json

import pytest
import yaml

from scv.build import query_history
from scv.core.manifest import write_sha256sums
from scv.pr.promotion import release_yaml
from support import gitpr
from support.github_fake import fake_github
from support.repo import copy_repo

BUILD = "20261123T020000Z-1a2b3c4"
LIVE = "20261116T020000Z-9f8e7d6"
RELEASE = "clients/demo/release.yml"
QUERIES = [
    {"check": "rows", "subject": "shop_orders", "question": "Web-shop orders fell 40% (52 → 31): was the export complete?"},
    {"check": "rejected rows", "subject": "crm_contacts.csv", "question": "12 CRM rows could not be read: can you send a corrected file?"},
]  # fmt: skip


def make_build(home, build_id, verdict="pass", queries=()) -> str:
    path = home / "builds" / "demo" / build_id
    path.mkdir(parents=True)
    meta = {"client": "demo", "build_id": build_id, "verdict": verdict, "queries": list(queries), "checks": [],
            "finished_at": "2026-11-23T02:40:00+00:00"}  # fmt: skip
    (path / "build.json").write_text(json.dumps(meta))
    return write_sha256sums(path)


def checklist(queries) -> str:
    """The Queries section of the promotion PR's body, as `scv promotion-pr` writes it: unticked."""
    lines = ["## Promote demo", "", "### Queries", ""]
    for q in queries:
        key = json.dumps({"check": q["check"], "subject": q["subject"]}, ensure_ascii=False)
        lines.append(f"- [ ] {q['question']} <!-- scv-query {key} -->")
    return "\n".join(lines) + "\n"


@pytest.fixture
def promotion(tmp_path, monkeypatch):
    """main with LIVE in release.yml; a query build BUILD on this runner; its promotion PR open on
    GitHub (branch promote/demo) with the release.yml `scv promotion-pr --open` writes."""
    repo = copy_repo(tmp_path / "repo")
    home = tmp_path / "home"
    live = make_build(home, LIVE)
    (repo / RELEASE).write_text(f"build_id: {LIVE}\nmanifest_sha256: {live}\n")
    base = gitpr.init(repo)
    digest = make_build(home, BUILD, "query", QUERIES)
    monkeypatch.setenv("SCV_REPO", str(repo))
    monkeypatch.setenv("SCV_HOME", str(home))
    monkeypatch.chdir(repo)
    with fake_github() as gh:
        gh.teams["scv-org/demo-reviewers"] = {"alice"}
        for key, value in gh.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))
        gh.refs["promote/demo"] = "b" * 40
        gh.files["promote/demo", RELEASE] = release_yaml(
            "demo", {"build_id": BUILD, "queries": QUERIES}, digest
        )
        gh.pulls.append({"number": 7, "state": "open", "title": f"Promote demo build {BUILD} to live (query)",
                         "body": checklist(QUERIES), "head": "promote/demo", "base": "main"})  # fmt: skip
        yield repo, base, gh


def review(scv, repo, base, gh, tmp_path):
    """The approval of the PR as GitHub now has it: its branch's release.yml and its body."""
    head = gitpr.change(repo, "promote/demo", {RELEASE: gh.files["promote/demo", RELEASE]})
    event = gitpr.review_event(tmp_path / "event.json", base=base, head=head, body=gh.pulls[0]["body"])
    return scv("pr", "review", "--event", event)


def answer(scv, q, text="Yes: the shop was closed for a week.", by="Priya Shah (Northbridge)"):
    return scv("query", "answer", "demo", BUILD, "--check", q["check"], "--subject", q["subject"],
               "--answer", text, "--by", by)  # fmt: skip


def test_answers_recorded_by_scv_query_answer_let_the_approval_promote(scv, promotion, tmp_path):
    repo, base, gh = promotion

    first = answer(scv, QUERIES[0])
    second = answer(scv, QUERIES[1], text="A corrected file is in the inbox.")

    assert first.code == 0, first.err
    assert (
        f"Answer recorded in promotion PR #7 ({RELEASE} on promote/demo, query ticked): {QUERIES[0]['question']}"
        in first.out
    )
    assert "1 query of the build still open" in first.out
    assert "every query of the build is answered" in second.out
    release = yaml.safe_load(gh.files["promote/demo", RELEASE])
    assert release["build_id"] == BUILD
    assert [(a["check"], a["subject"], a["answer"], a["by"]) for a in release["resolved_queries"]] == [
        ("rows", "shop_orders", "Yes: the shop was closed for a week.", "Priya Shah (Northbridge)"),
        (
            "rejected rows",
            "crm_contacts.csv",
            "A corrected file is in the inbox.",
            "Priya Shah (Northbridge)",
        ),
    ]
    assert gh.pulls[0]["body"].count("- [x] ") == 2
    history = json.loads((tmp_path / "home" / "queries" / "demo" / f"{BUILD}.json").read_text())
    assert [q["answered_by"] for q in history["queries"]] == ["Priya Shah (Northbridge)"] * 2
    # The build report's table: each query with the hours it took, from the build's end (no email sent).
    shown = query_history.recent("demo")
    assert [(q["check"], q["answered_by"]) for q in shown] == [
        ("rows", "Priya Shah (Northbridge)"),
        ("rejected rows", "Priya Shah (Northbridge)"),
    ]
    assert all(q["hours"] > 24 * 7 for q in shown)  # asked when the build ended, in November

    result = review(scv, repo, base, gh, tmp_path)

    assert result.code == 0, result.err
    assert f"Promote demo build {BUILD}: approved by @alice" in result.out


def test_an_unanswered_query_still_blocks_the_promotion(scv, promotion, tmp_path):
    repo, base, gh = promotion
    assert answer(scv, QUERIES[0]).code == 0

    result = review(scv, repo, base, gh, tmp_path)

    assert result.code == 1
    [comment] = gh.comment_bodies(7)
    assert f"- query not ticked in the pull request: {QUERIES[1]['question']}" in comment
    assert (
        "- query not answered in clients/demo/release.yml (resolved_queries: check 'rejected rows'" in comment
    )
    assert QUERIES[0]["question"] not in comment


def test_answering_again_replaces_the_answer(scv, promotion):
    _, _, gh = promotion
    answer(scv, QUERIES[0], text="First thoughts.")
    answer(scv, QUERIES[0], text="Yes, complete.")
    release = yaml.safe_load(gh.files["promote/demo", RELEASE])
    assert [a["answer"] for a in release["resolved_queries"]] == ["Yes, complete."]


def test_a_query_the_build_does_not_have_is_refused_naming_its_queries(scv, promotion):
    result = scv("query", "answer", "demo", BUILD, "--check", "rows", "--subject", "events",
                 "--answer", "x", "--by", "y")  # fmt: skip
    assert result.code == 2
    assert (
        f"build {BUILD} has no query 'rows' / 'events' (its queries: --check 'rows' --subject 'shop_orders'"
        in result.err
    )


def test_an_answer_for_another_build_than_the_pr_proposes_is_refused(scv, promotion, tmp_path):
    make_build(tmp_path / "home", "20261124T020000Z-1a2b3c4", "query", QUERIES)
    result = scv("query", "answer", "demo", "20261124T020000Z-1a2b3c4", "--check", "rows",
                 "--subject", "shop_orders", "--answer", "x", "--by", "y")  # fmt: skip
    assert result.code == 2
    assert f"promote/demo:{RELEASE} proposes build {BUILD}, not 20261124T020000Z-1a2b3c4" in result.err
