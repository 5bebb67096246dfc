"""The periodic report to the province (DOMAIN.md §6): a unit's month, quarter or year,
with satisfaction against 90% and petitions answered on time against 100%, the previous
period, the same period a year before and the year to date; at a unit with units below
it, each of them ranked on both targets, the ones below target first.

Every figure is the JSON the dashboard, the API and the CLI give for the same unit and
period (`services.satisfaction(...).as_dict()`, `figures_for(...).as_dict()`): a report
can differ from them only in how it lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from feedback.models import Unit
from feedback.petitions.stats import figures_for
from feedback.reports import queries, services
from feedback.reports.periods import (
    Period,
    previous_period,
    same_period_last_year,
    year_to_date,
)


@dataclass(frozen=True)
class Words:
    """The words a document writes for codes: each status ("met" → "Đạt") and channel.
    They live with the pages (feedback.display), in the reader's language; the caller
    passes them in."""

    status: Mapping[str, str]
    channels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Compared:
    """The report's headline figures over another period."""

    key: str  # "previous", "last_year" or "year_to_date"
    period: Period
    service: dict[str, Any]
    responses: int
    on_time_rate: float | None
    on_time_counted: int


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    service: dict[str, Any]
    responses: int
    on_time_rate: float | None
    on_time_counted: int
    meets_on_time: bool | None

    @property
    def below(self) -> bool:
        """Below either target, on enough answers to say so."""
        return self.service["status"] == "below" or self.meets_on_time is False


@dataclass(frozen=True)
class Report:
    unit_code: str
    unit_name: str
    kind: str
    period: Period
    generated_at: datetime
    satisfaction: dict[str, Any]
    petitions: dict[str, Any]
    compared: list[Compared] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)


def _compared(unit: Unit, period: Period) -> list[Compared]:
    """The previous period, the same period last year and the year to date: their
    satisfaction in one read of the aggregate's totals, their petitions each."""
    keyed = {"previous": previous_period(period), "last_year": same_period_last_year(period),
             "year_to_date": year_to_date(period)}
    out = []
    for key, headline in zip(keyed, services.headlines(unit, list(keyed.values())),
                             strict=True):
        petitions = figures_for(unit, headline.period)
        out.append(Compared(key, headline.period, headline.service.as_dict(),
                            headline.responses, petitions.on_time_rate,
                            petitions.satisfaction_counted))
    return out


def _children(unit: Unit, period: Period, ranked: list[services.GroupRow]
              ) -> list[ChildRow]:
    """The units directly below, in the dashboard's ranking, then those below either
    target moved first (a stable sort keeps the ranking inside each group)."""
    units = {u.code: u for u in queries.child_units(unit.id)}
    rows = []
    for group in ranked:
        child = units.get(group.code or "")
        if child is None:
            continue
        petitions = figures_for(child, period)
        rows.append(ChildRow(child.code, child.name, group.figure.as_dict(), group.responses,
                             petitions.on_time_rate, petitions.satisfaction_counted,
                             petitions.meets_target))
    return sorted(rows, key=lambda row: not row.below)


def build(unit: Unit, kind: str, period: Period, *, now: datetime | None = None) -> Report:
    """Everything the report shows, for `unit` and every unit below it."""
    result = services.satisfaction(unit, period)
    compared = _compared(unit, period)
    return Report(
        unit_code=unit.code, unit_name=unit.name, kind=kind, period=period,
        generated_at=now or datetime.now(UTC),
        satisfaction=result.as_dict(), petitions=figures_for(unit, period).as_dict(),
        compared=compared,
        children=_children(unit, period, result.children),
    )


def trend_png(unit: Unit, period: Period) -> bytes:
    """The dashboard's chart: the twelve months to the period's end against 90%."""
    from flask import current_app

    from feedback.reports import charts

    points = services.trend(unit, period.last)
    return charts.trend_png([f"T{p.first.month}/{p.first.year}" for p, _f in points],
                            [f.value for _p, f in points], [f.n for _p, f in points],
                            target=current_app.config["TARGET_PERCENT"])
