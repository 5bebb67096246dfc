"""`make bench`, scale phase: a province's year of survey responses, and how fast its
figures come back.

It builds a fresh database per engine (SQLite in a temporary directory; PostgreSQL in a
database `feedback_bench` it creates and drops on the server of FEEDBACK_BENCH_PG_URL) with
one province of 100 communes (4 counters and 30 procedures each) and N responses
(BENCH_SCALE, default 1,000,000; ~12.8 answers each) spread over the last 365 days, by
bulk SQL. Then, each in its own process so its peak memory is its own:

- `feedback aggregates rebuild` (responses per second);
- the dashboard page with its trend chart, for a commune's last month, and the
  province's year to date and last twelve whole months;
- `feedback stats satisfaction --json` for the same: net of start-up (run in-process by
  Flask's CLI runner) and as a whole process; `feedback --help` and `units list` alone;
- beside each, one bare SQL GROUP BY of the same item counts on the raw rows;
- the CSV export of the province's year under gunicorn (benchmarks/export_memory.py: the
  worker's peak memory).

Numbers are the median of 3 warm runs. Targets (printed as ok/MISSED, never a failure):
province-year page ≤ 1 s, commune-month page ≤ 150 ms, stats net ≤ 0.5 s. Only 127.0.0.1
is used; every step has a time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import export_memory

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
COMMUNES, COUNTERS, PROCEDURES = 100, 4, 30
PAGE_TARGET_PROVINCE_S, PAGE_TARGET_COMMUNE_S, STATS_TARGET_S = 1.0, 0.15, 0.5
STEP_TIMEOUT_S = 3600
ADMIN, PASSWORD = "admin@bench.vn", "bench-2026"
SAT5 = ["TC1", "TC2", "TC3", "TC4", "TT1", "TT2", "TT3", "TT4", "CC1", "CC2", "CC3", "CC4",
        "CC5", "KQ1", "KQ2", "KQ3", "PA1", "PA2", "PA3"]


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "FEEDBACK_ENV": "production", "FEEDBACK_DATABASE_URL": url,
            "FEEDBACK_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "FEEDBACK_BASE_URL": "http://127.0.0.1:5000"}


def timed_command(args: list[str], url: str) -> tuple[float, int]:
    """Wall time and peak RSS of a command, measured by wait4 on the child itself."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=_env(url), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=ROOT)
    deadline = start + STEP_TIMEOUT_S
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            raise TimeoutError(" ".join(args))
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        assert proc.stderr is not None
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


# --- Building the data ----------------------------------------------------------------


def build(url: str, n: int) -> dict[str, Any]:
    """Schema by migration, the tree by the ORM, the responses and answers by bulk SQL."""
    feedback = str(BIN / "feedback")
    subprocess.run([feedback, "db", "upgrade"], env=_env(url), check=True,
                   capture_output=True, timeout=STEP_TIMEOUT_S, cwd=ROOT)
    out = subprocess.run([sys.executable, __file__, "--probe", "load", "--scale", str(n)],
                         env=_env(url), check=True, capture_output=True,
                         timeout=STEP_TIMEOUT_S, cwd=ROOT)
    return json.loads(out.stdout)


def _load(n: int) -> dict[str, Any]:
    from sqlalchemy import text

    from feedback import create_app
    from feedback.auth.services import hash_password
    from feedback.extensions import db
    from feedback.models import Counter, Procedure, Unit, User

    app = create_app(warm=False)
    with app.app_context():
        province = Unit(code="tinh-bench", name="Tỉnh Thử Tải", kind="province")
        db.session.add(province)
        communes = [Unit(code=f"xa-{i:03d}", name=f"Xã Thử {i:03d}", parent=province)
                    for i in range(COMMUNES)]
        db.session.add_all(communes)
        db.session.flush()
        db.session.add_all(Counter(unit=u, name=f"Quầy {k + 1}", position=k + 1,
                                   questionnaire="full")
                           for u in communes for k in range(COUNTERS))
        db.session.add_all(Procedure(unit=u, code=f"TT{k:02d}", name=f"Thủ tục {k:02d}",
                                     field="Hộ tịch") for u in communes
                           for k in range(PROCEDURES))
        db.session.add(User(email=ADMIN, role="admin", unit=province,
                            password_hash=hash_password(PASSWORD)))
        db.session.commit()
        first_unit = min(u.id for u in communes)
        first_counter = db.session.scalar(text("SELECT min(id) FROM counter"))
        first_proc = db.session.scalar(text("SELECT min(id) FROM procedure"))
        now = datetime.now(UTC).replace(microsecond=0)
        pg = db.engine.dialect.name == "postgresql"
        params = {"n": n, "u0": first_unit, "c0": first_counter, "p0": first_proc,
                  "nu": COMMUNES, "nc": COUNTERS, "np": PROCEDURES,
                  "now": int(now.timestamp()), "span": 365 * 86400}
        start = time.perf_counter()
        with db.engine.begin() as conn:
            conn.execute(text(_RESPONSES_PG if pg else _RESPONSES_SQLITE), params)
            items = ", ".join(f"('{i}')" for i in SAT5)
            conn.execute(text((_ANSWERS_PG if pg else _ANSWERS_SQLITE).format(items=items)))
            if pg:
                conn.execute(text("ANALYZE"))
        answers = db.session.scalar(text("SELECT count(*) FROM answer"))
        return {"responses": n, "answers": answers, "load_s": time.perf_counter() - start,
                "province": "tinh-bench", "commune": "xa-007"}


