"""What the uptime checks watch: every client's test and live site plus the endpoints of uptime.yml.

Client sites come from clients/<client>/client.yml (`sites:`); nobody lists them twice. Each is
checked at `<site url>build.json`, the file the release role serves from the published build:
  - test must answer with a build (any build: the test site shows whatever was last published);
  - live must answer with the build clients/<client>/release.yml names. Another build is
    "degraded" (a promotion that did not land, or a rollback nobody recorded). While release.yml
    names no build, nothing has been promoted and the live site is not checked (it is listed as
    skipped, with that reason), so a client who is not live yet never pages anyone.

uptime.yml (at the repository root) holds the settings of the checks, the alert targets, the
maintenance windows and any other endpoint to watch. It is validated like client.yml: every
problem with file:line and field.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from croniter import croniter
from pydantic import AwareDatetime, Field, HttpUrl, model_validator

from scv.clients import list_clients, load_client
from scv.core import paths
from scv.core.errors import Problem, Problems
from scv.core.schema import Cron, Strict, Timezone, validate_model
from scv.core.yamlfile import YamlFile

ENDPOINT_NAME = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
Severity = Literal["down", "degraded"]


class Defaults(Strict):
    """How every endpoint is checked unless it says otherwise."""

    timeout_seconds: float = Field(3, gt=0, le=60, description="Whole request, connection to last byte.")
    max_response_ms: int = Field(2000, gt=0, description="Slower than this is 'degraded'.")
    cert_min_days: int = Field(14, ge=0, description="A certificate expiring sooner is 'degraded'.")
    failure_threshold: int = Field(2, ge=1, description="Failed checks in a row that open an incident.")
    success_threshold: int = Field(2, ge=1, description="Good checks in a row that resolve it.")
    reminder_minutes: int = Field(60, ge=0, description="Remind while an incident stays open (0: never).")
    concurrency: int = Field(200, ge=1, le=2000, description="Requests in flight at once.")
    ca_file: str | None = Field(None, description="Extra CA certificates (PEM) to trust, e.g. a local CA.")


class AlertTarget(Strict):
    """Where alerts go: an Apprise URL read from an environment variable (never written in git)."""

    name: str = Field(min_length=1)
    url_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
    severities: list[Severity] = Field(default_factory=lambda: ["down", "degraded"], min_length=1)


class Maintenance(Strict):
    """A window in which alerts about the matching endpoints are muted: once (start, end) or
    recurring (cron, minutes, in timezone). Checks still run and are recorded; they do not count
    against uptime."""

    why: str = Field(min_length=1)
    endpoints: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    cron: Cron | None = None
    minutes: int | None = Field(None, ge=1, le=7 * 24 * 60)
    timezone: Timezone = "UTC"

    @model_validator(mode="after")
    def _one_kind(self) -> Maintenance:
        once, recurring = (self.start, self.end), (self.cron, self.minutes)
        if any(v is not None for v in once) and any(v is not None for v in recurring):
            raise ValueError("a window is either start/end or cron/minutes, not both")
        if any(v is not None for v in recurring):
            if None in recurring:
                raise ValueError("a recurring window needs both cron and minutes")
        elif None in once:
            raise ValueError("a window needs start and end (or cron and minutes)")
        elif self.end <= self.start:  # type: ignore[operator]
            raise ValueError(f"end ({self.end}) is not after start ({self.start})")
        return self

    def active(self, now: datetime) -> bool:
        if self.cron is None:
            return self.start <= now < self.end  # type: ignore[operator]
        local = now.astimezone(ZoneInfo(self.timezone))
        # The latest start at or before now (croniter's get_prev is strictly before its base).
        began = croniter(self.cron, local + timedelta(seconds=1)).get_prev(datetime)
        return local < began + timedelta(minutes=self.minutes or 0)

    def covers(self, endpoint: str) -> bool:
        return any(fnmatch.fnmatchcase(endpoint, pattern) for pattern in self.endpoints)


class ExtraEndpoint(Strict):
    """An endpoint that is not a client site: an API, the docs, a status page elsewhere…"""

    name: Annotated[str, Field(pattern=ENDPOINT_NAME)]
    url: HttpUrl
    status: list[Annotated[int, Field(ge=100, le=599)]] = Field(default_factory=lambda: [200], min_length=1)
    body_contains: str | None = Field(None, min_length=1, description="Text the body must contain.")
    json_fields: dict[str, Any] | None = Field(
        None, alias="json", description="Dotted paths in a JSON body and the values they must have."
    )
    timeout_seconds: float | None = Field(None, gt=0, le=60)
    max_response_ms: int | None = Field(None, gt=0)
    cert_min_days: int | None = Field(None, ge=0)


class UptimeConfig(Strict):
    defaults: Defaults = Defaults()
    alerts: list[AlertTarget] = Field(default_factory=list)
    maintenance: list[Maintenance] = Field(default_factory=list)
    endpoints: list[ExtraEndpoint] = Field(default_factory=list)


@dataclass(frozen=True)
class Endpoint:
    """One URL to check and what its answer must be."""

    name: str
    url: str
    client: str | None = None
    env: str | None = None
    status: tuple[int, ...] = (200,)
    body_contains: str | None = None
    json_fields: dict[str, Any] = field(default_factory=dict)
    build_required: bool = False  # the body is a build.json naming a build
    expected_build: str | None = None  # ...and it must be this one (live: release.yml)
    timeout: float = 3.0
    max_response_ms: int = 2000
    cert_min_days: int = 14
    skip: str | None = None  # why it is not checked, when it is not

    @property
    def loopback(self) -> bool:
        host = urlsplit(self.url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True)
class Uptime:
    """uptime.yml, validated, with the endpoints of every client resolved."""

    path: Path
    config: UptimeConfig
    endpoints: list[Endpoint]
    ca_file: Path | None

    @property
    def defaults(self) -> Defaults:
        return self.config.defaults

    def muted(self, endpoint: str, now: datetime) -> Maintenance | None:
        """The maintenance window muting this endpoint now, if any."""
        return next((w for w in self.config.maintenance if w.covers(endpoint) and w.active(now)), None)

    def alert_urls(self) -> dict[str, str | None]:
        """Each alert target's Apprise URL from the environment (None: the variable is not set)."""
        return {t.name: os.environ.get(t.url_env) or None for t in self.config.alerts}


