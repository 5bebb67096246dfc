"""Dossiers (hồ sơ TTHC) imported from the province's one-stop system, kept to report how
many were returned on time and to match survey answers to them.

The dossier code itself is never stored: only its keyed hash (`links.dossier_hash`, the
same one `Response.dossier_hash` holds), so a response meets its dossier by an equality
join on the hash and a leaked database does not list citizens' receipt codes.

The times are stored as the export gives them (UTC, like every instant here); beside them
the local calendar days they fall on (`FEEDBACK_TIMEZONE`, computed at import). The
verdict is by day — returned on the appointment day is on time whatever the hour — and
periods are local days, so with the days stored the figures are plain date comparisons on
SQLite and PostgreSQL alike, with no time-zone arithmetic in SQL.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback.extensions import db
from feedback.models.timestamps import UTCDateTime, utcnow


class Dossier(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "dossier"
    __table_args__ = (
        # Re-importing an export (or a later one overlapping it) updates, never doubles.
        UniqueConstraint("unit_id", "dossier_hash"),
        Index("ix_dossier_unit_id_due_day", "unit_id", "due_day"),
        Index("ix_dossier_unit_id_received_day", "unit_id", "received_day"),
        # Survey responses carry only the hash: they find their dossier through it.
        Index("ix_dossier_dossier_hash", "dossier_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    dossier_hash: Mapped[str] = mapped_column(String(64))
    # The unit's procedure with that code, when the export names one.
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    # As the export gives them (or the matched procedure's), for grouping and display.
    procedure_code: Mapped[str] = mapped_column(String(40), default="")
    procedure_name: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # None while the result has not been returned.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The local days of the three times (see the module's docstring).
    received_day: Mapped[date] = mapped_column(Date)
    due_day: Mapped[date] = mapped_column(Date)
    returned_day: Mapped[date | None] = mapped_column(Date)
    # First imported, and last changed by an import.
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
