"""promote.yml's decision, `scv pr review`, fed pull_request_review payloads shaped like GitHub's.

Each test is a promotion PR in a real git repository (main plus a promote/demo branch changing
clients/demo/release.yml), a build on this "runner" (SCV_HOME), and a review: what scv decides,
the step outputs the workflow reads, and the comment a person sees on the PR. GitHub's API (team
membership, comments, merge) is the fake on loopback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from scv.core.manifest import write_sha256sums
from scv.pr.promotion import release_yaml
from support import gitpr
from support.github_fake import fake_github
from support.repo import copy_repo

BUILD = "20261123T020000Z-1a2b3c4"
LIVE = "20261116T020000Z-9f8e7d6"
QUERIES = [
    {"check": "rows", "subject": "shop_orders", "question": "Web-shop orders fell 40% (52 → 31): was the export complete?"},
    {"check": "rejected rows", "subject": "crm_contacts.csv", "question": "12 CRM rows could not be read: can you send a corrected file?"},
]  # fmt: skip


def make_build(home: Path, build_id: str, verdict: str = "pass", queries: list[dict] | None = None) -> str:
    """A complete build directory as `scv build` leaves it, as far as the decision reads it."""
    path = home / "builds" / "demo" / build_id
    path.mkdir(parents=True)
    meta = {
        "client": "demo",
        "build_id": build_id,
        "verdict": verdict,
        "queries": queries or [],
        "checks": [],
    }
    (path / "build.json").write_text(json.dumps(meta))
    return write_sha256sums(path)


def ticked(queries: list[dict], tick: set[int]) -> str:
    """A PR body's query checklist, ticked where the reviewer ticked."""
    lines = ["## Promote demo", "", "### Queries", ""]
    for i, q in enumerate(queries):
        key = json.dumps({"check": q["check"], "subject": q["subject"]}, ensure_ascii=False)
        lines.append(f"- [{'x' if i in tick else ' '}] {q['question']} <!-- scv-query {key} -->")
    return "\n".join(lines)


def answered(queries: list[dict]) -> str:
    entries = "".join(
        f'  - check: "{q["check"]}"\n    subject: "{q["subject"]}"\n    answer: "The client confirmed it."\n'
        for q in queries
    )
    return f"resolved_queries:\n{entries}"


@pytest.fixture
def gh(monkeypatch, tmp_path):
    with fake_github() as gh:
        gh.teams["scv-org/demo-reviewers"] = {"alice"}
        for key, value in gh.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))
        (tmp_path / "outputs").touch()
        yield gh


@dataclass
class Promotion:
    repo: Path
    home: Path
    base: str  # main's sha
    branch: str  # this test's promotion branch


@pytest.fixture(scope="module")
def main_branch(tmp_path_factory) -> tuple[Path, str]:
    """One repository for the module (git init is the slow part): main has LIVE in release.yml.
    Each test proposes on a branch of its own."""
    root = tmp_path_factory.mktemp("review")
    repo = copy_repo(root / "repo")
    digest = make_build(root / "home", LIVE)
    (repo / "clients/demo/release.yml").write_text(f"build_id: {LIVE}\nmanifest_sha256: {digest}\n")
    return repo, gitpr.init(repo)


@pytest.fixture
def promotion(main_branch, tmp_path, monkeypatch, request):
    """The shared repository, this test's SCV_HOME with the LIVE build, and a branch of its own."""
    repo, base = main_branch
    home = tmp_path / "home"
    make_build(home, LIVE)
    monkeypatch.setenv("SCV_REPO", str(repo))
    monkeypatch.setenv("SCV_HOME", str(home))
    monkeypatch.chdir(repo)
    return Promotion(repo, home, base, "promote/" + re.sub(r"[^\w-]+", "-", request.node.name))


def propose(promotion, *, verdict="pass", queries=None, extra: dict | None = None, answers="") -> str:
    repo, home, branch = promotion.repo, promotion.home, promotion.branch
    digest = make_build(home, BUILD, verdict, queries)
    release = release_yaml("demo", {"build_id": BUILD, "queries": queries or []}, digest)
    if answers:
        release = release.replace("resolved_queries: []\n", answers)
    return gitpr.change(repo, branch, {"clients/demo/release.yml": release, **(extra or {})})


def review(scv, tmp_path, base, head, **kwargs):
    event = gitpr.review_event(tmp_path / "event.json", base=base, head=head, **kwargs)
    return scv("pr", "review", "--event", event)


def outputs(tmp_path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (tmp_path / "outputs").read_text().splitlines())


def test_approval_by_a_code_owner_of_a_passing_build_promotes(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion)

    result = review(scv, tmp_path, base, head, login="alice")

    assert result.code == 0, result.err
    assert f"Promote demo build {BUILD}: approved by @alice" in result.out
    assert outputs(tmp_path) == {"promote": "true", "client": "demo", "build_id": BUILD}
    assert gh.comments == {}
    assert ("GET", "/orgs/scv-org/teams/demo-reviewers/memberships/alice") in gh.requests


