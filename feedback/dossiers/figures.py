"""Dossiers returned on time and late, per procedure (pure, so the SQL that counts and the
tests that recount agree on one definition).

**Population.** The dossiers *due* in the period (their appointment day, local, falls in
it): that is when a dossier can first be judged. Beside them the dossiers *received* in
the period, for scale only.

**Verdict, by day.** A dossier returned on or before its appointment day (local) is on
time, whatever the hour: exports print the appointment as a day, and counters return
results all day long. Each dossier is counted by its state at the period's end, like the
petitions (`petitions.figures`): once a period is over its last day is over, so a dossier
due in it and not returned by then is overdue, and stays counted so in that period even
when returned later (a finished period's figures do not move with later returns; the
dossier counts only in the period it is due in). A period still running is judged as of
today: a dossier is overdue once its appointment day has passed, never on it.

**Rates** (each null when nothing counts):
- `on_time_rate` = returned on time ÷ returned (TT 01/2018's "tỷ lệ giải quyết đúng hạn"
  of the dossiers settled);
- `qd766_ratio` = returned on time ÷ (returned + not returned and overdue): QĐ 766's
  reading, where a late case counts against the unit whether or not it was returned
  (DOMAIN.md §3, as for PAKN), so a unit cannot raise its rate by holding late dossiers
  back. [U] The national index's exact text was not found; this is the same rule as the
  PAKN ratio, against the 100% target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

TARGET_PERCENT = 100.0

ON_TIME = "on_time"
LATE = "late"
OPEN_OVERDUE = "open_overdue"
OPEN_IN_TIME = "open_in_time"


@dataclass(frozen=True)
class Judgement:
    """When a period's dossiers are judged: a dossier returned on or before `returned_by`
    counts as returned; one not returned and due before `overdue_before` is overdue."""

    returned_by: date
    overdue_before: date


def judgement(first: date, last: date, today: date) -> Judgement:
    """A finished period is judged at the end of its last day (everything due in it and not
    returned is overdue); a running one as of today (due today is not yet overdue)."""
    if today > last:
        return Judgement(last, last + timedelta(days=1))
    return Judgement(today, today)


def verdict(due_day: date, returned_day: date | None, when: Judgement) -> str:
    """One dossier's state: ON_TIME, LATE, OPEN_OVERDUE or OPEN_IN_TIME."""
    if returned_day is not None and returned_day <= when.returned_by:
        return ON_TIME if returned_day <= due_day else LATE
    return OPEN_OVERDUE if due_day < when.overdue_before else OPEN_IN_TIME


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 2)


@dataclass(frozen=True)
class Counts:
    """One procedure's (or the total's) dossiers in a period."""

    code: str
    name: str
    received: int = 0
    due: int = 0
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0
    open_in_time: int = 0

    @property
    def returned(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.on_time, self.returned)

    @property
    def qd766_ratio(self) -> float | None:
        return percent(self.on_time, self.returned + self.open_overdue)

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.code, self.name, self.received + other.received,
                      self.due + other.due, self.on_time + other.on_time,
                      self.late + other.late, self.open_overdue + other.open_overdue,
                      self.open_in_time + other.open_in_time)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "received": self.received,
                "due": self.due, "on_time": self.on_time, "late": self.late,
                "open_overdue": self.open_overdue, "open_in_time": self.open_in_time,
                "on_time_rate": self.on_time_rate, "qd766_ratio": self.qd766_ratio}


def total(rows: list[Counts]) -> Counts:
    """Every procedure's counts added up (code and name empty)."""
    out = Counts("", "")
    for row in rows:
        out = out + row
    return Counts("", "", *(getattr(out, k) for k in
                            ("received", "due", "on_time", "late", "open_overdue",
                             "open_in_time")))


def count(dossiers: list[tuple[str, str, date, date, date | None]], first: date, last: date,
          when: Judgement) -> list[Counts]:
    """Per procedure code, from (procedure code, name, received day, due day, returned
    day) rows: what the SQL of `dossiers.stats` counts, spelled out for the tests. Sorted
    by code; a procedure's name is the first one met."""
    by_code: dict[str, Counts] = {}
    for code, name, received, due, returned in dossiers:
        row = Counts(code, name, received=int(first <= received <= last))
        if first <= due <= last:
            state = verdict(due, returned, when)
            row = Counts(code, name, row.received, 1, int(state == ON_TIME),
                         int(state == LATE), int(state == OPEN_OVERDUE),
                         int(state == OPEN_IN_TIME))
        if row.received or row.due:
            by_code[code] = by_code[code] + row if code in by_code else row
    return [by_code[c] for c in sorted(by_code)]
