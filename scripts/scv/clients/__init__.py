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
from scv.clients.corrections import load as load_corrections
from scv.clients.registry import scaffold as scaffold_client
from scv.clients.registry import validate as validate_clients

__all__ = [
    "BUILD_ID",
    "CLIENT_NAME",
    "Allowed",
    "Checks",
    "Client",
    "ReleaseConfig",
    "Source",
    "add_correction",
    "client_allowlist",
    "code_owners",
    "list_clients",
    "load_client",
    "load_corrections",
    "operations_allowlist",
    "parse_codeowners",
    "render_allowlists",
    "scaffold_client",
    "validate_access",
    "validate_clients",
]
