"""Petition figures and listings for a unit, read from the database: the one source of the
JSON that `feedback stats petitions`, `feedback petitions list`, `/api/v1/petitions…` and
the dashboard show, so the four cannot disagree.

The counting itself is pure (`petitions.figures`); this module only reads the rows a period
needs — in one query, as numbers — into `figures.Rows`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import BindParameter, bindparam, case, func, or_, select
from sqlalchemy.orm import selectinload

from feedback import org
from feedback.extensions import db
from feedback.models import Petition, PetitionEvent, Unit, User
from feedback.models.timestamps import epoch_days, epoch_seconds
from feedback.petitions import clock, figures, rules
from feedback.petitions.figures import Figures, Shown
from feedback.petitions.workflow import OPEN, Action, Outcome, State, outcome
from feedback.reports.periods import Period

#: How a closed petition counts in the figures (workflow.Outcome → figures' closed_as).
_CLOSED_AS: dict[Outcome, str] = {
    Outcome.ANSWERED: figures.ANSWERED,
    Outcome.NOT_ACCEPTED: figures.REJECTED,
    Outcome.TRANSFERRED: figures.TRANSFERRED,
}

STATUSES: tuple[str, ...] = tuple(s.value for s in State)


class BadStatus(ValueError):
    """A status filter that is not one of `STATUSES`."""


def figures_for(unit: Unit, period: Period, *, now: datetime | None = None,
                listed: int | None = None) -> figures.Figures:
    """The PAKN figures of `unit` and every unit below it for `period` (local dates);
    with `listed`, only the late list's first rows (`late_total` says how many it has).

    Reads only the petitions the period can count — received before its end and not
    closed before its start — in one query. A rating counts only when given before the
    period's end, like every other fact: a finished period's figures never change."""
    return Reader(unit, [period], now=now).figures(period, listed=listed)


def figures_series(unit: Unit, periods: list[Period], *, now: datetime | None = None,
                   detail: bool = True) -> list[figures.Figures]:
    """`figures_for` each of `periods` (a chart's twelve months), from one read."""
    reader = Reader(unit, periods, now=now)
    return [reader.figures(p, detail=detail) for p in periods]


@functools.cache
def _closed_as(status: str, archived_from: str | None) -> int:
    """How a closed petition counts (its code in figures.CLOSED_AS): a few (status,
    archived_from) pairs, asked of every row, so remembered."""
    return figures.CLOSED_AS.index(_CLOSED_AS.get(outcome(status, archived_from)))


class Reader:
    """The petitions of `unit`'s subtree that any of `periods` can count, read once: a
    report asks for its period, the period before, the same one a year before, the year
    to date, twelve months and each unit below, and each was a read of its own (100
    units below: 100 reads). `figures` counts any of those periods; `figures_by` counts
    one period for each group of units (each unit below with its own subtree).

    The rows are read as numbers into columns (`figures.Rows`): a province's year is
    100,000 petitions, and what a late item shows (its code, its reason) is read only for
    the few that are late."""

    def __init__(self, unit: Unit, periods: list[Period], *, now: datetime | None = None
                 ) -> None:
        self.tz = clock.tz()
        self.now = now or clock.now()
        self.calendar = clock.calendar()
        self.unit_ids = org.descendant_ids(unit.id)
        bounds = [period.bounds(self.tz) for period in periods]
        first, last = min(b[0] for b in bounds), max(b[1] for b in bounds)
        self.rows = _read_rows(self.unit_ids, first, last, self.tz)
        self._due: dict[datetime, np.ndarray | None] = {}
        self._counted: dict[tuple[datetime, datetime, bool, int | None], Figures] = {}

    def reply_due(self, end: datetime) -> np.ndarray | None:
        """Each row's reply date as it stood at `end`, where any moved since (None when
        none did): a finished period's figures never change."""
        if end not in self._due:
            moved = _reply_due_at(end, self.unit_ids) if end <= self.now else {}
            due = None
            if moved:
                rows = self.rows
                order = np.argsort(rows.ids)
                wanted = np.fromiter(moved, dtype=np.int64, count=len(moved))
                at = np.minimum(np.searchsorted(rows.ids[order], wanted), len(order) - 1)
                found = rows.ids[order][at] == wanted
                due = rows.reply_due.copy()
                due[order[at[found]]] = [figures.day_number(moved[int(i)])
                                         for i in wanted[found]]
            self._due[end] = due
        return self._due[end]

    def figures(self, period: Period, *, detail: bool = True, listed: int | None = None
                ) -> Figures:
        """Counted once per period (a yearly report's year to date is the year itself): a
        count with its whole late list serves a request for less. `detail=False`: no
        late list; `listed`: only its first rows."""
        start, end = period.bounds(self.tz)
        key = (start, end, detail, listed if detail else None)
        found = self._counted.get((start, end, True, None)) or self._counted.get(key)
        if found is None:
            found = figures.count_rows(
                self.rows, start, end, calendar=self.calendar, tz=self.tz, now=self.now,
                reply_due=self.reply_due(end), shown=self._shown if detail else None,
                first=listed)
            self._counted[key] = found
        return found

    def figures_by(self, period: Period, groups: Mapping[str, str]) -> dict[str, Figures]:
        """The period's counts (without late lists) for each group: `groups` maps a unit
        code to its group's name; units in no group are left out."""
        start, end = period.bounds(self.tz)
        names = sorted(set(groups.values()))
        index = {name: i for i, name in enumerate(names)}
        of_unit = np.asarray([index[groups[code]] if code in groups else -1
                              for code in self.rows.units] or [-1], dtype=np.int64)
        counted = figures.tally(self.rows, start, end, tz=self.tz, now=self.now,
                                groups=of_unit[self.rows.unit], size=len(names),
                                reply_due=self.reply_due(end))
        return dict(zip(names, counted, strict=True))

    def _shown(self, ids: list[int]) -> dict[int, Shown]:
        """What the late list shows of these petitions, in one query: the ids are written
        into it as numbers, not bound one parameter each (SQLite takes a bounded number;
        a province's year is thousands of late items, 13 queries of 500 took 0.2 s)."""
        wanted: BindParameter[list[int]] = bindparam("ids", ids, expanding=True,
                                                     literal_execute=True)
        return {petition_id: Shown(
                    code, status, received_at.astimezone(self.tz),
                    closed_at.astimezone(self.tz) if closed_at is not None else None, reason)
                for petition_id, code, status, received_at, closed_at, reason in
                db.session.connection().execute(
                    select(Petition.id, Petition.code, Petition.status, Petition.received_at,
                           Petition.closed_at, Petition.reason)
                    .where(Petition.id.in_(wanted)))}


#: Rows fetched at a time: each batch becomes columns and is dropped before the garbage
#: collector's next pass, so it never promotes them. Batches of 10,000 made it walk the
#: whole heap again and again: 0.95 s for a province's year instead of 0.6 s.
_BATCH = 500


def _read_rows(unit_ids: set[int], first: datetime, last: datetime, tz: ZoneInfo
               ) -> figures.Rows:
    """The petitions of these units that [first, last) can count — received before its end
    and not closed before its start — as numbers (instants and dates counted from the
    epoch in SQL). One read; an index holds every column, so it never touches the rows."""
    codes = dict(db.session.execute(
        select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids))).all())
    never, no_day = figures.NEVER, figures.NO_DAY
    # Core, not the ORM: plain rows, fetched a batch at a time (flushed first, as an ORM
    # query autoflushes, so a petition added in this session counts).
    db.session.flush()
    result = db.session.connection().execute(
        select(Petition.id, Petition.unit_id, Petition.kind, Petition.channel,
               Petition.category, epoch_seconds(Petition.received_at),
               func.coalesce(epoch_seconds(Petition.closed_at), never),
               Petition.status, Petition.archived_from,
               case((Petition.on_time.is_(None), -1), (Petition.on_time.is_(True), 1), else_=0),
               func.coalesce(Petition.rating, 0),
               func.coalesce(epoch_seconds(Petition.rated_at), never),
               epoch_days(Petition.reply_due), epoch_days(Petition.transfer_due),
               func.coalesce(epoch_days(Petition.paused_on), no_day))
        .where(Petition.unit_id.in_(unit_ids), Petition.received_at < last,
               or_(Petition.closed_at.is_(None), Petition.closed_at >= first)))
    columns: list[list[Any]] = [[] for _ in range(len(result.keys()))]
    for batch in result.partitions(_BATCH):
        for column, values in zip(columns, zip(*batch, strict=True), strict=True):
            column.extend(values)
    (ids, units, kinds, channels, categories, received, closed, statuses, archived,
     on_time, rating, rated, reply_due, transfer_due, paused_on) = columns
    return figures.Rows.of(
        ids=ids, units=[codes[u] for u in units], kinds=kinds, channels=channels,
        categories=categories, received=received, closed=closed,
        closed_as=[0 if at == never else _closed_as(status, before)
                   for status, before, at in zip(statuses, archived, closed, strict=True)],
        on_time=on_time, rating=rating, rated=rated, reply_due=reply_due,
        transfer_due=transfer_due, paused_on=paused_on, tz=tz)


