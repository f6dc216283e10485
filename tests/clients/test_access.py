"""`scv access validate` and `scv access render`: the allowlist rules, each error on one line
with file:line and field, exit 2; what nginx gets."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

ENTRY = "  - cidr: {cidr}\n    who: {who}\n    why: {why}\n    since: 2026-01-05\n{extra}"


def add_entries(repo, *entries: dict) -> str:
    path = repo / "clients" / "demo" / "access.yml"
    text = path.read_text()
    for e in entries:
        text += ENTRY.format(
            cidr=e["cidr"], who=e.get("who", "Northbridge, office"), why=e.get("why", "reads the dashboard"),
            extra="".join(f"    {k}: {v}\n" for k, v in e.get("extra", {}).items()),
        )  # fmt: skip
    path.write_text(text)
    return text


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
CASES = [
    ("IPv4 broader than /16", {"cidr": "10.0.0.0/8"}, "cidr: 10.0.0.0/8", "allow[1].cidr",
     "10.0.0.0/8 is 16,777,216 addresses, broader than /16: set allow_broad: true and a reason"),
    ("IPv6 broader than /48", {"cidr": "2001:db8::/32"}, "cidr: 2001:db8::/32", "allow[1].cidr",
     "broader than /48: set allow_broad: true and a reason"),
    ("allow_broad without a reason", {"cidr": "10.0.0.0/8", "extra": {"allow_broad": "true"}},
     "cidr: 10.0.0.0/8", "allow[1].cidr", "set allow_broad: true and a reason"),
    ("the whole IPv4 internet", {"cidr": "0.0.0.0/0", "extra": {"allow_broad": "true", "reason": "why not"}},
     "cidr: 0.0.0.0/0", "allow[1].cidr", "0.0.0.0/0 allows the whole internet"),
    ("the whole IPv6 internet", {"cidr": "::/0"}, "cidr: ::/0", "allow[1].cidr", "::/0 allows the whole internet"),
    ("duplicate", {"cidr": "127.0.0.1/32"}, "cidr: 127.0.0.1/32\n    who: Northbridge, office", "allow[1].cidr",
     "duplicate of allow[0] (line 5)"),
    ("overlap", {"cidr": "127.0.0.0/24"}, "cidr: 127.0.0.0/24", "allow[1].cidr",
     "127.0.0.0/24 overlaps 127.0.0.1/32 of allow[0] (line 5): keep one entry"),
    ("host bits set", {"cidr": "192.0.2.1/24"}, "cidr: 192.0.2.1/24", "allow[1].cidr",
     "not an IPv4/IPv6 address or CIDR block (192.0.2.1/24 has host bits set)"),
    ("IPv6 syntax", {"cidr": "2001:db8:::1/128"}, "cidr: 2001:db8:::1/128", "allow[1].cidr",
     "not an IPv4/IPv6 address or CIDR block"),
    ("empty who", {"cidr": "192.0.2.7/32", "who": "' '"}, "who: ' '", "allow[1].who", "is empty"),
    ("expired until", {"cidr": "192.0.2.7/32", "extra": {"until": YESTERDAY}}, f"until: {YESTERDAY}",
     "allow[1].until", f"expired on {YESTERDAY}: remove the entry or extend it"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "anchor", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_broken_access_entry_is_one_line_with_file_line_and_field(scv, repo, entry, anchor, field, words):
    text = add_entries(repo, entry)

    result = scv("access", "validate")

    assert result.code == 2, result.out
    assert "Traceback" not in result.err
    expected = f"error: clients/demo/access.yml:{line_of(text, anchor)}: {field}: "
    assert any(line.startswith(expected) and words in line for line in result.err.splitlines()), result.err
    # The same rules hold in `scv client validate` (make lint runs both).
    assert scv("client", "validate", "demo").code == 2


def test_a_missing_why_and_every_problem_at_once(scv, repo):
    path = repo / "clients" / "demo" / "access.yml"
    add_entries(repo, {"cidr": "10.0.0.0/8"}, {"cidr": "10.1.0.0/16"})
    path.write_text(path.read_text().replace("    why: Staff use the customer dashboard\n", ""))

    result = scv("access", "validate", "demo")

    assert result.code == 2
    fields = [re.match(r"error: \S+:\d+: (\S+):", line)[1] for line in result.err.splitlines()]
    assert fields == ["allow[0].why", "allow[1].cidr", "allow[2].cidr"], result.err
    assert "10.1.0.0/16 overlaps 10.0.0.0/8 of allow[1]" in result.err


def test_a_broad_entry_with_allow_broad_and_a_reason_and_a_future_until_are_fine(scv, repo):
    until = (date.today() + timedelta(days=30)).isoformat()
    add_entries(
        repo,
        {
            "cidr": "10.0.0.0/8",
            "extra": {"allow_broad": "true", "reason": "the client's whole campus network"},
        },
        {"cidr": "2001:db8:1::/48", "who": "Northbridge, Oxford office", "extra": {"until": until}},
    )

    result = scv("access", "validate")

    assert result.code == 0, result.err
    assert "demo (3)" in result.out and "operations team (1)" in result.out
    rendered = scv("access", "render", "demo")
    assert rendered.code == 0
    assert rendered.out.splitlines() == [
        "# clients/demo/access.yml",
        "allow 127.0.0.1/32;  # Northbridge University Press, editorial office: Staff use the customer dashboard",
        "allow 10.0.0.0/8;  # Northbridge, office: reads the dashboard",
        f"allow 2001:db8:1::/48;  # Northbridge, Oxford office: reads the dashboard (until {until})",
        "# the operations team: scv_operations_allow of the local inventory",
        "allow 127.0.0.1/32;  # operations team, this machine: runs the playbooks, uptime checks and audits",
        "deny all;",
    ]


def test_the_operations_list_is_checked_too(scv, repo):
    path = repo / "playbooks" / "inventories" / "local" / "group_vars" / "all.yml"
    text = path.read_text()
    path.write_text(
        text.replace(
            "  - cidr: 127.0.0.1/32\n    who: operations team",
            "  - cidr: 0.0.0.0/0\n    who: operations team",
        )
    )

    result = scv("access", "render", "demo")

    assert result.code == 2
    assert re.search(
        r"^error: playbooks/inventories/local/group_vars/all.yml:\d+: scv_operations_allow\[0\]\.cidr: 0\.0\.0\.0/0 allows the whole internet$",
        result.err,
        re.M,
    ), result.err
    assert result.out == ""  # nothing for nginx


def test_the_production_inventory_has_a_valid_operations_list(scv, repo):
    result = scv("access", "validate", "--inventory", repo / "playbooks" / "inventories" / "production")
    assert result.code == 0, result.err
    assert "operations team (2)" in result.out
