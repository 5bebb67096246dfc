"""`feedback dossiers import`: the TTHC system's export, all or nothing, stored by the keyed
hash of the dossier code, upserted by (unit, hash)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import Workbook
from sqlalchemy import func, select, text

from feedback import links
from feedback.extensions import db
from feedback.models import AuditEvent, Dossier

HEADER = "Mã hồ sơ,Mã thủ tục,Tên thủ tục,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả"
ROWS = (
    "000.00.12.H56-260302-0001,HT01,Đăng ký khai sinh,02/03/2026 08:30,05/03/2026 16:00,"
    "05/03/2026 17:30",
    "000.00.12.H56-260302-0002,HT01,Đăng ký khai sinh,02/03/2026 09:00,05/03/2026,"
    "06/03/2026 08:00",
    "000.00.12.H56-260303-0003,HT01,,2026-03-03 10:15,2026-03-06 16:00,",
)


def _write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "export.csv",
           encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return str(path)


def _import(runner: FlaskCliRunner, path: str, *extra: str) -> Any:
    return runner.invoke(args=["dossiers", "import", path, *extra])


def _stored(app: Flask) -> list[Dossier]:
    with app.app_context():
        rows = list(db.session.scalars(select(Dossier).order_by(Dossier.received_at)))
        db.session.expunge_all()
        return rows


def _count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(Dossier.id))) or 0)


def test_an_export_is_stored_by_hash_with_its_local_days(app: Flask, world: Any,
                                                         runner: FlaskCliRunner,
                                                         tmp_path: Path) -> None:
    result = _import(runner, _write(tmp_path, *ROWS), "--unit", world.commune.code)
    assert result.exit_code == 0, result.output
    assert "đã đọc 3 dòng; 3 mới, 0 cập nhật, 0 không đổi, 0 bị từ chối" in result.output
    first, second, third = _stored(app)
    assert first.dossier_hash == links.dossier_hash("test-secret-key",
                                                    "000.00.12.H56-260302-0001")
    assert (first.unit_id, first.procedure_id) == (world.commune.id, world.procedure.id)
    assert (first.procedure_code, first.procedure_name) == ("HT01", "Đăng ký khai sinh")
    assert first.received_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert first.due_at == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    assert (first.received_day, first.due_day, first.returned_day) == (
        date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 5))
    assert second.due_at == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # local midnight
    assert (second.due_day, second.returned_day) == (date(2026, 3, 5), date(2026, 3, 6))
    # Without a name in the file, the procedure's own name.
    assert third.procedure_name == "Đăng ký khai sinh"
    assert third.returned_at is None and third.returned_day is None


def test_the_raw_code_is_stored_nowhere(app: Flask, world: Any, runner: FlaskCliRunner,
                                        tmp_path: Path) -> None:
    result = _import(runner, _write(tmp_path, *ROWS), "--unit", world.commune.code)
    assert result.exit_code == 0, result.output
    codes = ["000.00.12.H56-260302-0001", links.normalise_dossier_code(
        "000.00.12.H56-260302-0001"), "H56-260302"]
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                for value in row:
                    assert not any(c in str(value) for c in codes), (table.name, value)
    assert not any(c in result.output for c in codes)


def test_reimporting_updates_and_counts_the_rest_unchanged(app: Flask, world: Any,
                                                           runner: FlaskCliRunner,
                                                           tmp_path: Path) -> None:
    path = _write(tmp_path, *ROWS)
    assert _import(runner, path, "--unit", world.commune.code).exit_code == 0
    again = _import(runner, path, "--unit", world.commune.code)
    assert again.exit_code == 0, again.output
    assert "đã đọc 3 dòng; 0 mới, 0 cập nhật, 3 không đổi" in again.output
    ids = [d.id for d in _stored(app)]
    # A later export: the third dossier was returned, a fourth came in; the code typed
    # in another case and spacing is the same dossier.
    later = _write(tmp_path, ROWS[0], ROWS[1].replace("000.00.12.H56", "000.00.12.h56"),
                   ROWS[2] + "07/03/2026 09:00",
                   "000.00.12.H56-260309-0004,HT01,,09/03/2026 08:00,12/03/2026,",
                   name="later.csv")
    result = _import(runner, later, "--unit", world.commune.code)
    assert result.exit_code == 0, result.output
    assert "đã đọc 4 dòng; 1 mới, 1 cập nhật, 2 không đổi" in result.output
    stored = _stored(app)
    assert [d.id for d in stored][:3] == ids and len(stored) == 4
    assert stored[2].returned_day == date(2026, 3, 7)
    assert stored[2].updated_at > stored[2].imported_at


@pytest.mark.parametrize("header", [
    "Mã hồ sơ,Mã thủ tục,Tên thủ tục,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả",
    "MA HO SO , ma_thu_tuc,TEN THU TUC,ngay tiep nhan,Ngay  hen tra,ngay-tra-ket-qua",
    "Dossier code,Procedure code,Procedure name,Date received,Due date,Date returned",
    "dossier_code,procedure_code,procedure,received_at,due_at,returned_at",
])
def test_headers_with_or_without_diacritics_or_in_english(app: Flask, world: Any,
                                                           runner: FlaskCliRunner,
                                                           tmp_path: Path,
                                                           header: str) -> None:
    result = _import(runner, _write(tmp_path, *ROWS, header=header), "--unit",
                     world.commune.code)
    assert result.exit_code == 0, result.output
    assert _count(app) == 3


def test_a_bom_and_semicolons_as_excel_saves_them(app: Flask, world: Any,
                                                  runner: FlaskCliRunner,
                                                  tmp_path: Path) -> None:
    rows = [r.replace(",", ";") for r in ROWS]
    path = _write(tmp_path, *rows, header="\ufeff" + HEADER.replace(",", ";"))
    assert Path(path).read_bytes().startswith(b"\xef\xbb\xbf")
    result = _import(runner, path, "--unit", world.commune.code)
    assert result.exit_code == 0, result.output
    assert _count(app) == 3


def test_a_unit_column_and_units_below_the_given_one(app: Flask, world: Any,
                                                     runner: FlaskCliRunner,
                                                     tmp_path: Path) -> None:
    header = "Mã đơn vị," + HEADER.replace("Mã thủ tục,Tên thủ tục,", "")
    rows = [f"xa-a1,DS-{i},02/03/2026,05/03/2026," for i in range(3)]
    rows.append("xa-a2,DS-9,02/03/2026,05/03/2026,")
    rows.append(",DS-10,02/03/2026,05/03/2026,")  # empty: --unit's
    result = _import(runner, _write(tmp_path, *rows, header=header), "--unit",
                     world.province.code)
    assert result.exit_code == 0, result.output
    units = [d.unit_id for d in _stored(app)]
    assert sorted(units) == sorted([world.commune.id] * 3 + [world.sibling.id,
                                                              world.province.id])
    # Without a procedure column, dossiers count under no procedure.
    assert {d.procedure_id for d in _stored(app)} == {None}


def test_an_xlsx_export_with_date_cells_and_text_dates(app: Flask, world: Any,
                                                       runner: FlaskCliRunner,
                                                       tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws.append(["STT", "Số hồ sơ", "Mã TTHC", "Ngày nhận", "Hạn trả", "Ngày trả"])
    excel_cell = datetime(2026, 3, 2, 8, 30)  # noqa: DTZ001 (Excel cells are naive, local)
    ws.append([1, "H56-0001", "HT01", excel_cell, date(2026, 3, 5),
               "05/03/2026 17:30:00"])
    ws.append([])  # a blank row between is allowed
    ws.append([2, "H56-0002", "HT01", "2026-03-02T09:00", 46086.5, None])
    ws.append([3, 1003, "HT01", "08:15 03/03/2026", "06-03-2026", "03/03/2026"])
    ws.append([4, 1004.0, "HT01", date(2026, 3, 3), "06-03-2026", None])
    path = tmp_path / "export.xlsx"
    book.save(path)
    result = _import(runner, str(path), "--unit", world.commune.code)
    assert result.exit_code == 0, result.output
    by_hash = {d.dossier_hash: d for d in _stored(app)}
    first, second, third, fourth = (by_hash[links.dossier_hash("test-secret-key", code)]
                                    for code in ("H56-0001", "H56-0002", "1003", "1004"))
    assert first.received_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert first.due_day == date(2026, 3, 5) and first.returned_day == date(2026, 3, 5)
    assert second.due_at == datetime(2026, 3, 5, 5, 0, tzinfo=UTC)  # day number 46086.5
    assert third.received_at == datetime(2026, 3, 3, 1, 15, tzinfo=UTC)
    # Returned the day it was received, written without a time: not "before" 08:15.
    assert third.returned_day == date(2026, 3, 3)
    # A code typed as a number comes back from Excel as 1004.0: it is "1004".
    assert fourth.received_day == date(2026, 3, 3)


def _refused(result: Any) -> str:
    assert result.exit_code != 0
    return str(result.output)


def test_bad_rows_are_all_named_and_nothing_is_stored(app: Flask, world: Any,
                                                      runner: FlaskCliRunner,
                                                      tmp_path: Path) -> None:
    path = _write(
        tmp_path, *ROWS,  # lines 2-4 are good: written before the bad ones, rolled back
        ",HT01,,02/03/2026,05/03/2026,",                       # 5: no code
        "H56-5,HT01,,31/02/2026,05/03/2026,",                  # 6: impossible date
        "H56-6,HT01,,tháng 3,05/03/2026,",                     # 7: not a date
        "H56-7,HT01,,05/03/2026 09:00,04/03/2026,",            # 8: due before received
        "H56-8,XX99,,02/03/2026,05/03/2026,",                  # 9: unknown procedure
        "H56-9,HT01,,02/03/2026,05/03/2026,01/03/2026",        # 10: returned before
        "000.00.12.H56-260302-0001,HT01,,02/03/2026,05/03/2026,",  # 11: twice
        "H56-11,HT01,,02/03/2126,05/03/2126,",                 # 12: years out of range (two)
        "H56 ?!,HT01,,02/03/2026,05/03/2026,",                 # 13: not a code
    )
    output = _refused(_import(runner, path, "--unit", world.commune.code))
    assert "Không lưu gì: đã đọc 12 dòng, 9 dòng bị từ chối (10 lỗi)." in output
    for expected in (
            "Dòng 5, cột Mã hồ sơ: Ô “Mã hồ sơ” bắt buộc nhưng đang trống.",
            "Dòng 6, cột Ngày tiếp nhận: Ngày giờ “31/02/2026” không có thật.",
            "Dòng 7, cột Ngày tiếp nhận: “tháng 3” không phải ngày",
            "Dòng 8, cột Ngày hẹn trả: Ngày hẹn trả (04/03/2026 00:00) trước ngày tiếp "
            "nhận (05/03/2026 09:00).",
            "Dòng 9, cột Mã thủ tục: Đơn vị xa-a1 không có thủ tục mã “XX99”.",
            "Dòng 10, cột Ngày trả kết quả: Ngày trả kết quả",
            "Dòng 11, cột Mã hồ sơ: Trùng hồ sơ ở dòng 2",
            "Dòng 12, cột Ngày tiếp nhận: Năm 2126 nằm ngoài",
            "Dòng 13, cột Mã hồ sơ: Mã hồ sơ không hợp lệ"):
        assert expected in output, expected
    assert "H56-260302-0001" not in output  # a line number, never the code
    assert _count(app) == 0


@pytest.mark.parametrize(("header", "args", "expected"), [
    ("Mã hồ sơ,Ngày tiếp nhận", ["--unit", "xa-a1"],
     "Thiếu cột ngày hẹn trả: đặt tên cột là một trong “Ngày hẹn trả”"),
    ("Mã hồ sơ,Ngày tiếp nhận,Ngày hẹn trả", [],
     "Tệp không có cột mã đơn vị: ghi --unit"),
    ("Mã hồ sơ,Số hồ sơ,Ngày tiếp nhận,Ngày hẹn trả", ["--unit", "xa-a1"],
     "Cột “Mã hồ sơ” và cột “Số hồ sơ” cùng là mã hồ sơ"),
    ("Mã hồ sơ,Ngày tiếp nhận,Ngày hẹn trả", ["--unit", "khong-co"],
     "Không có đơn vị nào mang mã “khong-co”."),
])
def test_a_file_the_import_cannot_use_says_why(app: Flask, world: Any, runner: FlaskCliRunner,
                                               tmp_path: Path, header: str, args: list[str],
                                               expected: str) -> None:
    path = _write(tmp_path, "H56-1,02/03/2026,05/03/2026", header=header)
    assert expected in _refused(_import(runner, path, *args))
    assert _count(app) == 0


def test_a_unit_outside_the_given_one_and_a_windows_code_page(app: Flask, world: Any,
                                                              runner: FlaskCliRunner,
                                                              tmp_path: Path) -> None:
    path = _write(tmp_path, "xa-b1,H56-1,02/03/2026,05/03/2026",
                  header="Mã đơn vị,Mã hồ sơ,Ngày tiếp nhận,Ngày hẹn trả")
    output = _refused(_import(runner, path, "--unit", world.province.code))
    assert "Dòng 2, cột Mã đơn vị: Đơn vị “xa-b1” không thuộc tinh-a (--unit)." in output
    cp = tmp_path / "cp1258.csv"  # saved as "CSV" in a Windows code page, not UTF-8
    cp.write_bytes("\n".join([HEADER, *ROWS]).encode("cp1258", errors="replace"))
    assert "CSV UTF-8" in _refused(_import(runner, str(cp), "--unit", world.commune.code))
    assert _count(app) == 0


def test_procedures_by_name_when_the_export_has_no_code_column(app: Flask, world: Any,
                                                               runner: FlaskCliRunner,
                                                               tmp_path: Path) -> None:
    header = "Mã hồ sơ,Thủ tục,Ngày tiếp nhận,Ngày hẹn trả"
    good = _write(tmp_path, "H56-1,đăng ký  KHAI SINH,02/03/2026,05/03/2026", header=header)
    result = _import(runner, good, "--unit", world.commune.code)
    assert result.exit_code == 0, result.output
    assert _stored(app)[0].procedure_id == world.procedure.id
    bad = _write(tmp_path, "H56-2,Đăng ký kết hôn,02/03/2026,05/03/2026",
                 "H56-3,,02/03/2026,05/03/2026", header=header, name="bad.csv")
    output = _refused(_import(runner, bad, "--unit", world.commune.code))
    assert "Dòng 2, cột Thủ tục: Đơn vị xa-a1 không có thủ tục tên “Đăng ký kết hôn”" in output
    assert "Dòng 3, cột Thủ tục: Ô mã thủ tục và ô tên thủ tục đều trống." in output


def test_the_english_messages_exist(app: Flask, world: Any, tmp_path: Path) -> None:
    """The messages go through the catalogue like the register's (an English reader of
    the same service gets English)."""
    from flask_babel import force_locale

    from feedback.dossiers.services import DossiersRefused, import_dossiers

    path = _write(tmp_path, ",HT01,,02/03/2026,05/03/2026,")
    with app.test_request_context(), force_locale("en"), \
            pytest.raises(DossiersRefused) as refused:
        import_dossiers(path, world.commune.code)
    message = str(refused.value)
    assert "Nothing was saved: 1 rows read, 1 rows refused" in message
    assert "Line 2, column Mã hồ sơ: " in message


def test_the_import_is_one_transaction(app: Flask, world: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows written in earlier batches are rolled back with a bad row far below them."""
    from feedback.dossiers import services

    monkeypatch.setattr(services, "BATCH", 2)
    path = _write(tmp_path, *ROWS, ",HT01,,02/03/2026,05/03/2026,")
    with app.app_context():
        with pytest.raises(services.DossiersRefused):
            services.import_dossiers(path, world.commune.code)
        assert db.session.execute(text("SELECT count(*) FROM dossier")).scalar() == 0
