"""A served directory on loopback: the local stand-in for a site's web server.

`python -m scv.serve demo test` serves SCV_HOME/sites/demo/test/current/site on the port of the
client's test URL (client.yml), until Ctrl-C. nginx with allowlists replaces it in its own issue.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve a directory over HTTP on loopback (port 0: any free one); yields the base URL.

    The path is resolved per request, so serving `<site root>/current/site` follows the `current`
    symlink: a switch of release shows on the next request, as with nginx.
    """
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str]) -> int:
    from scv import paths
    from scv.config import load_client

    client = argv[0] if argv else "demo"
    env = argv[1] if len(argv) > 1 else "test"
    url = getattr(load_client(client).config.sites, env).url
    directory = paths.sites_dir(client) / env / "current" / "site"
    if not directory.is_dir():
        print(f"error: {directory} does not exist: publish a build first (make demo)", file=sys.stderr)
        return 2
    with serve(directory, url.host or "127.0.0.1", url.port or 80) as served:
        print(f"Serving {directory} at {served} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
