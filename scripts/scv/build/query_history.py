"""The history of a build's queries: when they went to the client, to whom, and their answers.

A build directory never changes once published, and its queries are answered after that, so
their history lives beside the builds: SCV_HOME/queries/<client>/<build_id>.json, one file per
build that raised queries. The build report reads it for the time each query took to answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from scv.core import paths


def path(client: str, build_id: str) -> Path:
    return paths.scv_home() / "queries" / client / f"{build_id}.json"


def has_query_history(client: str, build_id: str) -> bool:
    return path(client, build_id).is_file()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def read_query_history(client: str, meta: dict) -> dict:
    """The build's query history, started from build.json when nothing was recorded yet."""
    file = path(client, meta["build_id"])
    if file.is_file():
        return json.loads(file.read_text(encoding="utf-8"))
    return {
        "client": client,
        "build_id": meta["build_id"],
        "finished_at": meta.get("finished_at"),
        "queries": [
            {"check": q["check"], "subject": q["subject"], "question": q["question"]}
            for q in meta.get("queries", [])
        ],
        "emails": [],
    }


def save_query_history(history: dict) -> Path:
    file = path(history["client"], history["build_id"])
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_suffix(".json.partial")
    partial.write_text(json.dumps(history, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(file)  # a reader never sees half a file
    return file


def find(history: dict, check: str, subject: str) -> dict | None:
    """A query is known by its check and subject (unique within a build)."""
    return next((q for q in history["queries"] if (q["check"], q["subject"]) == (check, subject)), None)


def first_asked(history: dict) -> str | None:
    """When the client was first asked: the first email that reached them, else the build's end."""
    sent = [e["sent_at"] for e in history.get("emails", []) if e.get("ok") and e.get("kind") == "queries"]
    return min(sent) if sent else history.get("finished_at")


def recent(client: str, limit: int = 20) -> list[dict]:
    """Queries of the client's latest builds, newest first, each with the time it took to answer
    (hours) or, while open, how long it has been open."""
    folder = paths.scv_home() / "queries" / client
    files = sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []
    rows = []
    for file in files:
        history = json.loads(file.read_text(encoding="utf-8"))
        asked = first_asked(history)
        for q in history["queries"]:
            end = q.get("answered_at") or now().isoformat()
            hours = None
            if asked:
                hours = (datetime.fromisoformat(end) - datetime.fromisoformat(asked)).total_seconds() / 3600
            rows.append(
                {
                    "build_id": history["build_id"],
                    "check": q["check"],
                    "subject": q["subject"],
                    "question": q["question"],
                    "asked_at": asked,
                    "answered_at": q.get("answered_at"),
                    "answered_by": q.get("answered_by"),
                    "answer": q.get("answer"),
                    "hours": round(hours, 1) if hours is not None else None,
                }
            )
        if len(rows) >= limit:
            break
    return rows[:limit]
