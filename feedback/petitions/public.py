"""The citizen's side of petitions as services: where a public form files to (a counter's
poster or a unit's own page), filing it with its attachments, tracking it by code and
contact, the sender's one rating, and a unit's published answers.

No request or session here (the views hold those). The counter token is checked by
`feedback.counter_links`, the same check as the survey's (the two features never import
each other).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, or_, select, update

from feedback import counter_links, links, org, sipas
from feedback.extensions import db
from feedback.models import Petition, PetitionEvent
from feedback.msgid import N_
from feedback.petitions import attachments, clock, intake, rules, services
from feedback.petitions.workflow import STATE_LABELS, State

PER_PAGE = 20
#: How long a successful lookup lets the page offer the rating without asking again.
PROOF_MAX_AGE = 30 * 60
_PROOF_SALT = "pakn-tracking-proof"

#: Answered, in the sender's eyes: the answer exists (archived ones count as before).
ANSWERED_STATES = frozenset({State.ANSWERED.value, State.PUBLISHED.value})

RATINGS = sipas.SAT3


@dataclass(frozen=True)
class Place:
    """Where a public petition is filed: a unit, and the counter when from its poster."""

    unit_id: int
    unit_code: str
    unit_name: str
    counter_id: int | None = None
    counter_name: str | None = None


def counter_place(token: str, *, submitting: bool = False,
                  now: datetime | None = None) -> Place:
    """The counter a poster's token names (`feedback.counter_links`: InvalidLink for a
    tampered or unknown token, RevokedLink for an old poster outside the grace). The
    counter's form does not matter here: any live poster of the counter files a petition."""
    link = counter_links.open_counter(token, submitting=submitting, now=now)
    return Place(link.unit_id, link.unit_code, link.unit_name, link.counter_id,
                 link.counter_name)


def unit_place(code: str) -> Place | None:
    """An active unit's own form; None for an unknown or deactivated unit (404)."""
    unit = org.find_unit(code)
    if unit is None or not unit.active:
        return None
    return Place(unit.id, unit.code, unit.name)


# --- Filing --------------------------------------------------------------------------------

def already_filed(submission_id: str) -> Petition | None:
    return db.session.scalar(select(Petition).where(Petition.submission_id == submission_id))


def file_from_form(place: Place, sent: intake.Sent, *, submission_id: str,
                   procedure_id: int | None, files: list[attachments.Checked]
                   ) -> tuple[Petition, bool]:
    """File what the public form sent (already checked), with its attachments, as one
    petition. A double tap or a retry (same submission id) stores nothing more and gives
    back the petition filed first, so the same tracking code is shown; files written for
    a filing that did not happen are removed again."""
    if files:  # do not write the files again for a repeat (`file` alone would notice it)
        earlier = already_filed(submission_id)
        if earlier is not None:
            return earlier, False
    stored = attachments.store_all(files)
    try:
        petition, created = services.file(services.NewPetition(
            unit_id=place.unit_id, counter_id=place.counter_id, channel="web",
            content=sent.content, submission_id=submission_id, procedure_id=procedure_id,
            sender_name=sent.sender_name, sender_address=sent.sender_address,
            sender_phone=sent.sender_phone, sender_email=sent.sender_email,
            category=sent.category, dossier_code=sent.dossier_code, files=stored))
    except BaseException:
        attachments.discard(stored)
        raise
    if not created:
        attachments.discard(stored)
    return petition, created


@dataclass(frozen=True)
class Receipt:
    """What the done page shows: no content and no sender data, only how to follow up."""

    code: str  # formatted for reading (ABC-2DEF)
    unit_name: str
    reply_due: date
    kind: str
    has_contact: bool
    has_email: bool


def receipt(code: str) -> Receipt | None:
    petition = db.session.scalar(select(Petition).where(Petition.code == code))
    if petition is None:
        return None
    return Receipt(services.show_code(petition), petition.unit.name, petition.reply_due,
                   petition.kind, bool(petition.sender_phone or petition.sender_email),
                   bool(petition.sender_email))


# --- Tracking ------------------------------------------------------------------------------

def find(typed_code: str, secret: str) -> Petition | None:
    """The petition when the code (as typed) and the last 4 digits of its phone (or the
    whole number), or its email, belong together; None otherwise. An unknown code and a
    wrong pair take the same path and give the same None."""
    if "@" not in secret:
        digits = re.sub(r"[^0-9]", "", secret)
        if len(digits) > 4:  # the whole number typed: its last 4 digits are the check
            secret = digits[-4:]
    canonical = links.normalise_short_code(typed_code)
    petition = (db.session.scalar(select(Petition).where(Petition.code == canonical))
                if canonical else None)
    phone = petition.sender_phone if petition is not None else None
    email = petition.sender_email if petition is not None else None
    if not rules.tracking_matches(secret, phone, email) or petition is None:
        return None
    return petition


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_PROOF_SALT)


def proof_for(petition: Petition) -> str:
    """A short-lived signed value the tracking page carries after a lookup, so the rating
    it offers re-proves the pair without asking for it again."""
    return str(_serializer().dumps({"p": petition.id, "c": petition.code}))


def proven(proof: str, *, max_age: int = PROOF_MAX_AGE) -> Petition | None:
    """The petition a proof was issued for, while it is fresh; None otherwise."""
    if not proof or len(proof) > 200:
        return None
    try:
        data: Any = _serializer().loads(proof, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int) or not (
            0 < data["p"] < 2**31):  # an id the database can hold (we sign only real ones)
        return None
    petition = db.session.get(Petition, data["p"])
    return petition if petition is not None and petition.code == data.get("c") else None


