"""The PAKN figures of a period, counted from plain facts (pure, so the CLI, the API, the
dashboard and the report count alike, and a test can recount them from the events). The
facts are counted as columns (numpy arrays, `Rows`): see "Counting" below.

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

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

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
    def late_total(self) -> int:
        """How many petitions the late list holds, also where only its first rows were
        made (`count_rows(first=...)`, a page)."""
        return (self.not_accepted_late + self.transferred_late + self.answered_late
                + self.open_overdue)

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


# --- Counting ---------------------------------------------------------------------------
#
# The facts are counted as columns: one numpy array per field, an entry per petition. A
# report counts a province's year (100,000 petitions) for fifteen periods and a hundred
# units; one Python object per petition took seconds for that, the arrays take
# milliseconds. Instants are whole seconds since the epoch, floored (period bounds are
# whole seconds, so every comparison with them is exact); dates are days since 1970-01-01.

#: How a petition left the open states, by its code in `Rows.closed_as` (0: still open).
CLOSED_AS: tuple[str | None, ...] = (None, ANSWERED, REJECTED, TRANSFERRED)
_OPEN, _ANSWERED, _REJECTED, _TRANSFERRED = range(4)
#: An instant that never comes (not closed, not rated), and a date never reached.
NEVER = int(np.iinfo(np.int64).max)
NO_DAY = int(np.iinfo(np.int32).max)
DAY_SECONDS = 86_400
_EPOCH = date(1970, 1, 1).toordinal()


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH


def from_day_number(number: int) -> date:
    return date.fromordinal(int(number) + _EPOCH)


def seconds(at: datetime) -> int:
    """An aware instant as whole seconds since the epoch, floored."""
    return math.floor(at.timestamp())


def local_days(instants: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """The local date (a day number) of each instant. The zone's offset is looked up once
    per UTC day, not per petition; on a day it changes (daylight saving) each instant of
    that day is looked up on its own."""
    utc_days, where = np.unique(instants // DAY_SECONDS, return_inverse=True)

    def offset(at: int) -> int:
        return int(datetime.fromtimestamp(at, tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    starts = [offset(int(d) * DAY_SECONDS) for d in utc_days]
    ends = [offset(int(d) * DAY_SECONDS + DAY_SECONDS - 1) for d in utc_days]
    out = (instants + np.asarray(starts, dtype=np.int64)[where]) // DAY_SECONDS
    for i in np.flatnonzero((np.asarray(starts) != np.asarray(ends))[where]):
        out[i] = (instants[i] + offset(int(instants[i]))) // DAY_SECONDS
    return out


@dataclass(frozen=True)
class Rows:
    """The petitions a count reads, as columns (see above). `unit` and `channel` index
    `units` and `channels`; `category` 0 is none; `on_time` is -1 (not known), 0 or 1;
    `rating` 0 is none, counted from `rated` on; `closed_as` indexes CLOSED_AS, counted
    from `closed` on; `closed_day` is the local day of `closed`; `paused_on` is NO_DAY
    unless waiting. `ids` name the rows to whoever gives a late item its details."""

    ids: np.ndarray
    unit: np.ndarray
    units: tuple[str, ...]
    pakn: np.ndarray
    channel: np.ndarray
    channels: tuple[str, ...]
    category: np.ndarray
    received: np.ndarray
    closed: np.ndarray
    closed_as: np.ndarray
    closed_day: np.ndarray
    on_time: np.ndarray
    rating: np.ndarray
    rated: np.ndarray
    reply_due: np.ndarray
    transfer_due: np.ndarray
    paused_on: np.ndarray

    @classmethod
    def of(cls, *, ids: Sequence[int], units: Sequence[str], kinds: Sequence[str],
           channels: Sequence[str], categories: Sequence[int | None],
           received: Sequence[int], closed: Sequence[int], closed_as: Sequence[int],
           on_time: Sequence[int], rating: Sequence[int], rated: Sequence[int],
           reply_due: Sequence[int], transfer_due: Sequence[int], paused_on: Sequence[int],
           tz: ZoneInfo) -> Rows:
        """From one sequence per field, already as numbers where the class keeps numbers
        (NEVER, NO_DAY and 0 for what is missing); units, kinds and channels as words."""
        unit_names, unit_index = _coded(units)
        channel_names, channel_index = _coded(channels)
        closed_at = np.asarray(closed, dtype=np.int64)
        closed_day = np.zeros(len(closed_at), dtype=np.int64)
        done = closed_at != NEVER
        closed_day[done] = local_days(closed_at[done], tz)
        return cls(
            ids=np.asarray(ids, dtype=np.int64), unit=unit_index, units=unit_names,
            pakn=np.asarray(kinds, dtype=object) == rules.PAKN,
            channel=channel_index, channels=channel_names,
            category=np.asarray([c or 0 for c in categories], dtype=np.int16),
            received=np.asarray(received, dtype=np.int64), closed=closed_at,
            closed_as=np.asarray(closed_as, dtype=np.int8), closed_day=closed_day,
            on_time=np.asarray(on_time, dtype=np.int8),
            rating=np.asarray(rating, dtype=np.int8), rated=np.asarray(rated, dtype=np.int64),
            reply_due=np.asarray(reply_due, dtype=np.int64),
            transfer_due=np.asarray(transfer_due, dtype=np.int64),
            paused_on=np.asarray(paused_on, dtype=np.int64))

    @classmethod
    def from_facts(cls, facts: Sequence[Fact], tz: ZoneInfo) -> Rows:
        """Facts as rows, their ids their positions. A fact's rating counts whenever it
        has one: the caller gives each fact as it stood at the period's end."""
        return cls.of(
            ids=range(len(facts)), units=[f.unit for f in facts],
            kinds=[f.kind for f in facts], channels=[f.channel for f in facts],
            categories=[f.category for f in facts],
            received=[seconds(f.received_at) for f in facts],
            closed=[NEVER if f.closed_at is None else seconds(f.closed_at) for f in facts],
            closed_as=[CLOSED_AS.index(f.closed_as) for f in facts],
            on_time=[-1 if f.on_time is None else int(f.on_time) for f in facts],
            rating=[f.rating or 0 for f in facts], rated=[0] * len(facts),
            reply_due=[day_number(f.reply_due) for f in facts],
            transfer_due=[NO_DAY if f.transfer_due is None else day_number(f.transfer_due)
                          for f in facts],
            paused_on=[NO_DAY if f.paused_on is None else day_number(f.paused_on)
                       for f in facts],
            tz=tz)