# Unit, counter and procedure by a random pick (80% name a procedure, 1 in 7 is paper,
# 12% leave a comment, as in the demo); created_at uniform over the last year,
# stored the way the ORM stores it (SQLite: naive UTC text with microseconds). SQLite
# evaluates random() again at each use of a plain CTE's column: MATERIALIZED draws the
# unit once per response, so its counter and procedure are the unit's own.
_RESPONSES_SQLITE = """
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n),
picks AS MATERIALIZED (SELECT i, abs(random()) % :nu AS u, abs(random()) % 100 AS r,
                 abs(random()) % :span AS ago FROM seq)
INSERT INTO response (submission_id, unit_id, counter_id, procedure_id, questionnaire,
                      questionnaire_version, channel, comment, created_at, recorded_at)
SELECT printf('%032x', i), :u0 + u, :c0 + u * :nc + abs(random()) % :nc,
       CASE WHEN r < 80 THEN :p0 + u * :np + abs(random()) % :np END, 'full', 1,
       CASE WHEN r % 7 = 0 THEN 'paper' ELSE 'qr' END,
       CASE WHEN abs(random()) % 100 < 12 THEN 'Ý kiến thử ' || i END,
       datetime(:now - ago, 'unixepoch') || '.000000',
       datetime(:now - ago, 'unixepoch') || '.000000'
FROM picks
"""
_RESPONSES_PG = """
INSERT INTO response (submission_id, unit_id, counter_id, procedure_id, questionnaire,
                      questionnaire_version, channel, comment, created_at, recorded_at)
SELECT lpad(to_hex(i), 32, '0'), :u0 + u, :c0 + u * :nc + floor(random() * :nc)::int,
       CASE WHEN r < 80 THEN :p0 + u * :np + floor(random() * :np)::int END, 'full', 1,
       CASE WHEN r % 7 = 0 THEN 'paper' ELSE 'qr' END,
       CASE WHEN random() < 0.12 THEN 'Ý kiến thử ' || i END,
       to_timestamp(:now - ago), to_timestamp(:now - ago)
FROM (SELECT i, floor(random() * :nu)::int AS u, floor(random() * 100)::int AS r,
             floor(random() * :span)::int AS ago
      FROM generate_series(1, :n) AS i) AS picks
"""
# Each SAT5 item answered with probability 0.57, the two yes/no questions always:
# 19 × 0.57 + 2 ≈ 12.8 answers a response; 4–5 for about 88% of SAT5 answers.
_ANSWERS_SQLITE = """
WITH items(item) AS (VALUES {items})
INSERT INTO answer (response_id, item, value)
SELECT id, item, CASE WHEN v < 55 THEN 5 WHEN v < 88 THEN 4 WHEN v < 95 THEN 3
                      WHEN v < 98 THEN 2 ELSE 1 END
FROM (SELECT r.id, items.item, abs(random()) % 100 AS v, abs(random()) % 100 AS keep
      FROM response r CROSS JOIN items) WHERE keep < 57
UNION ALL SELECT id, 'HARASS', abs(random()) % 100 < 3 FROM response
UNION ALL SELECT id, 'INFORMAL', abs(random()) % 100 < 2 FROM response
"""
_ANSWERS_PG = """
WITH items(item) AS (VALUES {items})
INSERT INTO answer (response_id, item, value)
SELECT id, item, CASE WHEN v < 55 THEN 5 WHEN v < 88 THEN 4 WHEN v < 95 THEN 3
                      WHEN v < 98 THEN 2 ELSE 1 END
FROM (SELECT r.id, items.item, floor(random() * 100) AS v, random() AS keep
      FROM response r CROSS JOIN items) AS picks WHERE keep < 0.57
UNION ALL SELECT id, 'HARASS', (random() < 0.03)::int FROM response
UNION ALL SELECT id, 'INFORMAL', (random() < 0.02)::int FROM response
"""


