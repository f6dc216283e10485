"""Deliveries damaged at random, as clients' systems and people damage them: every line of the
file is still accounted for (loaded, rejected with its line and reason, or blank), or the load
stops with a one-line error naming the file; never a traceback, never a row lost in silence."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings

from scv.clients.config import load_client
from scv.core.errors import ScvError
from scv.delivery.load import load_delivery
from support.damage import damaged


def physical_lines(data: bytes) -> int:
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return text.count(b"\n") + (1 if text and not text.endswith(b"\n") else 0)


@pytest.fixture
def crm_only(repo):
    client = load_client("demo")
    crm = next(s for s in client.config.sources if s.name == "crm_contacts")
    return dataclasses.replace(client, config=client.config.model_copy(update={"sources": [crm]}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged())
def test_every_line_of_a_damaged_file_is_accounted_for(crm_only, data):
    with tempfile.TemporaryDirectory() as folder, duckdb.connect() as con:
        inbox = Path(folder) / "inbox"
        inbox.mkdir()
        (inbox / "crm_contacts.csv").write_bytes(data)
        try:
            (info,) = load_delivery(con, crm_only, inbox, Path(folder) / "work")
        except ScvError as exc:
            message = str(exc)
            assert "crm_contacts.csv" in message and "\n" not in message, message
            event(f"refused: {message.split(': ', 2)[1][:40]}")
            return
        event("loaded, with rejects" if info.rejected_rows else "loaded")
        header_lines = 1
        assert info.data_lines == physical_lines(data.removeprefix(b"\xef\xbb\xbf")) - header_lines
        assert info.data_lines == info.rows + info.rejected_rows + info.continued_lines + info.blank_lines
        loaded = con.execute(
            "select count(*), count(distinct _scv_line), min(_scv_line) from raw.crm_contacts"
        )
        rows, lines, first = loaded.fetchone()
        assert rows == lines == info.rows and (first is None or first >= 2)
        rejects = con.execute("select count(*), count(line), count(error_type) from raw.rejects").fetchone()
        assert rejects == (info.rejected_rows,) * 3
        everyone = con.execute(
            "select count(distinct l) from (select _scv_line as l from raw.crm_contacts "
            "union all select line from raw.rejects)"
        ).fetchone()[0]
        assert everyone == info.rows + info.rejected_rows  # no two rows on one line
