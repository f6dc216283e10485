"""Continuous requests to a site while its release changes: does anyone notice?

A Poller asks a site for /build.json and its page, one request after another, on loopback, until
it is stopped or reaches its bound (count and time). Every answer must be a 200 whose body is,
byte for byte, that file of one of the releases it may serve: anything else is a failure, and a
body that is none of them is a response mixing releases. Used by tests/test_sites.py and
`make bench-promote` (benchmarks/promote.py).
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Figures:
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    mixed: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    served: dict[str, int] = field(default_factory=dict)  # release -> answers from it
    seconds: float = 0.0

    def summary(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies) or [0.0]
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        per_release = ", ".join(f"{k}: {v}" for k, v in sorted(self.served.items()))
        rate = self.requests / max(self.seconds, 1e-9)
        return (
            f"{self.requests} requests in {self.seconds:.1f} s ({rate:.0f}/s), "
            f"{len(self.failures)} failed, {len(self.mixed)} mixing releases; latency median "
            f"{statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms; served {per_release}"
        )


class Poller:
    """Requests in a thread until stop() or the bound; the figures are in .figures."""

    PATHS = ("build.json", "")  # /build.json and the page (index.html)

    def __init__(
        self,
        url: str,
        releases: dict[str, Path],
        ca: Path | None = None,
        max_requests: int = 100_000,
        max_seconds: float = 900.0,
        pause: float = 0.005,
    ):
        """releases: build id -> release directory (its build.json and site/index.html are the truth)."""
        self.url = url.rstrip("/") + "/"
        self.known = {
            path: {
                (r / ("build.json" if path else "site/index.html")).read_bytes(): b
                for b, r in releases.items()
            }
            for path in self.PATHS
        }
        self.ca = ca
        self.max_requests, self.max_seconds, self.pause = max_requests, max_seconds, pause
        self.figures = Figures()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> Figures:
        self._stop.set()
        self._thread.join()
        return self.figures

    def _run(self) -> None:
        f = self.figures
        start = time.monotonic()
        from scv.release.sites import verify

        with httpx.Client(verify=verify(self.ca), timeout=10.0) as client:
            while not self._stop.is_set() and f.requests < self.max_requests:
                if time.monotonic() - start > self.max_seconds:
                    break
                path = self.PATHS[f.requests % len(self.PATHS)]
                began = time.monotonic()
                try:
                    response = client.get(self.url + path)
                except httpx.HTTPError as exc:
                    f.failures.append(f"/{path}: {type(exc).__name__}: {exc}")
                else:
                    f.latencies.append(time.monotonic() - began)
                    release = self.known[path].get(response.content)
                    if response.status_code != 200:
                        f.failures.append(f"/{path}: HTTP {response.status_code}")
                    elif release is None:
                        f.mixed.append(f"/{path}: {len(response.content)} bytes from no single release")
                    else:
                        f.served[release] = f.served.get(release, 0) + 1
                f.requests += 1
                self._stop.wait(self.pause)
        f.seconds = time.monotonic() - start
