"""Mail through a real SMTP server on loopback (aiosmtpd), and the outbox without one."""

from __future__ import annotations

import email.policy
from email import message_from_bytes
from email.header import decode_header, make_header

from sqlalchemy import func, select
from tests_support import free_port

from feedback import mail
from feedback.extensions import db
from feedback.models import MailMessage


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_sent_after_commit_through_smtp(app, ctx, smtp) -> None:
    assert mail.queue("t:1", "lanh.dao@xa.example.vn", "Cảnh báo: phiếu có phản ánh",
                      "Nội dung có dấu tiếng Việt.")
    db.session.commit()
    assert mail.deliver_pending() == 1
    assert len(smtp.messages) == 1
    rcpts, raw = smtp.messages[0]
    assert smtp.senders == ["gopy@xa.example.vn"] and rcpts == ["lanh.dao@xa.example.vn"]
    assert _subject(raw) == "Cảnh báo: phiếu có phản ánh"
    body = message_from_bytes(raw).get_payload(decode=True).decode("utf-8")
    assert "Nội dung có dấu tiếng Việt." in body
    row = db.session.scalar(select(MailMessage))
    assert row.state == "sent" and row.sent_at is not None


def test_the_same_key_is_never_sent_twice(app, ctx, smtp) -> None:
    assert mail.queue("alert:response:7:a@x.vn", "a@x.vn", "S", "B")
    assert not mail.queue("alert:response:7:a@x.vn", "a@x.vn", "S", "B")
    db.session.commit()
    assert not mail.queue("alert:response:7:a@x.vn", "a@x.vn", "S", "B")
    db.session.commit()
    mail.deliver_pending()
    mail.deliver_pending()
    assert len(smtp.messages) == 1
    assert db.session.scalar(select(func.count(MailMessage.id))) == 1


def test_a_refused_message_stays_pending_and_is_retried(app, ctx, smtp) -> None:
    smtp.refuse = True
    mail.queue("t:retry", "a@x.vn", "S", "B")
    db.session.commit()
    assert mail.deliver_pending() == 0
    row = db.session.scalar(select(MailMessage))
    assert row.state == "pending" and row.attempts == 1 and "451" in (row.last_error or "")
    smtp.refuse = False
    assert mail.deliver_pending() == 1
    assert len(smtp.messages) == 1
    db.session.refresh(row)
    assert row.state == "sent" and row.last_error is None


def test_gives_up_after_max_attempts(app, ctx, smtp) -> None:
    smtp.refuse = True
    mail.queue("t:fail", "a@x.vn", "S", "B")
    db.session.commit()
    for _ in range(mail.MAX_ATTEMPTS + 2):
        mail.deliver_pending()
    row = db.session.scalar(select(MailMessage))
    assert row.state == "failed" and row.attempts == mail.MAX_ATTEMPTS


def test_without_smtp_messages_wait_in_the_outbox(app, ctx) -> None:
    assert not mail.smtp_configured()
    mail.queue("t:outbox", "a@x.vn", "Đặt lại mật khẩu", "Liên kết: ...")
    db.session.commit()
    assert mail.deliver_pending() == 0
    row = db.session.scalar(select(MailMessage))
    assert row.state == "outbox"


def test_outbox_page_is_for_admins_of_the_unit(app, client, login, world) -> None:
    with app.app_context():
        mail.queue("t:mine", "a@x.vn", "Thư của xã A1", "B", unit_id=world.commune.id)
        mail.queue("t:theirs", "b@x.vn", "Thư của xã B1", "B", unit_id=world.stranger.id)
        db.session.commit()
    login(world.officer)
    assert client.get("/staff/outbox").status_code == 403
    client.post("/logout", data={})
    login(world.admin)  # admin of province A: sees its subtree's mail only
    page = client.get("/staff/outbox").get_data(as_text=True)
    assert "Thư của xã A1" in page and "Thư của xã B1" not in page
    assert "FEEDBACK_SMTP_HOST" in page


def test_mail_cli(app, runner, smtp) -> None:
    with app.app_context():
        mail.queue("t:cli", "a@x.vn", "Qua dòng lệnh", "B")
        db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s)." in result.output and len(smtp.messages) == 1
    listing = runner.invoke(args=["mail", "outbox", "--json"])
    assert '"state": "sent"' in listing.output


def test_a_line_break_in_a_subject_does_not_break_sending(app, ctx, smtp) -> None:
    mail.queue("t:crlf", "a@x.vn", "Cảnh báo: Xã\r\nBcc: x@evil.vn", "B")
    db.session.commit()
    assert mail.deliver_pending() == 1
    rcpts, raw = smtp.messages[0]
    assert _subject(raw) == "Cảnh báo: Xã Bcc: x@evil.vn" and rcpts == ["a@x.vn"]


def test_a_long_vietnamese_subject_arrives_word_for_word(app, ctx, smtp) -> None:
    """The standard library's default folding dropped the space at a fold."""
    subject = "Quá hạn trả lời phản ánh, kiến nghị ABC-DEFG — Xã Hoằng Ngọc, huyện Hoằng Hóa"
    mail.queue("t:long", "a@x.vn", subject, "B")
    db.session.commit()
    assert mail.deliver_pending() == 1
    parsed = message_from_bytes(smtp.messages[0][1], policy=email.policy.default)
    assert str(parsed["Subject"]) == subject


def test_an_unreachable_server_never_fails_the_caller(app, ctx) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False)
    try:
        mail.queue("t:down", "a@x.vn", "S", "B")
        db.session.commit()
        assert mail.deliver_pending() == 0
    finally:
        app.config.update(SMTP_HOST=None, SMTP_PORT=587, SMTP_STARTTLS=True)
    row = db.session.scalar(select(MailMessage))
    assert row.state == "pending" and row.attempts == 1 and "Connection" in row.last_error


def test_a_message_interrupted_mid_send_is_never_resent(app, ctx, smtp, runner) -> None:
    from datetime import UTC, datetime, timedelta

    mail.queue("t:stuck", "a@x.vn", "S", "B")
    db.session.commit()
    row = db.session.scalar(select(MailMessage))
    row.state, row.claimed_at = "sending", datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "interrupted" in result.output
    db.session.refresh(row)
    assert row.state == "failed" and smtp.messages == []