def load_uptime() -> Uptime:
    """uptime.yml and every client's sites, or Problems naming each file, line and field."""
    path = paths.uptime_config()
    doc = YamlFile(path)
    problems: list[Problem] = []
    config: UptimeConfig | None = validate_model(doc, UptimeConfig, problems)
    endpoints: list[Endpoint] = []
    for name in list_clients():
        try:
            endpoints += client_endpoints(name, config.defaults if config else Defaults())
        except Problems as exc:
            problems += exc.problems
    if config is None or problems:
        raise Problems(problems)
    problems += _cross_checks(doc, config, endpoints)
    ca_file = _ca_file(doc, config.defaults.ca_file, problems)
    if problems:
        raise Problems(problems)
    endpoints += [_extra(e, config.defaults) for e in config.endpoints]
    return Uptime(path, config, endpoints, ca_file)


def client_endpoints(name: str, defaults: Defaults) -> list[Endpoint]:
    client = load_client(name)
    common = {
        "client": name,
        "timeout": defaults.timeout_seconds,
        "max_response_ms": defaults.max_response_ms,
        "cert_min_days": defaults.cert_min_days,
        "build_required": True,
    }
    test, live = client.config.sites.test, client.config.sites.live
    expected = client.release.build_id
    return [
        Endpoint(f"{name}.test", urljoin(str(test.url), "build.json"), env="test", **common),
        Endpoint(
            f"{name}.live",
            urljoin(str(live.url), "build.json"),
            env="live",
            expected_build=expected,
            skip=None if expected else "nothing promoted yet (release.yml names no build)",
            **common,
        ),
    ]


def _extra(e: ExtraEndpoint, d: Defaults) -> Endpoint:
    return Endpoint(
        e.name,
        str(e.url),
        status=tuple(e.status),
        body_contains=e.body_contains,
        json_fields=dict(e.json_fields or {}),
        timeout=e.timeout_seconds or d.timeout_seconds,
        max_response_ms=e.max_response_ms or d.max_response_ms,
        cert_min_days=d.cert_min_days if e.cert_min_days is None else e.cert_min_days,
    )


def _cross_checks(doc: YamlFile, config: UptimeConfig, client_eps: list[Endpoint]) -> list[Problem]:
    problems = []
    taken = {e.name: f"{e.client}'s {e.env} site" for e in client_eps}
    for i, extra in enumerate(config.endpoints):
        if extra.name in taken:
            problems.append(
                doc.problem(("endpoints", i, "name"), f"{extra.name!r} is already {taken[extra.name]}")
            )
        taken.setdefault(extra.name, f"endpoints[{i}]")
    names = list(taken)
    for i, window in enumerate(config.maintenance):
        for j, pattern in enumerate(window.endpoints):
            if not fnmatch.filter(names, pattern):
                problems.append(
                    doc.problem(("maintenance", i, "endpoints", j), f"{pattern!r} matches no endpoint")
                )
    seen: dict[str, int] = {}
    for i, target in enumerate(config.alerts):
        if target.name in seen:
            problems.append(
                doc.problem(
                    ("alerts", i, "name"), f"duplicate alert target (also alerts[{seen[target.name]}])"
                )
            )
        seen.setdefault(target.name, i)
    return problems


def _ca_file(doc: YamlFile, value: str | None, problems: list[Problem]) -> Path | None:
    """The CA file, environment variables expanded, relative to the repository."""
    if value is None:
        return None
    path = paths.repo_root() / os.path.expandvars(value)
    if re.search(r"\$\{?\w", os.path.expandvars(value)) or not path.is_file():
        problems.append(doc.problem(("defaults", "ca_file"), f"{value!r}: no such file ({path})"))
        return None
    return path


def now_utc() -> datetime:
    """The time of a run, to the second: every result of one run carries it."""
    return datetime.now(UTC).replace(microsecond=0)
