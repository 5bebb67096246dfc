"""API tokens expire, can be revoked one by one, and stop with a disabled account."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from feedback.extensions import db
from feedback.models import ApiToken, User

API = "/api/v1/satisfaction?unit=xa-a1"


def _bearer(client, token: str) -> int:
    return client.get(API, headers={"Authorization": f"Bearer {token}"}).status_code


def _new_token(runner, email: str, *args: str) -> str:
    result = runner.invoke(args=["tokens", "create", "--email", email, *args])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_token_expires_after_its_days(app, client, runner, world) -> None:
    token = _new_token(runner, world.leader.email, "--label", "excel", "--days", "30")
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.label == "excel"
        assert timedelta(days=29, hours=23) < row.expires_at - row.created_at <= timedelta(days=30)
    assert _bearer(client, token) == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.last_used_at is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert _bearer(client, token) == 401


def test_the_default_expiry_is_configurable(app, runner, world) -> None:
    app.config["API_TOKEN_DAYS"] = 7
    try:
        _new_token(runner, world.leader.email)
    finally:
        app.config["API_TOKEN_DAYS"] = 90
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.expires_at - row.created_at <= timedelta(days=7)
        assert row.expires_at - row.created_at > timedelta(days=6)


def test_a_token_without_an_expiry_gets_the_default_from_its_creation(app, client, runner,
                                                                      world) -> None:
    """Tokens made before expiry dates existed are not valid forever."""
    token = _new_token(runner, world.leader.email)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        row.expires_at = None
        db.session.commit()
    assert _bearer(client, token) == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        row.created_at = datetime.now(UTC) - timedelta(days=91)
        db.session.commit()
    assert _bearer(client, token) == 401


def test_a_disabled_users_token_stops_at_once(app, client, runner, world) -> None:
    token = _new_token(runner, world.leader.email)
    assert _bearer(client, token) == 200
    assert runner.invoke(args=["users", "disable", "--email", world.leader.email]).exit_code == 0
    assert _bearer(client, token) == 401


def test_bad_days_are_refused(runner, world) -> None:
    result = runner.invoke(args=["tokens", "create", "--email", world.leader.email,
                                 "--days", "0"])
    assert result.exit_code != 0


def test_own_tokens_from_the_account_page(app, client, world, login) -> None:
    login(world.officer)
    resp = client.post("/staff/account/tokens", data={"label": "máy bảng", "days": "10"})
    assert resp.status_code == 303
    page = client.get("/staff/account").get_data(as_text=True)
    token = re.search(r"(fbk_[A-Za-z0-9_-]+)", page).group(1)  # type: ignore[union-attr]
    assert "máy bảng" in page and "Còn hiệu lực" in page
    # Shown once: the next page view no longer carries it.
    assert token not in client.get("/staff/account").get_data(as_text=True)
    assert _bearer(app.test_client(), token) == 200

    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/staff/account/tokens/{token_id}/revoke").status_code == 303
    assert "Đã thu hồi" in client.get("/staff/account").get_data(as_text=True)
    assert _bearer(app.test_client(), token) == 401


def test_someone_elses_token_cannot_be_revoked_from_ones_account(app, client, runner, world,
                                                                 login) -> None:
    token = _new_token(runner, world.leader.email)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    login(world.officer)
    assert client.post(f"/staff/account/tokens/{token_id}/revoke").status_code == 404
    assert _bearer(app.test_client(), token) == 200


def test_token_form_errors_are_clear(client, world, login) -> None:
    login(world.officer)
    resp = client.post("/staff/account/tokens", data={"label": "x" * 101, "days": "0"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Tên gợi nhớ dài quá 100 ký tự." in page and "Số ngày từ 1 đến 3660." in page


def test_a_disabled_user_gets_no_new_token(app, runner, world) -> None:
    with app.app_context():
        db.session.get(User, world.leader.id).active = False
        db.session.commit()
    result = runner.invoke(args=["tokens", "create", "--email", world.leader.email])
    assert result.exit_code != 0 and "disabled" in result.output
