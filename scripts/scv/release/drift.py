"""`scv drift`: are the sites what git says they are?

For each client: the build live serves (its /build.json and the release `current` points at)
against clients/<client>/release.yml, and the test site's nginx configuration against live's.
Test and live are made by the same role with the same variables but names and hosts, so once
those are set aside their configurations must be identical: any other difference is a hand edit
or a run of site.yml that reached one environment only. playbooks/drift.yml reads the servers
(it changes nothing there); the comparison is here.
"""

from __future__ import annotations

import base64
import difflib
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from scv.clients import Client, list_clients, load_client
from scv.core.errors import ScvError
from scv.release.playbook import run_playbook

console = Console(emoji=False)


@dataclass
class Site:
    """One client's site on one server, as drift.yml found it."""

    host: str
    env: str
    vhost: str | None
    current: str | None
    manifest_sha256: str | None
    served: str | None  # the build id live's /build.json names
    served_error: str | None


def run_drift(client: str | None, inventory: Path | None = None) -> bool:
    """Print every difference; True when there is drift."""
    names = [client] if client else list_clients()
    if not names:
        raise ScvError("no clients to check")
    clients = {name: load_client(name) for name in names}
    urls = {
        name: {env: str(getattr(c.config.sites, env).url) for env in ("test", "live")}
        for name, c in clients.items()
    }
    with tempfile.TemporaryDirectory(prefix="scv-drift-") as out:
        extra = {"scv_drift_out": out, "scv_clients": urls}
        run_playbook("drift.yml", extra, inventory, "drift", "reading the sites", console)
        hosts = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(out).glob("*.json"))]
    drifted = False
    for name, c in clients.items():
        sites = [_site(host, names.index(name)) for host in hosts]
        problems = release_drift(c, [s for s in sites if s.env == "live"])
        problems += config_drift(name, urls[name], hosts, sites)
        shared = _shared_drift(hosts) if name == names[0] else []
        for line in problems + shared:
            console.print(escape(line), highlight=False, soft_wrap=True)
        if problems or shared:
            drifted = True
        else:
            live = c.release.build_id or "nothing (release.yml names no build)"
            console.print(f"[green]no drift[/] {name}: live serves {live}; test and live configured alike")
    return drifted


def release_drift(client: Client, live: list[Site]) -> list[str]:
    want, want_sha = client.release.build_id, client.release.manifest_sha256
    problems = []
    for site in live:
        where = f"{client.name} live ({site.host})"
        served = site.served or f"nothing ({site.served_error})"
        if want is None:
            if site.current or site.served:
                problems.append(
                    f"{where}: serves {site.served or site.current}, but release.yml names no build"
                )
            continue
        if site.served != want:
            problems.append(f"{where}: /build.json names {served}; release.yml names {want}")
        if site.current != want:
            problems.append(f"{where}: current is {site.current or 'missing'}; release.yml names {want}")
        elif site.manifest_sha256 != want_sha:
            problems.append(
                f"{where}: {want}'s SHA256SUMS has sha256 {site.manifest_sha256}; release.yml pins {want_sha}"
            )
    return problems


def config_drift(name: str, urls: dict[str, str], hosts: list[dict], sites: list[Site]) -> list[str]:
    """Each server's site configuration against the first test server's, names and hosts set aside."""
    by_host = {h["host"]: h for h in hosts}
    ordered = sorted(sites, key=lambda s: (s.env != "test", s.host))
    reference = ordered[0] if ordered else None
    problems = []
    for site in ordered:
        if site.vhost is None:
            problems.append(f"{name} {site.env} ({site.host}): no site configuration (run site.yml)")
    if reference is None or reference.vhost is None:
        return problems
    base = normalise(reference.vhost, name, urls[reference.env], by_host[reference.host])
    for site in ordered[1:]:
        if site.vhost is None:
            continue
        other = normalise(site.vhost, name, urls[site.env], by_host[site.host])
        if other == base:
            continue
        diff = difflib.unified_diff(
            base.splitlines(),
            other.splitlines(),
            f"{reference.host}:scv-{name}.conf",
            f"{site.host}:scv-{name}.conf",
            lineterm="",
            n=1,
        )
        problems.append(
            f"{name}: the site configuration of {site.env} ({site.host}) differs from "
            f"{reference.env}'s ({reference.host}):"
        )
        problems += [f"  {line}" for line in diff]
    return problems


def normalise(text: str, client: str, url: str, host: dict) -> str:
    """A site configuration with what may differ between environments replaced by placeholders:
    the environment's name, URL, port and host name, site root, log files and certificate."""
    env = host["env"]
    match = re.match(r"^https?://(?P<hostname>\[[^\]]+\]|[^:/]+)(?::(?P<port>\d+))?", url)
    hostname = match["hostname"] if match else ""
    port = match["port"] if match and match["port"] else ("443" if url.startswith("https") else "80")
    exact = {
        url: "<url>",
        f"{host['sites_root']}/{client}/{env}": "<site root>",
        f"{client}.{env}.": f"{client}.<env>.",
        host["tls_certificate_key"]: "<certificate key>",
        host["tls_certificate"]: "<certificate>",
        f"The {env} site of": "The <env> site of",
    }
    lines = []
    for line in text.splitlines():
        for old in sorted(exact, key=len, reverse=True):
            line = line.replace(old, exact[old])
        if re.match(r"^\s*listen\s", line):
            line = re.sub(rf"\b{port}\b", "<port>", line)
        if re.match(r"^\s*server_name\s", line):
            line = line.replace(hostname, "<host name>")
        lines.append(line)
    return "\n".join(lines)


def _shared_drift(hosts: list[dict]) -> list[str]:
    texts = {h["host"]: _text(h["shared_conf"]) for h in hosts}
    distinct = set(texts.values())
    if len(distinct) <= 1:
        return []
    ref = sorted(texts)[0]
    others = ", ".join(h for h in texts if texts[h] != texts[ref])
    return [f"00-scv.conf (what every site shares) differs between servers: {others} vs {ref}"]


def _site(host: dict, index: int) -> Site:
    vhost = _text(host["vhosts"][index])
    manifest = host["manifests"][index].get("stat", {})
    current = host["currents"][index].get("stat", {})
    served, served_error = None, None
    if host["env"] == "live" and index < len(host["served"]):
        answer = host["served"][index]
        body = answer.get("json")
        if answer.get("status") == 200 and isinstance(body, dict) and body.get("build_id"):
            served = str(body["build_id"])
        else:
            served_error = f"HTTP {answer.get('status')}: {answer.get('msg', '')}".strip(": ")
    return Site(
        host=host["host"],
        env=host["env"],
        vhost=vhost,
        current=Path(current["lnk_target"]).name if current.get("islnk") else None,
        manifest_sha256=manifest.get("checksum") if manifest.get("exists") else None,
        served=served,
        served_error=served_error,
    )


def _text(result: dict) -> str | None:
    """The file a slurp read, or None when it was not there."""
    if not isinstance(result, dict) or "content" not in result:
        return None
    return base64.b64decode(result["content"]).decode("utf-8")
