"""Working days and petition deadlines (DOMAIN.md §4–5), pure so every screen agrees.

A day is a working day unless it is a weekend day or a Vietnamese public holiday, with
two corrections:

1. **Swaps the package knows.** The `holidays` package computes the lunar dates (Tết,
   Giỗ Tổ), the compensatory days for holidays that fall on a weekend, the day next to
   2/9, and the government's yearly swaps it has been taught (a weekday off traded for a
   Saturday worked: 2024 29/4 ↔ Sat 4/5, 2025 2/5 ↔ Sat 26/4, 2026 31/8 ↔ Sat 22/8). It
   lists the worked Saturday in ``weekend_workdays``; we honour it.
2. **The admin table** ``{date: True (working) | False (day off)}`` wins over everything,
   because swaps are announced each year after the package was released, and provinces
   add their own days off.

Nothing here reads configuration or the database: the caller builds a `Calendar` from
the stored override table and recomputes deadlines with it, which is how a calendar
change moves every open deadline.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from feedback.msgid import N_

COUNTRY = "VN"
WEEKEND: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday, Sunday
DEFAULT_CLOSES = time(17, 0)
DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Pause = tuple[datetime, datetime | None]
"""(paused at, resumed at or None while still paused); both timezone-aware."""

Source = Literal["holiday", "swap", "admin"]

_ONE_DAY = timedelta(days=1)
_SWAP_NAME = N_("Ngày làm việc bù (hoán đổi ngày nghỉ)")
_ADMIN_WORK_NAME = N_("Ngày làm việc bù")
_ADMIN_OFF_NAME = N_("Ngày nghỉ thêm")


@dataclass(frozen=True)
class _PackageYear:
    """What the `holidays` package says about one year: days off and worked Saturdays."""

    days_off: Mapping[date, str]
    worked_weekend_days: frozenset[date]


@functools.lru_cache(maxsize=64)
def _package_year(year: int) -> _PackageYear:
    """The package's calendar for a year, built once per process: it never changes.

    Cross-year swaps (a Saturday in December traded for a day off in January) are
    listed by the package on every instance, so we keep only the ones falling in `year`.
    `holidays` is imported here, not at the top: its calendars take ~75 ms to import and
    most commands never ask for a working day (the web server imports it at start).
    """
    import holidays

    calendar = holidays.country_holidays(COUNTRY, years=year, language="vi")
    return _PackageYear(
        days_off={day: name for day, name in calendar.items() if day.year == year},
        worked_weekend_days=frozenset(d for d in calendar.weekend_workdays if d.year == year),
    )


@dataclass(frozen=True)
class CalendarEntry:
    """One day that differs from an ordinary weekday/weekend, for `calendar show`."""

    day: date
    working: bool
    name: str
    source: Source


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


def _require_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"a number of working days must be an integer, got {n!r}")
    if n < 0:
        raise ValueError(f"a number of working days cannot be negative, got {n}")


_WEEKDAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def parse_weekend(text: str) -> frozenset[int]:
    """``"sat,sun"`` → ``{5, 6}``: the weekly days off as configured (English three-letter
    day names, comma-separated; at least one working day must remain)."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in _WEEKDAY_NAMES]
    if unknown:
        raise ValueError(f"weekend days are mon, tue, wed, thu, fri, sat, sun; got {unknown}")
    days = frozenset(_WEEKDAY_NAMES[name] for name in names)
    if len(days) == 7:
        raise ValueError("a week needs at least one working day")
    return days


def parse_closing_time(text: str) -> time:
    """``"17:00"`` → ``time(17, 0)``: the office's closing time as configured."""
    try:
        closes = time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"closing time must look like HH:MM, got {text!r}") from None
    if closes.tzinfo is not None:
        raise ValueError(f"closing time is local wall time, without an offset: {text!r}")
    return closes


