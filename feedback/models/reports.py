"""The periodic report's records: when each unit's report is due, and the reports a leader
marked as sent, kept as they were sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.models.append_only import append_only
from feedback.models.timestamps import UTCDateTime, utcnow

if TYPE_CHECKING:
    from feedback.models.org import Unit
    from feedback.models.users import User

REPORT_KINDS = ("monthly", "quarterly", "yearly")
REPORT_FORMATS = ("pdf", "docx", "xlsx")


class ReportSchedule(db.Model):  # type: ignore[name-defined,misc]
    """When a unit's periodic report is due. Plans differ from unit to unit (before the
    10th of the month after; before the 20th of the quarter's last month), so the unit
    says: which report, the day of the month, and whether that day falls in the period's
    last month (`month_offset` 0) or in the month after it (1)."""

    __tablename__ = "report_schedule"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="monthly")
    due_day: Mapped[int] = mapped_column(SmallInteger, default=10)
    month_offset: Mapped[int] = mapped_column(SmallInteger, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                 onupdate=utcnow)


@append_only
class IssuedReport(db.Model):  # type: ignore[name-defined,misc]
    """A report as a leader sent it: its figures (JSON, to show what changed when late data
    arrive) and its files. Append-only: sending again makes a new revision."""

    __tablename__ = "issued_report"
    __table_args__ = (
        UniqueConstraint("unit_id", "kind", "period_first", "revision"),
        Index("ix_issued_report_unit_id_issued_at", "unit_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(10))
    period_first: Mapped[date] = mapped_column(Date)
    period_last: Mapped[date] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(default=1)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    figures: Mapped[str] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    issued_by: Mapped[User | None] = relationship()
    files: Mapped[list[IssuedReportFile]] = relationship(
        back_populates="report", order_by="IssuedReportFile.format")


@append_only
class IssuedReportFile(db.Model):  # type: ignore[name-defined,misc]
    """One file of an issued report, byte for byte, with its SHA-256 (hex)."""

    __tablename__ = "issued_report_file"
    __table_args__ = (UniqueConstraint("report_id", "format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("issued_report.id"))
    format: Mapped[str] = mapped_column(String(5))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[IssuedReport] = relationship(back_populates="files")


class MailAttachment(db.Model):  # type: ignore[name-defined,misc]
    """A file sent with a queued message (a report's draft with its reminder)."""

    __tablename__ = "mail_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
