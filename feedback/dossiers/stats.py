"""The dossier figures of a unit and every unit below it for a period, read in three
queries: one GROUP BY procedure for the counts (the verdict of `figures.verdict` written
as conditional sums), two for the survey answers that carry a dossier code and met their
dossier through its keyed hash. `figures` turns the counts into rates.

Periods are local days (`reports.periods.Period`); a dossier's days are stored local, so
"due in October" is a plain date range, and responses are cut by the period's UTC bounds
as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, exists, func, or_, select

from feedback import org, sipas
from feedback.dossiers import figures
from feedback.dossiers.figures import Counts, Judgement
from feedback.extensions import db
from feedback.models import Answer, Dossier, Response, Unit
from feedback.reports.periods import Period
from feedback.vi_order import vi_sort_key


@dataclass(frozen=True)
class Matched:
    """Survey responses of the period that gave a dossier code (`with_code`), those whose
    code is an imported dossier of the same units (`matched`), and those responses' SAT5
    answers: how many, how many 4 or 5, and that share (pooled)."""

    with_code: int = 0
    matched: int = 0
    answers: int = 0
    satisfied: int = 0

    @property
    def percent(self) -> float | None:
        return figures.percent(self.satisfied, self.answers)

    def as_dict(self) -> dict[str, Any]:
        return {"with_code": self.with_code, "matched": self.matched,
                "answers": self.answers, "satisfied": self.satisfied,
                "percent": self.percent}


@dataclass(frozen=True)
class DossierFigures:
    period: Period
    timezone: str
    judged: Judgement
    procedures: list[Counts]
    totals: Counts
    responses: Matched

    def as_dict(self) -> dict[str, Any]:
        """The report's `dossiers`: counts and rates per procedure and in total, when they
        were judged, and the matched survey answers."""
        return {
            "period": {"from": self.period.first.isoformat(),
                       "to": self.period.last.isoformat(), "timezone": self.timezone},
            "returned_by": self.judged.returned_by.isoformat(),
            "overdue_before": self.judged.overdue_before.isoformat(),
            "target": figures.TARGET_PERCENT,
            "procedures": [row.as_dict() for row in self.procedures],
            "totals": self.totals.as_dict(),
            "responses": self.responses.as_dict(),
        }


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counts(unit_ids: set[int], period: Period, when: Judgement) -> list[Counts]:
    """Per procedure code (a province's communes' "HT01" together), in Vietnamese order
    of the name; dossiers without a procedure last."""
    first, last = period.first, period.last
    received = and_(Dossier.received_day >= first, Dossier.received_day <= last)
    due = and_(Dossier.due_day >= first, Dossier.due_day <= last)
    returned = and_(due, Dossier.returned_day.is_not(None),
                    Dossier.returned_day <= when.returned_by)
    still_open = and_(due, or_(Dossier.returned_day.is_(None),
                               Dossier.returned_day > when.returned_by))
    rows = db.session.execute(
        select(Dossier.procedure_code, func.min(Dossier.procedure_name), _sum(received),
               _sum(due), _sum(and_(returned, Dossier.returned_day <= Dossier.due_day)),
               _sum(and_(returned, Dossier.returned_day > Dossier.due_day)),
               _sum(and_(still_open, Dossier.due_day < when.overdue_before)),
               _sum(and_(still_open, Dossier.due_day >= when.overdue_before)))
        .where(Dossier.unit_id.in_(unit_ids), or_(received, due))
        .group_by(Dossier.procedure_code)).all()
    out = [Counts(code, name or "", *(int(v) for v in values))
           for code, name, *values in rows]
    return sorted(out, key=lambda c: (not c.code, vi_sort_key(c.name), c.code))


def matched_responses(unit_ids: set[int], start: datetime, end: datetime) -> Matched:
    """Two queries over the period's responses that gave a dossier code (an index holds
    only those): how many, and how many have the hash of an imported dossier of these
    units (an equality on the keyed hash; the code is stored nowhere); then the matched
    ones' SAT5 answers.

    The `+ 0` and `|| ''` keep two indexes out of it, on purpose: with them a province's
    year (47,000 coded responses) takes 0.6 s on SQLite; without them SQLite looked each
    hash up once per unit of the province and each answer once per item, 20 s."""
    matched = exists().where(Dossier.dossier_hash == Response.dossier_hash,
                             (Dossier.unit_id + 0).in_(unit_ids))
    coded = (Response.unit_id.in_(unit_ids), Response.created_at >= start,
             Response.created_at < end, Response.dossier_hash.is_not(None))
    with_code, found = db.session.execute(
        select(func.count(), _sum(matched)).select_from(Response).where(*coded)).one()
    answers, satisfied = db.session.execute(
        select(func.count(Answer.id), _sum(Answer.value >= 4)).select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
        .where(*coded, matched, Answer.item.op("||")("").in_(list(sipas.ITEMS)))).one()
    return Matched(int(with_code), int(found or 0), int(answers), int(satisfied or 0))


def figures_for(unit: Unit, period: Period, *, today: date | None = None) -> DossierFigures:
    """The dossiers of `unit` and every unit below it due (and received) in `period`,
    judged at the period's end or, while it runs, today (local)."""
    name = current_app.config["TIMEZONE"]
    tz = ZoneInfo(name)
    today = today or datetime.now(tz).date()
    when = figures.judgement(period.first, period.last, today)
    unit_ids = org.descendant_ids(unit.id)
    rows = counts(unit_ids, period, when)
    start, end = period.bounds(tz)
    # Without a dossier there is nothing to match (nor anything to look at).
    return DossierFigures(period, name, when, rows, figures.total(rows),
                          matched_responses(unit_ids, start, end) if rows else Matched())
