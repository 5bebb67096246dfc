"""The one-time password link: 24 hours, one use, signed; mailed or in the outbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from tests_support import PASSWORD

from feedback.auth import services
from feedback.extensions import db
from feedback.models import MailMessage, User


def _link_for(app, user: User) -> str:
    with app.app_context():
        return services.reset_link(db.session.get(User, user.id))


def _path(link: str) -> str:
    assert link.startswith("http://127.0.0.1:5000/dat-lai-mat-khau/")
    return link.removeprefix("http://127.0.0.1:5000")


def test_the_link_sets_a_new_password_once(app, client, world) -> None:
    path = _path(_link_for(app, world.officer))
    page = client.get(path)
    assert page.status_code == 200 and world.officer.email in page.get_data(as_text=True)
    resp = client.post(path, data={"password": "brand new pass", "confirm": "brand new pass"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/login")
    assert "Đã đặt mật khẩu mới" in client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"email": world.officer.email,
                                       "password": "brand new pass"}).status_code == 302

    second = client.post(path, data={"password": "third password", "confirm": "third password"})
    assert second.status_code == 410
    assert "đã được dùng" in second.get_data(as_text=True)
    assert client.get(path).status_code == 410
    client.post("/logout")
    assert client.post("/login", data={"email": world.officer.email,
                                       "password": "third password"}).status_code == 200


def test_using_the_link_ends_the_users_sessions(app, client, fresh_client, world,
                                                login) -> None:
    login(world.officer)
    path = _path(_link_for(app, world.officer))
    other = fresh_client()
    other.post(path, data={"password": "brand new pass", "confirm": "brand new pass"})
    assert client.get("/staff/dashboard").status_code == 302


def test_an_expired_link_is_refused(app, client, world, monkeypatch) -> None:
    path = _path(_link_for(app, world.officer))
    monkeypatch.setattr(services, "RESET_MAX_AGE", -1)
    resp = client.post(path, data={"password": "brand new pass", "confirm": "brand new pass"})
    assert resp.status_code == 410 and "quá 24 giờ" in resp.get_data(as_text=True)


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "WzEsMV0.aaaa.bbbb"])
def test_a_forged_link_is_refused(client, world, token: str) -> None:
    resp = client.get(f"/dat-lai-mat-khau/{token}")
    assert resp.status_code == 410 and "Liên kết không đúng" in resp.get_data(as_text=True)


def test_a_link_of_another_purpose_is_refused(app, client, world) -> None:
    """Same secret, another salt: a signature made for something else never resets."""
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"]).dumps([world.officer.id, 1])
    assert client.get(f"/dat-lai-mat-khau/{forged}").status_code == 410


def test_a_disabled_account_cannot_use_its_link(app, client, world) -> None:
    path = _path(_link_for(app, world.officer))
    with app.app_context():
        from feedback.users.services import set_active

        set_active(None, db.session.get(User, world.officer.id), False)
    assert client.get(path).status_code == 410


def test_bad_new_passwords_change_nothing(app, client, world) -> None:
    path = _path(_link_for(app, world.officer))
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "Mật khẩu cần từ 8 đến 200 ký tự." in short.get_data(as_text=True)
    mismatch = client.post(path, data={"password": "long enough", "confirm": "long enougH"})
    assert "Hai lần nhập mật khẩu không giống nhau." in mismatch.get_data(as_text=True)
    # The link still works: nothing was used up.
    ok = client.post(path, data={"password": "long enough", "confirm": "long enough"})
    assert ok.status_code == 303
    assert client.post("/login", data={"email": world.officer.email,
                                       "password": PASSWORD}).status_code == 200


def test_the_reset_page_keeps_csrf(app, client, world, csrf_on) -> None:
    path = _path(_link_for(app, world.officer))
    refused = client.post(path, data={"password": "brand new pass", "confirm": "brand new pass"})
    assert refused.status_code == 400
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    ok = client.post(path, data={"password": "brand new pass", "confirm": "brand new pass",
                                 "csrf_token": token})
    assert ok.status_code == 303


def test_the_reset_request_lands_in_the_outbox_without_smtp(app, runner, world) -> None:
    result = runner.invoke(args=["users", "reset-password", "--email", world.officer.email])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    _path(link)
    with app.app_context():
        rows = db.session.scalars(select(MailMessage)).all()
    assert len(rows) == 1 and rows[0].state == "outbox"
    assert rows[0].recipient == world.officer.email and link in rows[0].body
    assert rows[0].unit_id == world.commune.id
