"""The satisfaction aggregate (see feedback.reports.cells for what a cell is)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, PrimaryKeyConstraint, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback.extensions import db
from feedback.models.timestamps import UTCDateTime, utcnow


class Tally(db.Model):  # type: ignore[name-defined,misc]
    """Counts of the folded days of one month ('m') or calendar year ('y'), local time,
    and of today's responses folded so far ('d', see TallyState.folded_until).

    Derived data: no foreign keys, 0 and '' stand for "all" (a grouping set), and
    `feedback aggregates rebuild` can recompute any part of it from the raw rows. The key
    leads with unit, span and start so a scope's block is one index range per unit."""

    __tablename__ = "tally"
    __table_args__ = (
        PrimaryKeyConstraint("unit_id", "span", "start", "counter_id", "procedure_id",
                             "channel", "questionnaire", "version", "item", "value",
                             name="pk_tally"),
        # SQLite stores the rows in key order: a block's rows are read in one range.
        {"sqlite_with_rowid": False},
    )

    unit_id: Mapped[int] = mapped_column(Integer)
    span: Mapped[str] = mapped_column(String(1))
    start: Mapped[date] = mapped_column(Date)
    counter_id: Mapped[int] = mapped_column(Integer)
    procedure_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    questionnaire: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(SmallInteger)
    n: Mapped[int] = mapped_column(Integer)


class ProcedureFamily(db.Model):  # type: ignore[name-defined,misc]
    """Every unit's procedures that share a code and a name, as a parent unit reports
    them ("Đăng ký khai sinh" of a hundred communes is one row at the province). The
    tally keeps each family's counts under every unit above the procedure's, with
    `procedure_id` = −id (see feedback.reports.cells): a province then reads thirty
    families, not three thousand procedures."""

    __tablename__ = "procedure_family"
    __table_args__ = (UniqueConstraint("code", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))


class TallyState(db.Model):  # type: ignore[name-defined,misc]
    """One row. Days up to `closed_through` (local, in `timezone`) are in the tally; so
    are the responses of the day after it given before `folded_until`, in that day's 'd'
    block; later ones are read from the raw rows. `generation` grows with every fold or
    rebuild, so a reader can tell that the split it planned with still holds. Writers lock this row
    (shared) and folds lock it (exclusive): see feedback.reports.tally."""

    __tablename__ = "tally_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    closed_through: Mapped[date | None] = mapped_column(Date)
    folded_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64), default="")
    generation: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
