"""Helpers shared by the staff pages' tests (not a test module)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from feedback.extensions import db
from feedback.models import Petition, PetitionAttachment, PetitionEvent, ReplyTemplate, User
from feedback.petitions import services

WATCHED = (Petition, PetitionEvent, PetitionAttachment, ReplyTemplate)


def snapshot(app: Flask) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the petition tables as text: equal before and after = nothing changed."""
    out = {}
    with app.app_context(), db.engine.connect() as conn:
        for model in WATCHED:
            table = model.__table__
            out[table.name] = sorted(tuple(map(str, row))
                                     for row in conn.execute(select(table)).all())
    return out


def load(app: Flask, code: str) -> Petition:
    with app.app_context():
        p = db.session.scalar(select(Petition).where(Petition.code == code))
        assert p is not None
        db.session.expunge(p)
        return p


def act(app: Flask, code: str, action: str, who: User, now: datetime | None = None,
        **fields: Any) -> Petition:
    """One workflow action through the service, as `who` (at `now`); the petition after it."""
    with app.app_context():
        p = db.session.scalar(select(Petition).where(Petition.code == code))
        services.act(p, action, db.session.get(User, who.id), fields, now=now)
        db.session.refresh(p)
        db.session.expunge(p)
        return p


def events(app: Flask, code: str) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(PetitionEvent.action, PetitionEvent.from_state, PetitionEvent.to_state)
            .join(Petition).where(Petition.code == code).order_by(PetitionEvent.id)).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def set_columns(app: Flask, code: str, **columns: Any) -> None:
    with app.app_context():
        db.session.execute(update(Petition).where(Petition.code == code).values(**columns))
        db.session.commit()


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)  # type: ignore[no-any-return]
