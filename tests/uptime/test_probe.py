"""The uptime probe reads whatever a real web server may answer: chunks, a body that runs until the
connection closes, an interim 100 Continue; an answer cut short, or not HTTP at all, is "down".

A raw local server (127.0.0.1, ephemeral port) sends each answer byte for byte.
"""

from __future__ import annotations

import socket
import threading

import pytest

from scv.uptime.config import Endpoint
from scv.uptime.probe import probe_all

BUILD = b'{"build_id": "20261123T020000Z-1a2b3c4"}'
ANSWERS = {
    "length": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BUILD), BUILD),
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n"
    % (10, BUILD[:10], len(BUILD) - 10, BUILD[10:]),
    "until-close": b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n%s" % BUILD,
    "continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
    % (len(BUILD), BUILD),
    "cut-short": b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n%s" % BUILD,
    "nothing": b"",
    "not-http": b"SSH-2.0-OpenSSH_9.6\r\n",
}


@pytest.fixture
def raw_server():
    """Answers GET /<name> with ANSWERS[name], then closes the connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so that the thread sees `stop` soon
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                request = b""
                while b"\r\n\r\n" not in request and (chunk := conn.recv(4096)):
                    request += chunk
                name = request.split(b" ")[1].decode().strip("/") if request else ""
                conn.sendall(ANSWERS.get(name, b""))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_every_way_of_ending_an_answer_is_read_and_a_broken_one_is_down(raw_server):
    endpoints = [Endpoint(name, f"{raw_server}/{name}", build_required=True, timeout=2) for name in ANSWERS]
    results = {r.endpoint: r for r in probe_all(endpoints, concurrency=1)}
    for name in ("length", "chunked", "until-close", "continue"):
        assert (results[name].status, results[name].code) == ("up", 200), results[name]
    assert results["cut-short"].status == "down"
    assert "closed the connection in the middle of its answer" in results["cut-short"].detail
    assert results["nothing"].status == "down"
    assert "closed the connection without answering" in results["nothing"].detail
    assert results["not-http"].status == "down" and "not an HTTP answer" in results["not-http"].detail
