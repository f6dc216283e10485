"""Pull requests: what a PR affects, its profile and preview, the promotion PR and its review."""

from scv.pr.answer import answer_query
from scv.pr.changes import pull_request_changes
from scv.pr.preview import run_preview
from scv.pr.profile import run_pr_profile
from scv.pr.promotion import run_promotion_pr
from scv.pr.review import run_failed, run_merge, run_review

__all__ = [
    "answer_query",
    "pull_request_changes",
    "run_failed",
    "run_merge",
    "run_pr_profile",
    "run_preview",
    "run_promotion_pr",
    "run_review",
]
