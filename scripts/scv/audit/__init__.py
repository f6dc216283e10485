"""`scv audit logs`: the sites' access, error and auth logs fetched, parsed and checked by rules."""

from scv.audit.run import problem_lines, run_audit, summary_lines

__all__ = ["problem_lines", "run_audit", "summary_lines"]
