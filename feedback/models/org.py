"""Units (communes, provinces), their counters and the procedures they handle."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.extensions import db
from feedback.links import new_short_code
from feedback.models.timestamps import UTCDateTime, utcnow

#: Unit codes travel in URLs and file names: plain lowercase ASCII, digits and dashes.
UNIT_CODE = re.compile(r"\A[a-z0-9][a-z0-9-]{0,39}\Z")


class Unit(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="commune")  # province | commune
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Deactivated, never deleted: its responses and history stay readable.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")
    counters: Mapped[list[Counter]] = relationship(
        back_populates="unit", order_by="Counter.position"
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Counter(db.Model):  # type: ignore[name-defined,misc]
    """A desk in the one-stop office; its poster carries a signed token naming it."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    questionnaire: Mapped[str] = mapped_column(String(20), default="short")
    # Bumped to revoke every poster printed so far; the token carries the generation.
    token_generation: Mapped[int] = mapped_column(default=1)
    # The short code printed under the QR symbol for typing by hand (links.short_code);
    # replaced with the generation, so an old poster's code stops working too.
    short_code: Mapped[str | None] = mapped_column(String(12), unique=True,
                                                   default=new_short_code)
    # A form opened before an office action (revoke, change of form, deactivation) is
    # still accepted until `grace_until`: every generation from `grace_generation` up to
    # the current one. The citizen's answers are never thrown away by an office action.
    grace_generation: Mapped[int | None] = mapped_column()
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="counters")


class Procedure(db.Model):  # type: ignore[name-defined,misc]
    """An administrative procedure (TTHC) in a unit's imported list."""

    __tablename__ = "procedure"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    field: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship()
