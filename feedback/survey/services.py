"""Storing survey responses: one row per submission id, one per dossier per counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from feedback import counter_links, links, mail
from feedback.extensions import db
from feedback.models import Answer, Counter, Response
from feedback.reports import tally
from feedback.survey import alerts, catalogue
from feedback.survey.catalogue import Questionnaire

# The link check is shared with the petition form; its errors are the survey's too.
LinkError, InvalidLink, RevokedLink = (counter_links.LinkError, counter_links.InvalidLink,
                                       counter_links.RevokedLink)


class PaperDateError(ValueError):
    """The date written on a paper form is outside what may be entered. `oldest` is the
    first date still accepted (for the message) when the form is too old."""

    def __init__(self, message: str, *, oldest: date | None = None) -> None:
        super().__init__(message)
        self.oldest = oldest


def local_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def paper_answered_at(answered_on: date, *, today: date | None = None) -> datetime:
    """When a paper form counts as answered: local noon of the date written on it, so it
    falls on that day in every report. A date after today is refused, and so is one older
    than PAPER_MAX_AGE_DAYS: its month has been reported already."""
    today = today or local_today()
    oldest = today - timedelta(days=current_app.config["PAPER_MAX_AGE_DAYS"])
    if answered_on > today:
        raise PaperDateError("the date on the form is after today")
    if answered_on < oldest:
        raise PaperDateError(f"only forms dated {oldest.isoformat()} or later", oldest=oldest)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.combine(answered_on, time(12, 0), tzinfo=tz).astimezone(UTC)


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


def open_link(token: str, *, submitting: bool = False, now: datetime | None = None) -> Entry:
    """Resolve a counter token (`feedback.counter_links`) and the questionnaire it names.
    A GET needs the counter's current poster and form; a POST (`submitting`) made from a
    form opened before an office action is accepted in the grace, with the questionnaire
    the token names: the one the citizen saw. Still one query."""
    link = counter_links.open_counter(token, submitting=submitting, now=now)
    try:
        questionnaire = catalogue.by_id(link.token.questionnaire_id)
    except KeyError as exc:
        raise InvalidLink(token) from exc
    if not ((link.live and questionnaire.code == link.questionnaire) or link.in_grace):
        raise RevokedLink(token)
    return Entry(CounterView(link.counter_id, link.unit_id, link.counter_name, link.unit_name),
                 questionnaire)


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
    and on a conflict one query to tell which constraint it was. A response reporting
    harassment, an informal payment or the lowest overall rating also queues an alert to
    the unit's leaders in the same transaction (see `alerts`); an ordinary one costs no
    extra query."""
    if not links.is_submission_id(new.submission_id):
        raise ValueError("submission id")
    dossier_hash = None
    if new.dossier:
        dossier_hash = links.dossier_hash(current_app.config["SECRET_KEY"], new.dossier)
    now = datetime.now(UTC)
    why = alerts.reasons(new.answers)
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
        # After the inserts (so SQLite's writer lock is ours): a response on a day
        # already folded into the aggregate adds its own cells; today's cost one read.
        tally.note((new.unit_id, new.counter_id or 0, new.procedure_id or 0, new.channel,
                    new.questionnaire.code, new.questionnaire.version),
                   new.answers, new.answered_at or now)
        if why:  # after the inserts: a double tap fails above and queues nothing
            alerts.queue(response_id, new.counter_id, new.answered_at or now, why,
                         paper=new.channel == "paper", comment=new.comment)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if already_stored(new.submission_id):
            return False
        raise AlreadyRated(new.dossier or "") from None
    if why:
        mail.deliver_pending()
    return True


def counters_for(unit_ids: set[int]) -> list[Counter]:
    return list(db.session.scalars(
        select(Counter).where(Counter.unit_id.in_(unit_ids), Counter.active.is_(True))
        .order_by(Counter.unit_id, Counter.position)
    ))
