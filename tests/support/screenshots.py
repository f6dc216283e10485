"""`make screenshots`: the report and the client site of what a test site serves, in headless Chromium.

    python -m support.screenshots [CLIENT] [ENV]     (default: demo test)

Writes SCV_HOME/screenshots/<client>-<env>-report.png and -site.png from the release `current`
points at: the report opened as a file (the operations team's, not on the site), the site at its
URL, served by nginx with its allowlist and security headers. Exit 1 when a page logs a console
error or requests anything outside itself.
"""

from __future__ import annotations

import sys

from scv.clients.config import load_client
from scv.core import paths
from scv.core.errors import ScvError
from scv.release.sites import local_ca, served_build
from support.browser import chromium


def main(argv: list[str]) -> int:
    client = argv[0] if argv else "demo"
    env = argv[1] if len(argv) > 1 else "test"
    release = paths.sites_dir(client) / env / "current"
    if not (release / "site" / "index.html").is_file():
        print(f"error: {release} has no published site: run `make demo` first", file=sys.stderr)
        return 2
    site_url = str(getattr(load_client(client).config.sites, env).url)
    if served_build(site_url) != release.readlink().name:
        print(f"error: {site_url} does not serve {release.readlink().name}: run `make up`", file=sys.stderr)
        return 2
    out = paths.scv_home() / "screenshots"
    problems = 0
    try:
        with chromium(trust=local_ca()) as browser:
            for name, url in (("report", (release / "report" / "index.html").as_uri()), ("site", site_url)):
                shot = out / f"{client}-{env}-{name}.png"
                visit = browser.visit(url, shot)
                print(f"{name:<7} {shot}  ({visit.title})")
                for message in visit.console_errors:
                    print(f"  console error: {message}")
                for request in visit.outside:
                    print(f"  request outside the page: {request}")
                problems += len(visit.console_errors) + len(visit.outside)
    except ScvError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
