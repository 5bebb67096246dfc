"""What the staff pages read: the inbox of a unit's petitions with its boxes and counts,
and the receipt time of a petition an officer types in from paper or the phone.

The inbox costs two queries on the petition table whatever its size: one `SUM(CASE …)`
row for every box's count and one page of rows (with their unit and assignee joined in),
so a busy unit's inbox never runs a query per row. The boxes overlap (a petition may be
new, to classify and overdue at once), as an officer reads them: each is a question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.orm import joinedload

from feedback.extensions import db
from feedback.models import Petition, PetitionEvent, User
from feedback.msgid import N_
from feedback.petitions import clock, rules
from feedback.petitions.workflow import OPEN, State
from feedback.workdays import Calendar

PER_PAGE = 50

#: The inbox's boxes, in the order the page shows them (code → label).
BOXES: dict[str, str] = {
    "open": N_("Đang mở"),
    "new": N_("Mới"),
    "classify": N_("Chờ phân loại"),
    "in_progress": N_("Đang xử lý"),
    "waiting": N_("Chờ người gửi bổ sung"),
    "due_soon": N_("Đến hạn trong 2 ngày làm việc"),
    "overdue": N_("Quá hạn"),
    "closed": N_("Đã đóng"),
    "all": N_("Tất cả"),
}
DEFAULT_BOX = "open"

_OPEN_VALUES = [s.value for s in OPEN]


@dataclass(frozen=True)
class Marks:
    """The dates the boxes are cut by, computed once per request from the calendar.

    `new_since`: the start (local midnight, as UTC) of the previous working day, so on a
    Monday morning "new" still shows what came in on Friday. `soon_until`: the first date
    no longer "due within DUE_SOON_DAYS working days" (exclusive)."""

    today: date
    new_since: datetime
    soon_until: date

    def due_soon(self, due: date, paused_on: date | None = None) -> bool:
        """A waiting petition's clock is stopped: never "due soon" (nor in a digest)."""
        return paused_on is None and self.today <= due < self.soon_until

    def overdue(self, due: date, paused_on: date | None = None) -> bool:
        return rules.overdue(due, self.today, paused_on)


def reply_overdue(today: date) -> ColumnElement[bool]:
    """`rules.overdue` in SQL, for the open petitions."""
    return and_(Petition.reply_due < today,
                or_(Petition.paused_on.is_(None), Petition.reply_due < Petition.paused_on))


def previous_working_day(cal: Calendar, day: date) -> date:
    """The last working day before `day` (a month back at most: a safety bound)."""
    before = day - timedelta(days=1)
    for _ in range(31):
        if cal.is_working_day(before):
            return before
        before -= timedelta(days=1)
    return before


def marks(today: date | None = None, cal: Calendar | None = None) -> Marks:
    cal = cal or clock.calendar()
    today = today or clock.today()
    since = previous_working_day(cal, today)
    new_since = datetime.combine(since, time(0, 0), tzinfo=clock.tz()).astimezone(UTC)
    # between(today, d) <= DUE_SOON_DAYS exactly when d comes before the working day after.
    soon_until = cal.add_working_days(today, rules.DUE_SOON_DAYS + 1)
    return Marks(today, new_since, soon_until)


@dataclass(frozen=True)
class Filters:
    """The inbox's filters. `assignee`: a user id, or "none" for the unassigned."""

    unit_ids: frozenset[int]
    channel: str | None = None
    category: int | None = None
    assignee: int | str | None = None


def _box_condition(box: str, m: Marks) -> ColumnElement[bool]:
    status = Petition.status
    is_open = status.in_(_OPEN_VALUES)
    received = status == State.RECEIVED.value
    conditions: dict[str, ColumnElement[bool]] = {
        "open": is_open,
        "new": and_(received, Petition.received_at >= m.new_since),
        "classify": received,
        "in_progress": status == State.IN_PROGRESS.value,
        "waiting": status == State.WAITING_CITIZEN.value,
        "due_soon": and_(is_open, Petition.paused_on.is_(None), Petition.reply_due >= m.today,
                         Petition.reply_due < m.soon_until),
        "overdue": or_(and_(is_open, reply_overdue(m.today)),
                       and_(received, Petition.classify_due < m.today)),
        "closed": ~is_open,
    }
    return conditions.get(box, true())  # "all"


