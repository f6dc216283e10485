"""Taking on a client or a source: from delivered files to client.yml entries and staging models."""

from scv.onboarding.source import Added, add_source, summary_lines

__all__ = ["Added", "add_source", "summary_lines"]
