"""Storing survey responses: one row per submission id, one per dossier per counter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedback import links
from feedback.extensions import db
from feedback.models import Answer, Counter, Procedure, Response
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
class Entry:
    counter: Counter
    questionnaire: Questionnaire


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
    counter = db.session.get(Counter, data.counter_id)
    if counter is None:
        raise InvalidLink(token)
    if (not counter.active or data.generation != counter.token_generation
            or questionnaire.code != counter.questionnaire):
        raise RevokedLink(token)
    return Entry(counter, questionnaire)


def procedures_for(unit_id: int) -> list[Procedure]:
    return list(db.session.scalars(
        select(Procedure).where(Procedure.unit_id == unit_id, Procedure.active.is_(True))
        .order_by(Procedure.field, Procedure.name)
    ))


@dataclass
class NewResponse:
    submission_id: str
    counter: Counter
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
    extra: dict[str, str] = field(default_factory=dict)


def already_stored(submission_id: str) -> bool:
    return db.session.scalar(
        select(Response.id).where(Response.submission_id == submission_id)
    ) is not None


def record(new: NewResponse) -> bool:
    """Store one response. True if stored now, False if this submission id was stored
    before (a double tap or a retry: the citizen sees success either way). Raises
    AlreadyRated when the dossier code was rated at this counter."""
    if not links.is_submission_id(new.submission_id):
        raise ValueError("submission id")
    if already_stored(new.submission_id):
        return False
    dossier_hash = None
    if new.dossier:
        dossier_hash = links.dossier_hash(current_app.config["SECRET_KEY"], new.dossier)
        taken = db.session.scalar(select(Response.id).where(
            Response.counter_id == new.counter.id, Response.dossier_hash == dossier_hash))
        if taken is not None:
            raise AlreadyRated(new.dossier)
    procedure_id = new.procedure_id
    if procedure_id is not None:
        proc = db.session.get(Procedure, procedure_id)
        if proc is None or proc.unit_id != new.counter.unit_id:
            procedure_id = None
    now = datetime.now(UTC)
    response = Response(
        submission_id=new.submission_id,
        unit_id=new.counter.unit_id,
        counter_id=new.counter.id,
        procedure_id=procedure_id,
        questionnaire=new.questionnaire.code,
        questionnaire_version=new.questionnaire.version,
        channel=new.channel,
        dossier_hash=dossier_hash,
        age_band=new.age_band,
        respondent_type=new.respondent_type,
        comment=new.comment,
        created_at=new.answered_at or now,
        recorded_at=now,
        entered_by_id=new.entered_by_id,
        answers=[Answer(item=k, value=v) for k, v in new.answers.items()],
    )
    db.session.add(response)
    try:
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
