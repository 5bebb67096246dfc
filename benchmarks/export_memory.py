"""Peak memory and time of the responses export (`GET /staff/responses.csv|.xlsx`) on a
large database, served by gunicorn as in production.

    .venv/bin/python benchmarks/export_memory.py --rows 1000000
    .venv/bin/python benchmarks/export_memory.py --database-url postgresql://... --unit CODE \\
        --from 2026-01-01 --to 2026-12-31

Without --database-url it builds a temporary SQLite database (migrated by `feedback db
upgrade`, then filled with bulk SQL: a province with --communes communes, --rows
responses over one year, ~12.8 answers each; the satisfaction aggregate is left empty,
since the export reads the raw rows) and removes it afterwards (--keep keeps it). For
each format it starts a fresh gunicorn (one sync worker, bound to 127.0.0.1 only), signs
in, downloads the export of the whole province and year in 64 KiB reads, and prints the
worker's resident memory at rest and at its peak (VmHWM), the time to the
first byte and to the last, and the size. Every step is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import calendar
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin: gunicorn and the feedback command
HOST = "127.0.0.1"
EMAIL = "bench-export@example.vn"
PASSWORD = "bench-export-password"
PROVINCE = "bench-tinh"
YEAR = 2025

# (questionnaire, items answered): 32% full (19 items + 2 yes/no), 68% short (7 + 2),
# 0.32 * 21 + 0.68 * 9 = 12.84 answers per response.
FULL = ["TC1", "TC2", "TC3", "TC4", "TT1", "TT2", "TT3", "TT4", "CC1", "CC2", "CC3", "CC4",
        "CC5", "KQ1", "KQ2", "KQ3", "PA1", "PA2", "PA3", "HARASS", "INFORMAL"]
SHORT = ["TC2", "TT1", "TT4", "CC1", "CC3", "KQ1", "PA1", "HARASS", "INFORMAL"]


@dataclass
class Result:
    fmt: str
    rest_mb: float
    peak_mb: float
    first_byte_s: float
    total_s: float
    size_mb: float
    lines: int


def run(args: list[str], env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def build_sqlite(path: Path, rows: int, communes: int, env: dict[str, str],
                 timeout: float) -> None:
    """Migrate with the real migrations, then fill with bulk SQL (a recursive CTE feeding
    INSERT ... SELECT), the way no request ever writes, so a million rows take seconds."""
    run([str(BIN / "feedback"), "db", "upgrade"], env, timeout)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = "2025-01-01 00:00:00.000000"
    with conn:
        conn.execute("INSERT INTO unit (id, code, name, kind, parent_id, created_at, active) "
                     "VALUES (1, ?, 'Tỉnh Thử Nghiệm', 'province', NULL, ?, 1)",
                     (PROVINCE, now))
        for i in range(communes):
            unit_id = 2 + i
            conn.execute("INSERT INTO unit (id, code, name, kind, parent_id, created_at, active)"
                         " VALUES (?, ?, ?, 'commune', 1, ?, 1)",
                         (unit_id, f"bench-xa-{i + 1}", f"Xã Thử Nghiệm {i + 1}", now))
            for c in range(3):
                conn.execute(
                    "INSERT INTO counter (id, unit_id, name, position, questionnaire, "
                    "token_generation, active, created_at) VALUES (?, ?, ?, ?, 'short', 1, 1, ?)",
                    (unit_id * 10 + c, unit_id, f"Quầy {c + 1} — Một cửa", c + 1, now))
            for p in range(10):
                conn.execute(
                    "INSERT INTO procedure (id, unit_id, code, name, field, active) "
                    "VALUES (?, ?, ?, ?, 'Hộ tịch', 1)",
                    (unit_id * 100 + p, unit_id, f"HT{p:02d}", f"Thủ tục số {p + 1}, hộ tịch"))
        # Spread over the local year (from 01:00 on 1 January, UTC+7), in whole seconds
        # written as SQLAlchemy writes them ('YYYY-MM-DD HH:MM:SS.ffffff': SQLite compares
        # the text).
        start = calendar.timegm((YEAR, 1, 1, 0, 0, 0)) - 6 * 3600
        span = 364 * 24 * 3600
        conn.execute(f"""
            WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
            INSERT INTO response (id, submission_id, unit_id, counter_id, procedure_id,
                questionnaire, questionnaire_version, channel, dossier_hash, age_band,
                respondent_type, comment, created_at, recorded_at, entered_by_id)
            SELECT n, printf('%032x', n), 2 + n % {communes},
                (2 + n % {communes}) * 10 + n % 3,
                CASE WHEN n % 4 = 0 THEN NULL ELSE (2 + n % {communes}) * 100 + n % 10 END,
                CASE WHEN n % 25 < 8 THEN 'full' ELSE 'short' END, 1,
                CASE WHEN n % 20 = 0 THEN 'paper' ELSE 'qr' END, NULL,
                CASE n % 7 WHEN 0 THEN NULL WHEN 1 THEN 'under18' WHEN 2 THEN '18-24'
                    WHEN 3 THEN '25-34' WHEN 4 THEN '35-49' WHEN 5 THEN '50-59' ELSE '60+' END,
                CASE n % 3 WHEN 0 THEN 'person' WHEN 1 THEN 'business' ELSE NULL END,
                CASE WHEN n % 10 = 0 THEN 'Ý kiến số ' || n || ', "rất" hài lòng' END,
                strftime('%Y-%m-%d %H:%M:%S', {start}
                         + (n * {span}) / ?, 'unixepoch') || '.000000',
                strftime('%Y-%m-%d %H:%M:%S', 'now') || '.000000', NULL
            FROM seq""", (rows, rows))
        items = " UNION ALL ".join(
            f"SELECT '{q}', '{item}', {pos}"
            for q, listed in (("full", FULL), ("short", SHORT))
            for pos, item in enumerate(listed))
        conn.execute(f"""
            WITH items(q, item, pos) AS ({items})
            INSERT INTO answer (response_id, item, value)
            SELECT r.id, i.item,
                CASE WHEN i.item IN ('HARASS', 'INFORMAL') THEN (r.id + i.pos) % 9 = 0
                     ELSE 1 + (r.id * 7 + i.pos * 3) % 5 END
            FROM response r JOIN items i ON i.q = r.questionnaire
            ORDER BY r.id""")
    answers = conn.execute("SELECT count(*) FROM answer").fetchone()[0]
    conn.close()
    print(f"built {path}: {rows:,} responses, {answers:,} answers "
          f"({answers / rows:.2f} each), {communes} communes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def vm_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


class Server:
    """gunicorn with one sync worker on 127.0.0.1, as in production (`feedback:create_app()`
    imports the drawing libraries when the worker starts)."""

    def __init__(self, env: dict[str, str], timeout: float, log: Path) -> None:
        self.port = free_port()
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "1", "--worker-class", "sync",
             "--bind", f"{HOST}:{self.port}", "--timeout", str(int(timeout)),
             "--log-level", "warning", "feedback:create_app()"],
            env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://{HOST}:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); see {log}")
            try:
                urllib.request.urlopen(self.base + "/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not answer in 60 s; see {log}") from None
                time.sleep(0.2)
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        self.worker = int(children.split()[0])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class _Stay(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: signing in must not open the dashboard, whose figures
    would be part of the worker's memory before the export is measured."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def signed_in(base: str, timeout: float, email: str = EMAIL, password: str = PASSWORD
              ) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _Stay())
    page = opener.open(base + "/login", timeout=timeout).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on /login")
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email,
                                   "password": password}).encode()
    try:
        opener.open(base + "/login", data=form, timeout=timeout)
    except urllib.error.HTTPError as exc:  # the redirect after a sign-in
        if exc.code in (302, 303) and "/login" not in exc.headers.get("Location", ""):
            return opener
    raise SystemExit("sign-in refused")


def measure(fmt: str, env: dict[str, str], query: str, timeout: float, log: Path, *,
            email: str = EMAIL, password: str = PASSWORD) -> Result:
    server = Server(env, timeout, log)
    try:
        opener = signed_in(server.base, timeout, email, password)
        rest = vm_kb(server.worker, "VmRSS")
        started = time.monotonic()
        first = None
        size = lines = 0
        with opener.open(f"{server.base}/staff/responses.{fmt}?{query}",
                         timeout=timeout) as resp:
            if resp.status != 200:
                raise SystemExit(f"{fmt}: HTTP {resp.status}")
            while chunk := resp.read(64 * 1024):
                first = first or time.monotonic() - started
                size += len(chunk)
                lines += chunk.count(b"\n")
                if time.monotonic() - started > timeout:
                    raise SystemExit(f"{fmt}: not done after {timeout:.0f} s")
        total = time.monotonic() - started
        peak = vm_kb(server.worker, "VmHWM")
    finally:
        server.stop()
    return Result(fmt, rest / 1024, peak / 1024, first or total, total, size / 2**20, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="responses in the built database (default 1,000,000)")
    parser.add_argument("--communes", type=int, default=8)
    parser.add_argument("--database-url", help="use this database instead of building one")
    parser.add_argument("--unit", default=PROVINCE, help="unit to export (default: the "
                        "built province)")
    parser.add_argument("--from", dest="first", default=f"{YEAR}-01-01")
    parser.add_argument("--to", dest="last", default=f"{YEAR}-12-31")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds any one step may take (default 900)")
    parser.add_argument("--keep", action="store_true", help="keep the built database")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="feedback-export-"))
    url = args.database_url or f"sqlite:///{tmp / 'export.sqlite3'}"
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_ENV": "production",
           "FEEDBACK_SECRET_KEY": secrets.token_hex(32), "FEEDBACK_RATELIMIT_ENABLED": "false",
           "FEEDBACK_PASSWORD_METHOD": "pbkdf2:sha256:1000"}
    try:
        if args.database_url is None:
            started = time.monotonic()
            build_sqlite(tmp / "export.sqlite3", args.rows, args.communes, env, args.timeout)
            print(f"built in {time.monotonic() - started:.0f} s")
        created = subprocess.run(
            [str(BIN / "feedback"), "users", "create", "--email", EMAIL, "--password",
             PASSWORD, "--role", "admin"], env=env, cwd=ROOT, capture_output=True, text=True,
            timeout=args.timeout, check=False)
        if created.returncode != 0 and "exists" not in created.stderr:
            raise SystemExit(f"could not create the bench account:\n{created.stderr[-2000:]}")
        query = urllib.parse.urlencode({"unit": args.unit, "from": args.first,
                                        "to": args.last})
        print(f"{'format':6} {'at rest':>9} {'peak':>9} {'first byte':>11} {'total':>8} "
              f"{'size':>9} {'lines':>10}")
        for fmt in args.formats.split(","):
            r = measure(fmt, env, query, args.timeout, tmp / "gunicorn.log")
            print(f"{r.fmt:6} {r.rest_mb:6.0f} MB {r.peak_mb:6.0f} MB {r.first_byte_s:9.2f} s "
                  f"{r.total_s:6.1f} s {r.size_mb:6.1f} MB {r.lines:10,}", flush=True)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            for f in sorted(tmp.iterdir()):
                f.unlink()
            tmp.rmdir()


if __name__ == "__main__":
    main()
