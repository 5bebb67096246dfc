"""Time and peak memory of `feedback dossiers import` on a year's export of one commune.

    .venv/bin/python benchmarks/dossier_import.py --rows 100000

Builds a temporary SQLite database (`feedback db upgrade`, a province and a commune with
30 procedures imported through the CLI), writes a CSV and an XLSX export of --rows
dossiers over one year (TTHC-style codes, dd/mm/yyyy HH:MM text dates in the CSV, date
cells in the workbook, 85% returned, some late), then runs the real command, each in its
own process: the CSV into the empty table (every row new), the same CSV again (every row
unchanged), the XLSX with a tenth of the dossiers returned later than in the CSV (those
updated). Prints the wall time, rows per second and the process's peak resident memory
(from wait4). Removes everything afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BIN = Path(sys.executable).parent
PROCEDURES = [f"1.00{i:04d}.000.00.00.H56" for i in range(30)]


def _run(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, output) of one `feedback` command."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "feedback"), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"feedback {' '.join(args)} failed:\n{output}")
    return elapsed, usage.ru_maxrss / 1024, output.strip()


def _rows(count: int, later: bool = False) -> list[list[object]]:
    rng = random.Random(2026)
    start = datetime(2025, 1, 1, 7, 30)  # noqa: DTZ001 (local wall time, as exports print)
    out: list[list[object]] = []
    for i in range(count):
        received = start + timedelta(minutes=rng.randint(0, 364 * 24 * 60))
        due = received + timedelta(days=rng.randint(0, 15), hours=rng.randint(0, 8))
        returned = None
        if rng.random() < 0.85:
            returned = received + timedelta(days=rng.randint(0, 17), hours=rng.randint(0, 8))
            if returned > datetime(2025, 12, 31):  # noqa: DTZ001
                returned = None
        if later and i % 10 == 0 and returned is not None:
            returned += timedelta(days=1)
        out.append([f"000.00.12.H56-{received:%y%m%d}-{i:06d}", PROCEDURES[i % 30],
                     f"Thủ tục số {i % 30}", received, due, returned])
    return out


HEADER = ["Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Ngày tiếp nhận", "Ngày hẹn trả",
          "Ngày trả kết quả"]


def _write_csv(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADER)
        for code, proc, name, received, due, returned in rows:
            writer.writerow([code, proc, name, f"{received:%d/%m/%Y %H:%M}",
                             f"{due:%d/%m/%Y %H:%M}",
                             "" if returned is None else f"{returned:%d/%m/%Y %H:%M}"])


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="feedback-dossiers-"))
    env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
           "FEEDBACK_SECRET_KEY": "bench-dossiers", "FEEDBACK_ENV": "production"}
    try:
        _run(env, "db", "upgrade")
        (tmp / "units.csv").write_text("code,name,parent_code,kind\n"
                                       "bench-tinh,Tỉnh,,province\n"
                                       "bench-xa,Xã,bench-tinh,commune\n", encoding="utf-8")
        _run(env, "units", "import", str(tmp / "units.csv"))
        (tmp / "procedures.csv").write_text(
            "unit_code,code,name,field\n" + "".join(
                f"bench-xa,{code},Thủ tục số {i},Lĩnh vực\n"
                for i, code in enumerate(PROCEDURES)), encoding="utf-8")
        _run(env, "procedures", "import", str(tmp / "procedures.csv"))
        _write_csv(tmp / "export.csv", _rows(args.rows))
        _write_xlsx(tmp / "export.xlsx", _rows(args.rows, later=True))
        print(f"{args.rows:,} rows; CSV {(tmp / 'export.csv').stat().st_size / 1e6:.1f} MB, "
              f"XLSX {(tmp / 'export.xlsx').stat().st_size / 1e6:.1f} MB")
        for label, name in (("CSV, empty table", "export.csv"),
                            ("CSV again (all unchanged)", "export.csv"),
                            ("XLSX, a tenth later", "export.xlsx")):
            seconds, peak, output = _run(env, "dossiers", "import", str(tmp / name),
                                         "--unit", "bench-xa")
            print(f"{label:28} {seconds:6.1f} s  {args.rows / seconds:8,.0f} rows/s  "
                  f"peak {peak:5.0f} MB  | {output}")
        seconds, peak, _output = _run(env, "--help")
        print(f"{'(feedback --help)':28} {seconds:6.1f} s  {'':8}         peak {peak:5.0f} MB")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            for path in tmp.iterdir():
                path.unlink()
            tmp.rmdir()


if __name__ == "__main__":
    main()
