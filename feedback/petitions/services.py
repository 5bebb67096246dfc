"""Filing petitions and acting on them: the one path for the public form, the staff's
entry form, the register import, the staff pages, the API and the CLI.

Every action goes through `workflow.check` (roles, states, required fields), is refused
with a `WorkflowError` otherwise, and is recorded as an append-only `PetitionEvent` in the
same transaction as its change. Unit scope is checked before: a petition outside the
actor's units is `NotFound` (a 404 everywhere), never "forbidden".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from feedback import links, mail, org
from feedback.extensions import db
from feedback.models import Petition, PetitionAttachment, PetitionEvent, User
from feedback.msgid import N_
from feedback.petitions import clock, rules
from feedback.petitions.workflow import (
    OPEN,
    Action,
    State,
    Transition,
    WorkflowError,
    allowed_actions,
    check,
)
from feedback.petitions.workflow import outcome as workflow_outcome
from feedback.text_rules import TextRefused, clean_text
from feedback.workdays import Calendar

RECEIVE = "receive"  # the first event of every petition (not a workflow action)
RATE = "rate"  # the sender's rating (not a workflow action)

STAFF_ROLES = ("admin", "leader", "officer")
CODE_ATTEMPTS = 3


TEXT_LIMIT = 10000

MSG_BAD_ASSIGNEE = N_("Cán bộ được chọn không xử lý được phản ánh, kiến nghị của đơn vị này.")
MSG_BAD_CATEGORY = N_("Phân loại nội dung không hợp lệ.")
MSG_LATE_REASON = N_("Đã quá hạn trả lời: xin ghi lý do trễ hạn (báo cáo liệt kê các "
                     "trường hợp trễ hạn kèm lý do).")
MSG_CONFLICT = N_("Phản ánh, kiến nghị này vừa được người khác xử lý. Xin tải lại trang "
                  "để xem trạng thái mới rồi thao tác lại.")
MSG_DEADLINE_PASSED = N_("Đã quá hạn trả lời nên không gia hạn được nữa: gia hạn phải làm "
                         "trước hạn.")
MSG_PERSONAL_DATA = N_("Nội dung công khai còn thông tin cá nhân của người gửi (họ tên, địa "
                       "chỉ, số điện thoại hoặc thư điện tử). Xin xoá trước khi công khai.")
MSG_TOO_LONG = N_("Nội dung quá dài hoặc có ký tự không hợp lệ.")


class NotFound(LookupError):
    """No petition with this code in the caller's units (or none at all: same answer)."""


@dataclass(frozen=True)
class StoredFile:
    """An attachment already checked and written to storage (petitions.attachments)."""

    filename: str
    content_type: str
    size: int
    sha256: str
    storage_name: str


@dataclass
class NewPetition:
    unit_id: int
    channel: str
    content: str
    submission_id: str | None = None
    counter_id: int | None = None
    procedure_id: int | None = None
    sender_name: str | None = None
    sender_address: str | None = None
    sender_phone: str | None = None
    sender_email: str | None = None
    category: int | None = None
    dossier_code: str | None = None
    received_at: datetime | None = None
    entered_by_id: int | None = None
    files: Sequence[StoredFile] = field(default_factory=list)
    # The register import's already answered rows.
    answered_at: datetime | None = None
    answer: str | None = None


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _new_code() -> str:
    while True:
        code = links.new_short_code()
        if db.session.scalar(select(Petition.id).where(Petition.code == code)) is None:
            return code


@dataclass
class _Composed:
    """A new petition and the rows that go with it, not yet in the session."""

    petition: Petition
    events: list[PetitionEvent]
    files: list[PetitionAttachment]