# --- Probes (run in a child: their own process, their own peak memory) ------------------


def _periods(today: date) -> dict[str, tuple[date, date]]:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return {
        "month": (last_month_end.replace(day=1), last_month_end),
        "year-to-date": (date(today.year, 1, 1), today),
        "twelve-months": (date(today.year - 1, today.month, 1), last_month_end),
    }


def _probe_pages(unit: str, first: date, last: date) -> dict[str, float]:
    """Median of 3 warm runs of the dashboard page and of its trend chart, through the
    app's own request handling (a test client: no network), and the bare GROUP BY."""
    from sqlalchemy import text

    from feedback import create_app
    from feedback.extensions import db
    from feedback.org import descendant_ids, unit_by_code
    from feedback.reports.periods import Period
    from feedback.reports.services import timezone

    app = create_app()
    client = app.test_client()
    with app.app_context():
        app.config["WTF_CSRF_ENABLED"] = False
    resp = client.post("/login", data={"email": ADMIN, "password": PASSWORD})
    if resp.status_code != 302:
        raise RuntimeError(f"login failed: {resp.status_code}")
    query = f"unit={unit}&from={first:%d/%m/%Y}&to={last:%d/%m/%Y}"

    def get(path: str) -> float:
        start = time.perf_counter()
        r = client.get(f"{path}?{query}")
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code}")
        return time.perf_counter() - start

    out: dict[str, float] = {}
    get("/staff/dashboard")  # warm: caches, and any pending fold
    out["page_s"] = statistics.median(get("/staff/dashboard") for _ in range(3))
    out["chart_s"] = statistics.median(get("/staff/charts/trend.png") for _ in range(3))
    runner = app.test_cli_runner()
    args = ["stats", "satisfaction", "--unit", unit, "--from", first.isoformat(), "--to",
            last.isoformat(), "--json"]

    def stats() -> float:
        """The command's own work, net of the process and app start-up."""
        start = time.perf_counter()
        result = runner.invoke(args=args)
        if result.exit_code:
            raise RuntimeError(result.output)
        return time.perf_counter() - start

    out["stats_s"] = statistics.median(stats() for _ in range(3))
    with app.app_context():
        ids = ",".join(str(i) for i in descendant_ids(unit_by_code(unit).id))
        start_utc, end_utc = Period(first, last).bounds(timezone())
        pg = db.engine.dialect.name == "postgresql"
        bounds = {"a": start_utc if pg else start_utc.replace(tzinfo=None),
                  "b": end_utc if pg else end_utc.replace(tzinfo=None)}
        bare = text(f"SELECT a.item, a.value, count(*) FROM answer a JOIN response r "
                    f"ON a.response_id = r.id WHERE r.unit_id IN ({ids}) "
                    f"AND r.created_at >= :a AND r.created_at < :b GROUP BY a.item, a.value")

        def bare_run() -> float:
            start = time.perf_counter()
            db.session.execute(bare, bounds).all()
            return time.perf_counter() - start

        bare_run()
        out["bare_s"] = statistics.median(bare_run() for _ in range(3))
    return out


def probe(kind: str, args: argparse.Namespace) -> None:
    import resource

    if kind == "load":
        result = _load(args.scale)
    else:
        first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
        result = _probe_pages(args.unit, first, last)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


# --- The run --------------------------------------------------------------------------


def _probe(kind: str, url: str, unit: str, first: date, last: date) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--probe", kind, "--unit", unit, "--first",
         first.isoformat(), "--last", last.isoformat()],
        env=_env(url), check=False, capture_output=True, timeout=STEP_TIMEOUT_S, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"probe {kind} failed:\n{out.stderr.decode()[-3000:]}")
    return dict(json.loads(out.stdout.decode().strip().splitlines()[-1]))


