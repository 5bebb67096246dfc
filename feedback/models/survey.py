"""Survey responses and their answers, one row per answered item (easy to aggregate)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.models.org import Counter, Procedure, Unit
from feedback.models.timestamps import UTCDateTime, utcnow
from feedback.models.users import User

CHANNELS = ("qr", "paper", "tablet")


class Response(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "response"
    __table_args__ = (
        # One rating per dossier per counter; the code itself is never stored.
        UniqueConstraint("counter_id", "dossier_hash"),
        Index("ix_response_unit_id_created_at", "unit_id", "created_at"),
        # Only the responses that gave a dossier code (a few in a hundred): the report
        # matches them to the imported dossiers without reading a province's year.
        Index("ix_response_coded", "unit_id", "created_at",
              sqlite_where=text("dossier_hash IS NOT NULL"),
              postgresql_where=text("dossier_hash IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Issued with the page: a double tap or a retried POST maps to this same row.
    submission_id: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(20))
    questionnaire_version: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10), default="qr")
    dossier_hash: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(10))
    respondent_type: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    # When the citizen answered (for paper forms: the date written on the form).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    procedure: Mapped[Procedure | None] = relationship()
    entered_by: Mapped[User | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(SmallInteger)

    response: Mapped[Response] = relationship(back_populates="answers")
