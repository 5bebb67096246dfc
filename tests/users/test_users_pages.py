"""`/staff/users`: admins manage the accounts of their scope; everything else is 403/404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from tests_support import PASSWORD

from feedback.extensions import db
from feedback.models import AuditEvent, MailMessage, User


def _get(app, user_id: int) -> User:
    with app.app_context():
        row = db.session.get(User, user_id)
        assert row is not None
        db.session.expunge(row)
        return row


def _audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _user_id(app, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


# --- Who may see what -----------------------------------------------------------------

@pytest.mark.parametrize("role", ["leader", "officer", "viewer"])
def test_only_admins_reach_the_users_pages(client, world, login, role: str) -> None:
    login(getattr(world, role))
    target = world.officer.id
    for method, path in [("get", "/staff/users"), ("get", "/staff/users/new"),
                         ("post", "/staff/users/new"), ("get", f"/staff/users/{target}"),
                         ("post", f"/staff/users/{target}/placement"),
                         ("post", f"/staff/users/{target}/disable"),
                         ("post", f"/staff/users/{target}/enable"),
                         ("post", f"/staff/users/{target}/reset"),
                         ("post", f"/staff/users/{target}/tokens")]:
        assert getattr(client, method)(path).status_code == 403, path
    assert client.get("/staff/account").status_code == 200


def test_the_users_pages_need_a_login(client, world) -> None:
    for path in ("/staff/users", f"/staff/users/{world.officer.id}", "/staff/account"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_province_admin_sees_its_subtree_only(client, world, login, installation_admin) -> None:
    login(world.admin)
    page = client.get("/staff/users").get_data(as_text=True)
    for email in ("admin@x.vn", "viewer@x.vn", "leader@x.vn", "officer@x.vn"):
        assert email in page
    assert "leader@b.vn" not in page and "root@x.vn" not in page
    assert client.get(f"/staff/users/{world.officer.id}").status_code == 200


@pytest.mark.parametrize("suffix", ["", "/placement", "/disable", "/enable", "/reset",
                                    "/tokens", "/tokens/1/revoke"])
def test_a_foreign_provinces_user_is_not_found(client, world, login, installation_admin,
                                               suffix: str) -> None:
    login(world.admin)
    for target in (world.stranger_leader.id, installation_admin.id, 999999):
        method = client.get if suffix == "" else client.post
        resp = method(f"/staff/users/{target}{suffix}")
        assert resp.status_code == 404, (target, suffix)
        assert "leader@b.vn" not in resp.get_data(as_text=True)


def test_the_installation_admin_sees_everyone(client, world, login, installation_admin) -> None:
    login(installation_admin)
    page = client.get("/staff/users").get_data(as_text=True)
    for email in ("root@x.vn", "admin@x.vn", "leader@b.vn", "officer@x.vn"):
        assert email in page
    assert client.get(f"/staff/users/{world.stranger_leader.id}").status_code == 200


def test_a_commune_admin_does_not_see_the_province(app, client, world, login, runner) -> None:
    runner.invoke(args=["users", "create", "--email", "ad@a1.vn", "--password", PASSWORD,
                        "--role", "admin", "--unit", "xa-a1"])
    with app.app_context():
        commune_admin = db.session.scalar(select(User).where(User.email == "ad@a1.vn"))
        db.session.expunge(commune_admin)
    login(commune_admin)
    page = client.get("/staff/users").get_data(as_text=True)
    assert "leader@x.vn" in page and "admin@x.vn" not in page and "viewer@x.vn" not in page
    assert client.get(f"/staff/users/{world.viewer.id}").status_code == 404


def test_the_list_shows_role_unit_state_and_last_login(client, world, login) -> None:
    login(world.officer)
    client.post("/logout")
    login(world.admin)
    page = client.get("/staff/users").get_data(as_text=True)
    assert "Công chức một cửa" in page and "Xã Hoằng Ngọc" in page
    assert "Đang hoạt động" in page and "Chưa đăng nhập" in page
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", page)


# --- Create ---------------------------------------------------------------------------

def test_create_with_a_password(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post("/staff/users/new", data={
        "email": "New.Officer@X.vn", "name": "Nguyễn Văn A", "role": "officer",
        "unit": "xa-a2", "how": "password", "password": "initial pass"})
    assert resp.status_code == 303
    new_id = _user_id(app, "new.officer@x.vn")
    assert resp.headers["Location"].endswith(f"/staff/users/{new_id}")
    created = _get(app, new_id)
    assert (created.role, created.unit_id, created.name) == ("officer", world.sibling.id,
                                                             "Nguyễn Văn A")
    assert "user.create" in _audit_actions(app)
    other = app.test_client()
    assert other.post("/login", data={"email": "new.officer@x.vn",
                                      "password": "initial pass"}).status_code == 302


def test_create_with_a_link_shows_it_once_and_keeps_it_in_the_outbox(app, client, world,
                                                                      login) -> None:
    login(world.admin)
    resp = client.post("/staff/users/new", data={
        "email": "linked@x.vn", "role": "leader", "unit": "xa-a1", "how": "link"})
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    link = re.search(r"(http://127\.0\.0\.1:5000/dat-lai-mat-khau/[A-Za-z0-9_.-]+)", page)
    assert link is not None
    assert link.group(1) not in client.get(resp.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        message = db.session.scalar(select(MailMessage))
    assert message.recipient == "linked@x.vn" and link.group(1) in message.body
    assert message.state == "outbox" and message.unit_id == world.commune.id
    assert "linked@x.vn" in client.get("/staff/outbox").get_data(as_text=True)
    path = link.group(1).removeprefix("http://127.0.0.1:5000")
    assert app.test_client().post(path, data={"password": "my own pass",
                                              "confirm": "my own pass"}).status_code == 303


def test_create_with_a_link_mails_it_with_smtp(app, client, world, login, smtp) -> None:
    login(world.admin)
    resp = client.post("/staff/users/new", data={
        "email": "mailed@x.vn", "role": "leader", "unit": "xa-a1", "how": "link"})
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã gửi liên kết đặt mật khẩu tới mailed@x.vn." in page
    assert "dat-lai-mat-khau" not in page
    assert [m[0] for m in smtp.messages] == [["mailed@x.vn"]]


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "role": "officer", "unit": "xa-a1"}, "Xin nhập thư điện tử."),
    ({"email": "leader@x.vn", "role": "officer", "unit": "xa-a1"},
     "Đã có tài khoản dùng thư điện tử này."),
    ({"email": "n@x.vn", "role": "officer", "unit": "xa-b1"}, "Đơn vị không hợp lệ."),
    ({"email": "n@x.vn", "role": "officer", "unit": "nope"}, "Đơn vị không hợp lệ."),
    ({"email": "n@x.vn", "role": "king", "unit": "xa-a1"}, "Vai trò không hợp lệ."),
    ({"email": "n@x.vn", "role": "admin", "unit": ""},
     "Chỉ quản trị toàn hệ thống mới được giao quyền quản trị toàn hệ thống."),
    ({"email": "n@x.vn", "role": "officer", "unit": ""}, "Vai trò này cần một đơn vị."),
    ({"email": "n@x.vn", "role": "officer", "unit": "xa-a1", "how": "password",
      "password": "short"}, "Mật khẩu cần ít nhất 8 ký tự."),
    ({"email": "n@x.vn", "role": "officer", "unit": "xa-a1", "name": "x" * 201},
     "Họ và tên dài quá 200 ký tự."),
    ({"email": "n@x.vn", "role": "officer", "unit": "xa-a1", "how": "bogus"},
     "Xin chọn cách đặt mật khẩu."),
])
def test_create_refusals_are_clear_and_change_nothing(app, client, world, login,
                                                      data: dict[str, str],
                                                      message: str) -> None:
    login(world.admin)
    data.setdefault("how", "link")
    resp = client.post("/staff/users/new", data=data)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 5
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0
    assert _audit_actions(app) == []


def test_the_installation_admin_may_create_another(app, client, world, login,
                                                   installation_admin) -> None:
    login(installation_admin)
    page = client.get("/staff/users/new").get_data(as_text=True)
    assert "Toàn hệ thống" in page and "Tỉnh B" in page
    resp = client.post("/staff/users/new", data={"email": "root2@x.vn", "role": "admin",
                                                 "unit": "", "how": "link"})
    assert resp.status_code == 303
    assert _get(app, _user_id(app, "root2@x.vn")).unit_id is None


def test_the_unit_picker_shows_only_the_scope(client, world, login) -> None:
    login(world.admin)
    page = client.get("/staff/users/new").get_data(as_text=True)
    assert "Xã Hà Tiến" in page and "Tỉnh B" not in page and "Toàn hệ thống (" not in page


# --- Change role or unit, disable, reset ----------------------------------------------

def test_change_role_and_unit(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post(f"/staff/users/{world.officer.id}/placement",
                       data={"role": "leader", "unit": "xa-a2"})
    assert resp.status_code == 303
    officer = _get(app, world.officer.id)
    assert (officer.role, officer.unit_id) == ("leader", world.sibling.id)
    assert _audit_actions(app) == ["user.placement"]


@pytest.mark.parametrize(("data", "message"), [
    ({"role": "leader", "unit": "xa-b1"}, "Đơn vị không hợp lệ."),
    ({"role": "admin", "unit": ""}, "Chỉ quản trị toàn hệ thống mới được giao quyền"),
    ({"role": "", "unit": "xa-a1"}, "Xin chọn vai trò."),
])
def test_change_refusals(app, client, world, login, data: dict[str, str], message: str) -> None:
    login(world.admin)
    resp = client.post(f"/staff/users/{world.officer.id}/placement", data=data)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    officer = _get(app, world.officer.id)
    assert (officer.role, officer.unit_id) == ("officer", world.commune.id)
    assert _audit_actions(app) == []


def test_nobody_changes_their_own_role(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post(f"/staff/users/{world.admin.id}/placement",
                       data={"role": "viewer", "unit": "tinh-a"})
    assert resp.status_code == 422
    assert "Không thể tự đổi vai trò" in resp.get_data(as_text=True)
    assert _get(app, world.admin.id).role == "admin"


def test_disable_ends_sessions_at_once_and_enable_brings_back_logins(app, client, world,
                                                                     login) -> None:
    officer_browser = app.test_client()
    officer_browser.post("/login", data={"email": world.officer.email, "password": PASSWORD})
    assert officer_browser.get("/staff/dashboard").status_code == 200
    login(world.admin)
    resp = client.post(f"/staff/users/{world.officer.id}/disable")
    assert resp.status_code == 303
    assert "ngừng hoạt động ngay" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert officer_browser.get("/staff/dashboard").status_code == 302
    assert "Đã khoá" in client.get("/staff/users").get_data(as_text=True)

    assert client.post(f"/staff/users/{world.officer.id}/enable").status_code == 303
    assert officer_browser.get("/staff/dashboard").status_code == 302  # old session stays ended
    assert officer_browser.post("/login", data={"email": world.officer.email,
                                                "password": PASSWORD}).status_code == 302
    assert _audit_actions(app) == ["user.disable", "user.enable"]


def test_an_admin_cannot_disable_themselves(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post(f"/staff/users/{world.admin.id}/disable")
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Không thể tự khoá tài khoản của chính mình." in page
    assert _get(app, world.admin.id).active
    assert client.get("/staff/users").status_code == 200


def test_installation_admins_manage_each_other_but_never_the_last(app, client, world, login,
                                                                   installation_admin,
                                                                   runner) -> None:
    """On the pages the last active installation admin is always the one signed in, so
    the "cannot disable yourself" rule keeps it (the CLI has its own test)."""
    runner.invoke(args=["users", "create", "--email", "root2@x.vn", "--password", PASSWORD,
                        "--role", "admin"])
    root2 = _user_id(app, "root2@x.vn")
    login(installation_admin)
    assert client.post(f"/staff/users/{root2}/disable").status_code == 303
    assert not _get(app, root2).active
    refused = client.post(f"/staff/users/{installation_admin.id}/disable")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Không thể tự khoá tài khoản của chính mình." in page
    assert _get(app, installation_admin.id).active


def test_reset_shows_the_link_once_without_smtp(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post(f"/staff/users/{world.officer.id}/reset")
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Chưa cấu hình máy chủ thư" in page and "/dat-lai-mat-khau/" in page
    assert "/dat-lai-mat-khau/" not in client.get(resp.headers["Location"]).get_data(
        as_text=True)
    assert _audit_actions(app) == ["user.password_reset"]
    # Issuing a link does not end the user's sessions or change the password.
    assert app.test_client().post("/login", data={"email": world.officer.email,
                                                  "password": PASSWORD}).status_code == 302


def test_tokens_on_a_users_page(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post(f"/staff/users/{world.officer.id}/tokens",
                       data={"label": "báo cáo tỉnh", "days": "90"})
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    token = re.search(r"(fbk_[A-Za-z0-9_-]+)", page).group(1)  # type: ignore[union-attr]
    assert "báo cáo tỉnh" in page and "Còn hiệu lực" in page
    api = app.test_client()
    assert api.get("/api/v1/satisfaction?unit=xa-a1",
                   headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from feedback.models import ApiToken

    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/staff/users/{world.leader.id}/tokens/{token_id}/revoke"
                       ).status_code == 404  # not the leader's token
    assert client.post(f"/staff/users/{world.officer.id}/tokens/{token_id}/revoke"
                       ).status_code == 303
    assert api.get("/api/v1/satisfaction?unit=xa-a1",
                   headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _audit_actions(app) == ["token.create", "token.revoke"]


def test_users_forms_keep_csrf(client, world, login, csrf_on) -> None:
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"email": world.admin.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    refused = client.post(f"/staff/users/{world.officer.id}/disable")
    assert refused.status_code == 400
    assert client.get(f"/staff/users/{world.officer.id}").get_data(as_text=True).count(
        "Đang hoạt động") == 1
    page = client.get(f"/staff/users/{world.officer.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post(f"/staff/users/{world.officer.id}/disable",
                       data={"csrf_token": token}).status_code == 303
    assert "Đã khoá" in client.get(f"/staff/users/{world.officer.id}").get_data(as_text=True)


def test_an_empty_initial_password_is_refused(app, client, world, login) -> None:
    login(world.admin)
    resp = client.post("/staff/users/new", data={"email": "n@x.vn", "role": "officer",
                                                 "unit": "xa-a1", "how": "password"})
    assert resp.status_code == 422
    assert "Mật khẩu cần ít nhất 8 ký tự." in resp.get_data(as_text=True)


def test_the_new_user_form_defaults_to_an_officer_of_the_admins_unit(client, login,
                                                                      world) -> None:
    login(world.admin)
    page = client.get("/staff/users/new").get_data(as_text=True)
    assert '<option selected value="officer">' in page or \
        '<option value="officer" selected>' in page
    assert f'<option selected value="{world.province.code}">' in page or \
        f'<option value="{world.province.code}" selected>' in page
