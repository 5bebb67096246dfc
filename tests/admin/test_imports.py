"""The one import parser: every bad file refused whole with every problem named (line,
column, message), nothing stored; good CSV (BOM or not, comma or semicolon) and XLSX."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from feedback.admin import import_plans, imports, procedures, units
from feedback.admin.imports import MAX_BYTES, MAX_ROWS, Issue
from feedback.extensions import db
from feedback.models import AuditEvent, Procedure, Unit

UNIT_HEADER = "code,name,parent_code,kind\n"
PROC_HEADER = "unit_code,code,name,field\n"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def far_cell_xlsx() -> bytes:
    """A few kilobytes that claim a sheet of a million rows 16,384 cells wide: one cell in the
    last row and column. Read naively, it keeps a worker busy for minutes."""
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "parent_code", "kind"])
    sheet.append(["xa-far", "Xã Xa", "tinh-a", "commune"])
    sheet.cell(row=1_048_576, column=16_384, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def windows_1258(text: str) -> bytes:
    """Vietnamese as Windows saves it: base letters with combining tone marks."""
    return unicodedata.normalize("NFD", text).encode("cp1258")


def found(plan: import_plans.Plan) -> list[tuple[int, str, str]]:
    return [(i.line, i.column, i.vietnamese()) for i in plan.issues]


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


BAD_UNIT_FILES = [
    pytest.param(far_cell_xlsx(), "units.xlsx",
                 [(0, "", f"Tệp có hơn {MAX_ROWS} dòng dữ liệu. Xin chia thành nhiều tệp nhỏ "
                          "hơn.")], id="xlsx-claiming-a-million-rows"),
    pytest.param((UNIT_HEADER + "xa-h,Xã " + "H" * 200_000 + ",tinh-a,commune\n").encode(),
                 "u.csv",
                 [(2, "", "Một ô dài hơn 131072 ký tự, quá mọi giới hạn của các cột.")],
                 id="csv-cell-over-the-csv-module-limit"),
    pytest.param(windows_1258(UNIT_HEADER + "xa-ha,Xã Hà,tinh-a,commune\n"), "u.csv",
                 [(0, "", "Tệp không phải CSV UTF-8 (có lẽ được lưu theo bảng mã Windows). "
                          "Lưu lại dưới dạng CSV UTF-8 (Excel: Lưu thành › CSV UTF-8) rồi tải "
                          "lên lại.")], id="cp1258"),
    pytest.param((UNIT_HEADER + 'xa-q,"Xã Quảng,tinh-a,commune\nxa-r,Xã R,tinh-a,commune\n'
                  ).encode(), "u.csv",
                 [(2, "name", "Dấu ngoặc kép (\") không khớp: một ô mở ngoặc mà không đóng, "
                              "hoặc có chữ ngay sau dấu đóng ngoặc.")], id="unclosed-quote"),
    pytest.param((UNIT_HEADER + 'xa-p,Xã P,tinh-a,commune\nxa-q,"Xã" Q,tinh-a,commune\n'
                  ).encode(), "u.csv",
                 [(3, "name", "Dấu ngoặc kép (\") không khớp: một ô mở ngoặc mà không đóng, "
                              "hoặc có chữ ngay sau dấu đóng ngoặc.")], id="text-after-quote"),
    pytest.param((UNIT_HEADER + "xa-d,Xã D,tinh-a,commune\nxa-d,Xã D2,tinh-a,commune\n"
                  ).encode(), "u.csv",
                 [(3, "code", "Mã xa-d lặp lại: đã có ở dòng 2.")], id="duplicate-code"),
    pytest.param(b"code,kind\nxa-m,commune\n", "u.csv",
                 [(1, "name", "Thiếu cột bắt buộc “name” (cần các cột: code, name, "
                              "parent_code, kind).")], id="missing-column"),
    pytest.param((UNIT_HEADER + "xa-l," + "L" * 201 + ",tinh-a,commune\n").encode(), "u.csv",
                 [(2, "name", "Dài 201 ký tự, quá giới hạn 200 ký tự của cột “name”.")],
                 id="too-long"),
    pytest.param((UNIT_HEADER + "xa-k,Xã K,tinh-a,district\n").encode(), "u.csv",
                 [(2, "kind", "Loại đơn vị phải là province (tỉnh) hoặc commune (xã/phường), "
                              "không phải “district”.")], id="wrong-kind"),
    pytest.param((UNIT_HEADER + "xa-u,Xã U,nope,commune\n").encode(), "u.csv",
                 [(2, "parent_code", "Không có đơn vị nào mang mã nope (đơn vị cấp trên).")],
                 id="unknown-parent"),
    pytest.param((UNIT_HEADER + "xa-c,Xã C,xa-a1,commune\n").encode(), "u.csv",
                 [(2, "parent_code", "Đơn vị cấp trên xa-a1 không phải là tỉnh.")],
                 id="commune-under-commune"),
    pytest.param((UNIT_HEADER + "a1,A1,b1,commune\nb1,B1,a1,commune\n").encode(), "u.csv",
                 [(2, "parent_code", "Chuỗi đơn vị cấp trên quay vòng lại chính đơn vị a1."),
                  (3, "parent_code", "Chuỗi đơn vị cấp trên quay vòng lại chính đơn vị b1.")],
                 id="loop"),
    pytest.param((UNIT_HEADER + "Xa_1,Xã 1,tinh-a,commune\n").encode(), "u.csv",
                 [(2, "code", "Mã đơn vị “Xa_1” không hợp lệ: chỉ gồm chữ thường không dấu "
                              "a-z, số 0-9 và dấu gạch ngang, bắt đầu bằng chữ hoặc số.")],
                 id="bad-code"),
    pytest.param((UNIT_HEADER + ",Xã trống,tinh-a,commune\n").encode(), "u.csv",
                 [(2, "code", "Ô “code” bắt buộc nhưng đang trống.")], id="empty-value"),
    pytest.param(b"", "u.csv",
                 [(0, "", "Tệp trống: không có dòng tiêu đề. Dòng đầu tiên phải là tên các "
                          "cột: code, name, parent_code, kind.")], id="empty-file"),
    pytest.param(UNIT_HEADER.encode() + b"\n,,,\n", "u.csv",
                 [(0, "", "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")],
                 id="header-only"),
    pytest.param(UNIT_HEADER.encode() + b"x" * MAX_BYTES, "u.csv",
                 [(0, "", "Tệp lớn hơn 2 MB. Xin chia thành nhiều tệp nhỏ hơn.")],
                 id="oversized"),
    pytest.param((UNIT_HEADER + "".join(f"xa-{n},Xã {n},tinh-a,commune\n"
                                        for n in range(MAX_ROWS + 1))).encode(), "u.csv",
                 [(0, "", f"Tệp có hơn {MAX_ROWS} dòng dữ liệu. Xin chia thành nhiều tệp nhỏ "
                          "hơn.")], id="too-many-rows"),
    pytest.param(b"\xd0\xcf\x11\xe0" + b"\0" * 600, "u.xls",
                 [(0, "", "Tệp Excel .xls cũ không đọc được. Lưu lại dưới dạng .xlsx hoặc CSV "
                          "UTF-8.")], id="old-xls"),
    pytest.param(zipped({"[Content_Types].xml": "not xml"}), "u.xlsx",
                 [(0, "", "Không đọc được tệp Excel này. Lưu lại dưới dạng .xlsx hoặc CSV "
                          "UTF-8.")], id="xlsx-with-broken-xml"),
    pytest.param(zipped({"word/document.xml": "<w/>"}), "u.csv",
                 [(0, "", "Không đọc được tệp Excel này. Lưu lại dưới dạng .xlsx hoặc CSV "
                          "UTF-8.")], id="a-docx-named-csv"),
    pytest.param(b"PK\x03\x04not really a zip", "u.xlsx",
                 [(0, "", "Không đọc được tệp Excel này. Lưu lại dưới dạng .xlsx hoặc CSV "
                          "UTF-8.")], id="broken-xlsx"),
    pytest.param((UNIT_HEADER + "xa-e1,,tinh-a,commune\nxa-e2,Xã E2,nope,commune\n"
                  "xa-e3,Xã E3,tinh-a,town\nxa-e2,Xã E2 again,tinh-a,commune\n").encode(),
                 "u.csv",
                 [(2, "name", "Ô “name” bắt buộc nhưng đang trống."),
                  (3, "parent_code", "Không có đơn vị nào mang mã nope (đơn vị cấp trên)."),
                  (4, "kind", "Loại đơn vị phải là province (tỉnh) hoặc commune (xã/phường), "
                              "không phải “town”."),
                  (5, "code", "Mã xa-e2 lặp lại: đã có ở dòng 3.")], id="every-error-listed"),
]


@pytest.mark.parametrize(("content", "filename", "expected"), BAD_UNIT_FILES)
def test_bad_unit_files_are_refused_whole(app, world, content: bytes, filename: str,
                                          expected: list[tuple[int, str, str]]) -> None:
    with app.app_context():
        before = count(Unit)
        plan = units.plan_unit_import(content, filename)
        assert found(plan) == expected
        assert plan.rows == []
        with pytest.raises(imports.ImportRefused) as refused:
            units.import_units(content, filename)
        assert refused.value.issues == plan.issues
        db.session.rollback()
        assert count(Unit) == before and count(AuditEvent) == 0


BAD_PROCEDURE_FILES = [
    pytest.param(PROC_HEADER + "nope,P1,Thủ tục,Hộ tịch\n",
                 [(2, "unit_code", "Không có đơn vị nào mang mã nope trong phạm vi của ông/bà.")],
                 id="unknown-unit"),
    pytest.param(PROC_HEADER + "tinh-a,P1,Thủ tục,Hộ tịch\n",
                 [(2, "unit_code", "Đơn vị tinh-a là tỉnh: thủ tục thuộc về xã/phường.")],
                 id="province"),
    pytest.param(PROC_HEADER + "xa-a1,P1,Một,Hộ tịch\nxa-a1,P1,Hai,Hộ tịch\n",
                 [(3, "code", "Mã P1 lặp lại: đã có ở dòng 2.")], id="duplicate-code"),
    pytest.param(PROC_HEADER + "xa-a1,P1," + "T" * 301 + ",Hộ tịch\n",
                 [(2, "name", "Dài 301 ký tự, quá giới hạn 300 ký tự của cột “name”.")],
                 id="too-long-name"),
    pytest.param(PROC_HEADER + "xa-a1," + "C" * 41 + ",Tên," + "F" * 121 + "\n",
                 [(2, "code", "Dài 41 ký tự, quá giới hạn 40 ký tự của cột “code”."),
                  (2, "field", "Dài 121 ký tự, quá giới hạn 120 ký tự của cột “field”.")],
                 id="too-long-code-and-field"),
    pytest.param("code,name,field\nP1,Tên,Hộ tịch\n",
                 [(1, "unit_code", "Thiếu cột bắt buộc “unit_code” (cần các cột: unit_code, "
                                   "code, name, field).")], id="missing-column"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_PROCEDURE_FILES)
def test_bad_procedure_files_are_refused_whole(app, world, text: str,
                                               expected: list[tuple[int, str, str]]) -> None:
    with app.app_context():
        before = count(Procedure)
        plan = procedures.plan_procedure_import(text.encode(), "p.csv")
        assert found(plan) == expected
        with pytest.raises(imports.ImportRefused):
            procedures.import_procedures(text.encode(), "p.csv")
        db.session.rollback()
        assert count(Procedure) == before and count(AuditEvent) == 0


GOOD_UNITS = [["code", "name", "parent_code", "kind", "ghi chú"],
              ["xa-moi", "Xã Mới", "tinh-b", "commune", "thêm"],
              ["tinh-c", "Tỉnh C", "", "province", ""],
              ["xa-c1", "Xã Cát", "tinh-c", "", ""],
              ["xa-a1", "Xã Hoằng Ngọc", "tinh-a", "commune", ""],
              ["xa-a2", "Xã Hà Tiến (mới)", "", "", ""]]


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(r) + "\r\n" for r in rows)


@pytest.mark.parametrize(("content", "filename"), [
    pytest.param(_csv(GOOD_UNITS).encode("utf-8-sig"), "units.csv", id="csv-bom"),
    pytest.param(_csv(GOOD_UNITS).encode("utf-8"), "units.csv", id="csv-no-bom"),
    pytest.param(_csv(GOOD_UNITS, ";").encode("utf-8-sig"), "units.csv", id="csv-semicolon"),
    pytest.param(xlsx([list(r) for r in GOOD_UNITS]), "units.xlsx", id="xlsx"),
])
def test_good_unit_files_plan_then_apply(app, world, content: bytes, filename: str) -> None:
    with app.app_context():
        plan = units.plan_unit_import(content, filename)
        assert plan.ok, found(plan)
        assert plan.extra_columns == ("ghi chú",)
        assert [(r.line, r.action, r.key) for r in plan.rows] == [
            (2, "create", "xa-moi"), (3, "create", "tinh-c"), (4, "create", "xa-c1"),
            (5, "unchanged", "xa-a1"), (6, "update", "xa-a2")]
        assert plan.rows[4].changes == (("name", "Xã Hà Tiến", "Xã Hà Tiến (mới)"),)
        assert count(Unit) == 5  # planning wrote nothing
        result = units.apply_unit_import(plan)
        assert (result.created, result.updated, result.unchanged) == (3, 1, 1)
        cat = db.session.scalar(select(Unit).where(Unit.code == "xa-c1"))
        assert cat is not None and cat.parent is not None and cat.parent.code == "tinh-c"
        assert cat.kind == "commune"
        actions = db.session.scalars(select(AuditEvent.target).where(
            AuditEvent.action == "unit.import")).all()
        assert sorted(actions) == ["tinh-c", "xa-a2", "xa-c1", "xa-moi"]
        again = units.plan_unit_import(content, filename)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_xlsx_procedures_with_numeric_codes(app, world) -> None:
    content = xlsx([["unit_code", "code", "name", "field"],
                    ["xa-a1", 1001, "Chứng thực bản sao", "Chứng thực"],
                    ["xa-a1", "HT01", "Đăng ký khai sinh", "Hộ tịch"],
                    [None, None, None, None]])
    with app.app_context():
        plan = procedures.plan_procedure_import(content, "p.xlsx")
        assert plan.ok, found(plan)
        assert [(r.action, r.key) for r in plan.rows] == [("create", "xa-a1 / 1001"),
                                                          ("unchanged", "xa-a1 / HT01")]
        procedures.apply_procedure_import(plan)
        codes = db.session.scalars(select(Procedure.code).order_by(Procedure.code)).all()
        assert codes == ["1001", "HT01"]
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "procedure.import"))
        assert event is not None and event.detail == "1 thủ tục mới, 0 thủ tục sửa"


def test_a_file_without_the_field_column_keeps_fields(app, world) -> None:
    with app.app_context():
        plan = procedures.plan_procedure_import(
            "unit_code,code,name\nxa-a1,HT01,Đăng ký khai sinh (mới)\n".encode(), "p.csv")
        assert plan.rows[0].changes == (("name", "Đăng ký khai sinh", "Đăng ký khai sinh (mới)"),)
        procedures.apply_procedure_import(plan)
        proc = db.session.scalar(select(Procedure).where(Procedure.code == "HT01"))
        assert proc is not None and proc.field == "Hộ tịch"


def test_a_province_admin_imports_only_inside_the_province(app, world) -> None:
    from feedback.models import User

    text = (UNIT_HEADER + "xa-a3,Xã A3,tinh-a,commune\nxa-b2,Xã B2,tinh-b,commune\n"
            "tinh-c,Tỉnh C,,province\nxa-b1,Xã Tuệ Tĩnh,tinh-b,commune\n"
            "tinh-a,Tỉnh A (đổi tên),,province\n")
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        plan = units.plan_unit_import(text.encode(), "u.csv", admin)
        assert found(plan) == [
            (3, "parent_code", "Không có đơn vị nào mang mã tinh-b trong phạm vi của ông/bà."),
            (4, "parent_code", "Chỉ quản trị toàn hệ thống mới tạo được tỉnh hoặc đơn vị "
                               "không có cấp trên."),
            (5, "code", "Mã xa-b1 đã được dùng cho một đơn vị khác.")]
        ok = units.plan_unit_import(
            (UNIT_HEADER + "xa-a3,Xã A3,tinh-a,commune\ntinh-a,Tỉnh A mới,,\n").encode(),
            "u.csv", admin)
        assert ok.ok and (ok.created, ok.updated) == (1, 1)
        leader_plan = procedures.plan_procedure_import(
            (PROC_HEADER + "xa-b1,P1,Tên,\n").encode(), "p.csv",
            db.session.get(User, world.leader.id))
        assert [i.key for i in leader_plan.issues] == ["unknown_unit"]


def test_issue_wording_for_the_cli() -> None:
    issue = Issue(3, "code", "duplicate_code", {"code": "xa-d", "first": 2})
    assert issue.english() == "line 3, column code: duplicate code xa-d (first on line 2)"
    assert Issue(0, "", "not_utf8").english().endswith("save it as CSV UTF-8 and try again")


def test_cli_refuses_a_bad_file_and_stores_nothing(app, runner, world, tmp_path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_bytes((UNIT_HEADER + "xa-d,Xã D,tinh-a,commune\nxa-d,Xã D,tinh-a,commune\n"
                     "xa-l," + "L" * 201 + ",tinh-a,commune\n").encode("utf-8-sig"))
    result = runner.invoke(args=["units", "import", str(bad)])
    assert result.exit_code != 0
    assert "nothing stored; 2 problem(s):" in result.output
    assert "line 3, column code: duplicate code xa-d (first on line 2)" in result.output
    assert ("line 4, column name: 201 characters, longer than the 200 allowed for name"
            in result.output)
    cp = tmp_path / "windows.csv"
    cp.write_bytes(windows_1258(UNIT_HEADER + "xa-ha,Xã Hà,tinh-a,commune\n"))
    windows = runner.invoke(args=["units", "import", str(cp)])
    assert windows.exit_code != 0 and "save it as CSV UTF-8" in windows.output
    with app.app_context():
        assert count(Unit) == 5


def test_cli_imports_xlsx(app, runner, world, tmp_path) -> None:
    book = tmp_path / "procedures.xlsx"
    book.write_bytes(xlsx([["unit_code", "code", "name", "field"],
                           ["xa-a2", "CT01", "Chứng thực chữ ký", "Chứng thực"]]))
    result = runner.invoke(args=["procedures", "import", str(book)])
    assert result.exit_code == 0, result.output
    assert "Procedures: 1 created, 0 updated, 0 unchanged." in result.output
    unit_book = tmp_path / "units.xlsx"
    unit_book.write_bytes(xlsx([["code", "name", "parent_code", "kind"],
                                ["xa-a3", "Xã A3", "tinh-a", "commune"]]))
    assert "Units: 1 created" in runner.invoke(args=["units", "import",
                                                     str(unit_book)]).output
