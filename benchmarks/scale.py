"""`make bench`, scale phase: a province's year of survey responses and petitions, and how
fast its figures and its periodic report come back.

It builds a fresh database per engine (SQLite in a temporary directory; PostgreSQL in a
database `feedback_bench` it creates on the server of FEEDBACK_BENCH_PG_URL and drops at
the end, also after a failure, Ctrl-C or SIGTERM) with one province of 100 communes (4
counters, 30 procedures and an officer each), N responses (BENCH_SCALE, default
1,000,000; ~12.8 answers each) and P petitions (BENCH_PETITIONS, default 100,000) spread
over the last 365 days, by bulk SQL. The petitions mix what the figures count: answered
on time and late, open in time and overdue, waiting for the citizen, transferred (some
late), not accepted, góp ý, extended; eight channels, eight categories, ratings; their
due dates are the app's own (`rules.dues` over the calendar, per day of receipt). Then,
each in its own process so its peak memory is its own:

- `feedback aggregates rebuild` (responses per second) and `verify`; `feedback --help`
  and `units list` alone (the start-up every command pays);
- (phase `reports`) `feedback report` as a whole process in PDF, DOCX and XLSX, for a
  commune's last whole month and the province's year holding most of the data; beside
  each, the bare SQL GROUP BYs of its headline figures on the raw rows (the item counts
  of the satisfaction index, the petitions by outcome at the period's end), and the app's
  two reads in process (`services.satisfaction`, `figures_for`), whose petition counts
  must equal the bare ones (printed "same as figures_for", else DIFFER);
- (phase `figures`) the dashboard page with its trend chart, for a commune's last month,
  and the province's year to date and last twelve whole months; `feedback stats
  satisfaction --json` for the same: net of start-up (run in-process by Flask's CLI
  runner) and as a whole process; beside each, one bare SQL GROUP BY of the same item
  counts on the raw rows;
- (phase `export`) the CSV export of the province's year under gunicorn
  (benchmarks/export_memory.py: the worker's peak memory).

`--phases` (BENCH_PHASES) picks among reports,figures,export (all by default);
`--engines` (BENCH_ENGINES) among sqlite,postgresql. Numbers are the median of 3 warm
runs (a report run slower than 60 s is timed once). Targets (printed as ok/MISSED, never
a failure): the province's report ≤ 5 s in each format, province-year page ≤ 1 s,
commune-month page ≤ 150 ms, stats net ≤ 0.5 s. Only 127.0.0.1 is used; every step has a
time limit (a report run 15 minutes, any other step an hour).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
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
# The report's target (issue 9): the province's whole report in any format. A report run
# is stopped after REPORT_TIMEOUT_S; one slower than REPORT_SLOW_S is timed once.
REPORT_TARGET_S, REPORT_TIMEOUT_S, REPORT_SLOW_S = 5.0, 900, 60.0
PHASES = ("reports", "figures", "export")
ADMIN, PASSWORD = "admin@bench.vn", "bench-2026"
SAT5 = ["TC1", "TC2", "TC3", "TC4", "TT1", "TT2", "TT3", "TT4", "CC1", "CC2", "CC3", "CC4",
        "CC5", "KQ1", "KQ2", "KQ3", "PA1", "PA2", "PA3"]


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "FEEDBACK_ENV": "production", "FEEDBACK_DATABASE_URL": url,
            "FEEDBACK_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "FEEDBACK_BASE_URL": "http://127.0.0.1:5000"}


def _say(message: str) -> None:
    """Progress on stderr (the table goes to stdout at the end of each engine)."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def timed_command(args: list[str], url: str, timeout: float = STEP_TIMEOUT_S
                  ) -> tuple[float, int]:
    """Wall time and peak RSS of a command, measured by wait4 on the child itself."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=_env(url), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=ROOT)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            proc.wait()
            raise TimeoutError(" ".join(args))
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        assert proc.stderr is not None
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss // 1024


# --- Building the data ----------------------------------------------------------------


def build(url: str, n: int, petitions: int) -> dict[str, Any]:
    """Schema by migration, the tree by the ORM, the responses, answers and petitions by
    bulk SQL."""
    feedback = str(BIN / "feedback")
    subprocess.run([feedback, "db", "upgrade"], env=_env(url), check=True,
                   capture_output=True, timeout=STEP_TIMEOUT_S, cwd=ROOT)
    out = subprocess.run([sys.executable, __file__, "--probe", "load", "--scale", str(n),
                          "--petitions", str(petitions)],
                         env=_env(url), check=True, capture_output=True,
                         timeout=STEP_TIMEOUT_S, cwd=ROOT)
    return json.loads(out.stdout)


def _load(n: int, petitions: int) -> dict[str, Any]:
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
        db.session.flush()
        # One officer per commune, in the communes' order (the petitions' assignee and
        # who typed in a letter): the same hash, as nobody logs in as them.
        hashed = hash_password(PASSWORD)
        for i, commune in enumerate(communes):
            db.session.add(User(email=f"cb-{i:03d}@bench.vn", role="officer", unit=commune,
                                password_hash=hashed))
            db.session.flush()
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
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        _load_petitions(petitions, params)
        return {"responses": n, "answers": answers, "load_s": load_s,
                "petitions": petitions, "petitions_s": time.perf_counter() - start,
                "province": "tinh-bench", "commune": "xa-007"}


def _load_petitions(count: int, params: dict[str, Any]) -> None:
    """`count` petitions over the same communes and year (yesterday back 365 days), by
    bulk SQL: a temporary table holds each day's due dates as the app computes them
    (`rules.dues` over the calendar), so every date is the one the clock would store."""
    from sqlalchemy import text

    from feedback.extensions import db
    from feedback.petitions import clock, rules

    if count <= 0:
        return
    tz, closes, cal = clock.tz(), clock.closes(), clock.calendar()
    profile = clock.default_profile()
    extended = rules.Profile(profile.classify_days, profile.transfer_days,
                             profile.reply_days + profile.extension_days,
                             profile.extension_days)
    today = datetime.fromtimestamp(params["now"], UTC).astimezone(tz).date()

    def midnight(day: date) -> int:
        return int(datetime.combine(day, datetime.min.time(), tz).timestamp())

    days = []
    for ago in range(1, 366):
        day = today - timedelta(days=ago)
        at = datetime.combine(day, datetime.min.time(), tz) + timedelta(hours=9)
        due, ext = (rules.dues(cal, at, p, tz=tz, closes=closes) for p in (profile, extended))
        one = timedelta(days=1)
        days.append({"ago": ago, "day_start": midnight(day), "classify_due": due.classify,
                     "transfer_due": due.transfer, "reply_due": due.reply,
                     "reply_ext": ext.reply, "classify_end": midnight(due.classify + one),
                     "transfer_end": midnight(due.transfer + one),
                     "reply_end": midnight(due.reply + one),
                     "reply_ext_end": midnight(ext.reply + one)})
    pg = db.engine.dialect.name == "postgresql"
    offset = int(datetime.now(tz).utcoffset().total_seconds())  # type: ignore[union-attr]
    with db.engine.begin() as conn:
        conn.execute(text(
            "CREATE TEMPORARY TABLE bench_day (ago INTEGER PRIMARY KEY, day_start BIGINT, "
            "classify_due DATE, transfer_due DATE, reply_due DATE, reply_ext DATE, "
            "classify_end BIGINT, transfer_end BIGINT, reply_end BIGINT, "
            "reply_ext_end BIGINT)"))
        conn.execute(text(
            "INSERT INTO bench_day VALUES (:ago, :day_start, :classify_due, :transfer_due, "
            ":reply_due, :reply_ext, :classify_end, :transfer_end, :reply_end, "
            ":reply_ext_end)"), days)
        first_officer = conn.scalar(text(
            "SELECT min(id) FROM user_account WHERE role = 'officer'"))
        conn.execute(text(_petitions_sql(pg)), {**params, "count": count,
                                                "o0": first_officer, "off": offset})
        conn.execute(text("DROP TABLE bench_day"))
        if pg:
            conn.execute(text("ANALYZE petition"))


def _petitions_sql(pg: bool) -> str:
    """The petitions' INSERT … SELECT in the engine's dialect (see _PETITIONS)."""
    if pg:
        words = {"seq": "seq(i) AS (SELECT generate_series(1, :count))",
                 "r": "floor(random() * {})::int", "t": "true", "f": "false",
                 "least": "LEAST", "code": "'BP' || lpad(i::text, 8, '0')",
                 "hex": "lpad(to_hex(i), 32, '0')", "phone": "'09' || lpad((i % 100000000)"
                 "::text, 8, '0')"}
        ts = "to_timestamp({})"
        day = "(timestamp 'epoch' + ({} + :off) * interval '1 second')::date"
    else:
        words = {"seq": "RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "
                        "WHERE i < :count)",
                 "r": "(abs(random()) % {})", "t": "1", "f": "0", "least": "min",
                 "code": "printf('BP%08d', i)", "hex": "printf('%032x', i)",
                 "phone": "printf('09%08d', i % 100000000)"}
        ts = "datetime({}, 'unixepoch') || '.000000'"
        day = "date({} + :off, 'unixepoch')"
    sql = _PETITIONS
    for name in ("received", "recorded", "closed", "paused", "published", "rated"):
        sql = sql.replace(f"@ts({name})", ts.format(name))
    sql = sql.replace("@day(paused)", day.format("paused"))
    for n in (1000, ":nu", 540, 365):
        sql = sql.replace(f"@r({n})", words["r"].format(n))
    for key in ("seq", "t", "f", "least", "code", "hex", "phone"):
        sql = sql.replace(f"@{key}", words[key])
    return sql


# One petition per row of `seq`: commune, day (1–365 days ago), time of day (07:30–16:29
# local), and seven draws in ‰. r2 picks the channel, and under 100 an anonymous góp ý
# (box or web). A petition whose reply date is still to come ("recent") is open in time
# (50%: received, in progress or waiting for the citizen), answered on time (38%),
# transferred or not accepted (6% each); an older one is answered on time (78%) or late
# (6%), still open and overdue (1%), transferred (7%, a tenth after the transfer date)
# or not accepted (8%). 3% of those answered or open were extended once (the longer reply
# date; a late or overdue one only when that date is past too). Answered ones are
# answered, published or archived; half of the PAKN answered are rated (SAT3: 1 for
# 2.5%). Every closing time lies between receipt and now, inside its due date when on
# time. No history rows: the figures read the petition row (the events only for a reply
# date moved after a finished period's end, which none is here).
_PETITIONS = """
WITH @seq,
picks AS MATERIALIZED (
  SELECT i, @r(:nu) AS u, 1 + @r(365) AS ago, @r(540) AS tod, @r(1000) AS r1,
         @r(1000) AS r2, @r(1000) AS r3, @r(1000) AS r4, @r(1000) AS r5, @r(1000) AS r6,
         @r(1000) AS r7
  FROM seq),
