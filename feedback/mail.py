"""One way to send mail: queued in the database with the use case, sent after the commit.

`queue` inserts a message under a unique key inside the caller's transaction (a second
`queue` of the same key does nothing: an alert or a reminder is never sent twice).
`deliver_pending` runs after the commit: it claims each pending message with a
conditional UPDATE before sending, so two workers never send the same one. Without SMTP
settings messages stay in the `outbox` state, readable by admins on `/staff/outbox`.
"""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from feedback.extensions import db
from feedback.models import MailAttachment, MailMessage

MAX_ATTEMPTS = 5


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    content: bytes


def queue(key: str, recipient: str, subject: str, body: str, *,
          unit_id: int | None = None, attachments: Sequence[Attachment] = ()) -> bool:
    """Add a message to the caller's transaction; False if this key was queued before."""
    values = {
        "key": key[:200], "recipient": recipient, "subject": subject[:300], "body": body,
        "unit_id": unit_id, "state": "pending" if smtp_configured() else "outbox",
        "attempts": 0, "created_at": datetime.now(UTC),
    }
    dialect = db.session.get_bind().dialect.name
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"mail.queue does not support {dialect}")
    stmt = insert(MailMessage).values(**values).on_conflict_do_nothing(index_elements=["key"])
    # RETURNING yields the new id, or no row when the key was queued before (rowcount is
    # not reliable for ON CONFLICT DO NOTHING across drivers).
    message_id = db.session.scalar(stmt.returning(MailMessage.id))
    if message_id is None:
        return False
    db.session.add_all(MailAttachment(message_id=message_id, filename=a.filename,
                                      mimetype=a.mimetype, content=a.content)
                       for a in attachments)
    return True


def queue_many(key_prefix: str, recipients: Iterable[str], subject: str, body: str, *,
               unit_id: int | None = None, attachments: Sequence[Attachment] = ()) -> int:
    """The same message to several people, each under its own key."""
    return sum(queue(f"{key_prefix}:{r}", r, subject, body, unit_id=unit_id,
                     attachments=attachments)
               for r in sorted(set(recipients)))


def queued(keys: Iterable[str]) -> set[str]:
    """Which of `keys` were queued before: lets a caller skip building what it would send
    (a report's draft) when every message is already there."""
    wanted = [k[:200] for k in keys]
    return set(db.session.scalars(select(MailMessage.key).where(MailMessage.key.in_(wanted))))


def _one_line(text: str) -> str:
    """Header values are one line: a unit named with a line break must not break the
    message (EmailMessage refuses CR/LF in headers)."""
    return " ".join(text.split())


_POLICY = email.policy.default.clone(max_line_length=998)


def _message(row: MailMessage) -> EmailMessage:
    sender = current_app.config["SMTP_FROM"]
    # Long lines for headers: the standard library's folding of a long encoded subject
    # can drop the space at the fold ("kiến nghị" arrives as "kiếnnghị").
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = sender
    msg["To"] = _one_line(row.recipient)
    msg["Subject"] = _one_line(row.subject)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(row.body)
    for a in db.session.scalars(select(MailAttachment).where(
            MailAttachment.message_id == row.id).order_by(MailAttachment.id)):
        maintype, _slash, subtype = a.mimetype.partition("/")
        msg.add_attachment(a.content, maintype=maintype, subtype=subtype,
                           filename=a.filename)
    return msg


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=cfg["SMTP_TIMEOUT"])
    try:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _claim(limit: int) -> list[MailMessage]:
    """Pending messages this worker now owns (state `sending`), oldest first."""
    ids = list(db.session.scalars(
        select(MailMessage.id).where(MailMessage.state == "pending")
        .order_by(MailMessage.created_at, MailMessage.id).limit(limit)))
    mine = []
    for message_id in ids:
        claimed = db.session.execute(
            update(MailMessage).where(MailMessage.id == message_id,
                                      MailMessage.state == "pending")
            .values(state="sending", attempts=MailMessage.attempts + 1,
                    claimed_at=datetime.now(UTC)))
        if claimed.rowcount:  # type: ignore[attr-defined]
            mine.append(message_id)  # else another worker has it
    db.session.commit()
    return list(db.session.scalars(select(MailMessage).where(MailMessage.id.in_(mine))
                                   .order_by(MailMessage.created_at, MailMessage.id)))


def _failed(row: MailMessage, exc: BaseException) -> None:
    row.state = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
    row.last_error = f"{exc.__class__.__name__}: {exc}"[:500]


def deliver_pending(limit: int = 20) -> int:
    """Send what is pending over one SMTP connection (call after the commit that queued
    it); returns how many were sent. A refusal leaves the message pending for the next
    call (`feedback mail send` from cron), up to MAX_ATTEMPTS; nothing here raises, so a
    mail server's trouble never fails the request that caused the mail. The in-request
    default limit keeps a slow server's cost to one connection timeout."""
    if not smtp_configured():
        return 0
    rows = _claim(limit)
    if not rows:
        return 0
    sent = 0
    try:
        smtp = _connect()
    except Exception as exc:  # any failure to connect: try again later
        for row in rows:
            _failed(row, exc)
        db.session.commit()
        return 0
    with smtp:
        for row in rows:
            try:
                smtp.send_message(_message(row))
            except Exception as exc:  # one bad message must not stop the rest
                _failed(row, exc)
            else:
                row.state, row.sent_at, row.last_error = "sent", datetime.now(UTC), None
                sent += 1
            db.session.commit()
    return sent


def mark_interrupted(older_than: timedelta = timedelta(minutes=15)) -> int:
    """Messages left `sending` by a worker that died mid-send may or may not have been
    delivered. Never resent (a message is never sent twice): marked failed, for an admin
    to read in the outbox."""
    result = db.session.execute(
        update(MailMessage).where(MailMessage.state == "sending",
                                  MailMessage.claimed_at < datetime.now(UTC) - older_than)
        .values(state="failed",
                last_error="interrupted while sending; it may or may not have arrived"))
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def outbox(unit_ids: set[int] | None, *, limit: int = 200) -> list[MailMessage]:
    """Newest first. `unit_ids` None: every message (the installation's admin); else the
    messages about those units."""
    stmt = select(MailMessage).order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    if unit_ids is not None:
        stmt = stmt.where(MailMessage.unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt.limit(limit)))
