"""Taking on a client or a source: from delivered files to client.yml entries and staging models."""

from scv.onboarding.client import new_client, new_client_lines
from scv.onboarding.scaffold import scaffold as scaffold_client
from scv.onboarding.source import Added, add_source, summary_lines

__all__ = ["Added", "add_source", "new_client", "new_client_lines", "scaffold_client", "summary_lines"]