def _compose(new: NewPetition, *, now: datetime, cal: Calendar, profile: rules.Profile,
             code: str) -> _Composed:
    if new.channel not in rules.CHANNELS:
        raise ValueError(f"unknown channel {new.channel!r}")
    received_at = new.received_at or now
    petition = Petition(
        code=code, submission_id=new.submission_id, unit_id=new.unit_id,
        counter_id=new.counter_id, procedure_id=new.procedure_id, channel=new.channel,
        kind=rules.kind_of(new.sender_name, new.sender_address, new.sender_phone,
                           new.sender_email),
        sender_name=_blank_to_none(new.sender_name),
        sender_address=_blank_to_none(new.sender_address),
        sender_phone=_blank_to_none(new.sender_phone),
        sender_email=_blank_to_none(new.sender_email),
        category=new.category, dossier_code=_blank_to_none(new.dossier_code),
        content=new.content.strip(), status=State.RECEIVED.value, received_at=received_at,
        recorded_at=now, entered_by_id=new.entered_by_id, extended=False, version=1,
    )
    clock.apply_dues(petition, clock.dues_for(petition, cal=cal, profile=profile))
    events = [PetitionEvent(
        at=now, actor_id=new.entered_by_id, action=RECEIVE, from_state=None,
        to_state=State.RECEIVED.value, note="",
        # The real receipt time (a letter's date) differs from `at` (when it was typed).
        detail=json.dumps({"channel": new.channel, "received_at": received_at.isoformat()}),
    )]
    files = [PetitionAttachment(
        filename=stored.filename, content_type=stored.content_type, size=stored.size,
        sha256=stored.sha256, storage_name=stored.storage_name, created_at=now)
        for stored in new.files]
    if new.answered_at is not None:
        petition.status = State.ANSWERED.value
        petition.answer = _blank_to_none(new.answer)
        petition.answered_at = petition.closed_at = new.answered_at
        petition.on_time = rules.on_time(new.answered_at, petition.reply_due, clock.tz())
        events.append(PetitionEvent(
            at=new.answered_at, actor_id=new.entered_by_id, action=Action.ANSWER.value,
            from_state=State.RECEIVED.value, to_state=State.ANSWERED.value,
            note=petition.answer or "", detail="{}"))
    return _Composed(petition, events, files)


def build(new: NewPetition, *, now: datetime | None = None, cal: Calendar | None = None,
          profile: rules.Profile | None = None, code: str | None = None) -> Petition:
    """A new petition with its receipt event and due dates, added to the session (not
    committed: the register import commits a whole file at once, the demo its own). A
    caller building many passes the calendar and the unit's profile, read once. Without
    `code`, a fresh one checked against the table (a whole file must not fail on one
    collision)."""
    composed = _compose(new, now=now or clock.now(), cal=cal or clock.calendar(),
                        profile=profile or clock.profile_for(new.unit_id),
                        code=code or _new_code())
    petition = composed.petition
    db.session.add(petition)
    petition.events.extend(composed.events)
    petition.attachments.extend(composed.files)
    return petition


def _row(obj: Any) -> dict[str, Any]:
    return {column.key: getattr(obj, column.key)
            for column in obj.__table__.columns if column.key != "id"}


def _insert(composed: _Composed) -> Petition:
    """Write one new petition and its rows with Core INSERTs, then attach it to the
    session as if it had been loaded. The public form's hot path: the ORM's unit of work
    costs three times the INSERTs themselves (1.0 ms against 0.3 ms on SQLite). Its
    events and files load from the database when asked for, like any loaded petition's."""
    petition = composed.petition
    petition.id = db.session.execute(
        insert(Petition.__table__).returning(Petition.__table__.c.id), _row(petition),
    ).scalar_one()
    for model, rows in ((PetitionEvent, composed.events), (PetitionAttachment, composed.files)):
        if rows:
            db.session.execute(insert(model.__table__),
                               [_row(row) | {"petition_id": petition.id} for row in rows])
    make_transient_to_detached(petition)
    db.session.add(petition)
    return petition


def file(new: NewPetition) -> tuple[Petition, bool]:
    """Store one petition and acknowledge it to the sender's email. (petition, True) when
    stored now, (the earlier one, False) when this submission id was stored before: a
    double tap or a retry files one petition and shows the same tracking code."""
    if new.submission_id is not None and not links.is_submission_id(new.submission_id):
        raise ValueError("submission id")
    cal, profile = clock.calendar(), clock.profile_for(new.unit_id)
    for attempt in range(CODE_ATTEMPTS):
        try:
            # The unique constraints decide, not a look-up first (the public form's hot
            # path): a repeated submission id is a double tap; otherwise the random code
            # was taken (about one in 887 million), so try another.
            petition = _insert(_compose(new, now=clock.now(), cal=cal, profile=profile,
                                        code=links.new_short_code()))
            queued = _acknowledge(petition)
            _commit_keeping(petition)
        except IntegrityError:
            db.session.rollback()
            earlier = (db.session.scalar(select(Petition).where(
                Petition.submission_id == new.submission_id)) if new.submission_id else None)
            if earlier is not None:
                return earlier, False
            if attempt == CODE_ATTEMPTS - 1:
                raise
            continue
        if queued:
            mail.deliver_pending()
        return petition, True
    raise AssertionError("unreachable")


