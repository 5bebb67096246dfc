"""Operational records: the mail outbox and the audit trail of office actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.extensions import db
from feedback.models.append_only import append_only
from feedback.models.timestamps import UTCDateTime, utcnow

MAIL_STATES = ("outbox", "pending", "sending", "sent", "failed")


class MailMessage(db.Model):  # type: ignore[name-defined,misc]
    """Every message the project sends. `key` is unique, so the same message (an alert for
    one response, a reset for one request) is queued once however often it is asked for.
    Without SMTP settings a message stays in the `outbox` state for admins to read."""

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_state_created_at", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="outbox")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When a worker took it for sending; one stuck in `sending` long after died mid-send.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@append_only
class AuditEvent(db.Model):  # type: ignore[name-defined,misc]
    """Append-only: who changed what in the office's set-up (units, counters, procedures,
    users). Nothing is deleted, so this is the history of every change."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_unit_id_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
