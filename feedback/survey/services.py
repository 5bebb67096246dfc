"""Storing survey responses: one row per submission id, one per dossier per counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from feedback import links
from feedback.extensions import db
from feedback.models import Answer, Counter, Procedure, Response, Unit
from feedback.survey import catalogue
from feedback.survey.catalogue import Questionnaire


class LinkError(LookupError):
    """The scanned link does not lead to a live counter."""


class InvalidLink(LinkError):
    pass


class RevokedLink(LinkError):
    pass


class AlreadyRated(ValueError):
    """This dossier code was already rated at this counter."""


@dataclass(frozen=True)
class CounterView:
    """What the public pages need of a counter, read in one query (this is the hot path)."""

    id: int
    unit_id: int
    name: str
    unit_name: str


@dataclass(frozen=True)
class Entry:
    counter: CounterView
    questionnaire: Questionnaire


# Built once: constructing a select() costs more than running it on this hot path.
_COUNTER_BY_ID = (
    select(Counter.id, Counter.unit_id, Counter.name, Unit.name, Counter.active,
           Counter.token_generation, Counter.questionnaire)
    .join(Unit, Counter.unit_id == Unit.id)
    .where(Counter.id == bindparam("counter_id"))
)


def open_link(token: str) -> Entry:
    """Resolve a counter token. Tampered or unknown → InvalidLink; old poster → RevokedLink."""
    cfg = current_app.config
    try:
        data = links.read_counter_token(
            cfg["SECRET_KEY"], token, min_key_version=cfg["QR_KEY_MIN_VERSION"]
        )
        questionnaire = catalogue.by_id(data.questionnaire_id)
    except (links.InvalidToken, KeyError) as exc:
        raise InvalidLink(token) from exc
    # A plain connection, not the ORM session: this read needs no identity map, and the
    # public GET then never opens a session transaction at all.
    with db.engine.connect() as conn:
        row = conn.execute(_COUNTER_BY_ID, {"counter_id": data.counter_id}).one_or_none()
    if row is None:
        raise InvalidLink(token)
    if not row[4] or data.generation != row[5] or questionnaire.code != row[6]:
        raise RevokedLink(token)
    return Entry(CounterView(row[0], row[1], row[2], row[3]), questionnaire)


def procedure_choices(unit_id: int) -> list[tuple[int, str]]:
    """(id, name) of the unit's active procedures, for the optional select box."""
    rows = db.session.execute(
        select(Procedure.id, Procedure.name)
        .where(Procedure.unit_id == unit_id, Procedure.active.is_(True))
        .order_by(Procedure.field, Procedure.name)
    )
    return [(r[0], r[1]) for r in rows]


def procedure_in_unit(procedure_id: int, unit_id: int) -> bool:
    return db.session.scalar(
        select(Procedure.id).where(Procedure.id == procedure_id, Procedure.unit_id == unit_id,
                                   Procedure.active.is_(True))
    ) is not None


@dataclass
class NewResponse:
    submission_id: str
    counter_id: int
    unit_id: int
    questionnaire: Questionnaire
    answers: dict[str, int]
    channel: str = "qr"
    procedure_id: int | None = None
    dossier: str | None = None
    age_band: str | None = None
    respondent_type: str | None = None
    comment: str | None = None
    answered_at: datetime | None = None
    entered_by_id: int | None = None


def already_stored(submission_id: str) -> bool:
    return db.session.scalar(
        select(Response.id).where(Response.submission_id == submission_id)
    ) is not None


def record(new: NewResponse) -> bool:
    """Store one response. True if stored now, False if this submission id was stored
    before (a double tap or a retry: the citizen sees success either way). Raises
    AlreadyRated when the dossier code was rated at this counter.

    The unique constraints decide, not a look-up first: two inserts in one transaction,
    and on a conflict one query to tell which constraint it was."""
    if not links.is_submission_id(new.submission_id):
        raise ValueError("submission id")
    dossier_hash = None
    if new.dossier:
        dossier_hash = links.dossier_hash(current_app.config["SECRET_KEY"], new.dossier)
    now = datetime.now(UTC)
    try:
        # Core inserts on the tables: the ORM's unit of work buys nothing for new rows.
        response_id = db.session.execute(
            insert(Response.__table__).returning(Response.__table__.c.id),
            [{
                "submission_id": new.submission_id, "unit_id": new.unit_id,
                "counter_id": new.counter_id, "procedure_id": new.procedure_id,
                "questionnaire": new.questionnaire.code,
                "questionnaire_version": new.questionnaire.version,
                "channel": new.channel, "dossier_hash": dossier_hash,
                "age_band": new.age_band, "respondent_type": new.respondent_type,
                "comment": new.comment, "created_at": new.answered_at or now,
                "recorded_at": now, "entered_by_id": new.entered_by_id,
            }],
        ).scalar_one()
        if new.answers:
            db.session.execute(insert(Answer.__table__), [
                {"response_id": response_id, "item": k, "value": v}
                for k, v in new.answers.items()
            ])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if already_stored(new.submission_id):
            return False
        raise AlreadyRated(new.dossier or "") from None
    return True


def counters_for(unit_ids: set[int]) -> list[Counter]:
    return list(db.session.scalars(
        select(Counter).where(Counter.unit_id.in_(unit_ids), Counter.active.is_(True))
        .order_by(Counter.unit_id, Counter.position)
    ))
