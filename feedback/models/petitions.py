"""Petitions (PAKN), their append-only history, attachments, and the clock's settings.

The due dates are stored (so an inbox and the figures can filter on them in SQL) but are
always the output of `feedback.petitions.rules.dues` over the stored receipt time, pauses
(read from the events), the unit's SLA profile and the calendar table; changing either of
the last two recomputes every open petition's dates (`feedback.petitions.clock`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.models.append_only import append_only
from feedback.models.org import Counter, Procedure, Unit
from feedback.models.timestamps import UTCDateTime, utcnow
from feedback.models.users import User

#: The columns of the figures' index (see Petition.__table_args__), in its order.
COUNTED_COLUMNS = ("unit_id", "received_at", "closed_at", "kind", "channel", "category",
                   "status", "archived_from", "on_time", "rating", "rated_at", "reply_due",
                   "transfer_due", "paused_on", "id")


class Petition(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "petition"
    __table_args__ = (
        Index("ix_petition_unit_id_status", "unit_id", "status"),
        # Every column the figures count (petitions.stats.Reader), so a province's year is
        # read from this index alone, never from the rows with their texts: 0.3 s instead
        # of 0.55 s for 100,000 petitions on SQLite. Its first two columns serve what the
        # plain (unit_id, received_at) index it replaced served.
        Index("ix_petition_counted", *COUNTED_COLUMNS),
        Index("ix_petition_status_reply_due", "status", "reply_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The tracking code given to the sender (links.new_short_code: no look-alikes, checked).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    # Issued with the form: a double tap or a retried POST maps to this same row.
    submission_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    channel: Mapped[str] = mapped_column(String(10))  # rules.CHANNELS
    # "pakn" when name, address and a contact were given (DOMAIN §4); else "gop_y":
    # an anonymous suggestion, handled but never counted in the on-time rate.
    kind: Mapped[str] = mapped_column(String(10), default="pakn")
    sender_name: Mapped[str | None] = mapped_column(String(200))
    sender_address: Mapped[str | None] = mapped_column(String(300))
    sender_phone: Mapped[str | None] = mapped_column(String(20))
    sender_email: Mapped[str | None] = mapped_column(String(254))
    category: Mapped[int | None] = mapped_column(SmallInteger)  # 1–8, DOMAIN §4
    dossier_code: Mapped[str | None] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="received")  # workflow.State
    # Before the archive: how an archived petition counts (workflow.outcome).
    archived_from: Mapped[str | None] = mapped_column(String(20))
    # The real time of receipt (a paper letter's date, the call's time), not of typing.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Computed by the clock, local dates; reply_due includes pauses and the extension.
    classify_due: Mapped[date] = mapped_column(Date)
    transfer_due: Mapped[date] = mapped_column(Date)
    reply_due: Mapped[date] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(default=False)
    # Set while waiting for the citizen (the clock is paused since then), with the working
    # day the pause counts from (clock.counting_day): what decides whether a waiting
    # petition is overdue (rules.overdue), in SQL as in Python.
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_on: Mapped[date | None] = mapped_column(Date)
    # When it left the open states, and whether that was by its due date (reply_due for
    # an answer, transfer_due for a transfer); None while open and for a rejection.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    on_time: Mapped[bool | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The answer as published: staff remove personal data before publishing.
    public_text: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receiving_body: Mapped[str | None] = mapped_column(String(300))
    # The reason of the last rejection, transfer or extension, shown in the late list.
    reason: Mapped[str | None] = mapped_column(Text)
    # The sender's rating of the handling once answered (SAT3: 1–3), given once.
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic lock: every UPDATE checks and bumps it, so two people acting on the same
    # petition at once cannot both succeed from the same state (the second gets a 409).
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    procedure: Mapped[Procedure | None] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[PetitionEvent]] = relationship(
        back_populates="petition", order_by="PetitionEvent.id"
    )
    attachments: Mapped[list[PetitionAttachment]] = relationship(
        back_populates="petition", order_by="PetitionAttachment.id"
    )


@append_only
class PetitionEvent(db.Model):  # type: ignore[name-defined,misc]
    """Append-only: every action on a petition (who, when, from, to, note). The figures
    can be recomputed from these rows alone."""

    __tablename__ = "petition_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20))  # workflow.Action, or "receive"/"rate"
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    # The action's other fields as JSON text (category, assignee id, receiving body…).
    detail: Mapped[str] = mapped_column(Text, default="{}")

    petition: Mapped[Petition] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class PetitionAttachment(db.Model):  # type: ignore[name-defined,misc]
    """A file the sender attached. The bytes live under the instance folder (never
    `static/`), named by `storage_name`; only staff in scope can download them."""

    __tablename__ = "petition_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))  # as sent, cleaned, for display
    content_type: Mapped[str] = mapped_column(String(40))  # from the content, not the name
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    petition: Mapped[Petition] = relationship(back_populates="attachments")


class CalendarDay(db.Model):  # type: ignore[name-defined,misc]
    """The admin table over the holidays package: an extra day off (working False) or a
    make-up working day (True). It wins over the package (workdays.Calendar)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SlaProfile(db.Model):  # type: ignore[name-defined,misc]
    """A unit's deadlines in working days (DOMAIN §4 [U]). A unit without one uses its
    nearest ancestor's, and the installation's defaults above the top."""

    __tablename__ = "sla_profile"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    classify_days: Mapped[int] = mapped_column(SmallInteger)
    transfer_days: Mapped[int] = mapped_column(SmallInteger)
    reply_days: Mapped[int] = mapped_column(SmallInteger)
    extension_days: Mapped[int] = mapped_column(SmallInteger)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReplyTemplate(db.Model):  # type: ignore[name-defined,misc]
    """A unit's reusable answer text, offered on the answer form."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