class Calendar:
    """Working days for one installation: package holidays, weekend, admin overrides.

    Cheap to build (the package's years are cached per process), so a caller builds one
    per use from the current override table instead of keeping one that could go stale.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        weekend: Iterable[int] = WEEKEND,
    ) -> None:
        self.overrides: Mapping[date, bool] = dict(overrides or {})
        self.weekend = frozenset(weekend)
        if not self.weekend <= set(range(7)):
            raise ValueError(f"weekend days are 0 (Monday) to 6 (Sunday), got {sorted(weekend)}")
        if len(self.weekend) == 7:
            raise ValueError("a week needs at least one working day")
        self._days: dict[int, frozenset[date]] = {}
        self._runs: dict[int, list[int]] = {}

    def _days_off(self, year: int) -> frozenset[date]:
        """Every non-working day of a year, computed once per year and calendar."""
        cached = self._days.get(year)
        if cached is None:
            package = _package_year(year)
            day = date(year, 1, 1)
            off: set[date] = set()
            while day.year == year:
                if self.overrides.get(day, self._default_working(day, package)) is False:
                    off.add(day)
                day += _ONE_DAY
            cached = self._days[year] = frozenset(off)
        return cached

    def _default_working(self, day: date, package: _PackageYear) -> bool:
        if day in package.days_off:
            return False
        if day in package.worked_weekend_days:
            return True
        return day.weekday() not in self.weekend

    def is_working_day(self, day: date) -> bool:
        return day not in self._days_off(day.year)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day`; `day` itself when n is 0 (nothing to count)."""
        _require_count(n)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when end < start.

        The inverse of `add_working_days`: between(d, add_working_days(d, k)) == k. Hence
        "due within 2 working days" is ``between(today, due) <= 2`` and a reply is late by
        ``between(due, replied_on)`` working days when that is positive.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = self._through(end) - self._through(start)
        for year in range(start.year, end.year):
            count += self._running(year)[-1]
        return count

    def _through(self, day: date) -> int:
        """Working days from 1 January of `day`'s year up to and including `day`."""
        return self._running(day.year)[day.timetuple().tm_yday - 1]

    def _running(self, year: int) -> list[int]:
        """The running count of a year's working days, one entry per day, computed once
        per year and calendar: a province's late list counts thousands of spans, which
        took 0.2 s day by day."""
        cached = self._runs.get(year)
        if cached is None:
            off = self._days_off(year)
            count, cached, day = 0, [], date(year, 1, 1)
            while day.year == year:
                count += day not in off
                cached.append(count)
                day += _ONE_DAY
            self._runs[year] = cached
        return cached

    def receipt_day(
        self, received_at: datetime, *, tz: ZoneInfo = DEFAULT_TZ, closes: time = DEFAULT_CLOSES
    ) -> date:
        """The day a petition counts as received (DOMAIN §5, a [U] rule kept in one place).

        Received on a non-working day, or at/after closing time local: the next working
        day. Otherwise the local day of receipt.
        """
        _require_aware(received_at, "received_at")
        local = received_at.astimezone(tz)
        day = local.date()
        if not self.is_working_day(day) or local.time() >= closes:
            return self.next_working_day(day)
        return day

    def paused_days(
        self, pause: Pause, *, tz: ZoneInfo = DEFAULT_TZ, closes: time = DEFAULT_CLOSES
    ) -> frozenset[date]:
        """The working days a pause covers: from the day it starts up to, not including,
        the day it ends, each end placed by the receipt rule (`receipt_day`): a pause
        begun at or after closing time, or on a day off, starts on the next working day.
        Paused and resumed on the same working day covers none (the office worked on it
        that day), nor does a pause from one evening to the next morning: the office had
        already had that day. The granularity is a day, as for every deadline."""
        start, end = pause
        if end is None:
            raise ValueError("an open pause has no end: pass as_of to deadline()")
        _require_aware(start, "a pause's start")
        _require_aware(end, "a pause's end")
        if end < start:
            raise ValueError(
                f"a pause cannot end before it starts: {start.isoformat()} > {end.isoformat()}"
            )
        first = self.receipt_day(start, tz=tz, closes=closes)
        stop = self.receipt_day(end, tz=tz, closes=closes)
        days: set[date] = set()
        while first < stop:
            if self.is_working_day(first):
                days.add(first)
            first += _ONE_DAY
        return frozenset(days)

    def deadline(
        self,
        received_at: datetime,
        n: int,
        *,
        tz: ZoneInfo = DEFAULT_TZ,
        closes: time = DEFAULT_CLOSES,
        pauses: Iterable[Pause] = (),
        as_of: datetime | None = None,
    ) -> date:
        """The N-th working day after the receipt day, pushed by the working days paused.

        The clock counts working days after the receipt day that are not paused (see
        `paused_days`); the deadline is the day the N-th counted day falls on. So a pause
        inside the running clock pushes the deadline by exactly its paused working days,
        while days paused after the deadline had already passed do not undo lateness.
        A still-open pause (end None) is counted as if resumed on `as_of`'s local day,
        which must then be given: the projected date moves on each day the citizen is
        awaited.
        """
        _require_count(n)
        _require_aware(received_at, "received_at")
        if as_of is not None:
            _require_aware(as_of, "as_of")
        paused: set[date] = set()
        for start, end in pauses:
            _require_aware(start, "a pause's start")
            if end is None:
                if as_of is None:
                    raise ValueError("a still-open pause needs as_of to project the deadline")
                end = max(as_of, start)
            paused |= self.paused_days((start, end), tz=tz, closes=closes)
        day = self.receipt_day(received_at, tz=tz, closes=closes)
        counted = 0
        while counted < n:
            day = self.next_working_day(day)
            counted += day not in paused
        return day

    def entries(self, year: int) -> list[CalendarEntry]:
        """The year's exceptions to the weekday rule, by date: package holidays (those on
        a weekend too, for the record, beside their compensatory day) and worked Saturdays,
        replaced where the admin table says otherwise."""
        package = _package_year(year)
        found: dict[date, CalendarEntry] = {}
        for day, name in package.days_off.items():
            found[day] = CalendarEntry(day, False, name, "holiday")
        for day in package.worked_weekend_days:
            found[day] = CalendarEntry(day, True, _SWAP_NAME, "swap")
        for day, working in self.overrides.items():
            if day.year == year:
                name = _ADMIN_WORK_NAME if working else _ADMIN_OFF_NAME
                found[day] = CalendarEntry(day, working, name, "admin")
        return [found[day] for day in sorted(found)]