base AS MATERIALIZED (
  SELECT p.*, d.day_start + 27000 + p.tod * 60 AS received, d.classify_due,
         d.transfer_due, d.classify_end, d.transfer_end,
         CASE WHEN d.reply_end > :now THEN
              CASE WHEN p.r1 < 500 THEN 'open' WHEN p.r1 < 880 THEN 'ontime'
                   WHEN p.r1 < 940 THEN 'transferred' ELSE 'rejected' END
         ELSE CASE WHEN p.r1 < 780 THEN 'ontime' WHEN p.r1 < 840 THEN 'late'
                   WHEN p.r1 < 850 THEN 'overdue' WHEN p.r1 < 920 THEN 'transferred'
                   ELSE 'rejected' END END AS bucket,
         CASE WHEN p.r2 < 100 THEN 'gop_y' ELSE 'pakn' END AS kind,
         CASE WHEN p.r2 < 50 THEN 'box' WHEN p.r2 < 400 THEN 'web'
              WHEN p.r2 < 520 THEN 'paper' WHEN p.r2 < 560 THEN 'box'
              WHEN p.r2 < 700 THEN 'hotline' WHEN p.r2 < 780 THEN 'email'
              WHEN p.r2 < 880 THEN 'zalo' WHEN p.r2 < 930 THEN 'facebook'
              ELSE 'portal' END AS channel,
         d.reply_due AS base_reply_due, d.reply_end AS base_reply_end, d.reply_ext,
         d.reply_ext_end
  FROM picks p JOIN bench_day d ON d.ago = p.ago),
