"""The clients: who they are, what they send and who may open their sites (clients/<client>/)."""

from scv.clients.access import client_entries as client_allowlist
from scv.clients.access import operations as operations_allowlist
from scv.clients.access import render_all as render_allowlists
from scv.clients.access import validate as validate_access
from scv.clients.allowlist import Allowed
from scv.clients.codeowners import owners as code_owners
from scv.clients.codeowners import parse as parse_codeowners
from scv.clients.config import (
    BUILD_ID,
    CLIENT_NAME,
    Checks,
    Client,
    ReleaseConfig,
    Source,
    list_clients,
    load_client,
)
from scv.clients.corrections import add as add_correction
from scv.clients.corrections import correction_lines
from scv.clients.corrections import load as load_corrections
from scv.clients.registry import validate as validate_clients
from scv.clients.segments import FILE as SEGMENTS_FILE
from scv.clients.segments import Segment
from scv.clients.segments import line_of as segment_line
from scv.clients.segments import load as load_segments

__all__ = [
    "BUILD_ID",
    "CLIENT_NAME",
    "SEGMENTS_FILE",
    "Allowed",
    "Checks",
    "Client",
    "ReleaseConfig",
    "Segment",
    "Source",
    "add_correction",
    "client_allowlist",
    "code_owners",
    "correction_lines",
    "list_clients",
    "load_client",
    "load_corrections",
    "load_segments",
    "operations_allowlist",
    "parse_codeowners",
    "render_allowlists",
    "segment_line",
    "validate_access",
    "validate_clients",
]
