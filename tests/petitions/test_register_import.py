"""`feedback petitions import`: the paper register, all or nothing, through the one import
parser and the forms' sender rules."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import MailMessage, Petition, PetitionEvent

HEADER = ("unit_code,channel,received_at,sender_name,sender_address,sender_phone,"
          "sender_email,category,content,answered_at,answer")
# Monday 2 March 2026, 08:30: reply due 10 working days later, Monday 16 March.
ANSWERED = ('xa-a1,paper,2026-03-02 08:30,Nguyễn Văn An,"Thôn 3, xã Hoằng Ngọc",'
            '0912 345 678,,1,Hồ sơ khai sinh trả chậm 5 ngày,2026-03-10 15:00,'
            'Đã trả hồ sơ ngày 10/3')
# 17:30 is after closing time: counted from Tuesday 3 March, due Tuesday 17 March.
OPEN_GOP_Y = 'xa-a1,box,2026-03-02 17:30,,,,,,"Quầy đông,\nxin thêm ghế chờ",,'
# Answered after its due date: stored as answered late.
LATE = ('xa-a2,email,2026-03-02 09:00,Trần Thị Bình,Xóm 2,,binh@example.vn,2,'
        'Quy định không phù hợp,2026-03-20 10:00,Đã trả lời')


def _write(tmp_path: Path, *rows: str, name: str = "register.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(Petition.id))) or 0)


def test_a_register_is_stored_with_its_dates_and_answers(
        app: Flask, world: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["petitions", "import", _write(tmp_path, ANSWERED, OPEN_GOP_Y,
                                                               LATE), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [set(r) for r in rows] == [{"line", "code", "reply_due"}] * 3
    assert [(r["line"], r["reply_due"]) for r in rows] == [
        (2, "2026-03-16"), (3, "2026-03-17"), (5, "2026-03-16")]
    with app.app_context():
        stored = {p.code: p for p in db.session.scalars(select(Petition))}
        answered, open_, late = (stored[r["code"]] for r in rows)
        assert (answered.status, answered.on_time, answered.kind) == ("answered", True, "pakn")
        assert answered.answer == "Đã trả hồ sơ ngày 10/3"
        assert answered.sender_phone == "0912345678" and answered.category == 1
        assert answered.received_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
        assert answered.answered_at == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
        assert answered.entered_by_id is None and answered.channel == "paper"
        assert [e.action for e in answered.events] == ["receive", "answer"]
        assert (open_.status, open_.kind, open_.on_time) == ("received", "gop_y", None)
        assert open_.content == "Quầy đông,\nxin thêm ghế chờ"
        assert (late.status, late.on_time, late.unit_id) == ("answered", False,
                                                             world.sibling.id)
        assert late.sender_email == "binh@example.vn"
        # Acknowledged on paper long ago: no mail to the senders.
        assert db.session.scalar(select(func.count(MailMessage.id))) == 0


def test_the_summary_without_json_is_vietnamese(
        world: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["petitions", "import", _write(tmp_path, ANSWERED, OPEN_GOP_Y)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 2 phản ánh, kiến nghị: 1 đã trả lời, 1 đang xử lý" in result.output
    assert "1 là góp ý ẩn danh" in result.output


def test_the_same_file_twice_is_refused_and_names_the_codes(
        app: Flask, world: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, ANSWERED, OPEN_GOP_Y)
    first = runner.invoke(args=["petitions", "import", path, "--json"])
    assert first.exit_code == 0
    again = runner.invoke(args=["petitions", "import", path])
    assert again.exit_code != 0
    assert "Dòng 2: Đã nhập trước đây" in again.output
    assert "Dòng 3: Đã nhập trước đây" in again.output
    assert _count(app) == 2


@pytest.mark.parametrize(("row", "where", "reason"), [
    (ANSWERED.replace("2026-03-02 08:30", "2026-02-30 08:30"), "cột received_at",
     "không có thật"),
    (ANSWERED.replace("2026-03-02 08:30", "02.03.2026"), "cột received_at",
     "YYYY-MM-DD HH:MM"),
    (ANSWERED.replace("xa-a1", "xa-khong-co"), "cột unit_code",
     "Không có đơn vị nào mang mã “xa-khong-co”"),
    (ANSWERED.replace("2026-03-02 08:30", "2099-01-05 08:30"), "cột received_at",
     "ở tương lai"),
    (ANSWERED.replace("2026-03-10 15:00", "2099-01-05 08:30"), "cột answered_at",
     "ở tương lai"),
    (ANSWERED.replace("Hồ sơ khai sinh trả chậm 5 ngày", ""), "cột content",
     "Xin nhập nội dung"),
    (ANSWERED.replace(",paper,", ",,"), "cột channel", "trống"),
    (ANSWERED.replace(",paper,", ",fax,"), "cột channel", "Kênh tiếp nhận “fax”"),
    (ANSWERED.replace(",1,Hồ sơ", ",9,Hồ sơ"), "cột category", "Phân loại “9”"),
    (ANSWERED.replace("0912 345 678", "12345"), "cột sender_phone",
     "Số điện thoại không đúng"),
    (ANSWERED.replace(",0912 345 678,,", ",,an@,"), "cột sender_email",
     "thư điện tử không đúng"),
    (ANSWERED.replace("2026-03-10 15:00", "2026-03-01 15:00"), "cột answered_at",
     "Ngày trả lời (2026-03-01 15:00) trước thời điểm tiếp nhận (2026-03-02 08:30)"),
    (ANSWERED.replace("2026-03-10 15:00", ""), "cột answered_at",
     "thiếu ngày trả lời"),
])
def test_a_bad_line_refuses_the_whole_file(
        app: Flask, world: Any, runner: FlaskCliRunner, tmp_path: Path,
        row: str, where: str, reason: str) -> None:
    result = runner.invoke(args=["petitions", "import", _write(tmp_path, LATE, row),
                                 "--json"])
    assert result.exit_code != 0
    assert "Không lưu gì: tệp có 1 lỗi." in result.output
    assert f"Dòng 3, {where}: " in result.output and reason in result.output, result.output
    assert _count(app) == 0


def test_every_problem_of_every_line_is_listed(
        app: Flask, world: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = ANSWERED.replace("xa-a1", "nope").replace("0912 345 678", "12")
    result = runner.invoke(args=["petitions", "import", _write(
        tmp_path, bad, OPEN_GOP_Y.replace("2026-03-02 17:30", "2026-13-01 08:00"), OPEN_GOP_Y,
        OPEN_GOP_Y)])
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert "Không lưu gì: tệp có 4 lỗi." in lines[0]
    assert [ln.split(":")[0] for ln in lines[1:5]] == [
        "Dòng 2, cột unit_code", "Dòng 2, cột sender_phone", "Dòng 3, cột received_at",
        "Dòng 7"]
    assert "Trùng với dòng 5" in lines[4]
    assert _count(app) == 0


def test_file_level_problems_are_refused(world: Any, runner: FlaskCliRunner,
                                         tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    missing.write_text("unit_code,channel,content\nxa-a1,paper,Chậm\n", encoding="utf-8")
    result = runner.invoke(args=["petitions", "import", str(missing)])
    assert result.exit_code != 0 and "Thiếu cột bắt buộc “received_at”" in result.output
    cp1258 = tmp_path / "windows.csv"
    cp1258.write_bytes((HEADER + "\n" + ANSWERED + "\n").encode("cp1258", errors="replace"))
    result = runner.invoke(args=["petitions", "import", str(cp1258)])
    assert result.exit_code != 0 and "CSV UTF-8" in result.output
    quoting = _write(tmp_path, 'xa-a1,paper,2026-03-02 08:30,,,,,,"Chậm,,')
    result = runner.invoke(args=["petitions", "import", quoting])
    assert result.exit_code != 0 and "Dấu ngoặc kép" in result.output


def test_excel_semicolons_and_a_bom_are_read(
        app: Flask, world: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER.replace(",", ";") + "\r\n"
                      + "xa-a1;hotline;02/03/2026 08:30;;;;;;Gọi đường dây nóng;;\r\n")
                     .encode("utf-8"))
    result = runner.invoke(args=["petitions", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["reply_due"] == "2026-03-16"


def test_an_xlsx_register_with_date_cells(
        app: Flask, world: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    # Excel's date cells carry no time zone: they are read as the app's local time. A
    # time typed in Excel is a fraction of a day and comes back with float noise.
    received = datetime(2026, 3, 2, 8, 29, 59, 985_000)  # noqa: DTZ001
    answered = datetime(2026, 3, 4, 10, 0, 0, 85_000)  # noqa: DTZ001
    sheet.append(["xa-a1", "paper", received, "Lê Văn Cường", "Thôn 1", 912345678, None, 1,
                  "Chậm trả kết quả", answered, "Đã trả"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "register.xlsx"
    path.write_bytes(buffer.getvalue())
    result = runner.invoke(args=["petitions", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["line"], row["reply_due"]) == (2, "2026-03-16")
    with app.app_context():
        stored = db.session.scalar(select(Petition))
        assert (stored.status, stored.on_time, stored.sender_phone) == (
            "answered", True, "912345678")
        assert stored.received_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 8:30 local
        assert db.session.scalar(select(func.count(PetitionEvent.id))) == 2


def test_the_service_refusal_carries_issues_for_a_page(app: Flask, world: Any) -> None:
    from feedback.petitions.register import RegisterRefused, import_register

    content = (HEADER + "\n" + ANSWERED.replace("xa-a1", "nope") + "\n").encode()
    with app.test_request_context(), pytest.raises(RegisterRefused) as refused:
        import_register(content, "register.csv")
    (issue,) = refused.value.issues
    assert (issue.line, issue.column, issue.key) == (2, "unit_code", "no_unit")
    assert issue.template.startswith("Không có đơn vị nào")
    assert "unknown unit 'nope'" in issue.english()
