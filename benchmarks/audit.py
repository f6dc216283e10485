"""`make bench-audit`: audit a generated N-line access log; print lines per second and peak memory.

The log (5 million lines by default, one day of the demo client's live site in scv's log format)
is written by DuckDB under SCV_HOME/bench/audit/ and kept between runs: office users on the
allowlist browsing the dashboard, the uptime check, crawlers refused by the allowlist, and the
internet's background of attacks (probes, traversal, SQL injection, XSS, scanners, 401 brute
force) from thousands of addresses, with a few unparseable lines. The demo client's allowlist
gets the offices in a private copy of clients/ (SCV_REPO), so the real one is never touched.

`scv audit logs --files` runs as its own process, exactly as a person would run it: the time is
the whole audit (start-up, parse, every rule, history, HTML and JSON), the peak is that process's
resident memory. goaccess, when installed (`make bench-audit` installs it), reads the same file
for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import yaml

from scv.core import paths
from support.audit_logs import CRAWLED

TARGET_LINES_PER_SECOND = 1_000_000
TARGET_PEAK_GIB = 2
OFFICES = ["198.51.100.0/24", "203.0.113.0/26"]

PAGES = [
    "GET / HTTP/1.1",
    "GET /index.html HTTP/1.1",
    "GET /build.json HTTP/1.1",
    "GET /downloads/customers.parquet HTTP/1.1",
    "GET /downloads/customers.csv HTTP/1.1",
    "GET /downloads/customer_sources.parquet HTTP/1.1",
    "GET /?tab=growth HTTP/1.1",
    "GET /?tab=quality HTTP/1.1",
    "GET /favicon.ico HTTP/1.1",
    "HEAD / HTTP/1.1",
]
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
]
CRAWLERS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
]
PROBES = [
    "/.env", "/.git/config", "/.git/HEAD", "/wp-login.php", "/wp-admin/", "/xmlrpc.php", "/phpmyadmin/",
    "/pma/index.php", "/admin/", "/administrator/", "/backup.zip", "/db.sql", "/site.tar.gz", "/config.php",
    "/.aws/credentials", "/server-status", "/actuator/health",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/.DS_Store", "/web.config", "/.htpasswd", "/cgi-bin/luci",
]  # fmt: skip
ATTACKS = [
    "/?id=1%27%20OR%20%271%27=%271",
    "/?id=1+UNION+ALL+SELECT+NULL,NULL,NULL--",
    "/?id=%2527%2520or%2520sleep(5)%2523",
    "/search?q=1;DROP TABLE users",
    "/?q=<script>alert(1)</script>",
    "/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "/?q=%253Csvg%2520onload%253Dalert(1)%253E",
    "/../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/download?file=%252e%252e%252f%252e%252e%252fetc%252fshadow",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/windows/win.ini",
]
SCANNERS = [
    "Mozilla/5.0 zgrab/0.x",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
    "sqlmap/1.7.2#stable (https://sqlmap.org)",
    "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)",
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
    "Fuzz Faster U Fool v2.1.0",
]


def generate(path: Path, lines: int) -> None:
    """One day of the demo client's live site, `lines` lines in time order, deterministic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute("create macro pick(i, k, n) as (hash(i, k) % n)::bigint")
        con.execute("create macro one(xs, i, k) as xs[1 + pick(i, k, len(xs))]")
        con.execute(
            f"""
            copy (
              with t as (
                select i, pick(i, 0, 1000) as r, pick(i, 1, 100) as a,
                  timestamp '2026-11-22 00:00:00'
                    + to_microseconds((i * 86400000000 // {lines})::bigint) as seen_at
                from range({lines}) r(i)
              ),
              hits as (
                select i, seen_at,
                  case
                    when r < 780 then (case when a < 70 then '198.51.100.' || (1 + pick(i, 2, 200))
                                            else '203.0.113.' || (1 + pick(i, 2, 60)) end)
                    when r < 810 then '127.0.0.1'
                    when r < 880 then '66.249.' || (64 + pick(i, 3, 32)) || '.' || pick(i, 4, 250)
                    when a < 8 then '45.155.205.' || pick(i, 5, 50)
                    -- the internet's background: some 3,000 addresses
                    else '45.' || (100 + pick(i, 5, 20)) || '.' || pick(i, 6, 50)
                        || '.' || (10 + pick(i, 7, 3))
                  end as ip,
                  case when r >= 880 and a < 8 then 'admin' else '-' end as user,
                  case
                    when r < 780 then one($pages, i, 8)
                    when r < 810 then 'GET /build.json HTTP/1.1'
                    when r < 880 then 'GET ' || one($crawled, i, 8) || ' HTTP/1.1'
                    when a < 8 then 'GET /private/ HTTP/1.1'
                    when a < 48 then 'GET ' || one($probes, i, 8) || ' HTTP/1.1'
                    when a < 68 then 'GET /page-' || pick(i, 10, 100000) || ' HTTP/1.1'
                    when a < 90 then 'GET ' || one($attacks, i, 8) || ' HTTP/1.1'
                    else 'GET / HTTP/1.1'
                  end as request,
                  case
                    when r < 780 then (case when pick(i, 11, 100) < 85 then 200
                                            when pick(i, 11, 100) < 95 then 304
                                            when pick(i, 11, 100) < 98 then 206 else 404 end)
                    when r < 810 then 200
                    when r >= 880 and a < 8 then 401
                    else 403
                  end as status,
                  case
                    when r < 780 then one($browsers, i, 12)
                    when r < 810 then 'python-httpx/0.28.1'
                    when r < 880 then one($crawlers, i, 12)
                    when a >= 90 then one($scanners, i, 12)
                    else one($browsers, i, 12)
                  end as agent
                from t
              )
              select case when pick(i, 13, 200000) = 0 then 'a line that is not in the format ' || i else
                ip || ' - ' || user || ' [' || strftime(seen_at, '%d/%b/%Y:%H:%M:%S') || ' +0000] "'
                || request || '" '
                || status || ' ' || (case when status = 200 then 2000 + pick(i, 14, 90000) else 153 end)
                || ' "-" "' || agent || '" "demo.live" 0.' || lpad(pick(i, 15, 200)::varchar, 3, '0')
              end as line
              from hits  -- in the order of range(): DuckDB keeps insertion order
            ) to '{partial}' (format csv, header false, quote '', escape '', delimiter '\x01')
            """,
            {
                "pages": PAGES,
                "crawled": CRAWLED,
                "probes": PROBES,
                "attacks": ATTACKS,
                "browsers": BROWSERS,
                "crawlers": CRAWLERS,
                "scanners": SCANNERS,
            },
        )
    partial.rename(path)


