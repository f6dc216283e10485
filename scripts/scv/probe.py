"""One check of many endpoints at once: httpx, asyncio, a bounded number of requests in flight.

Each endpoint gets one request (and one quick retry when the connection itself failed: a
refused connection during a restart should not count as an outage on its own), a deadline for
the whole request, and a verdict:
  - down: no answer, a wrong status, a body or JSON that is not what it must be, a TLS error;
  - degraded: it answers, but slowly, with a certificate that expires soon, or (live sites)
    serving another build than release.yml names;
  - up: everything as it should be.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi
import httpx

from scv.uptime_config import Endpoint

RETRY_DELAY = 0.25  # seconds before the one retry after a failed connection
HEADERS = {"User-Agent": "scv-uptime/1", "Cache-Control": "no-cache", "Connection": "close"}


@dataclass(frozen=True)
class Result:
    endpoint: str
    status: str  # up | degraded | down
    ms: int | None = None  # request start to last byte
    code: int | None = None  # HTTP status
    cert_days: float | None = None  # days the server's certificate has left
    detail: str = ""  # why it is not up


def ssl_context(ca_file: Path | None) -> ssl.SSLContext:
    """The public CAs (certifi), plus a private one when uptime.yml names it."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def probe_all(
    endpoints: Iterable[Endpoint],
    *,
    concurrency: int,
    ca_file: Path | None = None,
    done: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Check every endpoint once; results in the order of endpoints."""
    work = _probe_all(list(endpoints), concurrency, ssl_context(ca_file), done)
    try:
        import uvloop  # a faster event loop: a third less CPU for a thousand requests
    except ImportError:  # pragma: no cover - it is a dependency; the checks work without it
        return asyncio.run(work)
    return uvloop.run(work)


async def _probe_all(
    endpoints: list[Endpoint], concurrency: int, context: ssl.SSLContext, done: Callable | None
) -> list[Result]:
    results: list[Result | None] = [None] * len(endpoints)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(endpoints)):
        queue.put_nowait(i)

    async def worker() -> None:
        # httpx's transport, one connection per worker: no client layer (cookies, redirects,
        # proxies from the environment) between us and the site, and no pool to search (httpx's
        # pool looks through all its connections for every request: quadratic with hundreds).
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=0)
        async with httpx.AsyncHTTPTransport(verify=context, limits=limits) as transport:
            while not queue.empty():
                i = queue.get_nowait()
                results[i] = await probe(transport, endpoints[i])
                if done is not None:
                    done(results[i])

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(endpoints)))))
    return [r for r in results if r is not None]


async def probe(transport: httpx.AsyncHTTPTransport, endpoint: Endpoint) -> Result:
    timeout = dict.fromkeys(("connect", "read", "write", "pool"), endpoint.timeout)
    for attempt in (1, 2):
        request = httpx.Request("GET", endpoint.url, headers=HEADERS, extensions={"timeout": timeout})
        started = time.perf_counter()
        try:
            # The deadline is for the whole request; httpx's timeouts are per step.
            async with asyncio.timeout(endpoint.timeout):
                response = await transport.handle_async_request(request)
                try:
                    body = await response.aread()
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return Result(endpoint.name, "down", detail=f"no answer within {endpoint.timeout:g} s")
        except httpx.TransportError as exc:
            reason, retry = _why(exc)
            if retry and attempt == 1:
                await asyncio.sleep(RETRY_DELAY)
                continue
            return Result(endpoint.name, "down", detail=reason)
        ms = round(1000 * (time.perf_counter() - started))
        return judge(endpoint, response.status_code, body, ms, _cert_days(response))
    raise AssertionError("unreachable")  # pragma: no cover


def judge(endpoint: Endpoint, code: int, body: bytes, ms: int, cert_days: float | None) -> Result:
    """The verdict on an answer: the first reason it is down, else every reason it is degraded."""
    down = _down_reason(endpoint, code, body)
    if down:
        return Result(endpoint.name, "down", ms, code, cert_days, down)
    degraded = []
    if endpoint.expected_build:
        served = json.loads(body).get("build_id")
        if served != endpoint.expected_build:
            degraded.append(f"serves build {served}, release.yml names {endpoint.expected_build}")
    if ms > endpoint.max_response_ms:
        degraded.append(f"slow: {ms:,} ms (limit {endpoint.max_response_ms:,} ms)")
    if cert_days is not None and cert_days < endpoint.cert_min_days:
        on = (datetime.now(UTC) + timedelta(days=cert_days)).date()
        degraded.append(
            f"TLS certificate expires in {cert_days:.1f} days, on {on} (limit {endpoint.cert_min_days} days)"
        )
    status = "degraded" if degraded else "up"
    return Result(endpoint.name, status, ms, code, cert_days, "; ".join(degraded))


def _down_reason(endpoint: Endpoint, code: int, body: bytes) -> str:
    if code not in endpoint.status:
        expected = ", ".join(map(str, endpoint.status))
        return f"HTTP {code} (expected {expected})"
    if endpoint.body_contains and endpoint.body_contains not in body.decode("utf-8", "replace"):
        return f"the body does not contain {endpoint.body_contains!r}"
    if endpoint.json_fields or endpoint.build_required:
        try:
            data = json.loads(body)
        except ValueError:
            return "the body is not JSON"
        if endpoint.build_required and not (isinstance(data, dict) and data.get("build_id")):
            return "build.json names no build_id"
        for path, expected in endpoint.json_fields.items():
            found = _dig(data, path)
            if found != expected:
                return f"JSON {path} is {found!r}, expected {expected!r}"
    return ""


def _dig(data: object, path: str) -> object:
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _cert_days(response: httpx.Response) -> float | None:
    stream = response.extensions.get("network_stream")
    tls = stream.get_extra_info("ssl_object") if stream is not None else None
    cert = tls.getpeercert() if tls is not None else None
    if not cert or "notAfter" not in cert:
        return None
    expires = ssl.cert_time_to_seconds(cert["notAfter"])
    return round((expires - datetime.now(UTC).timestamp()) / 86400, 2)


def _why(exc: httpx.TransportError) -> tuple[str, bool]:
    """A reason a person understands, and whether a quick retry makes sense."""
    chain, cause = [], exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 6:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS: {cause.verify_message or cause.reason}", False
        if isinstance(cause, ssl.SSLError):
            return f"TLS: {cause.reason or cause}", False
        if isinstance(cause, socket.gaierror):
            return f"name not resolved ({cause.strerror})", True
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused", True
    if isinstance(exc, httpx.ConnectError):
        text = str(exc)
        return (
            "connection refused" if "All connection attempts failed" in text else f"cannot connect: {text}"
        ), True
    return f"{type(exc).__name__}: {exc}" if str(exc) else f"connection lost ({type(exc).__name__})", True
