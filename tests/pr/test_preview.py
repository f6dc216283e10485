"""End to end, on this machine: a branch that changes a demo model -> the clients it affects -> a
preview build published to the local test site -> a PR comment whose data diff names the column
that changed. dbt, DuckDB and Ansible really run; GitHub is the fake API and a payload file."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from support import gitpr
from support.github_fake import fake_github
from support.sites import current, served_build_id

MODEL = "models/clients/demo/stg_demo__crm_contacts.sql"


@pytest.mark.slow
def test_a_model_change_is_previewed_on_the_test_site_with_a_diff_naming_the_column(
    scv, weekly, two_weeks, tmp_path, monkeypatch
):
    repo, home = weekly.repo, weekly.home
    # Live serves week 2, and week 2's delivery is still the latest in the inbox.
    live = home / "builds/demo" / weekly.week2
    digest = hashlib.sha256((live / "SHA256SUMS").read_bytes()).hexdigest()
    (repo / "clients/demo/release.yml").write_text(f"build_id: {weekly.week2}\nmanifest_sha256: {digest}\n")
    shutil.copytree(two_weeks.home.parent / "inbox-2", home / "inbox/demo")
    base = gitpr.init(repo)
    # The client asked for organisation names in capitals.
    sql = (repo / MODEL).read_text()
    assert "{{ clean_text('organisation') }} as organisation" in sql
    caps = sql.replace("{{ clean_text('organisation') }} as", "upper({{ clean_text('organisation') }}) as")
    head = gitpr.change(repo, "demo-organisation-caps", {MODEL: caps}, "demo: organisation in capitals")
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head, number=12)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))

    affected = scv("pr", "affected", "--event", event)

    assert affected.code == 0, affected.err
    assert 'clients=["demo"]' in (tmp_path / "outputs").read_text().splitlines()

    with fake_github() as gh:
        for key, value in gh.env().items():
            monkeypatch.setenv(key, value)
        preview = scv("pr", "preview", "demo", "--event", event)

    assert preview.code == 0, preview.out + preview.err
    built = sorted(p.name for p in (home / "builds/demo").iterdir() if not p.name.startswith("."))[-1]
    assert built.endswith(head[:7])
    meta = json.loads((home / "builds/demo" / built / "build.json").read_text())
    assert meta["preview"] == {"pr": 12, "head_sha": head}
    assert meta["previous_build"] == weekly.week2  # ids carried from the last weekly build
    # On the local test site now.
    assert current(home) == built
    assert served_build_id(home) == built
    # One comment on the PR, with the data diff against live naming the changed column.
    [comment] = gh.comment_bodies(12)
    assert comment.startswith("<!-- scv:preview client=demo -->\n## Preview of Northbridge University Press")
    assert "on the test site https://127.0.0.1:8481/ now" in comment
    assert f"### Data diff against live (`{weekly.week2}`)" in comment
    assert (
        f"Same delivery as `{weekly.week2}`: every difference below comes from the change itself." in comment
    )
    assert "| `organisation` |" in comment
    fields = [line for line in comment.splitlines() if line.startswith("| `") and line.endswith(" |")]
    changed = {line.split("`")[1] for line in fields if line.count("|") == 3}
    assert changed == {"organisation"}, comment  # nothing but the column the change is about
    assert "| `organisation` | Uni | UNI |" in comment  # a changed golden record (not personal: unmasked)
    assert "**Schema**: no model, column or type changed." in comment


def test_a_preview_that_cannot_load_the_delivery_says_so_on_the_pr(scv, repo, tmp_path, monkeypatch):
    base = gitpr.init(repo)
    head = gitpr.change(repo, "caps", {MODEL: (repo / MODEL).read_text() + "-- a change\n"})
    (tmp_path / "home/inbox/demo").mkdir(parents=True)  # nothing delivered yet
    event = gitpr.pull_request_event(tmp_path / "event.json", base=base, head=head, number=12)

    with fake_github() as gh:
        for key, value in gh.env().items():
            monkeypatch.setenv(key, value)
        result = scv("pr", "preview", "demo", "--event", event)

    assert result.code == 2
    assert "no file matches 'crm_contacts.csv' for source crm_contacts" in result.err
    [comment] = gh.comment_bodies(12)
    assert "**The build did not run**: " in comment and "no file matches 'crm_contacts.csv'" in comment
    assert not (tmp_path / "home/sites/demo/test/current").exists()