def is_answered(petition: Petition) -> bool:
    return petition.status in ANSWERED_STATES or (
        petition.status == State.ARCHIVED.value and petition.archived_from in ANSWERED_STATES)


def is_published(petition: Petition) -> bool:
    return petition.status == State.PUBLISHED.value or (
        petition.status == State.ARCHIVED.value
        and petition.archived_from == State.PUBLISHED.value)


@dataclass(frozen=True)
class Tracked:
    """What the tracking page shows whoever holds the code and the phone's last 4 digits:
    status and dates, and the answer once published — the redacted public text, since a
    4-digit check is too weak to guard the private answer (that went to the sender by
    mail or letter)."""

    code: str
    unit_name: str
    unit_code: str
    status_label: str  # Vietnamese source string, translated by the template
    kind: str
    received_at: datetime
    reply_due: date | None  # while open
    extended: bool  # the reply date was extended once (the sender was told by mail)
    answered_at: datetime | None
    answer: str | None
    published: bool
    request_note: str | None  # what the office asked for while waiting for the citizen
    receiving_body: str | None
    reason: str | None
    can_rate: bool
    rating: int | None


def tracked(petition: Petition) -> Tracked:
    status = State(petition.status)
    label = STATE_LABELS[status]
    if status is State.ARCHIVED and petition.archived_from:
        label = STATE_LABELS[State(petition.archived_from)]
    request_note = None
    if status is State.WAITING_CITIZEN:
        request_note = next((e.note for e in reversed(petition.events)
                             if e.to_state == State.WAITING_CITIZEN.value and e.note), None)
    before = State(petition.archived_from) if petition.archived_from else status
    answered = is_answered(petition)
    return Tracked(
        code=services.show_code(petition), unit_name=petition.unit.name,
        unit_code=petition.unit.code, status_label=label, kind=petition.kind,
        received_at=petition.received_at,
        reply_due=petition.reply_due if services.is_open(petition) else None,
        extended=petition.extended,
        answered_at=petition.answered_at if answered else None,
        answer=petition.public_text if is_published(petition) else None,
        published=is_published(petition), request_note=request_note,
        receiving_body=petition.receiving_body if before is State.TRANSFERRED else None,
        reason=petition.reason if before in (State.TRANSFERRED, State.REJECTED) else None,
        can_rate=answered and petition.rating is None, rating=petition.rating)


# --- The sender's rating -------------------------------------------------------------------

RATED = "rated"
ALREADY_RATED = "already"
NOT_ANSWERED = "not_answered"
MSG_RATED = N_("Cảm ơn ông/bà đã đánh giá việc giải quyết phản ánh, kiến nghị.")
MSG_ALREADY_RATED = N_("Ông/bà đã đánh giá phản ánh, kiến nghị này rồi. Mỗi phản ánh, kiến "
                       "nghị chỉ được đánh giá một lần.")
MSG_NOT_ANSWERED = N_("Phản ánh, kiến nghị này chưa được trả lời nên chưa thể đánh giá.")


def rate(petition: Petition, value: int, *, now: datetime | None = None) -> str:
    """Record the sender's one SAT3 rating of the handling, once answered; an event says
    when. RATED, ALREADY_RATED (the first rating stands) or NOT_ANSWERED. The update is
    conditional, so two taps at once still store one rating."""
    if value not in RATINGS:
        raise ValueError(f"rating {value!r}")
    if not is_answered(petition):
        return NOT_ANSWERED
    now = now or clock.now()
    done = db.session.execute(
        update(Petition).where(Petition.id == petition.id, Petition.rating.is_(None))
        .values(rating=value, rated_at=now).execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        db.session.rollback()
        return ALREADY_RATED
    db.session.add(PetitionEvent(
        petition_id=petition.id, at=now, actor_id=None, action=services.RATE,
        from_state=petition.status, to_state=petition.status, note="",
        detail=json.dumps({"rating": value})))
    db.session.commit()
    db.session.refresh(petition)
    return RATED


# --- Published answers ---------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedAnswer:
    published_at: datetime
    category: int | None
    public_text: str


@dataclass(frozen=True)
class AnswerPage:
    items: list[PublishedAnswer]
    page: int
    pages: int
    total: int


def _published_filter() -> Any:
    return or_(Petition.status == State.PUBLISHED.value,
               (Petition.status == State.ARCHIVED.value)
               & (Petition.archived_from == State.PUBLISHED.value))


def published_answers(unit_id: int, page: int) -> AnswerPage | None:
    """One page (PER_PAGE, newest first) of the unit's published answers: the date, the
    category and the text staff redacted for publishing, nothing else (no code, no
    sender, not the content as sent). None when the page is past the last one."""
    where = (Petition.unit_id == unit_id, _published_filter(),
             Petition.public_text.is_not(None), Petition.published_at.is_not(None))
    total = db.session.scalar(select(func.count(Petition.id)).where(*where)) or 0
    pages = max(1, -(-total // PER_PAGE))
    if not 1 <= page <= pages:
        return None
    rows = db.session.execute(
        select(Petition.published_at, Petition.category, Petition.public_text)
        .where(*where).order_by(Petition.published_at.desc(), Petition.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    items = [PublishedAnswer(at, category, text or "")
             for at, category, text in rows if at is not None]
    return AnswerPage(items, page, pages, total)
