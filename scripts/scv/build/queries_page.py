"""site/queries.html: the build's questions for the client, on their test site.

The queries email links here. It is written into the build's site/ after the rest of the client
site (report.write_pages), on the shared base template in the client's colours: the questions
with their reference (what the client quotes in the reply), the figures of the build and how to
answer. Part of the sealed build like every page, so it says what was asked of this build.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scv import pages
from scv.clients import Client


def write(client: Client, path: Path, meta: dict) -> Path:
    tz = ZoneInfo(client.config.timezone)
    finished = meta.get("finished_at")
    built_at = (
        datetime.fromisoformat(finished).astimezone(tz).strftime("%A %d %B %Y, %H:%M %Z") if finished else ""
    )
    branding = client.config.branding
    brand = {"colour": branding.colour, "name": client.config.display_name}
    if branding.logo:
        brand["logo_uri"] = pages.data_uri(client.folder / branding.logo)
    return pages.write(
        path / "site" / "queries.html",
        "queries.html.j2",
        title=f"{client.config.display_name}: questions about this week's data",
        brand=brand,
        q={
            "build_id": meta["build_id"],
            "built_at": built_at,
            "verdict": meta.get("verdict"),
            "queries": meta.get("queries", []),
            "inputs": meta.get("inputs", []),
            "customers": meta.get("metrics", {}).get("customers"),
            "records": meta.get("metrics", {}).get("records"),
            "contacts": [c.name for c in client.config.contacts],
        },
    )
