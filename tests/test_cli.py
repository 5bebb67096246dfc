"""Every `feedback` command: success output and errors on stderr with a non-zero exit."""

from __future__ import annotations

import json

import pytest
import zxingcpp
from PIL import Image


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
