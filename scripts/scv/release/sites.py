"""The sites as a visitor reaches them: client.yml's URLs, served by nginx (role `site`).

    python -m scv.release.sites [CLIENT]     (what `make demo` and `make up` print)

prints each site's URL and the build its /build.json names. On the local inventory the sites'
certificate is self-signed (site.yml makes it with openssl); `local_ca()` is the file to trust.
"""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

import httpx

from scv.clients import list_clients, load_client
from scv.core import paths


def local_ca() -> Path | None:
    """The local sites' self-signed certificate (scv_tls_certificate of the local inventory)."""
    path = paths.scv_home() / "nginx" / "tls" / "local.crt"
    return path if path.is_file() else None


def verify(ca: Path | None = None) -> ssl.SSLContext:
    """What an HTTP client of the sites trusts (httpx verify=): `ca`, else the local sites'
    certificate when there is one, else the system's CAs."""
    ca = ca or local_ca()
    return ssl.create_default_context(cafile=str(ca)) if ca else ssl.create_default_context()


def served_build(url: str, timeout: float = 5.0) -> str:
    """The build id a site's /build.json names, or what went wrong, in a few words."""
    try:
        response = httpx.get(url.rstrip("/") + "/build.json", verify=verify(), timeout=timeout)
    except httpx.HTTPError as exc:
        return f"not answering ({type(exc).__name__})"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        return str(response.json()["build_id"])
    except (ValueError, KeyError, TypeError):
        return "no build id in /build.json"


def main(argv: list[str]) -> int:
    for name in argv[:1] or list_clients():
        sites = load_client(name).config.sites
        for env in ("test", "live"):
            url = str(getattr(sites, env).url)
            print(f"{name} {env:<5} {url}  serves {served_build(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
