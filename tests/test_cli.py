"""Every `feedback` command: success output and errors on stderr with a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import zxingcpp
from PIL import Image

#: Imported only by what draws, exports or migrates: a command that does none of these
#: must not pay for them at start-up.
HEAVY = ("pandas", "matplotlib", "fpdf", "qrcode", "PIL", "holidays", "alembic", "openpyxl")
_REPORT_MODULES = """
import json, sys
heavy = set(sys.argv.pop(1).split(","))
{run}
print("LOADED", json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & heavy)))
"""
_RUN_COMMAND = """
from feedback.cli import main
sys.argv[0] = "feedback"
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
"""


def _loaded_in_fresh_process(app, run: str, *args: str) -> list[str]:
    """The HEAVY modules a new Python process has imported once `run` has run, on the
    test database."""
    env = {**os.environ, "FEEDBACK_SECRET_KEY": "test-secret-key",
           "FEEDBACK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    env.pop("FEEDBACK_ENV", None)
    done = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", _REPORT_MODULES.format(run=run), ",".join(HEAVY), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.rsplit("LOADED ", 1)[1])


@pytest.mark.parametrize("args", [["--help"], ["units", "list"]])
def test_a_command_that_draws_nothing_imports_no_drawing_library(app, args) -> None:
    """`feedback --help` took 1.8 s when every view imported pandas, matplotlib and fpdf2
    at the top; the README's target is under 0.5 s. Timing is for benchmarks; this checks
    the cause."""
    assert _loaded_in_fresh_process(app, _RUN_COMMAND, *args) == []


_VIEWS_LOADED = """
import json, sys
from feedback.cli import main
sys.argv = ["feedback", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print("VIEWS", json.dumps(sorted(m for m in sys.modules
                                 if m.startswith("feedback.") and m.endswith("views"))))
"""


@pytest.mark.parametrize(("args", "serves"), [(["--help"], False), (["units", "list"], False),
                                              (["routes"], True)])
def test_only_the_commands_that_serve_pages_import_them(app, args, serves) -> None:
    """Importing the blueprints' modules was a third of `feedback --help`'s time; `run`,
    `routes` and `shell` still get every page."""
    env = {**os.environ, "FEEDBACK_SECRET_KEY": "test-secret-key",
           "FEEDBACK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    env.pop("FEEDBACK_ENV", None)
    done = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", _VIEWS_LOADED, *args], env=env, capture_output=True,
        text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    views = json.loads(done.stdout.rsplit("VIEWS ", 1)[1])
    if serves:
        assert "feedback.survey.views" in views and "/q/<token>" in done.stdout
    else:
        assert views == []


def test_the_web_app_imports_the_drawing_libraries_when_built(app) -> None:
    """A gunicorn worker (`feedback:create_app()`) imports them when it starts, not in the
    first chart or poster request it serves."""
    loaded = _loaded_in_fresh_process(app, "from feedback import create_app; create_app()")
    assert {"matplotlib", "fpdf", "qrcode", "holidays"} <= set(loaded)
    assert "pandas" not in loaded  # nothing in the app uses it now


def test_units_import_and_list(runner, tmp_path) -> None:
    csv_file = tmp_path / "units.csv"
    csv_file.write_text("code,name,parent_code,kind\nxa-1,Xã Một,tinh-1,commune\n"
                        "tinh-1,Tỉnh Một,,province\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(csv_file)])
    assert result.exit_code == 0 and "2 created" in result.output
    again = runner.invoke(args=["units", "import", str(csv_file)])
    assert "0 created, 0 updated, 2 unchanged" in again.output
    listed = json.loads(runner.invoke(args=["units", "list", "--json"]).output)
    assert {"code": "xa-1", "name": "Xã Một", "kind": "commune", "parent": "tinh-1"} in listed


@pytest.mark.parametrize(("content", "message"), [
    ("name\nXã\n", "missing column"),
    ("code,name,parent_code\nx,Xã,nope\n", "unknown parent"),
    ("code,name,kind\nx,Xã,district\n", "kind must be"),
    ("code,name\n,Xã\n", "empty code"),
])
def test_units_import_errors(runner, tmp_path, content: str, message: str) -> None:
    f = tmp_path / "u.csv"
    f.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(f)])
    assert result.exit_code != 0
    assert message in result.output
    assert json.loads(runner.invoke(args=["units", "list", "--json"]).output) == []


def test_procedures_import(runner, world, tmp_path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("unit_code,code,name,field\nxa-a1,CT01,Chứng thực bản sao,Chứng thực\n"
                 "xa-a1,HT01,Đăng ký khai sinh (sửa),Hộ tịch\n", encoding="utf-8")
    result = runner.invoke(args=["procedures", "import", str(f)])
    assert result.exit_code == 0 and "1 created, 1 updated" in result.output
    f.write_text("unit_code,code,name\nnope,X,Y\n", encoding="utf-8")
    bad = runner.invoke(args=["procedures", "import", str(f)])
    assert bad.exit_code != 0 and "unknown unit" in bad.output


def test_missing_file_is_an_error(runner) -> None:
    result = runner.invoke(args=["units", "import", "/nonexistent/units.csv"])
    assert result.exit_code != 0 and "cannot read" in result.output


def test_users_create(runner, world) -> None:
    ok = runner.invoke(args=["users", "create", "--email", "New@X.vn", "--password", "longenough",
                             "--role", "officer", "--unit", "xa-a1"])
    assert ok.exit_code == 0 and "new@x.vn" in ok.output
    for args, message in [
        (["--email", "new@x.vn", "--password", "longenough", "--role", "officer",
          "--unit", "xa-a1"], "exists"),
        (["--email", "b@x.vn", "--password", "short", "--role", "officer", "--unit", "xa-a1"],
         "at least 8"),
        (["--email", "c@x.vn", "--password", "longenough", "--role", "officer",
          "--unit", "nope"], "no unit"),
        (["--email", "d@x.vn", "--password", "longenough", "--role", "king",
          "--unit", "xa-a1"], "Invalid value"),
    ]:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0 and message in result.output


def test_counters_list_and_qr_png_decodes(runner, world, tmp_path) -> None:
    rows = json.loads(runner.invoke(args=["counters", "list", "--unit", "xa-a1", "--json"]).output)
    assert [r["name"] for r in rows] == ["Quầy 1 — Tư pháp", "Quầy 2 — Đất đai"]
    out = tmp_path / "q.png"
    result = runner.invoke(args=["qr", "png", "--counter", str(rows[0]["id"]), "--out", str(out)])
    assert result.exit_code == 0
    decoded = zxingcpp.read_barcodes(Image.open(out))
    assert decoded[0].text == rows[0]["url"]
    assert runner.invoke(args=["qr", "png", "--counter", "99999", "--out",
                               str(out)]).exit_code != 0
    assert runner.invoke(args=["counters", "list", "--unit", "nope"]).exit_code != 0


def test_qr_posters_for_a_unit(runner, world, tmp_path) -> None:
    out = tmp_path / "posters.pdf"
    result = runner.invoke(args=["qr", "posters", "--unit", "xa-a1", "--out", str(out)])
    assert result.exit_code == 0 and "2 poster(s)" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    empty = runner.invoke(args=["qr", "posters", "--unit", "tinh-a", "--out", str(out)])
    assert empty.exit_code != 0 and "no active counter" in empty.output


def test_stats_errors(runner, world) -> None:
    bad_unit = runner.invoke(args=["stats", "satisfaction", "--unit", "nope", "--from",
                                   "2026-01-01", "--to", "2026-01-31"])
    assert bad_unit.exit_code != 0 and "no unit" in bad_unit.output
    bad_date = runner.invoke(args=["stats", "satisfaction", "--unit", "xa-a1", "--from",
                                   "2026-02-30", "--to", "2026-03-31"])
    assert bad_date.exit_code != 0
    text = runner.invoke(args=["stats", "satisfaction", "--unit", "xa-a1", "--from",
                               "2026-01-01", "--to", "2026-01-31"])
    assert text.exit_code == 0 and "Chưa có câu trả lời" in text.output


def test_tokens_create_unknown_user(runner) -> None:
    result = runner.invoke(args=["tokens", "create", "--email", "ghost@x.vn"])
    assert result.exit_code != 0 and "no user" in result.output


def test_demo_is_idempotent(app, runner) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output and "leader.hoang-ngoc@" in first.output
    second = runner.invoke(args=["demo"])
    assert "already present" in second.output
    from sqlalchemy import func, select

    from feedback.extensions import db
    from feedback.models import Counter, Procedure, Response, Unit

    with app.app_context():
        assert db.session.scalar(select(func.count(Unit.id))) == 7
        assert db.session.scalar(select(func.count(Counter.id))) == 12
        assert db.session.scalar(select(func.count(Procedure.id))) == 4 * 30
        n = db.session.scalar(select(func.count(Response.id)))
        assert n is not None and n > 1000
        # Every screen has something true to show: months on both sides of the target.
        from feedback.org import unit_by_code
        from feedback.reports import services

        monthly = [f.value for code in ("hoang-ngoc", "ha-tien", "hong-phong", "tue-tinh")
                   for _, f in services.trend(unit_by_code(code),
                                              services.today().date())]
        assert all(v is not None for v in monthly)
        assert any(v >= 90 for v in monthly) and any(v < 90 for v in monthly)  # type: ignore[operator]