dues AS MATERIALIZED (
  SELECT b.*, CASE WHEN b.r7 < 30 AND (b.bucket IN ('ontime', 'open') OR (
                        b.bucket IN ('late', 'overdue') AND b.reply_ext_end < :now))
                   THEN 1 ELSE 0 END AS ext
  FROM base b),
eff AS MATERIALIZED (
  SELECT d.*, CASE WHEN ext = 1 THEN reply_ext ELSE base_reply_due END AS reply_due,
         CASE WHEN ext = 1 THEN reply_ext_end ELSE base_reply_end END AS reply_end,
         (r4 + 1) / 1002.0 AS frac,
         CASE WHEN bucket = 'transferred' AND r6 < 100 AND transfer_end < :now THEN 1
              ELSE 0 END AS transfer_late
  FROM dues d),
timed AS MATERIALIZED (
  SELECT e.*,
    CASE bucket
      WHEN 'ontime' THEN received + frac * (@least(reply_end, :now) - received)
      WHEN 'late' THEN reply_end + frac * @least(20 * 86400, :now - reply_end)
      WHEN 'transferred' THEN CASE WHEN transfer_late = 1
           THEN transfer_end + frac * @least(5 * 86400, :now - transfer_end)
           ELSE received + frac * (@least(transfer_end, :now) - received) END
      WHEN 'rejected' THEN received + frac * (@least(classify_end, :now) - received)
    END AS closed,
    CASE WHEN bucket = 'open' AND r5 >= 850 THEN received + frac * (:now - received)
    END AS paused,
    CASE WHEN bucket IN ('ontime', 'late') THEN
              CASE WHEN r5 < 400 THEN 'answered' WHEN r5 < 800 THEN 'published'
                   ELSE 'archived' END
         WHEN bucket IN ('transferred', 'rejected') THEN
              CASE WHEN r5 < 700 THEN bucket ELSE 'archived' END
         WHEN bucket = 'overdue' THEN
              CASE WHEN r5 < 200 THEN 'received' ELSE 'in_progress' END
         ELSE CASE WHEN r5 < 300 THEN 'received' WHEN r5 < 850 THEN 'in_progress'
                   ELSE 'waiting_citizen' END
    END AS status,
    CASE WHEN channel = 'web' THEN received ELSE received + 600 END AS recorded
  FROM eff e),
