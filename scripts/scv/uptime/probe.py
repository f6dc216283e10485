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
import errno
import json
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi
import httptools
import httpx

from scv.uptime.config import Endpoint

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
    all_started: Callable[[], None] | None = None,
) -> list[Result]:
    """Check every endpoint once; results in the order of endpoints. all_started is called once
    the last request is under way: from then on the checks mostly wait."""
    work = _probe_all(list(endpoints), concurrency, ssl_context(ca_file), done, all_started)
    try:
        import uvloop  # a faster event loop: a third less CPU for a thousand requests
    except ImportError:  # pragma: no cover - it is a dependency; the checks work without it
        return asyncio.run(work)
    return uvloop.run(work)


async def _probe_all(
    endpoints: list[Endpoint],
    concurrency: int,
    context: ssl.SSLContext,
    done: Callable | None,
    all_started: Callable | None,
) -> list[Result]:
    results: list[Result | None] = [None] * len(endpoints)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(endpoints)):
        queue.put_nowait(i)
    transport = OneShotTransport(context)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            if i == len(endpoints) - 1 and all_started is not None:
                all_started()
            results[i] = await probe(transport, endpoints[i])
            if done is not None:
                done(results[i])

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(endpoints)))))
    return [r for r in results if r is not None]


class OneShotTransport(httpx.AsyncBaseTransport):
    """httpx's transport for a check: one GET per connection, read by httptools (llhttp, the C
    parser of Node.js and uvicorn) straight off an asyncio protocol.

    httpx's default transport (httpcore on anyio) spends about 1.5 ms of CPU per request in its
    pool, cancel scopes and pure-Python parser; a thousand checks then queue behind the CPU and
    the slow ones start late. This one spends a sixth of that: no pool, no keep-alive (each check
    sees a fresh connection, as a visitor does), the whole deadline kept by the caller's
    asyncio.timeout. Errors come as httpx's, caused by the OSError or ssl error, as httpx's own
    transport does.
    """

    def __init__(self, context: ssl.SSLContext):
        self.context = context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url, tls = request.url, request.url.scheme == "https"
        loop = asyncio.get_running_loop()
        answer = _Answer(loop.create_future())
        try:
            connection, _ = await loop.create_connection(
                lambda: answer,
                url.host,
                url.port or (443 if tls else 80),
                ssl=self.context if tls else None,
                server_hostname=url.host if tls else None,
            )
        except OSError as exc:  # refused, unresolved, TLS verification failed...
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        try:
            head = b"".join(b"%s: %s\r\n" % pair for pair in request.headers.raw)
            connection.write(b"%s %s HTTP/1.1\r\n%s\r\n" % (request.method.encode(), url.raw_path, head))
            code = await answer.done
            tls_object = connection.get_extra_info("ssl_object")
            # The certificate is read now: once the connection is closed it is gone.
            cert = tls_object.getpeercert() if tls_object is not None else None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        except httptools.HttpParserError as exc:
            raise httpx.RemoteProtocolError(f"not an HTTP answer: {exc}", request=request) from exc
        finally:
            connection.close()
        return httpx.Response(
            code,
            headers=answer.headers,
            content=b"".join(answer.body),
            request=request,
            extensions={"peer_cert": cert},
        )


class _Answer(asyncio.Protocol):
    """One HTTP/1.1 answer: httptools calls the on_* methods as the bytes come in."""

    def __init__(self, done: asyncio.Future[int]):
        self.done = done  # the status code, once the whole answer is in
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.head_read = False

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._end(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        # Without Content-Length or chunks, the body is whatever came before the server closed.
        names = {name.lower() for name, _ in self.headers}
        delimited = b"content-length" in names or b"transfer-encoding" in names
        if exc is None and self.head_read and not delimited:
            self._end(None)
        else:
            when = "in the middle of its answer" if self.head_read else "without answering"
            self._end(exc or ConnectionResetError(f"the server closed the connection {when}"))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.head_read = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.parser.get_status_code() < 200:  # 100 Continue and the like: the answer follows
            self.headers, self.body, self.head_read = [], [], False
            return
        self._end(None)

    def _end(self, error: Exception | None) -> None:
        if self.done.done():
            return
        if error is None:
            self.done.set_result(self.parser.get_status_code())
        else:
            self.done.set_exception(error)


async def probe(transport: httpx.AsyncBaseTransport, endpoint: Endpoint) -> Result:
    for attempt in (1, 2):
        request = httpx.Request("GET", endpoint.url, headers=HEADERS)
        started = time.perf_counter()
        try:
            # The deadline is for the whole request, connection to last byte.
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
    cert = response.extensions.get("peer_cert")
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
        # A name with several addresses (localhost: ::1 and 127.0.0.1): asyncio joins their errors.
        text, refused = str(exc), f"[Errno {errno.ECONNREFUSED}]"
        every_refused = text.startswith("Multiple exceptions") and text.count("[Errno") == text.count(refused)
        return ("connection refused" if every_refused else f"cannot connect: {text}"), True
    return f"{type(exc).__name__}: {exc}" if str(exc) else f"connection lost ({type(exc).__name__})", True