def _where(f: Filters) -> list[ColumnElement[bool]]:
    if not f.unit_ids:
        return [false()]
    where: list[ColumnElement[bool]] = [Petition.unit_id.in_(sorted(f.unit_ids))]
    if f.channel is not None:
        where.append(Petition.channel == f.channel)
    if f.category is not None:
        where.append(Petition.category == f.category)
    if f.assignee == "none":
        where.append(Petition.assignee_id.is_(None))
    elif isinstance(f.assignee, int):
        where.append(Petition.assignee_id == f.assignee)
    return where


def counts(f: Filters, m: Marks) -> dict[str, int]:
    """How many petitions each box holds under these filters: one query."""
    columns = [func.coalesce(func.sum(case((_box_condition(box, m), 1), else_=0)), 0)
               .label(box) for box in BOXES]
    row = db.session.execute(select(*columns).select_from(Petition).where(*_where(f))).one()
    return {box: int(value) for box, value in zip(BOXES, row, strict=True)}


def page(f: Filters, box: str, m: Marks, number: int = 1,
         per_page: int = PER_PAGE) -> list[Petition]:
    """One page of a box: open work by its reply date (most urgent first), closed work
    newest first. Unit and assignee come joined in the same query."""
    if box in ("closed", "all"):
        order: list[Any] = [Petition.received_at.desc(), Petition.id.desc()]
    else:
        order = [Petition.reply_due, Petition.received_at, Petition.id]
    stmt = (select(Petition).where(*_where(f), _box_condition(box, m))
            .options(joinedload(Petition.unit), joinedload(Petition.assignee))
            .order_by(*order).limit(per_page).offset((max(1, number) - 1) * per_page))
    return list(db.session.scalars(stmt))


def assignee_choices(unit_ids: set[int]) -> list[User]:
    """Staff who can hold petitions of these units (the assignee filter): active
    admins, leaders and officers placed in them. One query."""
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(("admin", "leader", "officer")),
                           User.unit_id.in_(sorted(unit_ids)))
        .order_by(User.name, User.email)))


# --- Staff entry: when a petition entered by hand was really received --------------------

class ReceiptTimeError(ValueError):
    """The typed receipt date and time cannot be stored. `oldest` is the first accepted
    day when it is too old (for the message)."""

    def __init__(self, message: str, *, oldest: date | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.oldest = oldest


MSG_RECEIPT_FUTURE = N_("Thời điểm tiếp nhận không được sau thời điểm hiện tại.")
MSG_RECEIPT_OLD = N_("Chỉ nhập phản ánh, kiến nghị tiếp nhận từ ngày %(day)s trở lại đây.")


def entry_received_at(day: date, at: time, *, now: datetime | None = None) -> datetime:
    """The real receipt time of a petition typed in by staff (local date and time on the
    letter, the call, the box's opening) as a UTC instant. Not after now, and not older
    than PAPER_MAX_AGE_DAYS (the months before have been reported) — the same window as
    the survey's paper forms."""
    now = now or clock.now()
    tz = clock.tz()
    local_now = now.astimezone(tz)
    oldest = local_now.date() - timedelta(days=current_app.config["PAPER_MAX_AGE_DAYS"])
    received = datetime.combine(day, at, tzinfo=tz)
    if received > local_now:
        raise ReceiptTimeError(MSG_RECEIPT_FUTURE)
    if day < oldest:
        raise ReceiptTimeError(MSG_RECEIPT_OLD, oldest=oldest)
    return received.astimezone(UTC)


# --- One petition's page ------------------------------------------------------------------

def history(petition: Petition) -> list[PetitionEvent]:
    """The petition's events, oldest first, with who did each: one query."""
    return list(db.session.scalars(
        select(PetitionEvent).where(PetitionEvent.petition_id == petition.id)
        .options(joinedload(PetitionEvent.actor)).order_by(PetitionEvent.id)))


def people(user_ids: set[int]) -> dict[int, User]:
    """Accounts by id (the assignees an event names, also former staff): one query."""
    if not user_ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