final AS MATERIALIZED (
  SELECT t.*,
    CASE WHEN status IN ('published', 'archived') AND bucket IN ('ontime', 'late')
         THEN closed + 0.5 * @least(86400, :now - closed) END AS published,
    CASE WHEN kind = 'pakn' AND bucket IN ('ontime', 'late') AND r6 < 500
         THEN closed + 0.5 * @least(2 * 86400, :now - closed) END AS rated
  FROM timed t)
INSERT INTO petition (code, submission_id, unit_id, counter_id, procedure_id, channel, kind,
    sender_name, sender_address, sender_phone, sender_email, category, dossier_code,
    content, status, archived_from, received_at, recorded_at, entered_by_id, assignee_id,
    classify_due, transfer_due, reply_due, extended, paused_since, paused_on, closed_at,
    on_time, answer, answered_at, public_text, published_at, receiving_body, reason,
    rating, rated_at, version)
SELECT @code, CASE WHEN channel = 'web' THEN @hex END, :u0 + u,
  CASE WHEN channel = 'web' THEN :c0 + u * :nc + i % :nc END,
  CASE WHEN kind = 'pakn' AND r3 % 10 < 3 THEN :p0 + u * :np + i % :np END,
  channel, kind,
  CASE WHEN kind = 'pakn' THEN 'Người gửi ' || i END,
  CASE WHEN kind = 'pakn' THEN 'Thôn ' || (1 + i % 12) || ', Xã Thử ' || u END,
  CASE WHEN kind = 'pakn' THEN @phone END,
  CASE WHEN kind = 'pakn' AND channel <> 'hotline' AND r6 % 10 < 3
       THEN 'nguoi.gui.' || i || '@example.com' END,
  CASE WHEN bucket = 'rejected' OR status = 'received' THEN NULL
       WHEN r3 < 350 THEN 1 WHEN r3 < 450 THEN 2 WHEN r3 < 500 THEN 3 WHEN r3 < 530 THEN 4
       WHEN r3 < 540 THEN 5 WHEN r3 < 850 THEN 6 WHEN r3 < 900 THEN 7 ELSE 8 END,
  NULL, 'Nội dung phản ánh, kiến nghị thử số ' || i, status,
  CASE WHEN status = 'archived' THEN
       CASE WHEN bucket IN ('ontime', 'late') THEN 'published' ELSE bucket END END,
  @ts(received), @ts(recorded),
  CASE WHEN channel <> 'web' THEN :o0 + u END,
  CASE WHEN status <> 'received' AND bucket <> 'rejected' THEN :o0 + u END,
  classify_due, transfer_due, reply_due, CASE WHEN ext = 1 THEN @t ELSE @f END,
  @ts(paused), @day(paused), @ts(closed),
  CASE WHEN bucket = 'ontime' THEN @t WHEN bucket = 'late' THEN @f
       WHEN bucket = 'transferred' THEN CASE WHEN transfer_late = 1 THEN @f ELSE @t END
  END,
  CASE WHEN bucket IN ('ontime', 'late') THEN 'Trả lời thử số ' || i END,
  CASE WHEN bucket IN ('ontime', 'late') THEN @ts(closed) END,
  CASE WHEN published IS NOT NULL THEN 'Nội dung công khai thử số ' || i END,
  @ts(published),
  CASE WHEN bucket = 'transferred' THEN 'Sở Thử nghiệm' END,
  CASE WHEN bucket = 'late' THEN 'Vụ việc phức tạp, cần xác minh thêm'
       WHEN bucket = 'transferred' THEN 'Không thuộc thẩm quyền giải quyết'
       WHEN bucket = 'rejected' THEN 'Không đủ thông tin người gửi'
       WHEN ext = 1 THEN 'Gia hạn: cần phối hợp liên ngành' END,
  CASE WHEN rated IS NOT NULL THEN
       CASE WHEN r6 < 25 THEN 1 WHEN r6 < 200 THEN 2 ELSE 3 END END,
  @ts(rated), 1
