"""Session versions: logout, disabling and a password change end sessions on the server."""

from __future__ import annotations

import pytest
from tests_support import PASSWORD

from feedback.extensions import db
from feedback.models import AuditEvent, User


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_cookie_copied_before_logout_is_refused(client, fresh_client, world, login) -> None:
    login(world.leader)
    copied = _session_cookie(client)
    assert client.post("/logout").status_code == 302

    thief = fresh_client()
    thief.set_cookie("session", copied)
    resp = thief.get("/staff/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_the_same_cookie_works_until_logout(client, fresh_client, world, login) -> None:
    """The control for the test above: a copy made without a logout still loads the user."""
    login(world.leader)
    copy = fresh_client()
    copy.set_cookie("session", _session_cookie(client))
    assert copy.get("/staff/dashboard").status_code == 200


def test_login_records_last_login(app, client, world, login, reload_user) -> None:
    assert reload_user(world.leader).last_login_at is None
    login(world.leader)
    first = reload_user(world.leader).last_login_at
    assert first is not None and first.tzinfo is not None
    assert reload_user(world.officer).last_login_at is None


def test_a_failed_login_records_nothing(client, world, reload_user) -> None:
    client.post("/login", data={"email": world.leader.email, "password": "wrong password"})
    assert reload_user(world.leader).last_login_at is None


def test_a_disabled_users_next_request_is_refused(app, client, world, login) -> None:
    login(world.officer)
    assert client.get("/staff/dashboard").status_code == 200
    with app.app_context():
        from feedback.users.services import set_active

        set_active(None, db.session.get(User, world.officer.id), False)
    resp = client.get("/staff/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    again = client.post("/login", data={"email": world.officer.email, "password": PASSWORD})
    assert again.status_code == 200 and "không đúng" in again.get_data(as_text=True)


def test_changing_the_password_keeps_this_session_and_ends_the_others(
        app, client, fresh_client, world, login, reload_user) -> None:
    login(world.leader)
    other_device = fresh_client()
    other_device.set_cookie("session", _session_cookie(client))
    assert other_device.get("/staff/dashboard").status_code == 200

    resp = client.post("/staff/account/password", data={
        "current": PASSWORD, "password": "a new password", "confirm": "a new password"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/staff/account")
    assert "Đã đổi mật khẩu" in client.get("/staff/account").get_data(as_text=True)
    assert client.get("/staff/dashboard").status_code == 200
    assert other_device.get("/staff/dashboard").status_code == 302

    client.post("/logout")
    old = client.post("/login", data={"email": world.leader.email, "password": PASSWORD})
    assert old.status_code == 200
    new = client.post("/login", data={"email": world.leader.email, "password": "a new password"})
    assert new.status_code == 302
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="user.password").count() == 1


def test_a_wrong_current_password_changes_nothing(client, world, login, reload_user) -> None:
    login(world.leader)
    before = reload_user(world.leader)
    resp = client.post("/staff/account/password", data={
        "current": "not my password", "password": "a new password",
        "confirm": "a new password"})
    assert resp.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in resp.get_data(as_text=True)
    after = reload_user(world.leader)
    assert (after.password_hash, after.session_version) == (before.password_hash,
                                                            before.session_version)
    assert client.get("/staff/dashboard").status_code == 200


def test_new_passwords_must_match_and_be_long_enough(client, world, login) -> None:
    login(world.leader)
    mismatch = client.post("/staff/account/password", data={
        "current": PASSWORD, "password": "a new password", "confirm": "another one"})
    assert "Hai lần nhập mật khẩu không giống nhau." in mismatch.get_data(as_text=True)
    short = client.post("/staff/account/password", data={
        "current": PASSWORD, "password": "short", "confirm": "short"})
    assert "Mật khẩu cần từ 8 đến 200 ký tự." in short.get_data(as_text=True)
    assert mismatch.status_code == short.status_code == 422


@pytest.mark.parametrize("session_id", ["99999999999999999999:1", "１:1", "1:²", "-1:1", ":",
                                        "0:1", "2147483648:1"])
def test_an_odd_session_user_id_loads_nobody(app, client, world, session_id) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True
    resp = client.get("/staff/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("payload", [[2**70, 1], [1, 2**70], [0, 1], [True, 1], ["1", 1]])
def test_an_odd_signed_reset_payload_is_refused_not_a_500(app, client, world, payload) -> None:
    from feedback.auth.services import _reset_serializer

    with app.test_request_context():
        token = _reset_serializer().dumps(payload)
    resp = client.get(f"/dat-lai-mat-khau/{token}")
    assert resp.status_code == 410
