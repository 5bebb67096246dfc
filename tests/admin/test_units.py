"""Units: the pure tree rules (table-driven), the pages by role and scope, the history,
and the upload → preview → apply flow."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from tests_support import PASSWORD
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from feedback.admin.unit_rules import (
    INSTALLATION,
    Actor,
    Node,
    actor_problems,
    deactivation_problems,
    in_a_loop,
    placement_problems,
)
from feedback.extensions import db
from feedback.models import AuditEvent, Unit

PROVINCE = Node("tinh-a", "province", None)
OTHER = Node("tinh-b", "province", None)
COMMUNE = Node("xa-a1", "commune", "tinh-a")
CLOSED = Node("tinh-z", "province", None, active=False)
CSRF = r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"'
PROVINCE_ADMIN = Actor(scope=frozenset({"tinh-a", "xa-a1", "xa-a2"}), home="tinh-a")


@pytest.mark.parametrize(("node", "parent", "children", "expected"), [
    (Node("tinh-c", "province", None), None, False, []),
    (Node("tinh-c", "province", "tinh-a"), PROVINCE, False, ["province_has_parent"]),
    (Node("xa-n", "commune", "tinh-a"), PROVINCE, False, []),
    (Node("xa-n", "commune", None), None, False, ["commune_needs_parent"]),
    (Node("xa-n", "commune", "xa-a1"), COMMUNE, False, ["parent_not_province"]),
    (Node("xa-n", "commune", "tinh-z"), CLOSED, False, ["parent_inactive"]),
    (Node("xa-n", "district", "tinh-a"), PROVINCE, False, ["bad_kind"]),
    (Node("xa-n", "commune", "xa-n"), None, False, ["self_parent"]),
    (Node("tinh-a", "commune", "tinh-b"), OTHER, True, ["has_children"]),
])
def test_placement_rules(node, parent, children, expected) -> None:
    assert placement_problems(node, parent, has_children=children) == expected


@pytest.mark.parametrize(("actor", "node", "existing", "expected"), [
    (INSTALLATION, Node("tinh-c", "province", None), None, []),
    (PROVINCE_ADMIN, Node("tinh-c", "province", None), None,
     ["province_needs_installation_admin"]),
    (PROVINCE_ADMIN, Node("xa-n", "commune", "tinh-a"), None, []),
    (PROVINCE_ADMIN, Node("xa-n", "commune", "tinh-b"), None, ["parent_out_of_scope"]),
    (PROVINCE_ADMIN, Node("xa-a1", "commune", "tinh-b"), COMMUNE, ["parent_out_of_scope"]),
    (PROVINCE_ADMIN, Node("xa-a1", "commune", "tinh-a"), COMMUNE, []),  # rename only
    (PROVINCE_ADMIN, Node("tinh-a", "province", "tinh-b"), PROVINCE, ["own_unit_move"]),
    (PROVINCE_ADMIN, Node("tinh-a", "province", None), PROVINCE, []),
])
def test_actor_rules(actor, node, existing, expected) -> None:
    assert actor_problems(actor, node, existing=existing) == expected


@pytest.mark.parametrize(("parents", "code", "loops"), [
    ({"a": "b", "b": None}, "a", False),
    ({"a": "b", "b": "a"}, "a", True),
    ({"a": "b", "b": "c", "c": "a"}, "c", True),
    ({"a": "a"}, "a", True),
])
def test_loops(parents, code, loops) -> None:
    assert in_a_loop(code, parents) is loops


def test_deactivation_rules() -> None:
    assert deactivation_problems(PROVINCE_ADMIN, PROVINCE, 0) == ["own_unit_deactivate"]
    assert deactivation_problems(INSTALLATION, PROVINCE, 2) == ["active_children"]
    assert deactivation_problems(PROVINCE_ADMIN, COMMUNE, 0) == []
    assert deactivation_problems(PROVINCE_ADMIN, COMMUNE, 0, 2) == ["active_counters"]


# ---------------------------------------------------------------- pages



def unit(app, code: str) -> Unit | None:
    with app.app_context():
        found = db.session.scalar(select(Unit).where(Unit.code == code))
        if found is not None:
            db.session.expunge(found)
        return found


@pytest.mark.parametrize("who", ["admin", "viewer", "leader", "officer"])
def test_every_role_sees_its_scope_read_only(client, world, login, who) -> None:
    login(getattr(world, who))
    page = client.get("/staff/units")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Xã Hoằng Ngọc" in html and "Xã Tuệ Tĩnh" not in html
    assert ("Hà Tiến" in html) is (who in ("admin", "viewer"))  # a leader's scope is its commune
    assert ('action="/staff/units"' in html) is (who == "admin")
    assert client.get("/staff/units/xa-a1").status_code == 200
    assert client.get("/staff/units/xa-b1").status_code == 404
    assert client.get("/staff/units/NOT_A_CODE").status_code == 404
    expected = 303 if who == "admin" else 403
    assert client.post("/staff/units/xa-a1", data={"name": "Xã X"}).status_code == expected
    assert client.get("/staff/import/units").status_code == (200 if who == "admin" else 403)


def test_counts_on_the_tree(client, world, login, submit) -> None:
    answers = {"TC2": 5, "TT1": 4, "TT4": 3, "CC1": 5, "CC3": 5, "KQ1": 4, "PA1": 2,
               "HARASS": 0, "INFORMAL": 0}
    assert submit(world.counter, answers).status_code == 303
    login(world.admin)
    html = client.get("/staff/units").get_data(as_text=True)
    row = re.search(r'<tr>\s*<td data-label="Đơn vị"><span class="depth-1"><a href="/staff/units/'
                    r'xa-a1">.*?</tr>', html, re.S)
    assert row is not None
    numbers = re.findall(r'class="num">(?:<a [^>]*>)?(\d+)', row.group(0))
    assert numbers == ["2", "1", "2", "1"]  # counters, procedures, staff, responses


def test_the_login_page_for_anonymous(client, world) -> None:
    assert client.get("/staff/units").status_code == 302


def test_admin_creates_renames_moves_and_deactivates(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post("/staff/units", data={"code": "xa-a3", "name": "Xã Quảng Phú",
                                             "kind": "commune", "parent": "tinh-a"})
    assert resp.status_code == 303 and resp.location.endswith("/staff/units/xa-a3")
    created = unit(app, "xa-a3")
    assert created is not None and created.parent_id == world.province.id
    resp = client.post("/staff/units/xa-a3", data={"name": "Xã Quảng Phú Mới",
                                                   "parent": "tinh-a"})
    assert resp.status_code == 303
    assert unit(app, "xa-a3").name == "Xã Quảng Phú Mới"  # type: ignore[union-attr]
    assert client.post("/staff/units/xa-a3/deactivate").status_code == 303
    assert unit(app, "xa-a3").active is False  # type: ignore[union-attr]
    page = client.get("/staff/units/xa-a3").get_data(as_text=True)
    assert "Lịch sử thay đổi" in page and "unit.deactivate" in page
    assert "tên: Xã Quảng Phú → Xã Quảng Phú Mới" in page and "admin@x.vn" in page
    assert client.post("/staff/units/xa-a3/reactivate").status_code == 303
    assert unit(app, "xa-a3").active is True  # type: ignore[union-attr]
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["unit.create", "unit.update", "unit.deactivate", "unit.reactivate"]


@pytest.mark.parametrize(("url", "data", "message"), [
    ("/staff/units", {"code": "tinh-c", "name": "Tỉnh C", "kind": "province", "parent": ""},
     "Chỉ quản trị toàn hệ thống mới tạo được tỉnh"),
    ("/staff/units", {"code": "xa-b9", "name": "Xã B9", "kind": "commune", "parent": "tinh-b"},
     "Không có đơn vị nào mang mã tinh-b trong phạm vi của ông/bà."),
    ("/staff/units", {"code": "xa-a1", "name": "Trùng", "kind": "commune", "parent": "tinh-a"},
     "Mã xa-a1 đã được dùng cho một đơn vị khác."),
    ("/staff/units", {"code": "Xã 1", "name": "Xã", "kind": "commune", "parent": "tinh-a"},
     "Mã đơn vị “Xã 1” không hợp lệ"),
    ("/staff/units", {"code": "xa-a9", "name": "X" * 201, "kind": "commune",
                      "parent": "tinh-a"},
     "Dài 201 ký tự, quá giới hạn 200 ký tự của cột “name”."),
    ("/staff/units", {"code": "xa-a9", "name": "Xã", "kind": "commune", "parent": "xa-a1"},
     "Đơn vị cấp trên xa-a1 không phải là tỉnh."),
    ("/staff/units/xa-a1", {"name": "Xã Hoằng Ngọc", "parent": "tinh-b"},
     "Không có đơn vị nào mang mã tinh-b trong phạm vi của ông/bà."),
    ("/staff/units/xa-a1", {"name": "", "parent": "tinh-a"}, "Xin nhập tên đơn vị."),
])
def test_rule_refusals_change_nothing(app, client, world, login, url, data, message) -> None:
    login(world.admin)
    resp = client.post(url, data=data)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 5
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert unit(app, "xa-a1").parent_id == world.province.id  # type: ignore[union-attr]


def test_own_unit_and_active_children_cannot_be_deactivated(app, client, world, login,
                                                            installation_admin) -> None:
    login(world.admin)
    page = client.post("/staff/units/tinh-a/deactivate", follow_redirects=True)
    assert "Không thể ngừng hoạt động đơn vị của chính ông/bà." in page.get_data(as_text=True)
    client.post("/logout")
    login(installation_admin)
    page = client.post("/staff/units/tinh-a/deactivate", follow_redirects=True)
    assert ("Đơn vị này còn 2 đơn vị cấp dưới đang hoạt động" in page.get_data(as_text=True))
    assert unit(app, "tinh-a").active is True  # type: ignore[union-attr]
    page = client.post("/staff/units/xa-b1/deactivate", follow_redirects=True)
    assert "Đơn vị này còn 1 quầy đang nhận phiếu" in page.get_data(as_text=True)
    with app.app_context():
        from feedback.models import Counter

        db.session.get(Counter, world.stranger_counter.id).active = False  # type: ignore[union-attr]
        db.session.commit()
    assert client.post("/staff/units/xa-b1/deactivate").status_code == 303
    assert client.post("/staff/units/tinh-b/deactivate").status_code == 303
    assert unit(app, "tinh-b").active is False  # type: ignore[union-attr]
    page = client.post("/staff/units/xa-b1/reactivate", follow_redirects=True)
    assert "Đơn vị cấp trên tinh-b đã ngừng hoạt động." in page.get_data(as_text=True)


def test_installation_admin_creates_a_province_and_moves_a_commune(
        app, client, world, login, installation_admin) -> None:
    login(installation_admin)
    form = client.get("/staff/units").get_data(as_text=True)
    assert 'value="province"' in form and "Xã Tuệ Tĩnh" in form
    resp = client.post("/staff/units", data={"code": "tinh-c", "name": "Tỉnh C",
                                             "kind": "province", "parent": ""})
    assert resp.status_code == 303
    resp = client.post("/staff/units/xa-b1", data={"name": "Xã Tuệ Tĩnh", "parent": "tinh-c"})
    assert resp.status_code == 303
    moved = unit(app, "xa-b1")
    assert moved is not None and moved.parent_id == unit(app, "tinh-c").id  # type: ignore[union-attr]
    page = client.get("/staff/units/xa-b1").get_data(as_text=True)
    assert "cấp trên: tinh-b → tinh-c" in page and "root@x.vn" in page


def test_a_province_admin_cannot_create_provinces(client, world, login) -> None:
    login(world.admin)
    assert 'value="province"' not in client.get("/staff/units").get_data(as_text=True)


def test_csrf_is_checked(app, client, world, login, csrf_on) -> None:
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(CSRF, login_page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"email": world.admin.email, "password": PASSWORD,
                                "csrf_token": token})
    resp = client.post("/staff/units", data={"code": "xa-a3", "name": "Xã", "kind": "commune",
                                             "parent": "tinh-a"})
    assert resp.status_code == 400 and unit(app, "xa-a3") is None
    upload = client.post("/staff/import/units", data={
        "file": (io.BytesIO(b"code,name,parent_code\nxa-a3,X,tinh-a\n"), "u.csv")},
        content_type="multipart/form-data")
    assert upload.status_code == 400
    page = client.get("/staff/units").get_data(as_text=True)
    token = re.search(CSRF, page)
    assert token is not None
    resp = client.post("/staff/units", data={"code": "xa-a3", "name": "Xã", "kind": "commune",
                                             "parent": "tinh-a", "csrf_token": token.group(1)})
    assert resp.status_code == 303 and unit(app, "xa-a3") is not None
    preview = client.post("/staff/import/units", data={
        "csrf_token": token.group(1),
        "file": (io.BytesIO(b"code,name,parent_code\nxa-a4,X,tinh-a\n"), "u.csv")},
        content_type="multipart/form-data")
    assert preview.status_code == 200 and "Áp dụng" in preview.get_data(as_text=True)


# ---------------------------------------------------------------- upload, preview, apply

def upload(client, content: bytes, name: str = "units.csv"):
    return client.post("/staff/import/units", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def preview_token(html: str) -> str:
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_preview_then_apply(app, client, world, login) -> None:
    login(world.admin)
    content = ("code,name,parent_code,kind,ghi_chu\nxa-a3,Xã Quảng Phú,tinh-a,commune,x\n"
               "xa-a2,Xã Hà Tiến (mới),,,\nxa-a1,Xã Hoằng Ngọc,tinh-a,commune,\n").encode()
    page = upload(client, content)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 tạo mới, 1 cập nhật, 1 giữ nguyên, 0 ngừng hoạt động" in html
    assert "ghi_chu" in html and "Xã Hà Tiến (mới)" in html
    assert unit(app, "xa-a3") is None  # the preview stores nothing
    resp = client.post("/staff/import/units/apply", data={"token": preview_token(html)})
    assert resp.status_code == 303 and resp.location.endswith("/staff/units")
    assert unit(app, "xa-a3") is not None
    assert unit(app, "xa-a2").name == "Xã Hà Tiến (mới)"  # type: ignore[union-attr]
    flashed = client.get("/staff/units").get_data(as_text=True)
    assert "Đã áp dụng tệp units.csv: 1 mới, 1 cập nhật, 1 giữ nguyên." in flashed


def test_apply_refuses_when_the_data_changed_since_the_preview(app, client, world,
                                                               login) -> None:
    login(world.admin)
    html = upload(client, b"code,name,parent_code\nxa-a3,X3,tinh-a\nxa-a2,Y,tinh-a\n"
                  ).get_data(as_text=True)
    token = preview_token(html)
    client.post("/staff/units/xa-a2", data={"name": "Đổi tên lúc khác", "parent": "tinh-a"})
    resp = client.post("/staff/import/units/apply", data={"token": token})
    assert resp.status_code == 409
    body = resp.get_data(as_text=True)
    assert "Dữ liệu đã thay đổi kể từ lúc xem trước" in body
    assert unit(app, "xa-a3") is None
    fresh = preview_token(body)
    assert client.post("/staff/import/units/apply", data={"token": fresh}).status_code == 303
    assert unit(app, "xa-a3") is not None


def test_a_forged_or_foreign_preview_is_refused(app, client, world, login,
                                                installation_admin) -> None:
    login(installation_admin)
    token = preview_token(upload(client, b"code,name,parent_code\nxa-b2,X,tinh-b\n"
                                 ).get_data(as_text=True))
    client.post("/logout")
    login(world.admin)
    for bad in (token, token[:-3] + "abc", "x"):
        resp = client.post("/staff/import/units/apply", data={"token": bad},
                           follow_redirects=True)
        assert "Bản xem trước đã hết hạn hoặc không hợp lệ" in resp.get_data(as_text=True)
    assert unit(app, "xa-b2") is None


def test_a_bad_upload_shows_every_error_in_a_table(app, client, world, login) -> None:
    login(world.admin)
    resp = upload(client, b"code,name,parent_code,kind\nxa-a9,,tinh-a,commune\n"
                          b"xa-a8,X,tinh-a,district\n")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "bị từ chối: chưa lưu gì" in html and 'name="token"' not in html
    assert re.search(r'class="num">2</td><td data-label="Cột"><code>name</code>', html)
    assert re.search(r'class="num">3</td><td data-label="Cột"><code>kind</code>', html)
    assert "Ô “name” bắt buộc nhưng đang trống." in html
    empty = client.post("/staff/import/units", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422
    assert "Xin chọn một tệp CSV (UTF-8) hoặc Excel .xlsx." in empty.get_data(as_text=True)


def test_an_upload_past_the_cap_gets_the_size_message(client, world, login) -> None:
    login(world.admin)
    # Encoded in memory: the test client would spool a body this big to an unclosed file.
    big = FileStorage(io.BytesIO(b"code,name\n" + b"x" * (2 * 1024 * 1024 + 10)), "u.csv")
    boundary, body = encode_multipart({"file": big})
    resp = client.post("/staff/import/units", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 422
    assert "Tệp lớn hơn 2 MB." in resp.get_data(as_text=True)