@pytest.mark.parametrize(
    ("state", "said"), [("commented", "commented"), ("changes_requested", "changes requested")]
)
def test_a_comment_or_a_request_for_changes_does_nothing(scv, gh, promotion, tmp_path, state, said):
    base = promotion.base
    head = propose(promotion)

    result = review(scv, tmp_path, base, head, state=state)

    assert result.code == 0, result.err
    assert f"Nothing to promote: @alice's review is {said}, not an approval" in result.out
    assert outputs(tmp_path)["promote"] == "false"
    assert gh.comments == {}


def test_an_approver_who_is_not_a_code_owner_is_refused_with_a_comment(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion)

    result = review(scv, tmp_path, base, head, login="mallory")

    assert result.code == 1
    assert result.err.startswith(
        "error: promotion of demo refused: @mallory approved, but is not a code owner"
    )
    assert outputs(tmp_path)["promote"] == "false"
    [comment] = gh.comment_bodies(7)
    assert f"**Not promoted.** @mallory approved, but build `{BUILD}` of `demo` does not go live" in comment
    assert (
        "- @mallory approved, but is not a code owner of clients/demo/release.yml "
        "(owners in .github/CODEOWNERS: @scv-org/demo-reviewers)"
    ) in comment
    assert "Live is unchanged." in comment


def test_a_pr_cannot_make_its_approver_a_code_owner(scv, gh, promotion, tmp_path):
    repo = promotion.repo
    base = promotion.base
    codeowners = (repo / ".github/CODEOWNERS").read_text() + "/clients/demo/release.yml @mallory\n"
    head = propose(promotion, extra={".github/CODEOWNERS": codeowners})

    result = review(scv, tmp_path, base, head, login="mallory")

    assert result.code == 1
    [comment] = gh.comment_bodies(7)
    assert (
        "- it changes more than release.yml (.github/CODEOWNERS): a promotion PR changes nothing else"
        in comment
    )
    assert "- @mallory approved, but is not a code owner of clients/demo/release.yml" in comment


def test_extra_files_in_the_pr_are_refused_and_named(scv, gh, promotion, tmp_path):
    repo = promotion.repo
    base = promotion.base
    model = "models/clients/demo/stg_demo__crm_contacts.sql"
    head = propose(promotion, extra={model: (repo / model).read_text() + "-- sneaked in\n"})

    result = review(scv, tmp_path, base, head)

    assert result.code == 1
    assert outputs(tmp_path)["promote"] == "false"
    assert f"it changes more than release.yml ({model})" in gh.comment_bodies(7)[0]


def test_unticked_queries_are_refused_and_named(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion, verdict="query", queries=QUERIES, answers=answered(QUERIES))

    result = review(scv, tmp_path, base, head, body=ticked(QUERIES, {0}))

    assert result.code == 1
    [comment] = gh.comment_bodies(7)
    assert f"- query not ticked in the pull request: {QUERIES[1]['question']}" in comment
    assert QUERIES[0]["question"] not in comment


def test_ticked_queries_must_also_be_answered_in_release_yml(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion, verdict="query", queries=QUERIES, answers=answered(QUERIES[:1]))

    result = review(scv, tmp_path, base, head, body=ticked(QUERIES, {0, 1}))

    assert result.code == 1
    [comment] = gh.comment_bodies(7)
    assert (
        "- query not answered in clients/demo/release.yml (resolved_queries: check 'rejected rows', "
        f"subject 'crm_contacts.csv'): {QUERIES[1]['question']}"
    ) in comment
    assert "not ticked" not in comment


def test_queries_ticked_and_answered_promote(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion, verdict="query", queries=QUERIES, answers=answered(QUERIES))

    result = review(scv, tmp_path, base, head, body=ticked(QUERIES, {0, 1}))

    assert result.code == 0, result.err
    assert outputs(tmp_path)["promote"] == "true"


def test_a_failed_build_never_goes_live(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion, verdict="fail")

    result = review(scv, tmp_path, base, head)

    assert result.code == 1
    assert f"- build {BUILD} failed its check (verdict fail): it never goes live" in gh.comment_bodies(7)[0]


def test_an_approval_of_an_older_commit_is_refused(scv, gh, promotion, tmp_path):
    repo = promotion.repo
    base = promotion.base
    branch = promotion.branch
    approved = propose(promotion)
    head = gitpr.change(repo, branch, {}, "a later push")

    result = review(scv, tmp_path, base, head, commit_id=approved)

    assert result.code == 1
    assert (
        f"the approval is of commit {approved[:7]}, but the pull request is now at {head[:7]}"
        in gh.comment_bodies(7)[0]
    )