def _coded(words: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Words as indexes into their distinct values (in order of first use)."""
    distinct = tuple(dict.fromkeys(words))
    index = dict(zip(distinct, range(len(distinct)), strict=True))
    return distinct, np.fromiter(map(index.__getitem__, words), dtype=np.int32,
                                 count=len(words))


@dataclass(frozen=True)
class _Period:
    """A period's bounds as the columns count them, and the day open petitions are judged
    on (see `count`)."""

    start: int
    end: int
    judged_on: int
    day_over: bool

    @classmethod
    def of(cls, start: datetime, end: datetime, tz: ZoneInfo, now: datetime | None
           ) -> _Period:
        last_day = (end - timedelta(seconds=1)).astimezone(tz).date()
        finished = now is None or now >= end
        # The day open petitions are judged on: the period's last day once it is over (a
        # petition due that day and unanswered is then overdue), else today (due before it).
        judged_on = last_day if finished or now is None else now.astimezone(tz).date()
        return cls(seconds(start), seconds(end), day_number(judged_on), finished)


@dataclass(frozen=True)
class _States:
    """Each row's part in a period: masks over the rows, one per way it can count."""

    gop_y: np.ndarray
    carried_over: np.ndarray
    received: np.ndarray
    not_accepted: np.ndarray
    not_accepted_late: np.ndarray
    transferred: np.ndarray
    transferred_late: np.ndarray
    answered_on_time: np.ndarray
    answered_late: np.ndarray
    rated: np.ndarray
    rated_unsatisfied: np.ndarray
    unsatisfied_or_late: np.ndarray
    open_in_time: np.ndarray
    open_overdue: np.ndarray

    @classmethod
    def of(cls, rows: Rows, p: _Period, reply_due: np.ndarray) -> _States:
        # Counted: received before the end and not settled before the start.
        counted = (rows.received < p.end) & ~(rows.closed < p.start)
        pakn = counted & rows.pakn
        received = pakn & (rows.received >= p.start)
        closed_as = np.where(rows.closed < p.end, rows.closed_as, _OPEN)
        rejected = pakn & (closed_as == _REJECTED)
        transferred = pakn & (closed_as == _TRANSFERRED)
        answered = pakn & (closed_as == _ANSWERED)
        on_time = rows.on_time == 1
        rated = answered & (rows.rating != 0) & (rows.rated < p.end)
        unsatisfied = rated & (rows.rating == rules.RATING_UNSATISFIED)
        still_open = pakn & (closed_as == _OPEN)
        # rules.overdue on the columns: a pause that began by the due date stops the clock.
        overdue = ~(reply_due >= rows.paused_on) & (
            (reply_due < p.judged_on) | (p.day_over & (reply_due == p.judged_on)))
        return cls(
            gop_y=counted & ~rows.pakn & (rows.received >= p.start),
            carried_over=pakn & ~received, received=received,
            not_accepted=rejected,
            # Turned away only after the reply date: listed, so an overdue petition
            # cannot leave the figures quietly.
            not_accepted_late=rejected & (rows.closed_day > reply_due),
            transferred=transferred,
            transferred_late=transferred & (rows.on_time == 0),  # after its transfer due
            answered_on_time=answered & on_time, answered_late=answered & ~on_time,
            rated=rated, rated_unsatisfied=unsatisfied,
            unsatisfied_or_late=(answered & ~on_time) | unsatisfied,
            open_in_time=still_open & ~overdue, open_overdue=still_open & overdue)


_COUNTS = tuple(f.name for f in fields(_States))


def count_rows(rows: Rows, start: datetime, end: datetime, *, calendar: Calendar,
               tz: ZoneInfo, now: datetime | None = None,
               reply_due: np.ndarray | None = None,
               shown: Callable[[list[int]], Mapping[int, Shown]] | None = None,
               first: int | None = None) -> Figures:
    """The counts of [start, end), with the late list when `shown(ids)` gives the late
    rows' details (see `_late_items`; `first`: only its first rows). `reply_due` is the
    reply date each row had at the period's end, where it differs from `rows.reply_due`.

    `now` (aware) matters only for a period that has not ended: open petitions are then
    judged as of now. Without it the period is taken as finished."""
    p = _Period.of(start, end, tz, now)
    due = rows.reply_due if reply_due is None else reply_due
    states = _States.of(rows, p, due)
    out = _counts(rows, states)[0]
    if shown is not None:
        out.late_items = _late_items(rows, states, p, due, calendar, shown, first)
    return out


def tally(rows: Rows, start: datetime, end: datetime, *, tz: ZoneInfo,
          now: datetime | None = None, groups: np.ndarray | None = None, size: int = 1,
          reply_due: np.ndarray | None = None) -> list[Figures]:
    """The counts of [start, end) (no late list) for each of `size` groups: `groups` gives
    each row's group (-1: in none). `reply_due` as in `count_rows`."""
    states = _States.of(rows, _Period.of(start, end, tz, now),
                        rows.reply_due if reply_due is None else reply_due)
    return _counts(rows, states, groups, size)


def _counts(rows: Rows, states: _States, groups: np.ndarray | None = None, size: int = 1
            ) -> list[Figures]:
    """Each group's counts from the rows' states (all rows in group 0 without `groups`)."""
    group = np.zeros(len(rows.ids), dtype=np.int64) if groups is None else np.where(
        groups < 0, size, groups)  # bin `size` collects the rows in no group

    def per_group(mask: np.ndarray) -> np.ndarray:
        return np.bincount(group[mask], minlength=size + 1)[:size]

    counted = {name: per_group(getattr(states, name)) for name in _COUNTS}
    received = states.received
    by_channel = np.bincount(group[received] * len(rows.channels) + rows.channel[received],
                             minlength=(size + 1) * len(rows.channels))
    categories = np.unique(rows.category)
    by_category = np.bincount(group[received] * len(categories) + np.searchsorted(
        categories, rows.category[received]), minlength=(size + 1) * len(categories))
    out = []
    for g in range(size):
        figures = Figures()
        for name in _COUNTS:
            setattr(figures, name, int(counted[name][g]))
        channels = by_channel[g * len(rows.channels):(g + 1) * len(rows.channels)]
        figures.received_by_channel = dict(sorted(
            (rows.channels[i], int(n)) for i, n in enumerate(channels) if n))
        cats = by_category[g * len(categories):(g + 1) * len(categories)]
        figures.received_by_category = dict(sorted(
            (str(categories[i]) if categories[i] else "none", int(n))
            for i, n in enumerate(cats) if n))
        out.append(figures)
    return out


@dataclass(frozen=True)
class Shown:
    """What a late item shows besides its dates and days: the caller reads it for the few
    rows that are late (a period's late list), not for every row."""

    code: str
    status: str
    received_at: datetime
    closed_at: datetime | None
    reason: str | None


def _late_items(rows: Rows, states: _States, p: _Period, due: np.ndarray,
                calendar: Calendar, shown: Callable[[list[int]], Mapping[int, Shown]],
                first: int | None) -> list[LateItem]:
    """The period's late list, in order of receipt: answered late, open and overdue,
    transferred after the transfer date, turned away after the reply date. Each says by
    how many working days it is (or was) late: at least one (answered on a day off after
    the due date is late all the same). `shown(ids)` gives those rows' details. `first`:
    only the list's first rows (a page shows 100 of a province's thousands), and only
    those rows' details are asked for."""
    # Each late row: its due date and the day it is judged late on.
    late = states.not_accepted_late | states.answered_late | states.open_overdue
    picked = np.flatnonzero(late | states.transferred_late)
    if first is not None and len(picked) > first:
        # The first rows by the second of receipt, and every row received in the same
        # second as the last of them: the list's order (to the microsecond, then by code)
        # is settled among those once their details are read.
        received = rows.received[picked]
        cut = np.sort(received)[first - 1] if first > 0 else received.min() - 1
        picked = picked[received <= cut]
    dues = np.where(states.transferred_late & (rows.transfer_due != NO_DAY),
                    rows.transfer_due, due)[picked]
    days = np.where(states.open_overdue, p.judged_on, rows.closed_day)[picked]
    still_open = states.open_overdue[picked]
    details = shown([int(i) for i in rows.ids[picked]])
    items = []
    for i, row_due, day, is_open in zip(picked, dues, days, still_open, strict=True):
        d = details[int(rows.ids[i])]
        reply_due = from_day_number(row_due)
        items.append(LateItem(
            code=d.code, unit=rows.units[rows.unit[i]], status=d.status,
            received_at=d.received_at, reply_due=reply_due,
            answered_at=None if is_open else d.closed_at,
            days_late=max(calendar.working_days_between(reply_due, from_day_number(day)), 1),
            reason=d.reason))
    items.sort(key=lambda item: (item.received_at, item.code))
    return items if first is None else items[:first]


def count(facts: Sequence[Fact], start: datetime, end: datetime, *, calendar: Calendar,
          tz: ZoneInfo, now: datetime | None = None, detail: bool = True) -> Figures:
    """Count `facts` for the period [start, end): local midnights around its days, with
    the late list unless `detail=False` (see `count_rows`)."""
    def shown(ids: list[int]) -> dict[int, Shown]:
        return {i: Shown(facts[i].code, facts[i].status, facts[i].received_at,
                         facts[i].closed_at, facts[i].reason) for i in ids}

    return count_rows(Rows.from_facts(facts, tz), start, end, calendar=calendar, tz=tz,
                      now=now, shown=shown if detail else None)
