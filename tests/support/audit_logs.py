"""Labelled logs for the audit tests: nginx access and error logs and an sshd auth log, as the
servers write them, where every line is known to be normal traffic or one attack class.

Addresses say who is who: offices on the demo client's allowlist are 198.51.100.0/24 (the tests
add it to their copy of access.yml), the operations team is 127.0.0.1 (group_vars), crawlers are
Google's and Bing's, and each attack comes from its own address in 45.155.205.0/24.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

OFFICE = "198.51.100.0/24"
OPERATIONS = "127.0.0.1"
OFFICE_USERS = [f"198.51.100.{i}" for i in range(10, 40)]
CRAWLERS = {
    "66.249.66.1": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "40.77.167.5": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
}
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
# What people do on a client's dashboard (a static site) and what they get.
PAGES = [
    ("GET / HTTP/1.1", 200),
    ("GET /index.html HTTP/1.1", 200),
    ("GET /build.json HTTP/1.1", 200),
    ("GET /downloads/customers.parquet HTTP/1.1", 200),
    ("GET /downloads/customers.csv HTTP/1.1", 200),
    ("GET /downloads/customer_sources.csv HTTP/1.1", 206),
    ("GET / HTTP/1.1", 304),
    ("GET /?tab=growth#quality HTTP/1.1", 200),
    ("GET /?q=O%27Brien+%26+Sons HTTP/1.1", 200),  # an apostrophe is not an injection
    ("GET /downloads/customer%20sources.csv HTTP/1.1", 404),
    ("GET /favicon.ico HTTP/1.1", 404),
    ("HEAD / HTTP/1.1", 200),
]
CRAWLED = [
    "/robots.txt",
    "/favicon.ico",
    "/",
    "/sitemap.xml",
    "/assets/logo.png",
    "/.well-known/security.txt",
]

# The attacks: class -> the address that does it (each class its own address).
ATTACKERS = {
    "allowlist_leak": "203.0.113.50",
    "sensitive_file_served": "198.51.100.99",  # an office machine fetching the site's .git
    "sensitive_probe": "45.155.205.1",
    "path_traversal": "45.155.205.2",
    "sql_injection": "45.155.205.3",
    "xss": "45.155.205.4",
    "scanner_agent": "45.155.205.5",
    "http_auth_brute_force": "45.155.205.7",
    "error_burst": "45.155.205.8",
    "ssh_brute_force": "45.155.205.9",
    "ssh_invalid_user": "45.155.205.10",
    "ssh_login_outside_operations": "45.155.205.11",
    "volume_anomaly": "198.51.100.88",  # an office address scraping the test site
}


def access_line(
    ip: str,
    at: datetime,
    request: str,
    status: int,
    agent: str,
    *,
    size: int = 512,
    vhost: str | None = "demo.live",
    user: str = "-",
    combined: bool = False,
) -> str:
    """One line as nginx writes scv_access_log_format (or plain "combined")."""
    line = f'{ip} - {user} [{at:%d/%b/%Y:%H:%M:%S} +0000] "{request}" {status} {size} "-" "{agent}"'
    return line if combined else f'{line} "{vhost}" 0.{random.Random(line).randint(0, 999):03d}'


@dataclass
class Logs:
    """Lines per file, in time order when written."""

    lines: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)

    def add(self, name: str, at: datetime, line: str) -> None:
        self.lines.setdefault(name, []).append((at, line))

    def text(self, name: str) -> str:
        return "".join(line + "\n" for _, line in sorted(self.lines.get(name, []), key=lambda x: x[0]))

    def write(self, folder: Path) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for name in self.lines:
            path = folder / name
            data = self.text(name).encode()
            path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
            written[name] = path
        return written


def normal_traffic(logs: Logs, start: datetime, hours: int, *, name: str = "demo.live.access.log",
                   combined: bool = False, per_hour: int = 40, crawls: int = 30, seed: int = 1) -> None:  # fmt: skip
    """Office users browsing, the uptime check every 5 minutes, crawlers of static assets."""
    rnd = random.Random(seed)
    vhost = name.split(".access")[0]
    for h in range(hours):
        hour = start + timedelta(hours=h)
        for _ in range(per_hour):
            at = hour + timedelta(seconds=rnd.randrange(3600))
            request, status = rnd.choice(PAGES)
            ip = rnd.choice(OFFICE_USERS)
            logs.add(
                name,
                at,
                access_line(ip, at, request, status, rnd.choice(BROWSERS), vhost=vhost, combined=combined),
            )
        for m in range(0, 60, 5):
            at = hour + timedelta(minutes=m, seconds=1)
            logs.add(name, at, access_line(OPERATIONS, at, "GET /build.json HTTP/1.1", 200, "python-httpx/0.28.1",
                                           vhost=vhost, combined=combined))  # fmt: skip
        for ip, agent in CRAWLERS.items():  # at most one request every two minutes each: polite
            for _ in range(crawls):
                at = hour + timedelta(seconds=rnd.randrange(3600))
                path = rnd.choice(CRAWLED)
                logs.add(name, at, access_line(ip, at, f"GET {path} HTTP/1.1", 403, agent, size=153, vhost=vhost,
                                               combined=combined))  # fmt: skip


def normal_errors(logs: Logs, start: datetime, name: str = "demo.live.error.log") -> None:
    for i in range(5):
        at = start + timedelta(minutes=37 * i)
        logs.add(name, at, f'{at:%Y/%m/%d %H:%M:%S} [error] 1234#1234: *{i} open() "/srv/site/favicon.ico" failed '
                 f'(2: No such file or directory), client: 198.51.100.12, server: demo.live, request: '
                 f'"GET /favicon.ico HTTP/1.1", host: "demo.live"')  # fmt: skip
        logs.add(name, at, f"{at:%Y/%m/%d %H:%M:%S} [error] 1234#1234: *{i + 9} access forbidden by rule, client: "
                 f'66.249.66.1, server: demo.live, request: "GET /robots.txt HTTP/1.1", host: "demo.live"')  # fmt: skip


def normal_auth(logs: Logs, start: datetime, name: str = "auth.log") -> None:
    """The operations team logging in, cron, and one mistyped password (not a brute force)."""
    for i in range(6):
        at = start + timedelta(hours=3 * i, minutes=2)
        logs.add(name, at, f"{at:%b %e %H:%M:%S} web1 sshd[{200 + i}]: Accepted publickey for ops from "
                 f"{OPERATIONS} port {50000 + i} ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")  # fmt: skip
        logs.add(name, at, f"{at:%b %e %H:%M:%S} web1 CRON[{300 + i}]: pam_unix(cron:session): session opened for "
                 "user root(uid=0) by root(uid=0)")  # fmt: skip
    at = start + timedelta(hours=1)
    logs.add(
        name,
        at,
        f"{at:%b %e %H:%M:%S} web1 sshd[400]: Failed password for ops from {OPERATIONS} port 50100 ssh2",
    )


def attacks(logs: Logs, at: datetime, *, access: str = "demo.live.access.log", auth: str = "auth.log",
            error: str = "demo.live.error.log") -> None:  # fmt: skip
    """Every attack class once, each from its own address (ATTACKERS), starting at `at`."""
    a = ATTACKERS
    chrome = BROWSERS[0]

    def hit(ip: str, when: datetime, request: str, status: int, agent: str = chrome, **kw) -> None:
        logs.add(access, when, access_line(ip, when, request, status, agent, **kw))

    hit(a["allowlist_leak"], at, "GET /downloads/customers.csv HTTP/1.1", 200, size=90_000)
    hit(a["sensitive_file_served"], at, "GET /.git/config HTTP/1.1", 200)
    for i, path in enumerate(["/.env", "/.git/config", "/wp-login.php", "/phpmyadmin/index.php", "/backup.zip",
                              "/admin/", "/server-status", "/.aws/credentials"]):  # fmt: skip
        hit(a["sensitive_probe"], at + timedelta(seconds=i), f"GET {path} HTTP/1.1", 403, size=153)
    for i, target in enumerate(
        [
            "/../../../../etc/passwd",
            "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/download?file=%252e%252e%252f%252e%252e%252fetc%252fshadow",  # double-encoded
            "/%c0%ae%c0%ae/%c0%ae%c0%ae/windows/win.ini",  # overlong UTF-8
        ]
    ):
        hit(a["path_traversal"], at + timedelta(seconds=i), f"GET {target} HTTP/1.1", 403, size=153)
    for i, target in enumerate(
        [
            "/?id=1%27%20OR%20%271%27=%271",
            "/?id=1+UNION+ALL+SELECT+username,password+FROM+users--",
            "/?id=%2527%2520or%2520sleep(5)%2523",  # double-encoded
        ]
    ):
        hit(a["sql_injection"], at + timedelta(seconds=i), f"GET {target} HTTP/1.1", 403, size=153)
    for i, target in enumerate(
        [
            "/?q=<script>alert(1)</script>",
            "/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(document.cookie)%3E",
            "/?q=%253Csvg%2520onload%253Dalert(1)%253E",  # double-encoded
        ]
    ):
        hit(a["xss"], at + timedelta(seconds=i), f"GET {target} HTTP/1.1", 403, size=153)
    hit(a["scanner_agent"], at, "GET / HTTP/1.1", 403, "sqlmap/1.7.2#stable (https://sqlmap.org)", size=153)
    hit(a["scanner_agent"], at + timedelta(seconds=1), "GET /robots.txt HTTP/1.1", 403,
        "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", size=153)  # fmt: skip
    for i in range(15):  # 15 wrong passwords in 3 minutes
        hit(a["http_auth_brute_force"], at + timedelta(seconds=12 * i), "GET /private/ HTTP/1.1", 401,
            size=179, user="admin")  # fmt: skip
    for i in range(150):  # 150 refused requests in 2.5 minutes
        hit(a["error_burst"], at + timedelta(seconds=i), f"GET /page-{i} HTTP/1.1", 403, size=153)
    sshd = "web1 sshd"
    for i in range(12):  # 12 failures in 4 minutes
        when = at + timedelta(seconds=20 * i)
        user = "root" if i % 2 else "invalid user admin"
        logs.add(auth, when, f"{when:%b %e %H:%M:%S} {sshd}[{500 + i}]: Failed password for {user} from "
                 f"{a['ssh_brute_force']} port {41000 + i} ssh2")  # fmt: skip
    for i, user in enumerate(["oracle", "test", "ubuntu"]):
        when = at + timedelta(minutes=30, seconds=i)
        logs.add(auth, when, f"{when:%b %e %H:%M:%S} {sshd}[{600 + i}]: Invalid user {user} from "
                 f"{a['ssh_invalid_user']} port {42000 + i}")  # fmt: skip
    when = at + timedelta(minutes=45)
    logs.add(auth, when, f"{when:%b %e %H:%M:%S} {sshd}[700]: Accepted password for deploy from "
             f"{a['ssh_login_outside_operations']} port 43000 ssh2")  # fmt: skip
    when = at + timedelta(minutes=5)
    logs.add(error, when, f"{when:%Y/%m/%d %H:%M:%S} [crit] 1234#1234: *99 SSL_do_handshake() failed "
             "(SSL: error:0A00006C:SSL routines::bad key share), client: 45.155.205.12, server: 0.0.0.0:443")  # fmt: skip


def volume_spike(logs: Logs, day: datetime, name: str = "demo.test.access.log", n: int = 3000) -> None:
    """An office address scraping the test site: n requests in one day, all served."""
    for i in range(n):
        when = day + timedelta(seconds=i * 20)
        logs.add(name, when, access_line(ATTACKERS["volume_anomaly"], when, f"GET /downloads/customers.csv?i={i} HTTP/1.1",
                                         200, "python-requests/2.32.3", combined=True))  # fmt: skip
