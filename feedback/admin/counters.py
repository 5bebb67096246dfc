"""Counter lifecycle: create, rename, reorder, deactivate and reactivate a counter.

One service for the staff pages and the CLI. Each use case commits once and writes an
AuditEvent in the same transaction. Revoking a poster and changing a counter's form change
its link, so they live with the links in `feedback.qr.services` (`reissue`,
`set_questionnaire`); deactivating starts the same grace for forms already open.

Errors are `CounterError` with a `reason` the pages turn into Vietnamese and an English
message for the CLI. Nothing is deleted: a deactivated counter keeps its responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from feedback.audit import record_counter
from feedback.extensions import db
from feedback.models import Counter, Unit, User
from feedback.qr import services as links
from feedback.survey import catalogue
from feedback.text_rules import TextRefused, clean_line

#: Counter.name is String(200): checked here so SQLite and PostgreSQL answer alike.
NAME_MAX = 200
#: Short codes drawn before giving up; two requests drawing the same free code at the same
#: moment is already rare (887 million codes), three times in a row does not happen.
SHORT_CODE_TRIES = 3


class CounterError(ValueError):
    """A refused change; nothing was stored. `reason` is one of: empty, too_long,
    control, duplicate, province, inactive_unit, questionnaire, inactive."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownCounter(LookupError):
    """No counter has this id."""


# --- Pure rules ----------------------------------------------------------------------------

def clean_name(raw: str) -> str:
    """A counter name as it will be printed (`text_rules.clean_line`: NFC, inner runs of
    spaces collapsed, 1–200 characters, one line, no control characters: PostgreSQL refuses
    NUL, and a line break would break the poster and a mail subject)."""
    try:
        return clean_line(raw, NAME_MAX)
    except TextRefused as exc:
        message = {"control": "a counter name cannot contain line breaks or control "
                              "characters",
                   "empty": "a counter needs a name",
                   "too_long": f"a counter name has at most {NAME_MAX} characters "
                               f"(this one has {exc.length})"}[exc.reason]
        raise CounterError(exc.reason, message) from None


def check_questionnaire(code: str) -> str:
    try:
        return catalogue.current(code).code
    except KeyError:
        known = ", ".join(c for c, _ in catalogue.codes())
        raise CounterError("questionnaire",
                           f"unknown questionnaire {code!r}; one of {known}") from None


def check_unit_takes_counters(unit: Unit) -> None:
    """Counters stand in a commune's one-stop office; a province has none of its own."""
    if unit.kind == "province":
        raise CounterError("province", f"unit {unit.code} is a province: counters belong "
                                       "to its communes")
    if not unit.active:
        raise CounterError("inactive_unit", f"unit {unit.code} is deactivated")


def swapped(order: list[int], counter_id: int, direction: Literal["up", "down"]) -> list[int]:
    """`order` with `counter_id` moved one place up or down (unchanged at either end)."""
    i = order.index(counter_id)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return order
    out = list(order)
    out[i], out[j] = out[j], out[i]
    return out


# --- Reads ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitCounters:
    active: list[Counter]
    inactive: list[Counter]


def counters_of(unit: Unit) -> UnitCounters:
    rows = list(db.session.scalars(
        select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.position, Counter.id)
    ))
    return UnitCounters([c for c in rows if c.active], [c for c in rows if not c.active])


def counter_by_id(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        raise UnknownCounter(f"no counter with id {counter_id}")
    return counter


# --- Use cases -----------------------------------------------------------------------------

def _commit_name(unit_id: int, name: str, *, flush_only: bool = False) -> None:
    """Let the unique constraints decide (a look-up first would race), then tell the
    clashes apart: `name` already used in the unit is the office's to fix ("duplicate");
    any other clash (a short code drawn twice at the same moment) is re-raised as the
    IntegrityError it is, for the caller to handle."""
    try:
        if flush_only:
            db.session.flush()
        else:
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if db.session.scalar(select(Counter.id).where(Counter.unit_id == unit_id,
                                                      Counter.name == name)) is not None:
            raise CounterError("duplicate", f"this unit already has a counter named "
                                            f"{name!r}") from None
        raise


def _short_code_taken(code: str) -> bool:
    return db.session.scalar(select(Counter.id).where(Counter.short_code == code)) is not None


def create(unit: Unit, name: str, questionnaire: str = "short", *,
           actor: User | None = None) -> Counter:
    """A new active counter at the end of the unit's list, with its own short code (drawn
    again if another request took the same one in the meantime)."""
    check_unit_takes_counters(unit)
    clean = clean_name(name)
    code = check_questionnaire(questionnaire)
    unit_id = unit.id
    for attempt in range(1, SHORT_CODE_TRIES + 1):
        last = db.session.scalar(select(func.max(Counter.position))
                                 .where(Counter.unit_id == unit_id)) or 0
        short = links.fresh_short_code()
        counter = Counter(unit_id=unit_id, name=clean, questionnaire=code,
                          position=last + 1, short_code=short)
        db.session.add(counter)
        try:
            _commit_name(unit_id, clean, flush_only=True)  # the id, for the audit line
        except IntegrityError:
            if attempt < SHORT_CODE_TRIES and _short_code_taken(short):
                continue
            raise
        record_counter(actor, counter, "counter.create", f"{clean} ({code})")
        db.session.commit()
        return counter
    raise AssertionError("unreachable: the last attempt returns or raises")


def rename(counter: Counter, name: str, *, actor: User | None = None) -> bool:
    """False when the name is unchanged. The poster shows the name: reprint it."""
    clean = clean_name(name)
    if clean == counter.name:
        return False
    old = counter.name
    counter.name = clean
    record_counter(actor, counter, "counter.rename", f"{old} → {clean}")
    _commit_name(counter.unit_id, clean)
    return True


def move(counter: Counter, direction: Literal["up", "down"], *,
         actor: User | None = None) -> bool:
    """Swap with the neighbouring active counter; positions are renumbered 1..n so that
    old duplicates (demo data, imports) never make a move a no-op. False at either end."""
    if not counter.active:
        raise CounterError("inactive", f"counter {counter.id} is deactivated")
    active = counters_of(counter.unit).active
    order = [c.id for c in active]
    new = swapped(order, counter.id, direction)
    if new == order:
        return False
    by_id = {c.id: c for c in active}
    for position, counter_id in enumerate(new, start=1):
        by_id[counter_id].position = position
    record_counter(actor, counter, "counter.move", direction)
    db.session.commit()
    return True


def deactivate(counter: Counter, *, actor: User | None = None,
               now: datetime | None = None) -> datetime | None:
    """The poster stops working; forms already open are accepted until the returned time.
    None when it was already inactive."""
    if not counter.active:
        return None
    until = links.start_grace(counter, now)
    counter.active = False
    record_counter(actor, counter, "counter.deactivate")
    db.session.commit()
    return until


def reactivate(counter: Counter, *, actor: User | None = None) -> bool:
    """Back at the end of the list, with the same poster (its link was never revoked)."""
    if counter.active:
        return False
    check_unit_takes_counters(counter.unit)
    last = db.session.scalar(select(func.max(Counter.position)).where(
        Counter.unit_id == counter.unit_id, Counter.active.is_(True))) or 0
    counter.active = True
    counter.position = last + 1
    record_counter(actor, counter, "counter.reactivate")
    db.session.commit()
    return True
