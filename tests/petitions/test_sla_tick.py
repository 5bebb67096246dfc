"""`feedback sla tick`: digests to assignees, escalations to the unit's leaders, reminders
of unclassified petitions — each message once, to the right people only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from staff_support import act

from feedback.extensions import db
from feedback.models import MailMessage, Petition, User
from feedback.petitions import clock, services, sla

# Monday 2 March 2026, 08:30 local: reply due Monday 16 March; classify due 4 March.
MONDAY = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
PHONE = "0912345678"


def _act(app: Flask, code: str, action: str, who: User, **fields: Any) -> Petition:
    return act(app, code, action, who, now=MONDAY, **fields)


def _assigned(app: Flask, world: Any, petition: Any, **fields: Any) -> Petition:
    p = petition(world.commune, received_at=MONDAY, **fields)
    return _act(app, p.code, "accept", world.leader, category="1",
                assignee=str(world.officer.id))


def _mails(app: Flask) -> list[MailMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(MailMessage).where(
            MailMessage.key.like("sla:%")).order_by(MailMessage.id)))
        db.session.expunge_all()
        return rows


def _to(mails: list[MailMessage], who: str) -> list[MailMessage]:
    return [m for m in mails if m.recipient == who]


def test_tick_mails_digest_escalations_and_reminders_once(
        app: Flask, runner: FlaskCliRunner, world: Any, petition: Any) -> None:
    handled = _assigned(app, world, petition)
    unclassified = petition(world.commune, received_at=MONDAY)
    elsewhere = petition(world.stranger, received_at=MONDAY)
    fresh = petition(world.commune)  # received now: nothing is due yet
    result = runner.invoke(args=["sla", "tick"])
    assert result.exit_code == 0, result.output
    today, working = _today(app)  # the command runs on the real clock
    assert (f"{int(working)} thư nhắc việc, 3 thư báo quá hạn, 2 thư nhắc phân loại"
            in result.output)
    assert "hộp thư đi" in result.output  # no SMTP: the outbox
    mails = _mails(app)
    assert all(m.state == "outbox" for m in mails)

    digests = _to(mails, "officer@x.vn")
    assert len(digests) == working  # none on a day off
    for digest in digests:
        assert digest.key == f"sla:digest:{world.officer.id}:{today.isoformat()}"
        assert services.show_code(handled) in digest.body
        assert digest.subject.startswith("Phản ánh, kiến nghị cần trả lời: 1 quá hạn, 0 sắp")
        assert services.show_code(unclassified) not in digest.body

    leader = _to(mails, "leader@x.vn")
    assert (f"Quá hạn trả lời phản ánh, kiến nghị {services.show_code(handled)} — "
            "Xã Hoằng Ngọc") in {m.subject for m in leader}
    assert sorted(m.key for m in leader) == sorted([
        f"sla:overdue:{handled.code}:2026-03-16:leader@x.vn",
        f"sla:overdue:{unclassified.code}:2026-03-16:leader@x.vn",
        f"sla:classify:{unclassified.code}:2026-03-04:leader@x.vn"])
    stranger = _to(mails, "leader@b.vn")
    assert {m.key.split(":")[2] for m in stranger} == {elsewhere.code}
    assert not _to(mails, "admin@x.vn")  # the commune has a leader of its own
    assert all(fresh.code not in m.key for m in mails)
    for m in mails:  # what to act on, and no more personal data than that
        assert PHONE not in m.body and "Nguyễn Văn An" not in m.body
        assert m.unit_id is not None

    again = runner.invoke(args=["sla", "tick"])
    assert again.exit_code == 0
    assert "0 thư nhắc việc, 0 thư báo quá hạn, 0 thư nhắc phân loại" in again.output
    assert len(_mails(app)) == len(mails)


def test_a_working_day_digest_lists_the_assignees_work_only(
        app: Flask, world: Any, petition: Any) -> None:
    """The command above runs on the real clock, so on a weekend it sends no digest; this
    pins a working day (Tuesday 17 March 2026, the day after the reply date)."""
    handled = _assigned(app, world, petition)
    unclassified = petition(world.commune, received_at=MONDAY)
    with app.app_context():
        result = sla.tick(now=datetime(2026, 3, 17, 2, 0, tzinfo=UTC))
    assert result.digests == 1
    [digest] = _to(_mails(app), "officer@x.vn")
    assert digest.key == f"sla:digest:{world.officer.id}:2026-03-17"
    assert digest.subject.startswith("Phản ánh, kiến nghị cần trả lời: 1 quá hạn, 0 sắp")
    assert services.show_code(handled) in digest.body
    assert services.show_code(unclassified) not in digest.body


def _today(app: Flask) -> tuple[date, bool]:
    with app.app_context():
        today = clock.today()
        return today, clock.calendar().is_working_day(today)


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_tick_sends_over_smtp_and_never_twice(
        app: Flask, runner: FlaskCliRunner, world: Any, petition: Any, smtp: Any) -> None:
    handled = _assigned(app, world, petition)
    before = len(smtp.messages)  # the acknowledgement of filing, if any
    result = runner.invoke(args=["sla", "tick"])
    assert result.exit_code == 0, result.output
    _, working = _today(app)
    assert f"Đã gửi {1 + working} thư." in result.output
    sent = smtp.messages[before:]
    assert sorted(r for rcpts, _ in sent for r in rcpts) == (
        ["leader@x.vn", "officer@x.vn"] if working else ["leader@x.vn"])
    escalation = next(_parse(raw) for rcpts, raw in sent if rcpts == ["leader@x.vn"])
    body = escalation.get_content()
    # (Python 3.11 drops the space where it folds a long encoded subject: compare words.)
    assert services.show_code(handled) in escalation["Subject"]
    assert escalation["Subject"].startswith("Quá hạn trả lời")
    assert "Hạn trả lời: 16/03/2026" in body
    assert "Cán bộ xử lý: officer@x.vn" in body
    assert all(m.state == "sent" for m in _mails(app))
    again = runner.invoke(args=["sla", "tick"])
    assert again.exit_code == 0 and "Đã gửi 0 thư." in again.output
    assert len(smtp.messages) == before + 1 + working


def test_a_unit_without_leaders_escalates_to_its_nearest_ancestors(
        app: Flask, world: Any, petition: Any) -> None:
    p = petition(world.sibling, received_at=MONDAY)  # xa-a2 has no staff of its own
    with app.app_context():
        result = sla.tick()
    assert (result.escalations, result.classify_reminders, result.digests) == (1, 1, 0)
    mails = _mails(app)
    assert {m.recipient for m in mails} == {"admin@x.vn"}  # the province's admin
    assert all(p.code in m.key for m in mails)


def test_no_one_to_tell_is_counted(app: Flask, world: Any, petition: Any) -> None:
    with app.app_context():
        for user in db.session.scalars(select(User).where(User.unit_id == world.stranger.id)):
            user.active = False
        db.session.commit()
    petition(world.stranger, received_at=MONDAY)
    with app.app_context():
        result = sla.tick()
    assert (result.escalations, result.without_recipient) == (0, 1)


def test_due_soon_goes_to_the_digest_only(app: Flask, world: Any, petition: Any) -> None:
    handled = _assigned(app, world, petition)
    # Friday 13 March 2026: due Monday the 16th, one working day left; nothing overdue.
    friday = datetime(2026, 3, 13, 3, 0, tzinfo=UTC)
    with app.app_context():
        result = sla.tick(now=friday)
    assert (result.digests, result.escalations, result.classify_reminders) == (1, 0, 0)
    (digest,) = _mails(app)
    assert digest.key == f"sla:digest:{world.officer.id}:2026-03-13"
    assert "0 quá hạn, 1 sắp đến hạn (13/03/2026)" in digest.subject
    assert "còn 1 ngày làm việc" in digest.body and services.show_code(handled) in digest.body
    # On Saturday the 14th (a day off) there is no digest; ten days earlier it is not due
    # soon: no digest either.
    with app.app_context():
        assert sla.tick(now=datetime(2026, 3, 14, 3, 0, tzinfo=UTC)).digests == 0
    with app.app_context():
        assert sla.tick(now=datetime(2026, 3, 3, 3, 0, tzinfo=UTC)).digests == 0


def test_waiting_for_the_citizen_is_not_due_soon(app: Flask, world: Any,
                                                 petition: Any) -> None:
    handled = _assigned(app, world, petition)
    with app.app_context():
        p = db.session.scalar(select(Petition).where(Petition.code == handled.code))
        services.act(p, "wait", db.session.get(User, world.officer.id),
                     {"note": "Xin bản chụp giấy hẹn"},
                     now=datetime(2026, 3, 12, 3, 0, tzinfo=UTC))
        result = sla.tick(now=datetime(2026, 3, 13, 3, 0, tzinfo=UTC))
    assert result.digests == 0


def test_an_extension_escalates_again_when_overdue_again(
        app: Flask, world: Any, petition: Any) -> None:
    handled = _assigned(app, world, petition)
    with app.app_context():
        assert sla.tick().escalations == 1
    extended = _act(app, handled.code, "extend", world.leader, reason="Cần xác minh")
    assert extended.reply_due == date(2026, 3, 30)
    with app.app_context():
        assert sla.tick().escalations == 1
    keys = [m.key for m in _mails(app) if m.key.startswith("sla:overdue:")]
    assert keys == [f"sla:overdue:{handled.code}:2026-03-16:leader@x.vn",
                    f"sla:overdue:{handled.code}:2026-03-30:leader@x.vn"]


def test_a_gop_y_says_it_is_outside_the_rate(app: Flask, world: Any, petition: Any) -> None:
    gop_y = petition(world.commune, received_at=MONDAY, sender_name="", sender_phone=None)
    assert gop_y.kind == "gop_y"
    with app.app_context():
        sla.tick()
    escalation = next(m for m in _mails(app) if m.key.startswith("sla:overdue:"))
    assert escalation.subject.startswith("Quá hạn trả lời góp ý")
    assert "không tính vào tỷ lệ đúng hạn" in escalation.body


def test_overdue_over_a_weekend_is_escalated_on_the_weekend(
        app: Flask, world: Any, petition: Any) -> None:
    """Received Friday 6 March 2026: reply due Friday the 20th. On Saturday the 21st no
    working day has passed since, but the inbox and the figures call it overdue, and so
    does the tick: the leaders hear of it that day, not on Monday (and not after Tết)."""
    p = petition(world.commune, received_at=datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    assert p.reply_due == date(2026, 3, 20)
    with app.app_context():
        result = sla.tick(now=datetime(2026, 3, 21, 3, 0, tzinfo=UTC))
    assert (result.escalations, result.digests) == (1, 0)
    escalation = next(m for m in _mails(app) if m.key.startswith("sla:overdue:"))
    assert "Hạn trả lời: 20/03/2026 (quá 1 ngày làm việc)" in escalation.body
