"""`feedback users ...` and `feedback tokens create`: the same rules as the pages."""

from __future__ import annotations

import json
from email import message_from_bytes

from sqlalchemy import select

from feedback.extensions import db
from feedback.models import AuditEvent, MailMessage, User


def _run(runner, *args: str):
    return runner.invoke(args=list(args))


def test_users_list_json_has_exactly_the_contract_keys(app, runner, client, world, login,
                                                       installation_admin) -> None:
    login(world.leader)
    rows = json.loads(_run(runner, "users", "list", "--json").output)
    assert all(list(r) == ["email", "role", "unit", "active", "last_login"] for r in rows)
    by_email = {r["email"]: r for r in rows}
    assert set(by_email) == {"root@x.vn", "admin@x.vn", "viewer@x.vn", "leader@x.vn",
                             "officer@x.vn", "leader@b.vn"}
    assert by_email["root@x.vn"]["unit"] is None
    assert by_email["leader@x.vn"]["unit"] == "xa-a1"
    assert by_email["leader@x.vn"]["active"] is True
    from datetime import datetime
    assert datetime.fromisoformat(by_email["leader@x.vn"]["last_login"]).tzinfo is not None
    assert by_email["officer@x.vn"]["last_login"] is None


def test_users_list_text(runner, world) -> None:
    out = _run(runner, "users", "list").output
    assert "leader@b.vn" in out and "xa-b1" in out and "active" in out


def test_disable_and_enable(app, runner, world) -> None:
    result = _run(runner, "users", "disable", "--email", "Officer@X.vn")
    assert result.exit_code == 0 and "Disabled officer@x.vn" in result.output
    with app.app_context():
        officer = db.session.get(User, world.officer.id)
        assert not officer.active and officer.session_version == 2
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.disable"))
        assert event.actor_id is None and event.target == "officer@x.vn"
        assert event.unit_id == world.commune.id
    assert _run(runner, "users", "enable", "--email", "officer@x.vn").exit_code == 0
    rows = json.loads(_run(runner, "users", "list", "--json").output)
    assert {r["email"]: r["active"] for r in rows}["officer@x.vn"] is True


def test_unknown_email_is_an_error(runner, world) -> None:
    for args in (["disable"], ["reset-password"], ["set-role", "--role", "viewer"]):
        result = _run(runner, "users", *args, "--email", "ghost@x.vn")
        assert result.exit_code != 0 and "no user" in result.output


def test_set_role(app, runner, world) -> None:
    result = _run(runner, "users", "set-role", "--email", "officer@x.vn", "--role", "leader")
    assert result.exit_code == 0 and "leader of xa-a1" in result.output
    moved = _run(runner, "users", "set-role", "--email", "officer@x.vn", "--role", "viewer",
                 "--unit", "tinh-b")
    assert moved.exit_code == 0
    with app.app_context():
        officer = db.session.get(User, world.officer.id)
        assert (officer.role, officer.unit.code) == ("viewer", "tinh-b")
        details = db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "user.placement").order_by(AuditEvent.id)).all()
    assert details == ["officer@xa-a1 → leader@xa-a1", "leader@xa-a1 → viewer@tinh-b"]


def test_set_role_refusals(runner, world) -> None:
    for args, message in [
        (["--role", "leader", "--installation"], "needs a unit"),
        (["--role", "leader", "--unit", "nope"], "no unit"),
        (["--role", "admin", "--unit", "xa-a1", "--installation"], "exclude each other"),
        (["--role", "king"], "Invalid value"),
    ]:
        result = _run(runner, "users", "set-role", "--email", "officer@x.vn", *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)


def test_the_last_installation_admin_stays(app, runner, world, installation_admin) -> None:
    refused = _run(runner, "users", "disable", "--email", "root@x.vn")
    assert refused.exit_code != 0 and "last active installation admin" in refused.output
    demoted = _run(runner, "users", "set-role", "--email", "root@x.vn", "--role", "admin",
                   "--unit", "tinh-a")
    assert demoted.exit_code != 0 and "last active installation admin" in demoted.output
    # With a second installation admin, the first may go.
    assert _run(runner, "users", "create", "--email", "root2@x.vn", "--password",
                "longenough", "--role", "admin").exit_code == 0
    assert _run(runner, "users", "disable", "--email", "root@x.vn").exit_code == 0


def test_create_installation_admin_only_as_admin(runner, world) -> None:
    result = _run(runner, "users", "create", "--email", "v@x.vn", "--password", "longenough",
                  "--role", "viewer")
    assert result.exit_code != 0 and "needs a unit" in result.output
    ok = _run(runner, "users", "create", "--email", "root@x.vn", "--password", "longenough",
              "--role", "admin")
    assert ok.exit_code == 0 and "the installation" in ok.output


def test_reset_password_prints_the_link_without_smtp(app, runner, client, world) -> None:
    result = _run(runner, "users", "reset-password", "--email", "officer@x.vn")
    assert result.exit_code == 0
    link = result.output.strip()
    assert link.startswith("http://127.0.0.1:5000/dat-lai-mat-khau/")
    path = link.removeprefix("http://127.0.0.1:5000")
    assert client.post(path, data={"password": "new password", "confirm": "new password"}
                       ).status_code == 303
    assert client.post(path, data={"password": "new password", "confirm": "new password"}
                       ).status_code == 410


def test_reset_password_is_mailed_with_smtp(app, runner, world, smtp) -> None:
    result = _run(runner, "users", "reset-password", "--email", "officer@x.vn")
    assert result.exit_code == 0 and result.output.strip() == "sent to officer@x.vn"
    assert len(smtp.messages) == 1
    rcpts, raw = smtp.messages[0]
    assert rcpts == ["officer@x.vn"]
    body = message_from_bytes(raw).get_payload(decode=True).decode("utf-8")
    assert "http://127.0.0.1:5000/dat-lai-mat-khau/" in body
    with app.app_context():
        assert db.session.scalar(select(MailMessage.state)) == "sent"


def test_reset_password_of_a_disabled_account_is_refused(runner, world) -> None:
    _run(runner, "users", "disable", "--email", "officer@x.vn")
    result = _run(runner, "users", "reset-password", "--email", "officer@x.vn")
    assert result.exit_code != 0 and "disabled" in result.output
