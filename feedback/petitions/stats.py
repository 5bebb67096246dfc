"""Petition figures and listings for a unit, read from the database: the one source of the
JSON that `feedback stats petitions`, `feedback petitions list`, `/api/v1/petitions…` and
the dashboard show, so the four cannot disagree.

The counting itself is pure (`petitions.figures`); this module only reads the rows a period
needs — in one query — and turns them into `figures.Fact`s.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from feedback import org
from feedback.extensions import db
from feedback.models import Petition, PetitionEvent, Unit, User
from feedback.petitions import clock, figures, rules
from feedback.petitions.figures import Figures
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


def figures_for(unit: Unit, period: Period, *, now: datetime | None = None) -> figures.Figures:
    """The PAKN figures of `unit` and every unit below it for `period` (local dates).

    Reads only the petitions the period can count — received before its end and not
    closed before its start — in one query. A rating counts only when given before the
    period's end, like every other fact: a finished period's figures never change."""
    return Reader(unit, [period], now=now).figures(period)


def figures_series(unit: Unit, periods: list[Period], *, now: datetime | None = None,
                   detail: bool = True) -> list[figures.Figures]:
    """`figures_for` each of `periods` (a chart's twelve months), from one read."""
    reader = Reader(unit, periods, now=now)
    return [reader.figures(p, detail=detail) for p in periods]


@functools.cache
def _closed_as(status: str, archived_from: str | None) -> str | None:
    """How a closed petition counts: a few (status, archived_from) pairs, asked of every
    row, so remembered."""
    return _CLOSED_AS.get(outcome(status, archived_from))


class Reader:
    """The petitions of `unit`'s subtree that any of `periods` can count, read once: a
    report asks for its period, the period before, the same one a year before, the year
    to date, twelve months and each unit below, and each was a read of its own (100
    units below: 100 reads). `figures` counts any of those periods; `figures_by` counts
    one period for each group of units (each unit below with its own subtree).

    Each row becomes its facts once (local times, how it closed, with and without its
    rating); a period only picks, for each row it can count, the one in force at its end."""

    def __init__(self, unit: Unit, periods: list[Period], *, now: datetime | None = None
                 ) -> None:
        self.tz = clock.tz()
        self.now = now or clock.now()
        self.calendar = clock.calendar()
        self.unit_ids = org.descendant_ids(unit.id)
        bounds = [period.bounds(self.tz) for period in periods]
        first, last = min(b[0] for b in bounds), max(b[1] for b in bounds)
        self._rows: list[_Row] = []
        tz = self.tz
        for (petition_id, code, unit_code, kind, channel, category, received_at, reply_due,
             transfer_due, status, archived_from, closed_at, on_time, rating, rated_at,
             reason, paused_on) in db.session.execute(
            select(Petition.id, Petition.code, Unit.code, Petition.kind, Petition.channel,
                   Petition.category, Petition.received_at, Petition.reply_due,
                   Petition.transfer_due, Petition.status, Petition.archived_from,
                   Petition.closed_at, Petition.on_time, Petition.rating, Petition.rated_at,
                   Petition.reason, Petition.paused_on)
            .join(Unit, Unit.id == Petition.unit_id)
            .where(Petition.unit_id.in_(self.unit_ids), Petition.received_at < last,
                   or_(Petition.closed_at.is_(None), Petition.closed_at >= first))):
            values = {
                "code": code, "unit": unit_code, "kind": kind, "channel": channel,
                "category": category, "received_at": received_at.astimezone(tz),
                "reply_due": reply_due, "transfer_due": transfer_due,
                "closed_as": (_closed_as(status, archived_from) if closed_at is not None
                              else None),
                "closed_at": closed_at.astimezone(tz) if closed_at is not None else None,
                "on_time": on_time, "reason": reason, "status": status,
                "paused_on": paused_on}
            rated = (figures.Fact(**values, rating=rating)
                     if rating is not None and rated_at is not None else None)
            self._rows.append(_Row(petition_id, received_at, closed_at, rated_at,
                                   figures.Fact(**values), rated))
        self._facts: dict[tuple[datetime, datetime], list[figures.Fact]] = {}
        self._counted: dict[tuple[datetime, datetime, bool], Figures] = {}

    def facts(self, start: datetime, end: datetime) -> list[figures.Fact]:
        """The facts [start, end) can count, as they stood at `end` (its ratings, its
        reply dates)."""
        key = (start, end)
        if key not in self._facts:
            in_force = _reply_due_at(end, self.unit_ids) if end <= self.now else {}
            made = []
            for row in self._rows:
                if row.received_at >= end or (row.closed_at is not None
                                              and row.closed_at < start):
                    continue
                fact = row.fact
                if row.rated is not None and row.rated_at is not None and row.rated_at < end:
                    fact = row.rated
                if row.id in in_force:
                    fact = replace(fact, reply_due=in_force[row.id])
                made.append(fact)
            self._facts[key] = made
        return self._facts[key]

    def figures(self, period: Period, *, detail: bool = True) -> Figures:
        """Counted once per period (a yearly report's year to date is the year itself):
        a count with its late list serves a request without it."""
        start, end = period.bounds(self.tz)
        found = self._counted.get((start, end, True)) or (
            None if detail else self._counted.get((start, end, False)))
        if found is None:
            found = figures.count(self.facts(start, end), start, end,
                                  calendar=self.calendar, tz=self.tz, now=self.now,
                                  detail=detail)
            self._counted[(start, end, detail)] = found
        return found

    def figures_by(self, period: Period, groups: Mapping[str, str]) -> dict[str, Figures]:
        """The period's counts (without late lists) for each group: `groups` maps a unit
        code to its group's name; units in no group are left out."""
        start, end = period.bounds(self.tz)
        parts: dict[str, list[figures.Fact]] = {name: [] for name in set(groups.values())}
        for fact in self.facts(start, end):
            if (name := groups.get(fact.unit)) is not None:
                parts[name].append(fact)
        return {name: figures.count(facts, start, end, calendar=self.calendar, tz=self.tz,
                                    now=self.now, detail=False)
                for name, facts in parts.items()}


@dataclass(frozen=True)
class _Row:
    id: int
    received_at: datetime
    closed_at: datetime | None
    rated_at: datetime | None
    fact: figures.Fact  # without its rating
    rated: figures.Fact | None  # with it, counted from `rated_at` on


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
