"""The client's corrections applied by a real build on DuckDB (test_spark_corrections.py builds
the same on Spark): a cannot-link the matcher would join ends up as two customers, a must-link
it would not join as one, a stale correction is a warning, and everyone else keeps their
customer id from the build before the corrections."""

from __future__ import annotations

import html
import json

import pytest

from support import corrections as case

pytestmark = pytest.mark.slow


def test_corrections_split_join_warn_and_leave_everyone_else_alone(scv, repo, tmp_path):
    inbox = case.write(tmp_path / "inbox")
    assert (first := scv("build", "demo", "--inbox", inbox)).code == 0, first.out + first.err
    [before] = sorted((tmp_path / "home" / "builds" / "demo").glob("2*"))
    was = case.assert_uncorrected(before)

    for kind, pair, why in [
        ("--different", case.DIFFERENT, "Father and son at one address"),
        ("--same", case.SAME, "Married name"),
        ("--same", case.STALE, "A deleted record"),
    ]:
        added = scv("correction", "add", "demo", kind, *pair, "--who", "Data Team (demo)", "--why", why)
        assert added.code == 0, added.err
        assert f'{kind.strip("-")}: ["{pair[0]}", "{pair[1]}"]' in added.out
    assert (second := scv("build", "demo", "--inbox", inbox)).code == 0, second.out + second.err
    after = sorted((tmp_path / "home" / "builds" / "demo").glob("2*"))[-1]

    case.assert_corrected(was, after)
    # The console says so too, as a warning among the build's findings.
    assert "crm_contacts:C999 not in this delivery" in second.out

    # A PR's preview diff says how many customers the corrections split or merged.
    diff = scv("diff", "demo", after.name, "--against", before.name)
    assert diff.code == 0, diff.err
    assert (
        "**Corrections** (corrections.yml): 3 added, 0 removed: 1 customer(s) split in two and "
        "1 pair(s) of customers merged because of them." in diff.out
    )
    assert "| added `different` | `crm_contacts:C001` `crm_contacts:C003` | one → two |" in diff.out

    # The build report lists each correction and its effect; the same delivery twice raised
    # queries, which the client's site lists on the page the queries email links to.
    assert (report := scv("report", "demo", after.name)).code == 0, report.err
    page = (after / "report" / "index.html").read_text()
    corrections = page.split('<section id="corrections">')[1].split("</section>")[0]
    for effect, record in [("split", "C001"), ("joined", "C010"), ("stale", "C999")]:
        assert f"crm_contacts:{record}</code>" in corrections and f">{effect}</span>" in corrections
    meta = json.loads((after / "build.json").read_text())
    assert meta["verdict"] == "query"
    queries = (after / "site" / "queries.html").read_text()
    for q in meta["queries"]:
        assert q["question"] in html.unescape(queries)
    assert "queries.html" in (after / "SHA256SUMS").read_text()