def _stats_total(url: str, unit: str, first: date, last: date) -> tuple[float, int]:
    """The whole `feedback stats satisfaction` process: start-up included."""
    feedback = str(BIN / "feedback")
    runs = [timed_command([feedback, "stats", "satisfaction", "--unit", unit, "--from",
                           first.isoformat(), "--to", last.isoformat(), "--json"], url)
            for _ in range(3)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def measure(engine: str, url: str, n: int) -> list[str]:
    lines = [f"== scale: {engine}, {n:,} responses =="]
    info = build(url, n)
    lines.append(f"built {info['responses']:,} responses, {info['answers']:,} answers by bulk "
                 f"SQL in {info['load_s']:.0f} s")
    feedback = str(BIN / "feedback")
    took, rss = timed_command([feedback, "aggregates", "rebuild"], url)
    lines.append(f"aggregates rebuild: {took:.1f} s, {n / took:,.0f} responses/s, "
                 f"peak {rss} MB")
    took, rss = timed_command([feedback, "aggregates", "verify"], url)
    lines.append(f"aggregates verify: {took:.1f} s, peak {rss} MB")
    for command in (["--help"], ["units", "list"]):
        startup = statistics.median(timed_command([feedback, *command], url)[0]
                                    for _ in range(3))
        lines.append(f"`feedback {' '.join(command)}`: {startup * 1000:.0f} ms")
    today = datetime.now(UTC).date()
    periods = _periods(today)
    cases = [("commune, last month", info["commune"], periods["month"],
              PAGE_TARGET_COMMUNE_S),
             ("province, year to date", info["province"], periods["year-to-date"],
              PAGE_TARGET_PROVINCE_S),
             ("province, last 12 whole months", info["province"], periods["twelve-months"],
              PAGE_TARGET_PROVINCE_S)]
    lines.append(f"{'figure':34} {'page':>8} {'+chart':>8} {'stats net':>10} "
                 f"{'stats all':>10} {'bare GROUP BY':>14} {'peak MB':>8}")
    for label, unit, (first, last), target in cases:
        page = _probe("pages", url, unit, first, last)
        stats_all, stats_rss = _stats_total(url, unit, first, last)
        total = page["page_s"] + page["chart_s"]
        lines.append(
            f"{label:34} {page['page_s'] * 1000:6.0f}ms {total * 1000:6.0f}ms "
            f"{page['stats_s'] * 1000:8.0f}ms {stats_all * 1000:8.0f}ms "
            f"{page['bare_s'] * 1000:12.0f}ms {max(page['peak_mb'], stats_rss):8.0f}  "
            f"page+chart {_verdict(total, target)}, "
            f"stats {_verdict(page['stats_s'], STATS_TARGET_S)}")
    query = urlencode({"unit": info["province"],
                       "from": f"{today - timedelta(days=366):%d/%m/%Y}",
                       "to": f"{today:%d/%m/%Y}"})
    with tempfile.TemporaryDirectory(prefix="feedback-export-") as tmp:
        export = export_memory.measure("csv", _env(url), query, STEP_TIMEOUT_S,
                                       Path(tmp) / "gunicorn.log", email=ADMIN,
                                       password=PASSWORD)
    lines.append(f"CSV export under gunicorn, province, {export.lines - 1:,} rows: "
                 f"{export.total_s:.1f} s (first byte {export.first_byte_s:.2f} s), "
                 f"{export.size_mb:.0f} MiB; worker at rest {export.rest_mb:.0f} MB, peak "
                 f"{export.peak_mb:.0f} MB ({_verdict(export.peak_mb, 200)} under 200 MB)")
    return lines


def _pg_database(admin_url: str) -> str | None:
    """A fresh `feedback_bench` database on the server of `admin_url`, or None."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS feedback_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE feedback_bench"))
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc.__class__.__name__}: {str(exc)[:200]}")
        return None
    finally:
        engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/feedback_bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int,
                        default=int(os.environ.get("BENCH_SCALE", "1000000")))
    parser.add_argument("--engines", default=os.environ.get("BENCH_ENGINES",
                                                            "sqlite,postgresql"))
    parser.add_argument("--pg-url", default=os.environ.get(
        "FEEDBACK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--probe")
    parser.add_argument("--unit")
    parser.add_argument("--first")
    parser.add_argument("--last")
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, args)
        return 0
    report: list[str] = []
    with tempfile.TemporaryDirectory(prefix="feedback-scale-") as tmp:
        for engine in args.engines.split(","):
            if engine == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'scale.sqlite3'}"
            else:
                pg = _pg_database(args.pg_url)
                if pg is None:
                    continue
                url = pg
            lines = measure(engine, url, args.scale)
            print("\n".join(lines), flush=True)
            report += lines
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / f"scale-{datetime.now(UTC):%Y%m%dT%H%M%S}.txt").write_text("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
