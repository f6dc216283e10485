"""What a pull request changes, from git and the pull_request payload: `scv pr affected`."""

from __future__ import annotations

from pathlib import Path

import pytest

from scv.pr.changes import affected_clients
from support import gitpr


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["models/clients/demo/stg_demo__crm_contacts.sql"], ["demo"]),
        (["clients/demo/client.yml"], ["demo"]),
        (["clients/demo/logo.png"], ["demo"]),
        (["clients/acme/client.yml", "models/clients/demo/x.sql"], ["acme", "demo"]),
        (["macros/matching.sql"], ["acme", "demo"]),
        (["models/shared/marts/customers.sql"], ["acme", "demo"]),
        (["seeds/nicknames.csv"], ["acme", "demo"]),
        (["dbt_project.yml"], ["acme", "demo"]),
        # A client's own site pages and saved segments change its site: previewed like any change.
        (["clients/demo/site/journals.md"], ["demo"]),
        (["clients/demo/segments.yml"], ["demo"]),
        # What every client site is made of.
        (["scripts/scv/pages/templates/site_person.html.j2"], ["acme", "demo"]),
        (["scripts/scv/pages/static/search.js", "package-lock.json"], ["acme", "demo"]),
        # What is live and who may see the site do not change what a build computes.
        (["clients/demo/release.yml"], []),
        (["clients/demo/access.yml"], []),
        # Machinery and docs: covered by the tests, no client to preview.
        (["scripts/scv/cli.py", "README.md", ".github/workflows/ci.yml", "playbooks/site.yml"], []),
        # A client removed by the PR has nothing to build.
        (["clients/gone/client.yml", "models/clients/gone/stg.sql"], []),
    ],
)
def test_affected_clients(files, expected):
    assert [a.client for a in affected_clients(files, ["acme", "demo"])] == expected


def test_a_pr_changing_a_demo_model_affects_demo_only(repo, scv, tmp_path, monkeypatch):
    base = gitpr.init(repo)
    model = "models/clients/demo/stg_demo__crm_contacts.sql"
    caps = (
        (repo / model)
        .read_text()
        .replace("{{ clean_text('organisation') }} as", "upper({{ clean_text('organisation') }}) as")
    )
    head = gitpr.change(repo, "caps", {model: caps})
    gitpr.git(repo, "checkout", "--quiet", "main")  # the decision reads git, not the working tree
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    (tmp_path / "out").touch()

    result = scv("pr", "affected", "--event", event)

    assert result.code == 0, result.err
    assert "affects demo  (first: models/clients/demo/stg_demo__crm_contacts.sql)" in result.out
    assert outputs(tmp_path / "out") == {"clients": '["demo"]', "preview": "true", "sources": "[]"}


def test_files_come_from_the_merge_base_not_from_what_main_did_since(repo, scv, tmp_path, monkeypatch):
    gitpr.init(repo)
    head = gitpr.change(repo, "docs", {"NOTES.md": "notes\n"})
    # main moves on after the branch was made: a shared macro changes there, not in the PR.
    base = gitpr.change(
        repo, "main", {"macros/cleaning.sql": (repo / "macros/cleaning.sql").read_text() + "\n"}
    )
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))

    result = scv("pr", "affected", "--event", event)

    assert result.code == 0, result.err
    assert "1 file(s) changed" in result.out
    assert outputs(tmp_path / "out")["clients"] == "[]"
    assert outputs(tmp_path / "out")["preview"] == "false"


def test_a_pr_adding_a_source_names_it_and_a_fork_gets_no_preview(repo, scv, tmp_path, monkeypatch):
    base = gitpr.init(repo)
    client_yml = (repo / "clients/demo/client.yml").read_text()
    added = client_yml.replace(
        "\nmatching:",
        "\n  - name: webinar_leads\n    file: webinar_leads.csv\n    format: csv\n    key: lead_id\n\nmatching:",
    )
    head = gitpr.change(repo, "leads", {"clients/demo/client.yml": added})
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head, head_repo="mallory/scv")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))

    result = scv("pr", "affected", "--event", event)

    assert result.code == 0, result.err
    assert "adds source demo/webinar_leads (webinar_leads.csv)" in result.out
    assert "no preview: the pull request comes from a fork" in result.out
    assert outputs(tmp_path / "out") == {
        "clients": '["demo"]',
        "preview": "false",
        "sources": '["demo/webinar_leads"]',
    }


def test_a_commit_missing_from_the_checkout_is_a_one_line_error(repo, scv, tmp_path):
    base = gitpr.init(repo)
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head="b" * 40)

    result = scv("pr", "affected", "--event", event)

    assert result.code == 2
    assert result.err.startswith(f"error: commit {'b' * 12} is not in the checkout")
    assert "fetch-depth: 0" in result.err
    assert "Traceback" not in result.err


def test_an_event_without_a_pull_request_is_a_one_line_error(scv, tmp_path, monkeypatch):
    event = tmp_path / "push.json"
    event.write_text('{"ref": "refs/heads/main", "repository": {"full_name": "scv-org/scv"}}')
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))

    result = scv("pr", "affected")

    assert result.code == 2
    assert (
        result.err
        == f"error: {event}: pull_request.base.sha: missing (is this the event the step expects?)\n"
    )
