"""The SLA clock against the database: the calendar table, units' SLA profiles, and the
recomputation of due dates (pure rules in `feedback.workdays` and `petitions.rules`).

Every due date stored on a petition comes from `dues_for`; `recompute_open` runs it over
every open petition after the calendar or a profile changes, in the same transaction as
the change, so no open petition keeps a deadline computed from the old settings.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from feedback import audit, org
from feedback.extensions import db
from feedback.models import CalendarDay, Petition, PetitionEvent, SlaProfile, Unit, User
from feedback.petitions import rules
from feedback.petitions.workflow import OPEN, Action
from feedback.workdays import (
    Calendar,
    CalendarEntry,
    Pause,
    parse_closing_time,
    parse_weekend,
)


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def closes() -> time:
    return parse_closing_time(current_app.config["OFFICE_CLOSES"])


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(tz()).date()


def weekend() -> frozenset[int]:
    return parse_weekend(current_app.config["WEEKEND"])


def calendar() -> Calendar:
    """The working-day calendar with the admin table applied: the table is read on every
    use (a change applies at once), the calendar built from it is shared per process."""
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.working))
    return _calendar_for(frozenset((day, working) for day, working in rows), weekend())


def package_calendar() -> Calendar:
    """The same calendar without the admin table: what the package alone says."""
    return _calendar_for(frozenset(), weekend())


@functools.lru_cache(maxsize=8)
def _calendar_for(overrides: frozenset[tuple[date, bool]], weekend: frozenset[int]
                  ) -> Calendar:
    """A Calendar works out each year's days off once; building one per request would
    redo that (365 days a year) every time."""
    return Calendar(dict(overrides), weekend=weekend)


def counting_day(at: datetime) -> date:
    """The working day an instant counts on (`Calendar.receipt_day`): a receipt or the
    start of a pause at or after closing time, or on a day off, counts from the next."""
    return calendar().receipt_day(at, tz=tz(), closes=closes())


def default_profile() -> rules.Profile:
    cfg = current_app.config
    return rules.Profile(cfg["SLA_CLASSIFY_DAYS"], cfg["SLA_TRANSFER_DAYS"],
                         cfg["SLA_REPLY_DAYS"], cfg["SLA_EXTENSION_DAYS"])


def _as_profile(row: SlaProfile) -> rules.Profile:
    return rules.Profile(row.classify_days, row.transfer_days, row.reply_days,
                         row.extension_days)


def profiles(unit_ids: Iterable[int]) -> dict[int, rules.Profile]:
    """Each unit's profile: its own, else its nearest ancestor's, else the defaults.
    One query when no unit has its own profile, two otherwise (the profiles, the parents)."""
    wanted = set(unit_ids)
    if not wanted:
        return {}
    own = {row.unit_id: _as_profile(row) for row in db.session.scalars(select(SlaProfile))}
    fallback = default_profile()
    if not own:  # the usual case: nobody set a profile, the defaults apply everywhere
        return dict.fromkeys(wanted, fallback)
    parents: dict[int, int | None] = {uid: parent for uid, parent in db.session.execute(
        select(Unit.id, Unit.parent_id))}
    found: dict[int, rules.Profile] = {}
    for unit_id in wanted:
        current: int | None = unit_id
        seen: set[int] = set()
        while current is not None and current not in own and current not in seen:
            seen.add(current)
            current = parents.get(current)
        found[unit_id] = own[current] if current is not None and current in own else fallback
    return found


def profile_for(unit_id: int) -> rules.Profile:
    return profiles([unit_id])[unit_id]


def own_profile(unit_id: int) -> SlaProfile | None:
    return db.session.get(SlaProfile, unit_id)


def pauses_of(events: Iterable[PetitionEvent], paused_since: datetime | None) -> list[Pause]:
    """The reply clock's pauses from the history: each `wait` until the next `resume`
    (or, for the current one, still open)."""
    found: list[Pause] = []
    start: datetime | None = None
    for event in events:
        if event.action == Action.WAIT.value and start is None:
            start = event.at
        elif event.action == Action.RESUME.value and start is not None:
            found.append((start, event.at))
            start = None
    if start is not None or paused_since is not None:
        found.append((start or paused_since, None))  # type: ignore[arg-type]
    return found


def dues_for(petition: Petition, *, cal: Calendar, profile: rules.Profile,
             events: Iterable[PetitionEvent] = (), as_of: datetime | None = None
             ) -> rules.Dues:
    return rules.dues(cal, petition.received_at, profile,
                      pauses=pauses_of(events, petition.paused_since),
                      extended=petition.extended, as_of=as_of or now(), tz=tz(),
                      closes=closes())


def apply_dues(petition: Petition, dues: rules.Dues) -> None:
    petition.classify_due = dues.classify
    petition.transfer_due = dues.transfer
    petition.reply_due = dues.reply


def refresh(petition: Petition) -> rules.Dues:
    """Recompute one petition's dates after an action changed its pauses or extension."""
    dues = dues_for(petition, cal=calendar(), profile=profile_for(petition.unit_id),
                    events=petition.events)
    apply_dues(petition, dues)
    return dues


RESCHEDULE = "reschedule"  # the event of a reply date moved by a calendar or profile change