def test_a_pr_from_a_fork_is_refused(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion)

    result = review(scv, tmp_path, base, head, head_repo="mallory/scv")

    assert result.code == 1
    assert "the pull request comes from a fork" in gh.comment_bodies(7)[0]


def test_a_digest_that_is_not_the_builds_is_refused(scv, gh, promotion, tmp_path):
    repo = promotion.repo
    home = promotion.home
    base = promotion.base
    branch = promotion.branch
    make_build(home, BUILD)
    head = gitpr.change(
        repo,
        branch,
        {"clients/demo/release.yml": f"build_id: {BUILD}\nmanifest_sha256: {'0' * 64}\n"},
    )

    result = review(scv, tmp_path, base, head)

    assert result.code == 1
    assert (
        f"manifest_sha256 in clients/demo/release.yml is not the digest of build {BUILD}'s SHA256SUMS"
        in (gh.comment_bodies(7)[0])
    )


def test_an_approved_change_request_is_not_a_promotion(scv, gh, promotion, tmp_path):
    repo = promotion.repo
    base = promotion.base
    branch = promotion.branch
    model = "models/clients/demo/stg_demo__crm_contacts.sql"
    head = gitpr.change(repo, branch, {model: (repo / model).read_text() + "-- a change request\n"})

    result = review(scv, tmp_path, base, head)

    assert result.code == 0, result.err
    assert "Nothing to promote: the pull request changes no clients/<client>/release.yml" in result.out
    assert outputs(tmp_path)["promote"] == "false"
    assert gh.comments == {}


def test_a_user_named_in_codeowners_needs_no_team_lookup(scv, gh, repo, tmp_path, monkeypatch):
    (repo / ".github/CODEOWNERS").write_text("* @scv-org/operations\n/clients/demo/ @Alice\n")
    base = gitpr.init(repo)
    head = propose(Promotion(repo, tmp_path / "home", base, "promote/demo"))
    monkeypatch.delenv("SCV_TEAMS_TOKEN")

    result = review(scv, tmp_path, base, head, login="alice")

    assert result.code == 0, result.err
    assert not [r for r in gh.requests if r[1].startswith("/orgs/")]


def test_a_team_owner_without_a_token_to_read_teams_is_refused_saying_so(
    scv, gh, promotion, tmp_path, monkeypatch
):
    base = promotion.base
    head = propose(promotion)
    monkeypatch.delenv("SCV_TEAMS_TOKEN")

    result = review(scv, tmp_path, base, head, login="alice")

    assert result.code == 1
    assert (
        "cannot check membership of @scv-org/demo-reviewers: SCV_TEAMS_TOKEN is not set"
        in gh.comment_bodies(7)[0]
    )


def test_the_refusal_comment_is_updated_not_repeated(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion, verdict="query", queries=QUERIES, answers=answered(QUERIES))
    assert review(scv, tmp_path, base, head, body=ticked(QUERIES, set())).code == 1

    result = review(scv, tmp_path, base, head, body=ticked(QUERIES, {1}), login="mallory")

    assert result.code == 1
    [comment] = gh.comment_bodies(7)
    assert "@mallory approved" in comment and QUERIES[1]["question"] not in comment


def test_merge_after_promotion_merges_at_the_approved_commit(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion)
    gh.heads[7] = head
    event = gitpr.review_event(tmp_path / "event.json", base=base, head=head)

    result = scv("pr", "merge", "--event", event)

    assert result.code == 0, result.err
    assert gh.merged == [
        {
            "number": 7,
            "sha": head,
            "merge_method": "merge",
            "commit_title": "Promote demo build 20261123T020000Z-1a2b3c4 to live (pass) (#7)",
        }
    ]


def test_a_merge_refused_by_github_says_live_changed_and_main_must_follow(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion)
    gh.heads[7] = "c" * 40  # someone pushed after the approval

    result = scv("pr", "merge", "--event", gitpr.review_event(tmp_path / "event.json", base=base, head=head))

    assert result.code == 1
    assert "409 Head branch was modified" in result.err
    [comment] = gh.comment_bodies(7)
    assert comment.startswith("<!-- scv:promotion-outcome -->\n**Promoted, but not merged.**")
    assert "[The run](https://github.com/scv-org/scv/actions/runs/4242)" in comment


def test_a_failed_promotion_says_live_is_unchanged_and_what_it_serves(scv, gh, promotion, tmp_path):
    base = promotion.base
    head = propose(promotion)

    result = scv(
        "pr",
        "promotion-failed",
        "demo",
        "--event",
        gitpr.review_event(tmp_path / "e.json", base=base, head=head),
    )

    assert result.code == 0, result.err
    [comment] = gh.comment_bodies(7)
    assert (
        f"**Promotion failed.** Live is unchanged and keeps serving build `{LIVE}` (release.yml on main)"
        in comment
    )
