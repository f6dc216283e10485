"""`scv pr profile`: a PR that adds a source gets its latest delivery profiled before any build."""

from __future__ import annotations

import os

from support import gitpr

LEADS = """\
  - name: webinar_leads
    description: Leads from webinar sign-ups.
    file: webinar_leads*.csv
    format: csv
    key: lead_id
    columns: [lead_id, email, full_name, country]

"""


def add_leads_source(repo):
    base = gitpr.init(repo)
    text = (
        (repo / "clients/demo/client.yml").read_text().replace("\nmatching:", "\n" + LEADS + "matching:", 1)
    )
    head = gitpr.change(repo, "leads", {"clients/demo/client.yml": text}, "demo: webinar leads")
    return base, head


def deliver(home, name: str, header: str) -> None:
    inbox = home / "inbox" / "demo"
    inbox.mkdir(parents=True, exist_ok=True)
    rows = [header] + [f"L{i},person{i}@uni.example,Person {i},GB" for i in range(40)]
    (inbox / name).write_text("\n".join(rows) + "\n")


def test_the_added_source_is_profiled_on_its_latest_delivery(scv, repo, tmp_path, monkeypatch):
    base, head = add_leads_source(repo)
    deliver(tmp_path / "home", "webinar_leads_2026-11-16.csv", "lead_id,email,full_name,country")
    deliver(tmp_path / "home", "webinar_leads_2026-11-23.csv", "lead_id,email,name,country")  # renamed column
    older = tmp_path / "home/inbox/demo/webinar_leads_2026-11-16.csv"
    os.utime(older, (1_700_000_000, 1_700_000_000))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head)

    result = scv("pr", "profile", "--event", event, "--out", tmp_path / "profiles")

    assert result.code == 1, result.out + result.err
    assert "demo/webinar_leads (webinar_leads_2026-11-23.csv)" in result.out
    assert (
        "fail  column(s) full_name declared in clients/demo/client.yml source webinar_leads are missing"
        in (result.out)
    )
    assert (tmp_path / "profiles/demo/webinar_leads/index.html").is_file()  # the report says why
    assert (tmp_path / "profiles/demo/webinar_leads/profile.json").is_file()
    summary = (tmp_path / "summary.md").read_text()
    assert (
        "| `demo/webinar_leads` | webinar_leads_2026-11-23.csv | **1 fail**: column(s) full_name" in summary
    )


def test_a_source_without_a_delivery_is_a_problem_named_in_one_line(scv, repo, tmp_path):
    base, head = add_leads_source(repo)
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head)

    result = scv("pr", "profile", "--event", event, "--out", tmp_path / "profiles")

    assert result.code == 1
    assert result.err.startswith("error: no delivery of demo/webinar_leads matching 'webinar_leads*.csv' in ")
    assert result.err.count("\n") == 1


def test_a_pr_adding_no_source_profiles_nothing(scv, repo, tmp_path):
    base = gitpr.init(repo)
    head = gitpr.change(repo, "docs", {"NOTES.md": "notes\n"})
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head)

    result = scv("pr", "profile", "--event", event, "--out", tmp_path / "profiles")

    assert result.code == 0, result.err
    assert "adds no source to a client.yml: nothing to profile" in result.out
    assert not (tmp_path / "profiles").exists()
