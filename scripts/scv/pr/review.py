"""`scv pr review`: may this review put a build live? The decision promote.yml acts on.

A submitted review promotes when all of these hold, and every one that fails is named:

- it is an approval (a comment or a request for changes does nothing), of the PR's latest commit;
- the PR is open, into the default branch, from a branch of this repository (not a fork);
- it changes one client's clients/<client>/release.yml and no other file (from git: the files
  of base...head in the checkout);
- the approver is a code owner of that file by .github/CODEOWNERS *as on the base branch* (a
  PR cannot make its author an owner), directly or through a team;
- release.yml names a build that is on this runner, with that manifest digest, whose verdict is
  pass, or query with every query ticked in the PR body and answered in release.yml.

A PR that changes no release.yml is not a promotion: its approval is ignored, silently. A
promotion that is refused gets one comment on the PR listing why, updated on the next review.
Doing the promotion is `scv promote` (issue #5); this module only decides, merges after it, and
says so when it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from rich.console import Console
from rich.markup import escape

from scv import github
from scv.build import read_build
from scv.clients import code_owners, parse_codeowners
from scv.core import paths
from scv.core.errors import ProblemFound, ScvError
from scv.core.manifest import MANIFEST, file_sha256
from scv.pr import changes, promotion

console = Console(emoji=False)

DECISION_MARKER = "scv:promotion-decision"
OUTCOME_MARKER = "scv:promotion-outcome"
# Where GitHub looks for the file, in this order; the first one found is used.
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
TEAMS_TOKEN = "SCV_TEAMS_TOKEN"  # may read the organisation's teams: the run's own GITHUB_TOKEN cannot


@dataclass
class Decision:
    action: str  # promote | refuse | ignore
    client: str | None = None
    build_id: str | None = None
    reasons: list[str] = field(default_factory=list)


Membership = Callable[[str, str, str], bool]  # (org, team, login) -> member?


def decide(event: dict, members: Membership | None = None) -> Decision:
    review = github.field(event, "review")
    pr = github.pull_request(event)
    approver = str(github.field(event, "review.user.login"))
    state = str(review.get("state", "")).lower()
    if event.get("action") != "submitted":
        return Decision("ignore", reasons=[f"the review was {event.get('action')}, not submitted"])
    if state != "approved":
        return Decision(
            "ignore", reasons=[f"@{approver}'s review is {state.replace('_', ' ')}, not an approval"]
        )

    base, head = pr["base"]["sha"], pr["head"]["sha"]
    files = changes.changed_files(base, head)
    releases = sorted({m["client"] for f in files if (m := changes.RELEASE.match(f))})
    if not releases:
        return Decision(
            "ignore", reasons=["the pull request changes no clients/<client>/release.yml: not a promotion"]
        )

    reasons: list[str] = []
    if pr.get("state") != "open":
        reasons.append(f"the pull request is {pr.get('state')}")
    default = github.field(event, "repository.default_branch")
    if pr["base"]["ref"] != default:
        reasons.append(f"the pull request goes into {pr['base']['ref']}, not {default}")
    if github.from_fork(event):
        reasons.append("the pull request comes from a fork: promotions come from branches of this repository")
    if review.get("commit_id") != head:
        reasons.append(
            f"the approval is of commit {str(review.get('commit_id'))[:7]}, but the pull request is now at "
            f"{head[:7]}: approve the latest commit"
        )
    extra = [f for f in files if not changes.RELEASE.match(f)]
    if extra:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        reasons.append(f"it changes more than release.yml ({shown}): a promotion PR changes nothing else")
    if len(releases) > 1:
        reasons.append(
            f"it changes the release of {len(releases)} clients ({', '.join(releases)}): one client per PR"
        )
    client = releases[0]
    reasons += _owner_reasons(client, approver, base, members)
    build_id, release_reasons = _release_reasons(client, head, pr.get("body"))
    reasons += release_reasons
    return Decision("refuse" if reasons else "promote", client, build_id, reasons)


def _owner_reasons(client: str, approver: str, base: str, members: Membership | None) -> list[str]:
    path = f"clients/{client}/release.yml"
    found = next(((p, t) for p in CODEOWNERS_PATHS if (t := changes.file_at(base, p)) is not None), None)
    if found is None:
        return [f"there is no CODEOWNERS file on the base branch: nobody owns {path}"]
    where, text = found
    owners = code_owners(parse_codeowners(text, where), path)
    if not owners:
        return [f"{path} has no code owner in {where}: nobody may approve its promotion"]
    login = approver.lower()
    problems = []
    for owner in owners:
        name = owner.lstrip("@").lower()
        if "/" not in owner and owner.startswith("@") and name == login:
            return []
        if "/" in name:
            org, team = name.split("/", 1)
            try:
                check = members or github.Api(token_env=TEAMS_TOKEN).team_member
                if check(org, team, approver):
                    return []
            except ScvError as exc:
                problems.append(f"cannot check membership of {owner}: {exc}")
    return [
        f"@{approver} approved, but is not a code owner of {path} (owners in {where}: {', '.join(owners)})",
        *problems,
    ]


def _release_reasons(client: str, head: str, pr_body: str | None) -> tuple[str | None, list[str]]:
    path = f"clients/{client}/release.yml"
    text = changes.file_at(head, path)
    if text is None:
        return None, [
            f"the pull request deletes {path}: nothing to promote (a rollback reverts it to a build)"
        ]
    try:
        release = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return None, [f"{path}: YAML syntax error ({exc.__class__.__name__})"]
    if not isinstance(release, dict) or not release.get("build_id"):
        return None, [f"{path} names no build_id: nothing to promote"]
    build_id = str(release["build_id"])
    build = paths.builds_dir(client) / build_id
    if not (build / "build.json").is_file():
        return build_id, [
            f"build {build_id} is not on this runner ({build}): it cannot be checked or promoted"
        ]
    meta = read_build(build)
    reasons = []
    if meta.get("preview"):
        reasons.append(f"build {build_id} is the preview of a pull request: previews never go live")
    if (build / MANIFEST).is_file() and file_sha256(build / MANIFEST) != release.get("manifest_sha256"):
        reasons.append(f"manifest_sha256 in {path} is not the digest of build {build_id}'s {MANIFEST}")
    verdict = meta.get("verdict")
    if verdict == "fail":
        reasons.append(f"build {build_id} failed its check (verdict fail): it never goes live")
    elif verdict not in ("pass", "query"):
        reasons.append(f"build {build_id} has no verdict ({verdict!r}): run `scv check {client} {build_id}`")
    ticked = promotion.ticks(pr_body)
    answered = _answered(release.get("resolved_queries"))
    for q in meta.get("queries", []):
        key = promotion.query_key(q)
        if not ticked.get(key):
            reasons.append(f"query not ticked in the pull request: {q['question']}")
        if key not in answered:
            reasons.append(
                f"query not answered in {path} (resolved_queries: check {key[0]!r}, subject {key[1]!r}): "
                f"{q['question']}"
            )
    return build_id, reasons


def _answered(entries: object) -> set[tuple[str, str]]:
    if not isinstance(entries, list):
        return set()
    return {
        promotion.query_key(e) for e in entries if isinstance(e, dict) and str(e.get("answer") or "").strip()
    }


# ---------------------------------------------------------------------------------------------
# The steps of promote.yml


def run_review(event: dict) -> Decision:
    """Decide, write the step outputs, and comment on the PR when a promotion is refused."""
    decision = decide(event)
    github.set_output("promote", decision.action == "promote")
    github.set_output("client", decision.client or "")
    github.set_output("build_id", decision.build_id or "")
    number = github.field(event, "pull_request.number")
    approver = github.field(event, "review.user.login")
    if decision.action == "ignore":
        console.print(f"Nothing to promote: {escape(decision.reasons[0])}", highlight=False)
    elif decision.action == "promote":
        console.print(
            f"Promote [bold]{decision.client}[/] build {decision.build_id}: approved by @{escape(approver)}",
            highlight=False,
        )
    else:
        text = "\n".join(
            [
                f"**Not promoted.** @{approver} approved, but build `{decision.build_id or '?'}` of "
                f"`{decision.client}` does not go live because:",
                "",
                *[f"- {r}" for r in decision.reasons],
                "",
                "Live is unchanged. Fix the above and approve again.",
            ]
        )
        github.Api().upsert_comment(number, DECISION_MARKER, text)
        raise ProblemFound(f"promotion of {decision.client} refused: " + "; ".join(decision.reasons))
    return decision


def run_merge(event: dict) -> dict:
    """After `scv promote` succeeded: merge the PR (only at the approved commit), so main records
    what is live. If GitHub refuses, say so on the PR: live has changed and main must follow."""
    number = github.field(event, "pull_request.number")
    sha = github.field(event, "review.commit_id")
    title = f"{github.field(event, 'pull_request.title')} (#{number})"
    api = github.Api()
    try:
        merged = api.merge(number, sha, title)
    except ProblemFound as exc:
        api.upsert_comment(
            number,
            OUTCOME_MARKER,
            f"**Promoted, but not merged.** Live now serves this pull request's build, but merging failed "
            f"({exc}). Merge it by hand so main records what is live (`scv drift` reports the difference "
            f"until then).{_run_link()}",
        )
        raise
    console.print(f"Merged #{number} at {sha[:7]}: main records what live serves")
    return merged


def run_failed(event: dict, client: str) -> None:
    """The promotion failed: live is as it was. Say so on the PR, with what live still serves."""
    number = github.field(event, "pull_request.number")
    base = github.field(event, "pull_request.base.sha")
    text = changes.file_at(base, f"clients/{client}/release.yml") or ""
    try:
        live = (yaml.safe_load(text) or {}).get("build_id")
    except yaml.YAMLError:
        live = None
    serving = f"build `{live}`" if live else "what it served before"
    github.Api().upsert_comment(
        number,
        OUTCOME_MARKER,
        f"**Promotion failed.** Live is unchanged and keeps serving {serving} (release.yml on "
        f"{github.field(event, 'pull_request.base.ref')}). The pull request stays open: see the run for "
        f"why, fix it and approve again.{_run_link()}",
    )
    console.print(f"Commented on #{number}: promotion of {client} failed, live unchanged")


def _run_link() -> str:
    link = github.run_url()
    return f" [The run]({link})." if link else ""
