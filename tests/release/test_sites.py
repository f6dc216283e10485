"""The demo client's test and live sites for real: nginx instances on loopback, configured by
playbooks/site.yml, changed by `scv promote` and `scv rollback`, compared by `scv drift`.

The tests of this module share one pair of sites (starting nginx and running playbooks costs
seconds each) and run in order: each states the situation it starts from.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from support.loopback import free_ports
from support.repo import copy_repo, need
from support.sites import Sites, set_site_urls, stop_nginx
from support.soak import Poller

pytestmark = pytest.mark.slow

SECURITY_HEADERS = {
    "strict-transport-security": "max-age=31536000",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
ACCESS_LINE = re.compile(
    r'^(?P<addr>\S+) - - \[[^\]]+\] "GET /(?P<path>\S*) HTTP/1\.1" (?P<status>\d{3}) \d+ "-" "[^"]*" '
    r'"127\.0\.0\.1" (?P<time>\d+\.\d{3})$'
)


@pytest.fixture(scope="module")
def sites(two_weeks, tmp_path_factory):
    """Both sites up (site.yml), week 1 published to test and promoted to live."""
    need("nginx")
    base = tmp_path_factory.mktemp("sites")
    repo = copy_repo(base / "repo")
    home = base / "home"
    shutil.copytree(two_weeks.home / "builds", home / "builds", symlinks=True)
    s = Sites(repo, home, set_site_urls(repo, *free_ports(2)), two_weeks.week1, two_weeks.week2)
    try:
        done, _ = s.playbook("site.yml")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        published = s.scv("publish", "demo", s.week1, "--env", "test")
        assert published.returncode == 0, published.stdout + published.stderr
        s.release_yml(s.week1)
        promoted = s.scv("promote", "demo")
        assert promoted.returncode == 0, promoted.stdout + promoted.stderr
        yield s
    finally:
        stop_nginx(home)


def test_an_address_on_the_list_gets_the_site_and_one_not_on_it_gets_403(sites):
    for env in ("test", "live"):
        allowed = sites.get(env, "build.json", source="127.0.0.1")
        page = sites.get(env, "", source="127.0.0.1")
        denied = sites.get(env, "build.json", source="127.0.0.2")
        denied_page = sites.get(env, "", source="127.0.0.2")

        assert (allowed.status, allowed.build_id) == (200, sites.week1), env
        assert page.status == 200 and b"Northbridge University Press" in page.body, env
        assert (denied.status, denied_page.status) == (403, 403), env
        assert sites.week1.encode() not in denied.body + denied_page.body
        for answer in (allowed, denied):
            for header, value in SECURITY_HEADERS.items():
                assert answer.headers.get(header) == value, (env, header)
            assert "default-src 'none'" in answer.headers["content-security-policy"]
            assert answer.headers["server"] == "nginx"  # no version
        # The access log contract: combined + "$host" + $request_time, one file per client and env.
        log = (sites.home / "nginx" / "logs" / f"demo.{env}.access.log").read_text().splitlines()
        seen = {(m["addr"], m["path"], m["status"]) for line in log if (m := ACCESS_LINE.match(line))}
        assert {("127.0.0.1", "build.json", "200"), ("127.0.0.2", "build.json", "403")} <= seen, log[-4:]


def test_an_address_added_to_access_yml_gets_in_and_is_locked_out_once_removed(sites):
    access = sites.repo / "clients" / "demo" / "access.yml"
    original = access.read_text()
    access.write_text(
        original
        + "  - cidr: 127.0.0.2/32\n    who: Northbridge University Press, a visiting editor\n"
        + "    why: Reviews the dashboard this week\n    since: 2026-01-05\n"
    )

    added, _ = sites.playbook("site.yml")

    assert added.returncode == 0, added.stdout[-3000:]
    assert [sites.get(env, source="127.0.0.2").status for env in ("test", "live")] == [200, 200]

    access.write_text(original)
    removed, changed = sites.playbook("site.yml")

    assert removed.returncode == 0, removed.stdout[-3000:]
    assert changed > 0
    assert [sites.get(env, source="127.0.0.2").status for env in ("test", "live")] == [403, 403]
    assert [sites.get(env, source="127.0.0.1").status for env in ("test", "live")] == [200, 200]

    again, changed = sites.playbook("site.yml")

    assert again.returncode == 0
    assert changed == 0, "a second run of site.yml changed something:\n" + again.stdout[-3000:]


def test_an_access_yml_that_breaks_a_rule_is_refused_and_the_sites_keep_their_configuration(sites):
    access = sites.repo / "clients" / "demo" / "access.yml"
    original = access.read_text()
    access.write_text(original.replace("127.0.0.1/32", "10.0.0.0/8"))
    vhost = sites.home / "nginx" / "live" / "conf.d" / "scv-demo.conf"
    before = vhost.read_text()
    try:
        refused, _ = sites.playbook("site.yml")
    finally:
        access.write_text(original)

    assert refused.returncode != 0
    assert "clients/demo/access.yml:5: allow[0].cidr: 10.0.0.0/8 is 16,777,216 addresses" in refused.stdout
    assert vhost.read_text() == before
    assert sites.get("live").status == 200


def test_promotion_refusals_leave_live_serving_its_release(sites):
    """Not on test, digest differs, verdict fail, unanswered query: each refused, exit 1; live
    answers every request meanwhile, always with week 1. Then the query answered: it goes live."""
    failed = sites.variant(sites.week2, "20300101T000000Z-fa11ed0", verdict="fail")
    question = "Web-shop orders (shop_orders.csv) fell 40% (52 → 31) since the previous build: was the export complete?"
    queried = sites.variant(
        sites.week2,
        "20300102T000000Z-ae51ed0",
        verdict="query",
        queries=[{"check": "rows change", "subject": "shop_orders.csv", "question": question}],
    )
    sites.put_on_test(failed)
    sites.put_on_test(queried)
    releases = {b: sites.site_root("test") / "releases" / b for b in (sites.week1, queried.name)}

    with Poller(sites.urls["live"], releases, ca=sites.ca, max_seconds=300, pause=0.02) as poller:
        refusals = {}
        sites.release_yml(sites.week2)  # built, never published to test
        refusals["not on test"] = sites.scv("promote", "demo")
        sites.release_yml(sites.week1, "0" * 64)
        refusals["digest differs"] = sites.scv("promote", "demo")
        sites.release_yml(failed.name)
        refusals["verdict fail"] = sites.scv("promote", "demo")
        sites.release_yml(queried.name)
        refusals["query"] = sites.scv("promote", "demo")
        during = poller.figures.requests
        answered = [
            {"check": "rows change", "subject": "shop_orders.csv", "answer": "A week's shop closure."}
        ]
        sites.release_yml(queried.name, resolved=answered)
        promoted = sites.scv("promote", "demo")
    figures = poller.figures

    expected = {
        "not on test": f"error: promotion to live failed: refused: build {sites.week2} is not on the test site of demo",
        "digest differs": f"error: promotion to live failed: refused: the test site's copy of {sites.week1} has manifest sha256 {sites.manifest_sha256(sites.week1)}, release.yml says {'0' * 64}",
        "verdict fail": f"error: promotion to live failed: refused: build {failed.name} failed its checks (verdict fail)",
        "query": f"error: promotion to live failed: refused: build {queried.name} has open queries (verdict query) that release.yml resolved_queries does not answer: {question}",
    }
    for case, result in refusals.items():
        assert result.returncode == 1, (case, result.stdout, result.stderr)
        assert result.stderr.startswith(expected[case]), (case, result.stderr)
        assert "Traceback" not in result.stderr
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert sites.current("live") == queried.name
    assert sites.get("live").build_id == queried.name
    assert not (sites.site_root("live") / "releases" / failed.name).exists()
    assert during > 20 and not figures.failures and not figures.mixed, figures.summary()
    assert figures.served[sites.week1] >= during - 1  # week 1 throughout the refusals
    print("\nrefusals under load:", figures.summary())


def test_promote_and_rollback_in_one_step_under_continuous_requests(sites):
    """Week 2 goes test -> live, then back, while live is asked continuously: no request fails,
    every answer is whole from one release; a second promote and a second rollback change nothing.
    (`make bench-promote` does 20 cycles.)"""
    before = sites.current("live")  # the answered-query build of the last test
    sites.put_on_test(sites.home / "builds" / "demo" / sites.week2)
    sites.release_yml(sites.week2)
    releases = {b: sites.site_root("test") / "releases" / b for b in (before, sites.week2)}

    with Poller(sites.urls["live"], releases, ca=sites.ca, max_seconds=600, pause=0.02) as poller:
        promoted = sites.scv("promote", "demo")
        after_promote = sites.get("live").build_id
        again = sites.scv("promote", "demo")
        rolled = sites.scv("rollback", "demo", "--env", "live")
        after_rollback = sites.get("live").build_id
        rolled_again = sites.scv("rollback", "demo", "--env", "live")
    figures = poller.figures

    for result in (promoted, again, rolled, rolled_again):
        assert result.returncode == 0, result.stdout + result.stderr
    assert (after_promote, after_rollback) == (sites.week2, before)
    assert "changed=0" in again.stdout and "already live: nothing changed" in again.stdout
    assert f"Rolled demo live back to {before}" in rolled.stdout
    assert "nothing changed" in rolled_again.stdout and sites.current("live") == before  # no flip back
    last = json.loads((sites.site_root("live") / "deployments.jsonl").read_text().splitlines()[-1])
    assert (last["action"], last["build_id"], last["previous_build_id"]) == ("rollback", before, sites.week2)
    assert not figures.failures, figures.failures[:5]
    assert not figures.mixed, figures.mixed[:5]
    assert figures.served.get(before, 0) > 10 and figures.served.get(sites.week2, 0) > 10, figures.summary()
    print("\npromote and rollback under load:", figures.summary())


def test_drift_names_what_live_serves_against_release_yml_and_a_hand_edit_of_live(sites):
    # After the last test: live rolled back to the build before week 2, while release.yml names week 2.
    served = sites.current("live")
    assert served != sites.week2
    vhost = sites.home / "nginx" / "live" / "conf.d" / "scv-demo.conf"
    original = vhost.read_text()
    vhost.write_text(original.replace('X-Frame-Options "DENY"', 'X-Frame-Options "SAMEORIGIN"'))

    drift = sites.scv("drift")

    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert (
        f"demo live (live.local): /build.json names {served}; release.yml names {sites.week2}" in drift.stdout
    ), drift.stdout
    assert "the site configuration of live (live.local) differs from test's (test.local)" in drift.stdout
    assert '-    add_header X-Frame-Options "DENY" always;' in drift.stdout
    assert '+    add_header X-Frame-Options "SAMEORIGIN" always;' in drift.stdout

    vhost.write_text(original)
    sites.release_yml(
        served, resolved=[{"check": "rows change", "subject": "shop_orders.csv", "answer": "ok"}]
    )
    clean = sites.scv("drift")

    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"no drift demo: live serves {served}" in clean.stdout


def test_the_site_through_nginx_in_chromium_loads_with_no_errors(sites, tmp_path):
    need("chromium")
    need("chromedriver")
    from support.browser import chromium

    with chromium(trust=sites.home / "nginx" / "tls" / "local.crt") as browser:
        visit = browser.visit(sites.urls["test"], tmp_path / "site.png")

    assert (visit.console_errors, visit.outside) == ([], [])  # the CSP blocks nothing the page needs
    assert visit.title == "Northbridge University Press"
    assert f"Build {sites.week1}" in visit.text  # what test serves