def bench_repo(bench: Path) -> Path:
    """A private copy of clients/ and playbooks/ with the offices on the demo client's allowlist."""
    repo = bench / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    for part in ("clients", "playbooks"):
        shutil.copytree(paths.repo_root() / part, repo / part)
    access = repo / "clients" / "demo" / "access.yml"
    doc = yaml.safe_load(access.read_text(encoding="utf-8"))
    doc["allow"] += [
        {"cidr": c, "who": "Northbridge office", "why": "bench", "since": "2020-01-01"} for c in OFFICES
    ]
    access.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return repo


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak resident GiB of one process; and its exit code."""
    import tempfile

    with tempfile.TemporaryFile("w+") as output:
        clock = time.perf_counter()
        # stdin closed: goaccess reads a piped stdin as a log too, and would wait for it forever.
        proc = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - clock
        proc.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        print("".join(f"    {line}" for line in output.readlines()[:6]), end="")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / 2**30, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--generate", action="store_true", help="Only write the log (the bench runs this).")
    parser.add_argument("--no-goaccess", action="store_true", help="Skip the comparison with goaccess.")
    args = parser.parse_args()
    bench = paths.scv_home() / "bench" / "audit"
    log = bench / f"{args.lines}" / "demo.live.access.log"
    if args.generate:
        generate(log, args.lines)
        return
    if not log.exists():
        print(f"Generating {args.lines:,} lines into {log} (once; kept for the next run)…", flush=True)
        clock = time.perf_counter()
        # In a process of its own: a child's peak memory counts its parent's at the fork (Linux
        # keeps the larger of the two), and the generator holds gigabytes.
        subprocess.run(
            [sys.executable, "-m", "benchmarks.audit", "--lines", str(args.lines), "--generate"], check=True
        )
        print(f"  generated in {time.perf_counter() - clock:.0f} s", flush=True)
    size = log.stat().st_size
    print(
        f"Auditing {log} ({size / 1e9:.2f} GB, {args.lines:,} lines) on {os.cpu_count()} cores…", flush=True
    )
    env = {**os.environ, "SCV_REPO": str(bench_repo(bench)), "SCV_HOME": str(bench / "home")}
    # Python's compiled modules are kept, as in any installation: the figure is the audit's,
    # not the compiler's. A first audit of a tiny log compiles them.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    scv = Path(sys.executable).with_name("scv")
    warm = bench / "warm-up" / log.name
    warm.parent.mkdir(parents=True, exist_ok=True)
    with log.open("rb") as f:
        warm.write_bytes(b"".join(f.readline() for _ in range(1000)))
    warm_out = bench / "warm-up" / "report"
    subprocess.run([str(scv), "audit", "logs", "--files", str(warm), "--out", str(warm_out)],
                   env=env, capture_output=True, check=False)  # fmt: skip
    seconds, cpu, peak, code = measure(
        [str(scv), "audit", "logs", "--files", str(log), "--out", str(bench / "report")], env
    )
    timings = json.loads((bench / "report" / "report.json").read_text(encoding="utf-8"))["timings"]
    wall, used = timings["seconds"], timings["cpu_seconds"]
    print("  phases: " + ", ".join(f"{k} {wall[k]:.2f} s ({used[k]:.2f} s CPU)" for k in wall))
    core = wall["parse"] + wall["rules"]
    print(
        f"  parse + rules: {core:.2f} s wall, {used['parse'] + used['rules']:.2f} s CPU: "
        f"{args.lines / core:,.0f} lines/s (the target: {TARGET_LINES_PER_SECOND:,})"
    )
    rate = args.lines / seconds
    verdict = "within" if args.lines / core >= TARGET_LINES_PER_SECOND and peak <= TARGET_PEAK_GIB else "OVER"
    print(
        f"bench-audit: the whole audit of {args.lines:,} lines in {seconds:.2f} s wall ({cpu:.1f} s CPU): "
        f"{rate:,.0f} lines/s, peak memory {peak:.2f} GiB; parse + rules {verdict} the target of "
        f"{TARGET_LINES_PER_SECOND:,} lines/s and {TARGET_PEAK_GIB} GiB; exit {code}"
    )
    goaccess = shutil.which("goaccess")
    if args.no_goaccess:
        print("goaccess: skipped (--no-goaccess)")
    elif goaccess:
        print("goaccess on the same file…", flush=True)
        g_seconds, g_cpu, g_peak, g_code = measure(
            [
                goaccess,
                str(log),
                "--no-global-config",
                "--no-progress",
                "--log-format",
                '%h %^ %e [%d:%t %^] "%r" %s %b "%R" "%u" "%v" %T',
                "--date-format",
                "%d/%b/%Y",
                "--time-format",
                "%H:%M:%S",
                "--output",
                str(bench / "goaccess.html"),
            ],
        )
        print(
            f"goaccess: {g_seconds:.2f} s wall ({g_cpu:.1f} s CPU), {args.lines / g_seconds:,.0f} lines/s, "
            f"peak memory {g_peak:.2f} GiB; exit {g_code}. "
            f"The whole audit took {seconds / g_seconds:.2f}× goaccess's wall time and "
            f"{cpu / g_cpu:.2f}× its CPU time (goaccess counts traffic; the audit also runs every rule)"
        )
    else:
        print("goaccess is not installed: no comparison (make bench-audit installs it)")
    sys.exit(0 if verdict == "within" else 1)


if __name__ == "__main__":
    main()
