"""A client's own site pages (clients/<client>/site/*.md): markdown and SQL rendered at build
time; raw HTML stays text, and a SQL block that fails stops the report naming file and line."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_a_clients_page_renders_sql_as_tables_and_keeps_html_as_text(scv, weekly):
    pages = weekly.repo / "clients" / "demo" / "site"
    (pages / "sources.md").write_text(
        "# Records per source\n\n<script>alert('x')</script>\n\n"
        "```sql\nselect source, count(*) as records from customer_sources group by 1 order by 1\n```\n"
    )

    done = scv("report", "demo", weekly.week2)

    assert done.code == 0, done.err
    html = (weekly.home / "builds" / "demo" / weekly.week2 / "site" / "pages" / "sources.html").read_text()
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html
    assert '<th scope="col">records</th>' in html and "<td>crm_contacts</td><td>52</td>" in html
    index = (weekly.home / "builds" / "demo" / weekly.week2 / "site" / "index.html").read_text()
    assert 'href="pages/sources.html">Records per source</a>' in index


@pytest.mark.slow
def test_a_failing_sql_block_names_the_page_and_line(scv, weekly):
    page = weekly.repo / "clients" / "demo" / "site" / "broken.md"
    page.write_text("# Broken\n\nText.\n\n```sql bar Nothing\nselect nothing from nowhere\n```\n")

    done = scv("report", "demo", weekly.week2)

    assert done.code == 2
    assert "Traceback" not in done.err
    assert "clients/demo/site/broken.md:5: the SQL block fails: Catalog Error" in done.err, done.err
