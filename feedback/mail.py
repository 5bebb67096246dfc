"""One way to send mail: queued in the database with the use case, sent after the commit.

`queue` inserts a message under a unique key inside the caller's transaction (a second
`queue` of the same key does nothing: an alert or a reminder is never sent twice).
`deliver_pending` runs after the commit: it claims each pending message with a
conditional UPDATE before sending, so two workers never send the same one. Without SMTP
settings messages stay in the `outbox` state, readable by admins on `/staff/outbox`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from feedback.extensions import db
from feedback.models import MailMessage

MAX_ATTEMPTS = 5


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def queue(key: str, recipient: str, subject: str, body: str, *,
          unit_id: int | None = None) -> bool:
    """Add a message to the caller's transaction; False if this key was queued before."""
    values = {
        "key": key[:200], "recipient": recipient, "subject": subject[:300], "body": body,
        "unit_id": unit_id, "state": "pending" if smtp_configured() else "outbox",
        "attempts": 0, "created_at": datetime.now(UTC),
    }
    dialect = db.session.get_bind().dialect.name
    stmt: object
    if dialect == "postgresql":
        stmt = postgresql.insert(MailMessage).values(**values).on_conflict_do_nothing(
            index_elements=["key"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(MailMessage).values(**values).on_conflict_do_nothing(
            index_elements=["key"])
    else:  # pragma: no cover - other databases are not supported
        if db.session.scalar(select(MailMessage.id).where(MailMessage.key == values["key"])):
            return False
        stmt = insert(MailMessage).values(**values)
    result = db.session.execute(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)  # type: ignore[attr-defined]


def queue_many(key_prefix: str, recipients: Iterable[str], subject: str, body: str, *,
               unit_id: int | None = None) -> int:
    """The same message to several people, each under its own key."""
    return sum(queue(f"{key_prefix}:{r}", r, subject, body, unit_id=unit_id)
               for r in sorted(set(recipients)))


def _message(row: MailMessage) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["SMTP_FROM"]
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Message-ID"] = make_msgid(domain=current_app.config["SMTP_FROM"].rpartition("@")[2]
                                   or None)
    msg.set_content(row.body)
    return msg


def _send(messages: list[EmailMessage]) -> None:
    cfg = current_app.config
    with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]),
                      timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        for msg in messages:
            smtp.send_message(msg)


def deliver_pending(limit: int = 100) -> int:
    """Send what is pending (call after the commit that queued it); returns how many were
    sent. A failure leaves the message pending for the next call, up to MAX_ATTEMPTS."""
    if not smtp_configured():
        return 0
    ids = list(db.session.scalars(
        select(MailMessage.id).where(MailMessage.state == "pending")
        .order_by(MailMessage.created_at).limit(limit)))
    sent = 0
    for message_id in ids:
        claimed = db.session.execute(
            update(MailMessage).where(MailMessage.id == message_id,
                                      MailMessage.state == "pending")
            .values(state="sending", attempts=MailMessage.attempts + 1))
        db.session.commit()
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue  # another worker has it
        row = db.session.get(MailMessage, message_id)
        if row is None:  # pragma: no cover - messages are never deleted
            continue
        try:
            _send([_message(row)])
        except (OSError, smtplib.SMTPException) as exc:
            row.state = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
            row.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
        else:
            row.state, row.sent_at, row.last_error = "sent", datetime.now(UTC), None
            sent += 1
        db.session.commit()
    return sent


def outbox(unit_ids: set[int] | None, *, limit: int = 200) -> list[MailMessage]:
    """Newest first. `unit_ids` None: every message (the installation's admin); else the
    messages about those units."""
    stmt = select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    if unit_ids is not None:
        stmt = stmt.where(MailMessage.unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt.limit(limit)))