def _reply_due_at(end: datetime, unit_ids: set[int]) -> dict[int, date]:
    """The reply date each petition received before `end` had at `end`, where it moved
    since (an extension, or a calendar or profile change): the date before its first move
    at or after `end`. Selected by unit and time, not by a list of ids: a province's year
    is more petitions than SQLite takes parameters."""
    found: dict[int, date] = {}
    for petition_id, detail in db.session.execute(
        select(PetitionEvent.petition_id, PetitionEvent.detail)
        .join(Petition, Petition.id == PetitionEvent.petition_id)
        .where(Petition.unit_id.in_(unit_ids), Petition.received_at < end,
               PetitionEvent.at >= end,
               PetitionEvent.action.in_([Action.EXTEND.value, clock.RESCHEDULE]))
        .order_by(PetitionEvent.at, PetitionEvent.id)
    ):
        before = json.loads(detail or "{}").get("reply_due_before")
        if petition_id not in found and isinstance(before, str):
            found[petition_id] = date.fromisoformat(before)
    return found


# --- Listings: the JSON of one petition --------------------------------------------------

def _when(value: datetime | None) -> str | None:
    """An instant as local ISO time with its offset (2026-12-02T09:00:00+07:00)."""
    return value.astimezone(clock.tz()).isoformat() if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def petition_dict(p: Petition, *, detail: bool = False, today: date | None = None
                  ) -> dict[str, Any]:
    """One petition as the CLI and the API print it. `on_time` is null while open (and for
    a rejection); for a transfer it is judged against the transfer deadline. `detail`
    adds what only the petition's own page needs: the text, the sender, the answer, the
    history and the attachments' names. `overdue`: open and its reply due day is past."""
    is_open = State(p.status) in OPEN
    today = today or clock.today()
    out: dict[str, Any] = {
        "code": p.code,
        "unit": p.unit.code,
        "kind": p.kind,
        "channel": p.channel,
        "category": p.category,
        "status": p.status,
        "received_at": _when(p.received_at),
        "classify_due": _day(p.classify_due),
        "transfer_due": _day(p.transfer_due),
        "reply_due": _day(p.reply_due),
        "extended": p.extended,
        "overdue": is_open and rules.overdue(p.reply_due, today, p.paused_on),
        "assignee": p.assignee.email if p.assignee is not None else None,
        "answered_at": _when(p.answered_at),
        "closed_at": _when(p.closed_at),
        "on_time": None if is_open else p.on_time,
    }
    if not detail:
        return out
    out.update({
        "content": p.content,
        "dossier_code": p.dossier_code,
        "sender": {"name": p.sender_name, "address": p.sender_address,
                   "phone": p.sender_phone, "email": p.sender_email},
        "answer": p.answer,
        "public_text": p.public_text,
        "published_at": _when(p.published_at),
        "receiving_body": p.receiving_body,
        "reason": p.reason,
        "rating": p.rating,
        "events": [_event_dict(e) for e in p.events],
        "attachments": [{"filename": a.filename, "content_type": a.content_type,
                         "size": a.size} for a in p.attachments],
    })
    return out


def _event_dict(e: PetitionEvent) -> dict[str, Any]:
    try:
        extra = json.loads(e.detail or "{}")
    except ValueError:
        extra = {}
    return {"at": _when(e.at), "actor": e.actor.email if e.actor is not None else None,
            "action": e.action, "from": e.from_state, "to": e.to_state, "note": e.note,
            "detail": extra}


def listing(unit_ids: set[int], status: str | None = None) -> list[dict[str, Any]]:
    """The petitions of these units (the caller passes a unit and its descendants),
    newest first, optionally of one status; BadStatus for an unknown one. Three queries
    whatever the number of rows (petitions, their units and assignees)."""
    if status is not None and status not in STATUSES:
        raise BadStatus(status)
    if not unit_ids:
        return []
    query = (select(Petition).where(Petition.unit_id.in_(unit_ids))
             .options(selectinload(Petition.unit),
                      selectinload(Petition.assignee).load_only(User.email))
             .order_by(Petition.received_at.desc(), Petition.id.desc()))
    if status is not None:
        query = query.where(Petition.status == status)
    today = clock.today()
    return [petition_dict(p, today=today) for p in db.session.scalars(query)]
