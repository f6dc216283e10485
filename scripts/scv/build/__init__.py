"""The weekly build: delivery -> dbt -> checks -> report and client site, in a sealed build directory."""

from scv.build.checks import run_check
from scv.build.diff import diff_builds, run_diff
from scv.build.diff import markdown as diff_markdown
from scv.build.match_eval import default_truth, summary_rows
from scv.build.match_eval import evaluate as evaluate_matching
from scv.build.pipeline import run_build
from scv.build.query_history import find as find_query
from scv.build.query_history import first_asked, has_query_history, read_query_history, save_query_history
from scv.build.report import require_report, run_report
from scv.build.schedule import select as select_clients
from scv.build.store import complete as complete_builds
from scv.build.store import live as live_build
from scv.build.store import read as read_build
from scv.build.store import resolve as resolve_build

__all__ = [
    "complete_builds",
    "default_truth",
    "diff_builds",
    "diff_markdown",
    "evaluate_matching",
    "find_query",
    "first_asked",
    "has_query_history",
    "live_build",
    "read_build",
    "read_query_history",
    "require_report",
    "resolve_build",
    "run_build",
    "run_check",
    "run_diff",
    "run_report",
    "save_query_history",
    "select_clients",
    "summary_rows",
]