def _commit_keeping(petition: Petition) -> None:
    """Commit without expiring what was just written: the caller shows the new code and
    due date at once, and reading them back would cost a query on the public form's hot
    path (nothing else can have changed a row this transaction created)."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


# --- Mail to the sender -------------------------------------------------------------------

def show_code(petition: Petition) -> str:
    return links.format_short_code(petition.code)


def _tracking_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + "/tra-cuu"


def _to_sender(petition: Petition, what: str, subject: str, body: str) -> bool:
    if not petition.sender_email:
        return False
    return mail.queue(f"petition:{petition.code}:{what}", petition.sender_email, subject,
                      body, unit_id=petition.unit_id)


def _acknowledge(petition: Petition) -> bool:
    if not petition.sender_email:
        return False
    due = format_date(petition.reply_due, "dd/MM/yyyy")
    return _to_sender(
        petition, "ack",
        _("Đã tiếp nhận phản ánh, kiến nghị %(code)s", code=show_code(petition)),
        _("%(unit)s đã tiếp nhận phản ánh, kiến nghị của ông/bà.\n\n"
          "Mã tra cứu: %(code)s\nNgày dự kiến trả lời: %(due)s\n\n"
          "Tra cứu tình trạng xử lý tại %(url)s bằng mã tra cứu và 4 số cuối điện thoại "
          "(hoặc địa chỉ thư điện tử) đã khai.",
          unit=petition.unit.name if petition.unit else "", code=show_code(petition),
          due=due, url=_tracking_url()))


# --- Staff: scope, assignees, actions -----------------------------------------------------

def for_staff(code: str, unit_ids: set[int]) -> Petition:
    """The petition with this tracking code (as typed) in these units, else NotFound."""
    canonical = links.normalise_short_code(code)
    if canonical is None or not unit_ids:
        raise NotFound(code)
    petition = db.session.scalar(select(Petition).where(
        Petition.code == canonical, Petition.unit_id.in_(unit_ids)))
    if petition is None:
        raise NotFound(code)
    return petition


def assignable(petition: Petition) -> list[User]:
    """Who may be given this petition: active staff (not viewers) whose scope covers its
    unit, i.e. of the unit itself or of a unit above it, or installation admins."""
    covering = {u.id for u in org.ancestors(petition.unit)} | {petition.unit_id}
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(STAFF_ROLES),
                           User.unit_id.in_(covering)
                           | (User.unit_id.is_(None) & (User.role == "admin")))
        .order_by(User.name, User.email)))


def _assignee(petition: Petition, raw: object) -> int:
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit() and len(text) < 10) or int(text) not in {
            u.id for u in assignable(petition)}:
        raise WorkflowError("bad_assignee", MSG_BAD_ASSIGNEE)
    return int(text)


def _category(raw: object) -> int:
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit() and len(text) < 3
            and int(text) in rules.CATEGORIES):
        raise WorkflowError("bad_category", MSG_BAD_CATEGORY)
    return int(text)


def _text(fields: dict[str, Any], name: str, limit: int = TEXT_LIMIT) -> str:
    """A free-text field, stripped; too long or with control characters is refused."""
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise WorkflowError(f"bad_field:{name}", MSG_TOO_LONG)
    try:
        return clean_text(value or "", limit)
    except TextRefused:
        raise WorkflowError(f"bad_field:{name}", MSG_TOO_LONG) from None


def extension_closed(petition: Petition) -> bool:
    """Extended already, or the reply date has passed (an extension comes before it)."""
    return petition.extended or clock.today() > petition.reply_due


def allowed_for(petition: Petition, actor: User) -> list[str]:
    """The actions this person could take on this petition now (buttons, next action)."""
    return allowed_actions(petition.status, actor.role, petition.assignee_id == actor.id,
                           extension_closed(petition))


_NUMBER = re.compile(r"\+?\d[\d .\-()]{6,}\d")
HIDDEN = "[…]"


def _sender_words(petition: Petition) -> list[str]:
    return [w.strip() for w in (petition.sender_name, petition.sender_address,
                                petition.sender_email) if w and len(w.strip()) >= 3]


def _sender_digits(petition: Petition) -> str:
    digits = re.sub(r"[^0-9]", "", petition.sender_phone or "")
    return digits[-9:] if len(digits) >= 6 else ""


def redacted(petition: Petition, text: str) -> str:
    """`text` with the sender's name, address, email and phone number replaced by […]:
    the draft the publish form starts from (staff still read it: other people's data,
    or a name spelt differently, are theirs to remove)."""
    for word in sorted(_sender_words(petition), key=len, reverse=True):
        text = re.sub(re.escape(word), HIDDEN, text, flags=re.IGNORECASE)
    tail = _sender_digits(petition)
    if tail:
        text = _NUMBER.sub(lambda m: HIDDEN if re.sub(r"[^0-9]", "", m.group()).endswith(tail)
                           else m.group(), text)
    return text


def personal_data_in(petition: Petition, text: str) -> bool:
    """Whether a text meant for the public still holds the sender's name, address, email or
    phone number (as digits, whatever the spacing). A safety net, not a redaction tool:
    staff remove personal data; this catches the unedited copy of a private answer."""
    folded = " ".join(text.casefold().split())
    if any(" ".join(w.casefold().split()) in folded for w in _sender_words(petition)):
        return True
    tail = _sender_digits(petition)
    return bool(tail) and tail in re.sub(r"[^0-9]", "", text)


def act(petition: Petition, action: str, actor: User, fields: dict[str, Any],
        *, now: datetime | None = None) -> Transition:
    """Do one workflow action as `actor` (already known to have the petition in scope).
    Raises WorkflowError when refused, with the session rolled back: nothing changed.
    Commits; mails the sender after an answer or an extension."""
    fields = {k: v for k, v in fields.items() if v is not None}
    step = check(petition.status, action, role=actor.role,
                 is_assignee=petition.assignee_id == actor.id,
                 already_extended=petition.extended, fields=fields)
    try:
        queued = _apply(petition, step, actor, fields, now or clock.now())
        db.session.commit()
    except WorkflowError:
        db.session.rollback()
        raise
    except StaleDataError:  # someone else changed it since it was read: nothing stored
        db.session.rollback()
        raise WorkflowError("conflict", MSG_CONFLICT) from None
    if queued:
        mail.deliver_pending()
    return step


def _apply(petition: Petition, step: Transition, actor: User, fields: dict[str, Any],
           now: datetime) -> bool:
    """Change the petition as `step` says and record the event; True when mail to the
    sender was queued (`_notify_sender`). Raises WorkflowError on a bad field value."""
    detail: dict[str, Any] = {}
    note = _text(fields, "note")
    match step.action:
        case Action.ACCEPT:
            petition.category = _category(fields.get("category"))
            petition.assignee_id = _assignee(petition, fields.get("assignee"))
            detail = {"category": petition.category, "assignee": petition.assignee_id}
        case Action.ASSIGN:
            petition.assignee_id = _assignee(petition, fields.get("assignee"))
            detail = {"assignee": petition.assignee_id}
        case Action.REJECT:
            petition.reason = note = _text(fields, "reason")
            petition.closed_at, petition.on_time = now, None
        case Action.TRANSFER:
            petition.receiving_body = _text(fields, "receiving_body", 300)
            petition.reason = note = _text(fields, "reason")
            petition.closed_at = now
            petition.on_time = rules.on_time(now, petition.transfer_due, clock.tz())
            detail = {"receiving_body": petition.receiving_body}
        case Action.WAIT:
            petition.paused_since = now
            petition.paused_on = clock.counting_day(now)
        case Action.RESUME:
            petition.paused_since = petition.paused_on = None
        case Action.ANSWER:
            petition.answer = note = _text(fields, "answer")
            petition.answered_at = petition.closed_at = now
            petition.on_time = rules.on_time(now, petition.reply_due, clock.tz())
            if not petition.on_time:  # why late: the report lists late items with it
                petition.reason = _text(fields, "reason")
                if not petition.reason:
                    raise WorkflowError("missing_field:reason", MSG_LATE_REASON)
                detail = {"late_reason": petition.reason}
        case Action.EXTEND:
            if rules.overdue(petition.reply_due, now.astimezone(clock.tz()).date(),
                             petition.paused_on):
                raise WorkflowError("deadline_passed", MSG_DEADLINE_PASSED)
            detail = {"reply_due_before": petition.reply_due.isoformat()}
            petition.extended = True
            petition.reason = note = _text(fields, "reason")
        case Action.PUBLISH:
            petition.public_text = note = _text(fields, "public_text")
            if personal_data_in(petition, petition.public_text):
                raise WorkflowError("bad_field:public_text", MSG_PERSONAL_DATA)
            petition.published_at = now
        case Action.ARCHIVE:
            petition.archived_from = petition.status
    petition.status = step.target.value
    event = PetitionEvent(at=now, actor_id=actor.id, action=step.action.value,
                          from_state=step.source.value, to_state=step.target.value,
                          note=note, detail=json.dumps(detail))
    petition.events.append(event)
    if step.action in (Action.RESUME, Action.EXTEND, Action.WAIT):
        db.session.flush()
        clock.refresh(petition)
    return _notify_sender(petition, step.action, note)


#: What the sender is told (by email, when they gave one) after each action that
#: concerns them: (subject, body), formatted with `_notify_sender`'s values.
SENDER_NOTICES: dict[Action, tuple[str, str]] = {
    Action.REJECT: (
        N_("Không tiếp nhận phản ánh, kiến nghị %(code)s"),
        N_("%(unit)s không tiếp nhận phản ánh, kiến nghị %(code)s của ông/bà.\n"
           "Lý do: %(reason)s")),
    Action.TRANSFER: (
        N_("Chuyển phản ánh, kiến nghị %(code)s đến cơ quan có thẩm quyền"),
        N_("%(unit)s đã chuyển phản ánh, kiến nghị %(code)s của ông/bà đến %(body)s, cơ quan "
           "có thẩm quyền giải quyết.\nLý do: %(reason)s")),
    Action.WAIT: (
        N_("Đề nghị bổ sung phản ánh, kiến nghị %(code)s"),
        N_("%(unit)s đề nghị ông/bà bổ sung cho phản ánh, kiến nghị %(code)s:\n\n%(note)s\n\n"
           "Thời hạn trả lời tạm dừng trong khi chờ ông/bà bổ sung và được tính tiếp khi đơn "
           "vị nhận đủ. Theo dõi tại %(url)s.")),
    Action.ANSWER: (
        N_("Trả lời phản ánh, kiến nghị %(code)s"),
        N_("%(unit)s trả lời phản ánh, kiến nghị %(code)s của ông/bà:\n\n%(answer)s\n\n"
           "Ông/bà có thể đánh giá việc giải quyết tại %(url)s.")),
    Action.EXTEND: (
        N_("Gia hạn giải quyết phản ánh, kiến nghị %(code)s"),
        N_("%(unit)s gia hạn thời hạn trả lời phản ánh, kiến nghị %(code)s đến ngày %(due)s."
           "\nLý do: %(reason)s")),
}


def _notify_sender(petition: Petition, action: Action, note: str) -> bool:
    """Queue the sender's notice of `action` (once per action; each request for more
    information is a notice of its own). True when queued."""
    texts = SENDER_NOTICES.get(action)
    if texts is None or not petition.sender_email:
        return False
    key = action.value
    if action is Action.WAIT:
        key += f":{sum(e.action == Action.WAIT.value for e in petition.events)}"
    values = {"unit": petition.unit.name, "code": show_code(petition), "note": note,
              "reason": petition.reason, "body": petition.receiving_body,
              "answer": petition.answer, "url": _tracking_url(),
              "due": format_date(petition.reply_due, "dd/MM/yyyy")}
    subject, body = (_(text, **values) for text in texts)
    return _to_sender(petition, key, subject, body)


def is_open(petition: Petition) -> bool:
    return State(petition.status) in OPEN


def counts_as(petition: Petition) -> str:
    """How the figures count it (workflow.Outcome), archived ones included."""
    return workflow_outcome(petition.status, petition.archived_from).value
