"""Login, logout, roles and unit scope: another unit's data is never reachable."""

from __future__ import annotations

import re

import pytest
from tests_support import PASSWORD


@pytest.mark.parametrize(("email", "password", "message"), [
    ("", "", "Xin nhập thư điện tử."),
    ("leader@x.vn", "wrong password", "không đúng"),
    ("nobody@x.vn", PASSWORD, "không đúng"),
    ("not-an-email", PASSWORD, "không hợp lệ"),
])
def test_login_errors_are_clear(client, world, email: str, password: str, message: str) -> None:
    resp = client.post("/login", data={"email": email, "password": password})
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)


def test_login_then_logout(client, world, login) -> None:
    login(world.leader)
    assert client.get("/staff/dashboard").status_code == 200
    assert client.post("/logout").status_code == 302
    resp = client.get("/staff/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize(("target", "expected"), [
    ("/staff/responses", "/staff/responses"),
    ("https://evil.example/", "/staff/dashboard"),
    ("//evil.example/", "/staff/dashboard"),
    ("/\\evil.example", "/staff/dashboard"),
    ("javascript:alert(1)", "/staff/dashboard"),
])
def test_next_is_local_only(client, world, target: str, expected: str) -> None:
    resp = client.post("/login", query_string={"next": target},
                       data={"email": world.leader.email, "password": PASSWORD})
    assert resp.headers["Location"] == expected


def test_login_is_rate_limited(app, client, world) -> None:
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    try:
        codes = [client.post("/login", data={"email": "a@b.vn", "password": "x"}).status_code
                 for _ in range(3)]
    finally:
        app.config["RATELIMIT_LOGIN"] = "10000 per minute"
    assert codes == [200, 200, 429]


def test_login_form_keeps_csrf(client, world, csrf_on) -> None:
    resp = client.post("/login", data={"email": world.leader.email, "password": PASSWORD})
    assert resp.status_code == 400  # no token: refused kindly, not logged in
    assert "Phiên làm việc đã hết hạn" in resp.get_data(as_text=True)
    assert client.get("/staff/dashboard").status_code == 302
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = client.post("/login", data={"email": world.leader.email, "password": PASSWORD,
                                       "csrf_token": token})
    assert resp.status_code == 302


STAFF_PAGES = ["/staff/dashboard", "/staff/responses", "/staff/counters", "/staff/paper",
               "/staff/responses.csv", "/staff/charts/trend.png"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_need_login(client, world, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("path", [
    "/staff/dashboard?unit={code}", "/staff/responses?unit={code}",
    "/staff/counters?unit={code}", "/staff/responses.xlsx?unit={code}",
    "/staff/charts/trend.png?unit={code}", "/staff/units/{code}/posters.pdf",
    "/api/v1/satisfaction?unit={code}",
])
def test_other_units_are_not_found(client, world, login, path: str) -> None:
    login(world.leader)
    resp = client.get(path.format(code=world.sibling.code))
    assert resp.status_code == 404
    assert world.sibling.name not in resp.get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["qr.png", "qr.svg", "poster.pdf"])
def test_other_units_counters_are_not_found(client, world, login, suffix: str) -> None:
    login(world.leader)
    assert client.get(f"/staff/counters/{world.sibling_counter.id}/{suffix}").status_code == 404
    assert client.get(f"/staff/counters/{world.counter.id}/{suffix}").status_code == 200


def test_province_viewer_sees_its_communes_only(client, world, login) -> None:
    login(world.viewer)
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert world.commune.name in page and world.sibling.name in page
    assert world.stranger.name not in page
    assert client.get(f"/staff/dashboard?unit={world.sibling.code}").status_code == 200
    assert client.get(f"/staff/dashboard?unit={world.stranger.code}").status_code == 404


@pytest.mark.parametrize(("role", "status"), [
    ("viewer", 403), ("officer", 403), ("leader", 303), ("admin", 303),
])
def test_only_leaders_and_admins_reissue(client, world, login, role: str, status: int) -> None:
    login(getattr(world, role))
    assert client.post(f"/staff/counters/{world.counter.id}/reissue").status_code == status


def test_viewer_cannot_enter_paper_forms(client, world, login) -> None:
    login(world.viewer)
    assert client.get("/staff/paper").status_code == 403


def test_passwords_are_hashed(app, world) -> None:
    from sqlalchemy import select

    from feedback.extensions import db
    from feedback.models import User

    with app.app_context():
        hashes = db.session.scalars(select(User.password_hash)).all()
    assert hashes and all(PASSWORD not in h and h.startswith(("pbkdf2:", "scrypt:"))
                          for h in hashes)
