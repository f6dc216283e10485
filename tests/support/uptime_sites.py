"""Real local web servers for the uptime tests: sites that go down, answer slowly, serve another
build or carry a certificate about to expire, and a webhook that receives Apprise's json:// posts.

Every server binds 127.0.0.1 on an ephemeral port and is stopped by the test that started it.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a site that comes back gets its old port again


class Site:
    """A site serving /build.json (and / ) that a test can take down, slow down or change."""

    def __init__(self, build_id: str = "20261123T020000Z-1a2b3c4", tls: tuple[Path, Path] | None = None):
        self.build_id = build_id
        self.delay = 0.0
        self.status = 200
        self.requests = 0
        self.tls = tls
        self.port = 0
        self._server: _Server | None = None
        self.up()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/"

    def up(self) -> Site:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests += 1
                time.sleep(site.delay)
                body = json.dumps({"build_id": site.build_id, "client": "demo"}).encode()
                try:
                    self.send_response(site.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the checker gave up waiting: that is what a hung site looks like

            def log_message(self, *args) -> None:
                pass

        server = _Server(("127.0.0.1", self.port), Handler)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._server = server
        return self

    def down(self) -> Site:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        return self


class Receiver:
    """An HTTP endpoint that keeps every JSON body posted to it: where Apprise's json:// goes."""

    def __init__(self):
        self.posts: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.posts.append({"path": self.path, **json.loads(self.rfile.read(length))})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str = "sms") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def certificate(folder: Path, days_left: float) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 it signed, valid for days_left more days.

    Returns (ca.pem, cert.pem, key.pem)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scv uptime test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=days_left))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def configure(repo: Path, test: Site, live: Site | None = None, release: str | None = None, **uptime) -> None:
    """Point the demo client's sites at local servers and write the repository's uptime.yml."""
    path = repo / "clients" / "demo" / "client.yml"
    client = yaml.safe_load(path.read_text())
    client["sites"] = {"test": {"url": test.url}, "live": {"url": (live or test).url}}
    path.write_text(yaml.safe_dump(client, sort_keys=False))
    (repo / "clients" / "demo" / "release.yml").write_text(
        f"build_id: {release}\nmanifest_sha256: {'ab' * 32}\n" if release else "build_id: null\n"
    )
    settings = {
        "defaults": {"timeout_seconds": 1, "max_response_ms": 400, "failure_threshold": 2,
                     "success_threshold": 2, "reminder_minutes": 0} | uptime.pop("defaults", {}),
        "alerts": [{"name": "on-call SMS", "url_env": "SCV_TEST_SMS_URL", "severities": ["down"]}],
    } | uptime  # fmt: skip
    (repo / "uptime.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