FROM final
"""


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


# Each petition's outcome at the period's end, as figures.count counts it: góp ý apart
# (received in the period), the others carried over or received, then closed before the
# end by the state they left in (an archived one by the state it was archived from), or
# open: overdue once its reply date is before `cut` (the day after a finished period's
# last day, else today), unless paused by that date.
_BARE_PETITIONS = """
SELECT CASE WHEN kind = 'gop_y' THEN CASE WHEN received_at >= :a THEN 'gop_y' ELSE '-' END
            WHEN received_at < :a THEN 'carried_over' ELSE 'received' END,
       CASE WHEN kind = 'gop_y' THEN '-'
            WHEN closed_at IS NOT NULL AND closed_at < :b THEN
                 CASE CASE WHEN status = 'archived' THEN archived_from ELSE status END
                      WHEN 'rejected' THEN 'not_accepted'
                      WHEN 'transferred' THEN 'transferred'
                      ELSE CASE WHEN on_time THEN 'answered_on_time'
                                ELSE 'answered_late' END END
            WHEN paused_on IS NOT NULL AND reply_due >= paused_on THEN 'open_in_time'
            WHEN reply_due < :cut THEN 'open_overdue' ELSE 'open_in_time' END,
       count(*)
FROM petition
WHERE unit_id IN ({ids}) AND received_at < :b AND (closed_at IS NULL OR closed_at >= :a)
GROUP BY 1, 2
"""
PETITION_COUNTS = ("carried_over", "received", "not_accepted", "transferred",
                   "answered_on_time", "answered_late", "open_in_time", "open_overdue",
                   "gop_y")


def _probe_report(unit: str, first: date, last: date) -> dict[str, Any]:
    """Beside the report: the bare GROUP BYs of its headline figures on the raw rows (the
    item counts of the satisfaction index; the petitions by outcome), median of 3 warm
    runs, and the app's own two reads in this process (services.satisfaction,
    petitions.stats.figures_for), whose petition counts must equal the bare ones."""
    from sqlalchemy import text

    from feedback import create_app
    from feedback.extensions import db
    from feedback.org import descendant_ids, unit_by_code
    from feedback.petitions import clock
    from feedback.petitions.stats import figures_for
    from feedback.reports import services
    from feedback.reports.periods import Period

    def timed(fn: Any) -> tuple[float, Any]:
        fn()
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            result = fn()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs), result

    app = create_app()
    with app.app_context():
        the_unit = unit_by_code(unit)
        ids = ",".join(str(i) for i in descendant_ids(the_unit.id))
        period = Period(first, last)
        start_utc, end_utc = period.bounds(clock.tz())
        pg = db.engine.dialect.name == "postgresql"
        now = clock.now()
        cut = last + timedelta(days=1) if end_utc <= now else clock.today()
        bounds = {"a": start_utc if pg else start_utc.replace(tzinfo=None),
                  "b": end_utc if pg else end_utc.replace(tzinfo=None), "cut": cut}
        items = text(f"SELECT a.item, a.value, count(*) FROM answer a JOIN response r "
                     f"ON a.response_id = r.id WHERE r.unit_id IN ({ids}) "
                     f"AND r.created_at >= :a AND r.created_at < :b "
                     f"GROUP BY a.item, a.value")
        petitions = text(_BARE_PETITIONS.format(ids=ids))
        out: dict[str, Any] = {}
        out["bare_items_s"], _ = timed(lambda: db.session.execute(items, bounds).all())
        out["bare_petitions_s"], rows = timed(
            lambda: db.session.execute(petitions, bounds).all())
        bare: dict[str, int] = dict.fromkeys(PETITION_COUNTS, 0)
        for population, outcome, number in rows:
            if population != "-":
                bare[population] += number
            if outcome != "-":
                bare[outcome] += number
        out["satisfaction_s"], _ = timed(lambda: services.satisfaction(the_unit, period))
        out["figures_s"], figures = timed(lambda: figures_for(the_unit, period, now=now))
        counted = figures.as_dict()
        out["petitions"] = bare
        out["late_items"] = len(counted["late_items"])
        out["differ"] = {k: [v, counted[k]] for k, v in bare.items() if counted[k] != v}
    return out


def probe(kind: str, args: argparse.Namespace) -> None:
    import resource

    if kind == "load":
        result = _load(args.scale, args.petitions)
    else:
        first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
        pick = _probe_report if kind == "report" else _probe_pages
        result = pick(args.unit, first, last)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


# --- The run --------------------------------------------------------------------------


def _probe(kind: str, url: str, unit: str, first: date, last: date) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--probe", kind, "--unit", unit, "--first",
         first.isoformat(), "--last", last.isoformat()],
        env=_env(url), check=False, capture_output=True, timeout=STEP_TIMEOUT_S, cwd=ROOT)
    if out.returncode:
        err = out.stderr.decode()
        errors = [line for line in err.splitlines()
                  if re.match(r"^[\w.]+(Error|Exception)\b", line)]
        raise RuntimeError(f"probe {kind} failed:\n{err[-3000:]}\n" + "\n".join(errors[:3]))
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


def _report_cases(today: date) -> list[tuple[str, str, str, str, date, date]]:
    """The commune's last whole month, and the province's year holding most of the data
    (the 365 days before today): (label, unit, kind, --period, first, last)."""
    last_month = _periods(today)["month"]
    days = {year: (min(date(year, 12, 31), today - timedelta(days=1))
                   - max(date(year, 1, 1), today - timedelta(days=365))).days
            for year in (today.year - 1, today.year)}
    year = max(days, key=lambda y: days[y])
    first, last = last_month
    return [(f"commune, monthly {first:%Y-%m}", "xa-007", "monthly", f"{first:%Y-%m}",
             first, last),
            (f"province, yearly {year}", "tinh-bench", "yearly", str(year),
             date(year, 1, 1), date(year, 12, 31))]


def _report_runs(url: str, unit: str, kind: str, period: str, fmt: str,
                 tmp: Path) -> tuple[float, int, int, int]:
    """`feedback report` as a whole process: a warm-up, then the median of 3 (one run only
    when the warm-up took over REPORT_SLOW_S, to keep the bench bounded); wall time,
    peak RSS (MB), output size (bytes) and the number of runs timed."""
    out = tmp / f"report.{fmt}"
    args = [str(BIN / "feedback"), "report", kind, "--unit", unit, "--period", period,
            "--out", str(out)]
    warm, warm_rss = timed_command(args, url, timeout=REPORT_TIMEOUT_S)
    if warm > REPORT_SLOW_S:
        return warm, warm_rss, out.stat().st_size, 1
    runs = [timed_command(args, url, timeout=REPORT_TIMEOUT_S) for _ in range(3)]
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
            out.stat().st_size, 3)


class Lines(list[str]):
    """The printed table: each line goes to stdout as soon as it is known, so a step that
    fails or hangs loses nothing measured before it."""

    def append(self, line: str) -> None:
        print(line, flush=True)
        super().append(line)


def _failed(label: str, exc: Exception) -> str:
    """One line for a step that failed (the app's error, not a target: the run goes on)."""
    text = str(exc)
    errors = [line.strip() for line in text.splitlines()
              if re.match(r"^[\w.]+(Error|Exception|Timeout\w*)\b", line.strip())]
    # The app's own error first (a probe's RuntimeError only says which request failed).
    errors.sort(key=lambda line: line.startswith("RuntimeError"))
    why = errors[0] if errors else text.strip().splitlines()[-1] if text.strip() else ""
    return f"{label}: FAILED ({exc.__class__.__name__}: {why[:300]})"


def measure_reports(url: str, lines: Lines) -> None:
    """The periodic report (PDF, DOCX, XLSX) beside the bare GROUP BYs of its figures."""
    today = datetime.now(UTC).date()
    lines.append(f"{'report':30} {'format':>6} {'whole process':>14} {'peak MB':>8} "
                 f"{'size':>9}  target")
    with tempfile.TemporaryDirectory(prefix="feedback-report-") as tmp:
        for label, unit, kind, period, first, last in _report_cases(today):
            _say(f"report: {label}")
            for fmt in ("pdf", "docx", "xlsx"):
                try:
                    took, rss, size, runs = _report_runs(url, unit, kind, period, fmt,
                                                         Path(tmp))
                except (RuntimeError, TimeoutError) as exc:
                    lines.append(_failed(f"{label:30} {fmt:>6}", exc))
                    continue
                verdict = ("" if unit != "tinh-bench"
                           else f"{_verdict(took, REPORT_TARGET_S)} (≤ {REPORT_TARGET_S:.0f} s)")
                lines.append(f"{label:30} {fmt:>6} {took:12.2f} s {rss:8d} "
                             f"{size / 1024:7.0f} KB  {verdict}"
                             + ("" if runs == 3 else " [1 run: slow]"))
            try:
                bare = _probe("report", url, unit, first, last)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                lines.append(_failed(f"{'':30} bare GROUP BY", exc))
                continue
            counts = bare["petitions"]
            lines.append(
                f"{'':30} bare GROUP BY: items {bare['bare_items_s'] * 1000:.0f} ms + "
                f"petitions {bare['bare_petitions_s'] * 1000:.0f} ms; in-process reads: "
                f"satisfaction {bare['satisfaction_s'] * 1000:.0f} ms, petition figures "
                f"{bare['figures_s'] * 1000:.0f} ms (peak {bare['peak_mb']:.0f} MB)")
            lines.append(
                f"{'':30} petitions: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                + f"; late list {bare['late_items']:,}; "
                + ("same as figures_for" if not bare["differ"]
                   else f"DIFFER from figures_for (bare, app): {bare['differ']}"))


def measure(engine: str, url: str, n: int, petitions: int, phases: set[str],
            lines: Lines) -> None:
    lines.append(f"== scale: {engine}, {n:,} responses, {petitions:,} petitions ==")
    _say(f"{engine}: loading")
    info = build(url, n, petitions)
    _say(f"{engine}: loaded; rebuilding the aggregate")
    lines.append(f"built {info['responses']:,} responses, {info['answers']:,} answers by bulk "
                 f"SQL in {info['load_s']:.0f} s; {info['petitions']:,} petitions in "
                 f"{info['petitions_s']:.0f} s")
    feedback = str(BIN / "feedback")
    took, rss = timed_command([feedback, "aggregates", "rebuild"], url)
    lines.append(f"aggregates rebuild: {took:.1f} s, {n / took:,.0f} responses/s, "
                 f"peak {rss} MB")
    _say(f"{engine}: verify")
    took, rss = timed_command([feedback, "aggregates", "verify"], url)
    lines.append(f"aggregates verify: {took:.1f} s, peak {rss} MB")
    for command in (["--help"], ["units", "list"]):
        startup = statistics.median(timed_command([feedback, *command], url)[0]
                                    for _ in range(3))
        lines.append(f"`feedback {' '.join(command)}`: {startup * 1000:.0f} ms")
    if "reports" in phases:
        measure_reports(url, lines)
    if "figures" in phases:
        _measure_figures(engine, url, info, lines)
    if "export" in phases:
        _measure_export(engine, url, info, lines)


def _measure_figures(engine: str, url: str, info: dict[str, Any], lines: Lines) -> None:
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
        _say(f"{engine}: {label}")
        try:
            stats_all, stats_rss = _stats_total(url, unit, first, last)
        except (RuntimeError, TimeoutError) as exc:
            lines.append(_failed(f"{label:34} stats", exc))
            continue
        try:
            page = _probe("pages", url, unit, first, last)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            lines.append(_failed(f"{label:34} page (stats all {stats_all * 1000:.0f}ms)",
                                 exc))
            continue
        total = page["page_s"] + page["chart_s"]
        lines.append(
            f"{label:34} {page['page_s'] * 1000:6.0f}ms {total * 1000:6.0f}ms "
            f"{page['stats_s'] * 1000:8.0f}ms {stats_all * 1000:8.0f}ms "
            f"{page['bare_s'] * 1000:12.0f}ms {max(page['peak_mb'], stats_rss):8.0f}  "
            f"page+chart {_verdict(total, target)}, "
            f"stats {_verdict(page['stats_s'], STATS_TARGET_S)}")


def _measure_export(engine: str, url: str, info: dict[str, Any], lines: Lines) -> None:
    today = datetime.now(UTC).date()
    query = urlencode({"unit": info["province"],
                       "from": f"{today - timedelta(days=366):%d/%m/%Y}",
                       "to": f"{today:%d/%m/%Y}"})
    _say(f"{engine}: CSV export")
    with tempfile.TemporaryDirectory(prefix="feedback-export-") as tmp:
        export = export_memory.measure("csv", _env(url), query, STEP_TIMEOUT_S,
                                       Path(tmp) / "gunicorn.log", email=ADMIN,
                                       password=PASSWORD)
    lines.append(f"CSV export under gunicorn, province, {export.lines - 1:,} rows: "
                 f"{export.total_s:.1f} s (first byte {export.first_byte_s:.2f} s), "
                 f"{export.size_mb:.0f} MiB; worker at rest {export.rest_mb:.0f} MB, peak "
                 f"{export.peak_mb:.0f} MB ({_verdict(export.peak_mb, 200)} under 200 MB)")


def _pg_drop(admin_url: str) -> None:
    """Drop `feedback_bench`, whatever happened (its connections are closed by force)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS feedback_bench WITH (FORCE)"))
    finally:
        engine.dispose()


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
    parser.add_argument("--petitions", type=int,
                        default=int(os.environ.get("BENCH_PETITIONS", "100000")))
    parser.add_argument("--phases", default=os.environ.get("BENCH_PHASES", ",".join(PHASES)),
                        help="after the load, rebuild and verify: any of " + ",".join(PHASES))
    parser.add_argument("--probe")
    parser.add_argument("--unit")
    parser.add_argument("--first")
    parser.add_argument("--last")
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, args)
        return 0
    phases = set(args.phases.split(",")) - {""}
    if phases - set(PHASES):
        parser.error(f"--phases: any of {','.join(PHASES)}")
    # A SIGTERM (a CI time limit) unwinds like Ctrl-C, so the database is dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = Lines()
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="feedback-scale-") as tmp:
            for engine in args.engines.split(","):
                if engine == "sqlite":
                    url = f"sqlite:///{Path(tmp) / 'scale.sqlite3'}"
                    measure(engine, url, args.scale, args.petitions, phases, report)
                    continue
                pg = _pg_database(args.pg_url)
                if pg is None:
                    continue
                try:
                    measure(engine, pg, args.scale, args.petitions, phases, report)
                finally:
                    _pg_drop(args.pg_url)
    finally:
        (results / f"scale-{datetime.now(UTC):%Y%m%dT%H%M%S}.txt").write_text(
            "\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
