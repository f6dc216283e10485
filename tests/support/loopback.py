"""Loopback ports for the benchmarks and tests that start their own servers."""

from __future__ import annotations

import socket


def free_ports(n: int) -> list[int]:
    """n port numbers nothing listens on now: each bound for a moment on 127.0.0.1, then closed."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports
