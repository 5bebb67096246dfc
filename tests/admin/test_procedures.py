"""Procedures: read by every role in scope, edited by admins and leaders, grouped by field,
imported from CSV or XLSX with a preview first."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import AuditEvent, Procedure


def procedure(app, code: str, unit_id: int) -> Procedure | None:
    with app.app_context():
        found = db.session.scalar(select(Procedure).where(Procedure.code == code,
                                                          Procedure.unit_id == unit_id))
        if found is not None:
            db.session.expunge(found)
        return found


@pytest.mark.parametrize(("who", "can_edit"), [
    ("admin", True), ("leader", True), ("officer", False), ("viewer", False)])
def test_roles_and_scope(app, client, world, login, who, can_edit) -> None:
    login(getattr(world, who))
    page = client.get("/staff/procedures?unit=xa-a1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hộ tịch" in html and "Đăng ký khai sinh" in html
    assert ("Thêm thủ tục" in html) is can_edit
    assert client.get("/staff/procedures?unit=xa-b1").status_code == 404
    edit_status = 200 if can_edit else 403
    assert client.get(f"/staff/procedures/{world.procedure.id}").status_code == edit_status
    post = client.post("/staff/procedures?unit=xa-a1",
                       data={"code": "CT01", "name": "Chứng thực", "field": "Chứng thực"})
    assert post.status_code == (303 if can_edit else 403)
    assert client.get("/staff/import/procedures").status_code == edit_status
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Procedure))
        assert stored == (2 if can_edit else 1)


def test_a_foreign_procedure_is_404(app, client, world, login) -> None:
    with app.app_context():
        foreign = Procedure(unit_id=world.stranger.id, code="X1", name="Ngoài", field="")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    login(world.leader)
    assert client.get(f"/staff/procedures/{foreign_id}").status_code == 404
    assert client.post(f"/staff/procedures/{foreign_id}",
                       data={"code": "X1", "name": "Đổi"}).status_code == 404
    assert client.post(f"/staff/procedures/{foreign_id}/deactivate").status_code == 404
    assert client.get("/staff/procedures/99999999").status_code == 404


def test_grouped_by_field_with_the_blank_field_last(app, client, world, login) -> None:
    login(world.leader)
    for code, name, field in [("CT01", "Chứng thực chữ ký", "Chứng thực"),
                              ("ZZ1", "Thủ tục khác", ""), ("DD1", "Đất đai 1", "Đất đai")]:
        assert client.post("/staff/procedures?unit=xa-a1",
                           data={"code": code, "name": name, "field": field}).status_code == 303
    html = client.get("/staff/procedures?unit=xa-a1").get_data(as_text=True)
    headings = re.findall(r"<h2>([^<]+?) <span", html)
    assert headings == ["Chứng thực", "Đất đai", "Hộ tịch", "Chưa xếp lĩnh vực"]


def test_edit_deactivate_reactivate_with_history(app, client, world, login) -> None:
    login(world.leader)
    url = f"/staff/procedures/{world.procedure.id}"
    resp = client.post(url, data={"code": "HT01", "name": "Đăng ký khai sinh (mới)",
                                  "field": "Hộ tịch"})
    assert resp.status_code == 303
    assert procedure(app, "HT01", world.commune.id).name == "Đăng ký khai sinh (mới)"  # type: ignore[union-attr]
    assert client.post(url + "/deactivate").status_code == 303
    assert procedure(app, "HT01", world.commune.id).active is False  # type: ignore[union-attr]
    html = client.get("/staff/procedures?unit=xa-a1").get_data(as_text=True)
    assert "Ngừng dùng" in html and "Dùng lại" in html
    assert client.post(url + "/reactivate").status_code == 303
    assert procedure(app, "HT01", world.commune.id).active is True  # type: ignore[union-attr]
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["procedure.update", "procedure.deactivate", "procedure.reactivate"]
    history = client.get("/staff/units/xa-a1").get_data(as_text=True)
    assert "procedure.update" in history and "leader@x.vn" in history


@pytest.mark.parametrize(("url", "data", "message"), [
    ("/staff/procedures?unit=xa-a1", {"code": "HT01", "name": "Trùng", "field": ""},
     "Đơn vị này đã có thủ tục mã HT01."),
    ("/staff/procedures?unit=xa-a1", {"code": "N1", "name": "T" * 301, "field": ""},
     "Dài 301 ký tự, quá giới hạn 300 ký tự của cột “name”."),
    ("/staff/procedures?unit=xa-a1", {"code": "N1", "name": "Tên", "field": "F" * 121},
     "Dài 121 ký tự, quá giới hạn 120 ký tự của cột “field”."),
    ("/staff/procedures?unit=xa-a1", {"code": "", "name": "Tên", "field": ""},
     "Xin nhập mã thủ tục."),
    ("/staff/procedures?unit=tinh-a", {"code": "N1", "name": "Tên", "field": ""},
     "Thủ tục thuộc về xã/phường, không thuộc tỉnh."),
])
def test_refusals_change_nothing(app, client, world, login, url, data, message) -> None:
    login(world.admin)
    resp = client.post(url, data=data)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Procedure)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_province_page_points_to_its_communes(client, world, login) -> None:
    login(world.viewer)
    html = client.get("/staff/procedures?unit=tinh-a").get_data(as_text=True)
    assert "Xin chọn một xã/phường" in html
    assert 'href="/staff/procedures?unit=xa-a2"' in html


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_upload_preview_then_apply(app, client, world, login) -> None:
    login(world.leader)
    content = xlsx([["unit_code", "code", "name", "field"],
                    ["xa-a1", "CT01", "Chứng thực bản sao", "Chứng thực"],
                    ["xa-a1", "HT01", "Đăng ký khai sinh (sửa)", "Hộ tịch"]])
    page = client.post("/staff/import/procedures?unit=xa-a1",
                       data={"file": (io.BytesIO(content), "thu-tuc.xlsx")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 tạo mới, 1 cập nhật, 0 giữ nguyên, 0 ngừng hoạt động" in html
    assert procedure(app, "CT01", world.commune.id) is None
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    assert 'action="/staff/import/procedures/apply?unit=xa-a1"' in html
    resp = client.post("/staff/import/procedures/apply?unit=xa-a1",
                       data={"token": token.group(1)})
    assert resp.status_code == 303 and resp.location.endswith("/staff/procedures?unit=xa-a1")
    assert procedure(app, "CT01", world.commune.id) is not None
    assert procedure(app, "HT01", world.commune.id).name == "Đăng ký khai sinh (sửa)"  # type: ignore[union-attr]
    # A unit preview cannot be replayed as a procedure import.
    replay = client.post("/staff/import/units/apply", data={"token": token.group(1)})
    assert replay.status_code == 403  # leaders do not import units at all


def test_a_leader_cannot_import_into_another_commune(app, client, world, login) -> None:
    login(world.leader)
    page = client.post("/staff/import/procedures", data={
        "file": (io.BytesIO("unit_code,code,name\nxa-a2,P1,Tên\n".encode()), "p.csv")},
        content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Không có đơn vị nào mang mã xa-a2 trong phạm vi của ông/bà." in html
    assert procedure(app, "P1", world.sibling.id) is None


def test_an_empty_installation_is_sent_to_the_units_page(app, client, login,
                                                         installation_admin) -> None:
    login(installation_admin)
    resp = client.get("/staff/procedures")
    assert resp.status_code == 303 and resp.location.endswith("/staff/units")
    page = client.get("/staff/units").get_data(as_text=True)
    assert "Chưa có đơn vị nào. Xin thêm đơn vị trước" in page
