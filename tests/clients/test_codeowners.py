"""CODEOWNERS read the way GitHub reads it: the examples of GitHub's documentation, and ours."""

from __future__ import annotations

import pytest

from scv.clients import codeowners
from scv.core.errors import ScvError
from support.repo import REPO

# GitHub's documented example file (docs: "About code owners"), abridged.
GITHUB_EXAMPLE = """\
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("README.md", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("main.go", ("docs@example.com",)),
        ("build/logs/today.txt", ("@octocat",)),  # **/logs comes later and wins
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes after docs/*
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("deeply/nested/logs/x.log", ("@octocat",)),
        ("apps/web/index.html", ("@octocat",)),
        ("apps/github/index.html", ()),  # a pattern with no owners leaves the path unowned
    ],
)
def test_github_documented_examples(path, owners):
    assert codeowners.owners(codeowners.parse(GITHUB_EXAMPLE), path) == owners


def test_a_wildcard_in_the_last_segment_does_not_reach_into_subfolders():
    rules = codeowners.parse("* @all\ndocs/* @docs\n")

    assert codeowners.owners(rules, "docs/getting-started.md") == ("@docs",)
    assert codeowners.owners(rules, "docs/build-app/troubleshooting.md") == ("@all",)


def test_our_codeowners_gives_each_client_folder_to_its_reviewers_only():
    rules = codeowners.parse((REPO / ".github" / "CODEOWNERS").read_text())

    assert codeowners.owners(rules, "clients/demo/release.yml") == ("@scv-org/demo-reviewers",)
    assert codeowners.owners(rules, "models/clients/demo/stg_demo__crm_contacts.sql") == (
        "@scv-org/demo-reviewers",
    )
    assert codeowners.owners(rules, "models/shared/marts/customers.sql") == ("@scv-org/operations",)
    assert codeowners.owners(rules, "clients/demo2/release.yml") == ("@scv-org/operations",)


def test_unsupported_syntax_is_a_one_line_error_with_the_line():
    with pytest.raises(ScvError, match=r"^\.github/CODEOWNERS:2: '!secret\.txt': GitHub does not support"):
        codeowners.parse("* @a\n!secret.txt @b\n")
    with pytest.raises(ScvError, match=r"^\.github/CODEOWNERS:1: 'octocat' is not @user, @org/team"):
        codeowners.parse("/docs/ octocat\n")
