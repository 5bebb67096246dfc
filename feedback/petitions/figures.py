"""The PAKN figures of a period, counted from plain facts (pure, so the CLI, the API, the
dashboard and the report count alike, and a test can recount them from the events).

Population: petitions (PAKN, not góp ý) carried over — received before the period and
still open at its start — plus those received in it. Each is counted by its state at the
period's end: one answered after the end was still open then, in time or overdue by its
reply due date against that end (DOMAIN §4, issue 7). At the end of a finished period its
last day is over, so a petition due that day and still unanswered is overdue (answered the
next day it is late, in the next period). A period still running is counted as of `now`:
a petition is overdue once its due day has passed, never for a due date still to come.

On-time rate = answered on time ÷ (answered on time + answered late + open overdue),
against 100%; null when nothing counts. Rejected and transferred petitions are reported
apart. Satisfaction (QĐ 766): (all − rated unsatisfied − late) ÷ all, where "all" is what
the on-time rate counts (answered, and open overdue) and "late" is answered late or open
overdue: a late case counts as unsatisfied whatever its rating, and only once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from feedback.petitions import rules
from feedback.workdays import Calendar

TARGET_PERCENT = 100.0

ANSWERED = "answered"
REJECTED = "rejected"
TRANSFERRED = "transferred"


@dataclass(frozen=True)
class Fact:
    """One petition as the figures need it. `closed_as` is how it left the open states
    (answered, rejected, transferred) or None while open; `closed_at` when."""

    code: str
    unit: str
    kind: str
    channel: str
    category: int | None
    received_at: datetime
    reply_due: date
    closed_as: str | None = None
    transfer_due: date | None = None  # a transfer is judged against it
    closed_at: datetime | None = None
    on_time: bool | None = None
    rating: int | None = None
    reason: str | None = None
    status: str = "received"
    paused_on: date | None = None  # the working day a still-open pause counts from


@dataclass(frozen=True)
class LateItem:
    code: str
    unit: str
    status: str
    received_at: datetime
    reply_due: date
    answered_at: datetime | None
    days_late: int
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "unit": self.unit, "status": self.status,
            "received_at": self.received_at.isoformat(),
            "reply_due": self.reply_due.isoformat(),
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "days_late": self.days_late, "reason": self.reason,
        }


@dataclass
class Figures:
    carried_over: int = 0
    received: int = 0
    received_by_channel: dict[str, int] = field(default_factory=dict)
    received_by_category: dict[str, int] = field(default_factory=dict)
    not_accepted: int = 0
    transferred: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    open_in_time: int = 0
    open_overdue: int = 0
    late_items: list[LateItem] = field(default_factory=list)
    rated: int = 0
    rated_unsatisfied: int = 0
    unsatisfied_or_late: int = 0  # answered late, or rated unsatisfied (counted once)
    transferred_late: int = 0
    not_accepted_late: int = 0
    gop_y: int = 0

    @property
    def population(self) -> int:
        return self.carried_over + self.received

    @property
    def on_time_rate(self) -> float | None:
        counted = self.answered_on_time + self.answered_late + self.open_overdue
        return round(100 * self.answered_on_time / counted, 2) if counted else None

    @property
    def meets_target(self) -> bool | None:
        """Exactly 100%: judged on the counts, never on a rounded percentage (39,999 of
        40,000 rounds to 100.0 but misses the target)."""
        counted = self.answered_on_time + self.answered_late + self.open_overdue
        return None if not counted else self.answered_on_time == counted

    @property
    def satisfaction_counted(self) -> int:
        """QĐ 766's "all": what the on-time rate counts (answered, and open overdue)."""
        return self.answered_on_time + self.answered_late + self.open_overdue

    @property
    def satisfaction_percent(self) -> float | None:
        counted = self.satisfaction_counted
        if not counted:
            return None
        return round(100 * (counted - self.unsatisfied_or_late - self.open_overdue)
                     / counted, 2)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `feedback stats petitions` and `/api/v1/petitions/stats`."""
        return {
            "carried_over": self.carried_over,
            "received": self.received,
            "received_by_channel": self.received_by_channel,
            "received_by_category": self.received_by_category,
            "not_accepted": self.not_accepted,
            "transferred": self.transferred,
            "answered_on_time": self.answered_on_time,
            "answered_late": self.answered_late,
            "open_in_time": self.open_in_time,
            "open_overdue": self.open_overdue,
            "on_time_rate": self.on_time_rate,
            "target": TARGET_PERCENT,
            "meets_target": self.meets_target,
            "late_items": [item.as_dict() for item in self.late_items],
            "satisfaction": {
                "percent": self.satisfaction_percent,
                "counted": self.satisfaction_counted,
                "answered": self.answered_on_time + self.answered_late,
                "rated": self.rated,
                "rated_unsatisfied": self.rated_unsatisfied,
                "late": self.answered_late + self.open_overdue,
            },
            "transferred_late": self.transferred_late,
            "not_accepted_late": self.not_accepted_late,
            "gop_y": self.gop_y,
        }


def count(facts: list[Fact], start: datetime, end: datetime, *, calendar: Calendar,
          tz: ZoneInfo, now: datetime | None = None, detail: bool = True) -> Figures:
    """Count `facts` for the period [start, end): local midnights around its days. The
    late list says by how many working days each item is (or was) late: at least one.

    `now` (aware) matters only for a period that has not ended: open petitions are then
    judged as of now. Without it the period is taken as finished. `detail=False` leaves
    the late list empty (every count is the same): a report's comparisons, units below
    and monthly trend need only the counts, and the list's working-day arithmetic was
    most of a province's count."""
    last_day = (end - timedelta(seconds=1)).astimezone(tz).date()
    finished = now is None or now >= end
    # The day open petitions are judged on: the period's last day once it is over (a
    # petition due that day and unanswered is then overdue), else today (due before it).
    judged_on = last_day if finished or now is None else now.astimezone(tz).date()
    out = Figures()
    channels: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    late = out.late_items.append
    for fact in facts:
        if fact.received_at >= end:
            continue
        closed = fact.closed_as if fact.closed_at is not None and fact.closed_at < end else None
        if fact.kind != rules.PAKN:
            out.gop_y += fact.received_at >= start
            continue
        if fact.received_at < start:
            if fact.closed_at is not None and fact.closed_at < start:
                continue  # settled before the period: not in its population
            out.carried_over += 1
        else:
            out.received += 1
            channels[fact.channel] += 1
            categories[str(fact.category) if fact.category else "none"] += 1
        if closed == REJECTED:
            out.not_accepted += 1
            # Turned away only after the reply date: listed, so an overdue petition
            # cannot leave the figures quietly.
            if fact.closed_at is not None and fact.closed_at.astimezone(tz).date() > (
                    fact.reply_due):
                out.not_accepted_late += 1
                if detail:
                    late(_late(fact, fact.closed_at.astimezone(tz).date(), calendar))
        elif closed == TRANSFERRED:
            out.transferred += 1
            if fact.on_time is False and fact.closed_at is not None:  # after its transfer due
                out.transferred_late += 1
                if detail:
                    late(_late(fact, fact.closed_at.astimezone(tz).date(), calendar,
                               due=fact.transfer_due))
        elif closed == ANSWERED and fact.closed_at is not None:
            if fact.on_time:
                out.answered_on_time += 1
            else:
                out.answered_late += 1
                if detail:
                    late(_late(fact, fact.closed_at.astimezone(tz).date(), calendar))
            if fact.rating is not None:
                out.rated += 1
                out.rated_unsatisfied += fact.rating == rules.RATING_UNSATISFIED
            out.unsatisfied_or_late += (not fact.on_time) or (
                fact.rating == rules.RATING_UNSATISFIED)
        elif rules.overdue(fact.reply_due, judged_on, fact.paused_on, day_over=finished):
            out.open_overdue += 1
            if detail:
                late(_late(fact, judged_on, calendar, still_open=True))
        else:
            out.open_in_time += 1
    # In order of receipt (sorting the list, not the facts: most are never late).
    out.late_items.sort(key=lambda item: (item.received_at, item.code))
    out.received_by_channel = dict(sorted(channels.items()))
    out.received_by_category = dict(sorted(categories.items()))
    return out


def _late(fact: Fact, day: date, calendar: Calendar, *, still_open: bool = False,
          due: date | None = None) -> LateItem:
    due = due or fact.reply_due
    return LateItem(
        code=fact.code, unit=fact.unit, status=fact.status,
        received_at=fact.received_at, reply_due=due,
        answered_at=None if still_open else fact.closed_at,
        # Answered (or still open) on a day off after the due date: late all the same.
        days_late=max(calendar.working_days_between(due, day), 1), reason=fact.reason,
    )