def recompute_open(unit_ids: set[int] | None = None, actor: User | None = None) -> int:
    """Every open petition's due dates from the current calendar and profiles; how many
    changed. In the caller's transaction. Three queries plus one per changed row.

    A moved reply date is recorded as a `reschedule` event with the date before, so the
    figures of a finished period judge with the date in force then (`stats`), and a
    later change of settings never rewrites what was reported. A paused petition's
    projected date moves every day and is not in force: it is not recorded."""
    query = select(Petition).where(Petition.status.in_([s.value for s in OPEN]))
    if unit_ids is not None:
        query = query.where(Petition.unit_id.in_(unit_ids))
    open_rows = list(db.session.scalars(query))
    if not open_rows:
        return 0
    events: dict[int, list[PetitionEvent]] = defaultdict(list)
    for event in db.session.scalars(
        select(PetitionEvent)
        .where(PetitionEvent.petition_id.in_([p.id for p in open_rows]),
               PetitionEvent.action.in_([Action.WAIT.value, Action.RESUME.value]))
        .order_by(PetitionEvent.id)
    ):
        events[event.petition_id].append(event)
    cal = calendar()
    by_unit = profiles({p.unit_id for p in open_rows})
    changed = 0
    for petition in open_rows:
        dues = dues_for(petition, cal=cal, profile=by_unit[petition.unit_id],
                        events=events[petition.id])
        before = (petition.classify_due, petition.transfer_due, petition.reply_due)
        if before != (dues.classify, dues.transfer, dues.reply):
            if petition.paused_since is None and dues.reply != petition.reply_due:
                db.session.add(PetitionEvent(
                    petition_id=petition.id, at=now(), actor_id=actor.id if actor else None,
                    action=RESCHEDULE, from_state=petition.status, to_state=petition.status,
                    note="", detail=json.dumps({"reply_due_before": petition.reply_due.isoformat(),
                                                "reply_due": dues.reply.isoformat()})))
            apply_dues(petition, dues)
            changed += 1
    return changed


# --- The admin table of days off / make-up working days -----------------------------------

def set_day(day: date, working: bool, note: str, actor: User | None) -> int:
    """Add or replace an override; recomputes open deadlines. Returns how many moved."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day)
        db.session.add(row)
    row.working, row.note = working, note.strip()[:200]
    row.updated_by_id, row.updated_at = (actor.id if actor else None), now()
    audit.record(actor, None, "calendar.set", f"day:{day.isoformat()}",
                 f"{'work' if working else 'off'} {row.note}".strip())
    db.session.flush()
    moved = recompute_open(actor=actor)
    db.session.commit()
    return moved


def unset_day(day: date, actor: User | None) -> int | None:
    """Remove an override (None when there was none); recomputes open deadlines."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        return None
    db.session.delete(row)
    audit.record(actor, None, "calendar.unset", f"day:{day.isoformat()}")
    db.session.flush()
    moved = recompute_open(actor=actor)
    db.session.commit()
    return moved


def entries(year: int) -> list[CalendarEntry]:
    return calendar().entries(year)


def set_profile(unit: Unit, profile: rules.Profile, actor: User | None) -> int:
    """Store a unit's own SLA profile; recomputes the open deadlines of it and the units
    below it. Returns how many moved."""
    row = db.session.get(SlaProfile, unit.id) or SlaProfile(unit_id=unit.id)
    row.classify_days, row.transfer_days = profile.classify_days, profile.transfer_days
    row.reply_days, row.extension_days = profile.reply_days, profile.extension_days
    row.updated_by_id, row.updated_at = (actor.id if actor else None), now()
    db.session.add(row)
    audit.record(actor, unit.id, "sla.set", f"unit:{unit.code}",
                 f"{profile.classify_days}/{profile.transfer_days}/"
                 f"{profile.reply_days}/{profile.extension_days}")
    db.session.flush()
    moved = recompute_open(org.descendant_ids(unit.id), actor=actor)
    db.session.commit()
    return moved


# --- For the settings pages (petitions.settings_views) ------------------------------------

def overrides(year: int) -> list[CalendarDay]:
    """The admin table's rows of one year, by date: `entries` names them, these carry the
    note the admin typed."""
    return list(db.session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)))


@dataclass(frozen=True)
class ProfileOrigin:
    """The profile a unit uses and where it comes from: `source` is the unit whose own
    profile it is (the unit itself or an ancestor), None for the installation defaults."""

    profile: rules.Profile
    source: Unit | None


def profile_origin(unit: Unit) -> ProfileOrigin:
    """What `profiles` decides for one unit, with the reason, for a page to explain."""
    for candidate in [unit, *org.ancestors(unit)]:
        row = own_profile(candidate.id)
        if row is not None:
            return ProfileOrigin(_as_profile(row), candidate)
    return ProfileOrigin(default_profile(), None)


def unset_profile(unit: Unit, actor: User | None) -> int | None:
    """Remove a unit's own SLA profile, so it inherits again; recomputes the open
    deadlines of it and the units below it. None when it had no own profile."""
    row = own_profile(unit.id)
    if row is None:
        return None
    db.session.delete(row)
    audit.record(actor, unit.id, "sla.unset", f"unit:{unit.code}")
    db.session.flush()
    moved = recompute_open(org.descendant_ids(unit.id), actor=actor)
    db.session.commit()
    return moved
