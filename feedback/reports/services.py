"""Satisfaction figures for a unit and period, shared by the dashboard, API, CLI and export
so all four agree on the same data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from feedback import org, sipas
from feedback.extensions import db
from feedback.models import Procedure, Response, Unit
from feedback.reports import cells, queries, tally
from feedback.reports.periods import Period, last_months
from feedback.reports.queries import Filters
from feedback.vi_order import vi_sort_key


def timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> datetime:
    return datetime.now(timezone())


def this_month() -> Period:
    """The 1st of this month to today, local time: the pages' default period."""
    day = today().date()
    return Period(day.replace(day=1), day)


def filters_for(unit: Unit, period: Period, *, counter_id: int | None = None,
                procedure_id: int | None = None, channel: str | None = None) -> Filters:
    """A parent unit's figures include all its descendants."""
    start, end = period.bounds(timezone())
    return Filters(frozenset(org.descendant_ids(unit.id)), start, end, counter_id=counter_id,
                   procedure_id=procedure_id, channel=channel, root_id=unit.id)


def summarize(counts: sipas.Counts, respondents: dict[str, int]) -> sipas.Summary:
    cfg = current_app.config
    return sipas.summarize(counts, respondents, mode=cfg["AGGREGATION"],
                           target=cfg["TARGET_PERCENT"], min_sample=cfg["MIN_SAMPLE"])


@dataclass
class GroupRow:
    name: str
    figure: sipas.Figure
    responses: int
    code: str | None = None  # a child unit's code, for its dashboard link


#: The ranking's order: who needs attention first. An index under a minimum sample is
#: neither good nor bad news, so it sits between the two.
RANK_ORDER: dict[str, int] = {"below": 0, "insufficient": 1, "met": 2, "empty": 3, "info": 4}


def rank_key(row: GroupRow) -> tuple[int, float, str]:
    """Below target first, then too few answers, then met, then no answers; inside each,
    the lowest index first (the unit most in need of help heads the list)."""
    value = row.figure.value if row.figure.value is not None else 101.0
    return RANK_ORDER[row.figure.status], value, row.name


@dataclass
class Satisfaction:
    unit: Unit
    period: Period
    summary: sipas.Summary
    responses: int
    by_channel: dict[str, int]
    versions: list[tuple[str, int, int]]
    distribution: dict[int, int]
    by_counter: list[GroupRow] = field(default_factory=list)
    by_procedure: list[GroupRow] = field(default_factory=list)
    children: list[GroupRow] = field(default_factory=list)
    comments: list[Response] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        cfg = current_app.config
        return {
            "unit": {"code": self.unit.code, "name": self.unit.name},
            "period": {"from": self.period.first.isoformat(), "to": self.period.last.isoformat(),
                       "timezone": cfg["TIMEZONE"]},
            "target_percent": cfg["TARGET_PERCENT"],
            "min_sample": cfg["MIN_SAMPLE"],
            "responses": self.responses,
            "by_channel": self.by_channel,
            "questionnaires": [{"code": c, "version": v, "responses": n}
                               for c, v, n in self.versions],
            "sat5_distribution": {str(k): v for k, v in self.distribution.items()},
            **self.summary.as_dict(),
            "by_counter": [{"name": g.name, "responses": g.responses, **g.figure.as_dict()}
                           for g in self.by_counter],
            "by_procedure": [{"name": g.name, "responses": g.responses, **g.figure.as_dict()}
                             for g in self.by_procedure],
            # The units directly below, each with its whole subtree, ranked (rank_key).
            "children": [{"name": g.name, "responses": g.responses, **g.figure.as_dict()}
                         for g in self.children],
        }


def _figure(counts: sipas.Counts, respondents: dict[str, int]) -> sipas.Figure:
    cfg = current_app.config
    return sipas.service_figure(counts, respondents, mode=cfg["AGGREGATION"],
                                target=cfg["TARGET_PERCENT"], min_sample=cfg["MIN_SAMPLE"])


def _rows(tallies: cells.Tallies, names: dict[Any, str], codes: dict[Any, str]
          ) -> list[GroupRow]:
    """One row per group with answers in the period, in Vietnamese alphabetical order of
    name (then code: a province has a "Quầy 1" in every commune)."""
    rows = []
    for key, counts in tallies.answers.items():
        name = names.get(key, "?")
        figure = _figure(counts, tallies.respondents.get(key, {}))
        rows.append(GroupRow(name, replace(figure, code=codes[key], label=name),
                             tallies.responses.get(key, 0)))
    return sorted(rows, key=lambda g: (vi_sort_key(g.name), g.figure.code))


def _by_counter(found: cells.Found, several_units: bool) -> list[GroupRow]:
    ids = [k for k in found.counters.answers if isinstance(k, int)]
    counters = queries.counter_names(ids)
    names = {i: f"{c.unit.name} — {c.name}" if several_units else c.name
             for i, c in counters.items()}
    return _rows(found.counters, names, {i: str(i) for i in ids})


def _by_procedure(found: cells.Found, merged: bool) -> list[GroupRow]:
    """Per procedure; at a parent unit, one row per procedure code and name across the
    units below (every commune's "Đăng ký khai sinh" together), keyed by that code."""
    keys = list(found.procedures.answers)
    if merged:
        return _rows(found.procedures, {k: k[1] for k in keys}, {k: k[0] for k in keys})
    names = {i: p.name for i, p in queries.procedure_names(keys).items()}
    return _rows(found.procedures, names, {i: str(i) for i in keys})


def _children(unit: Unit, found: cells.Found) -> list[GroupRow]:
    """The units directly below `unit`, each with the responses of its whole subtree,
    ranked by `rank_key`; an active child without answers is listed too, as "no answers
    yet", and an inactive one only when it still has answers in the period."""
    children = queries.child_units(unit.id)
    if not children:
        return []
    by_child = found.units.regrouped(queries.top_children(unit.id))
    rows = []
    for child in children:
        if not child.active and not by_child.responses.get(child.id):
            continue
        figure = _figure(by_child.answers.get(child.id, {}),
                         by_child.respondents.get(child.id, {}))
        rows.append(GroupRow(child.name, replace(figure, code=child.code, label=child.name),
                             by_child.responses.get(child.id, 0), code=child.code))
    return sorted(rows, key=rank_key)


def satisfaction(unit: Unit, period: Period, *, comments: int = 0) -> Satisfaction:
    """Every figure of the period, from the aggregate (feedback.reports.tally); `comments`
    > 0 also fetches that many latest comments."""
    unit_ids = frozenset(org.descendant_ids(unit.id))
    several = len(unit_ids) > 1
    found = tally.read_one(unit_ids, period.first, period.last,
                           merged_under=unit.id if several else None)
    total = found.units.regrouped()
    counts = total.answers.get(None, {})
    return Satisfaction(
        unit=unit, period=period, summary=summarize(counts, total.respondents.get(None, {})),
        responses=total.responses.get(None, 0), by_channel=found.channels,
        versions=found.version_list(), distribution=sipas.distribution(counts),
        by_counter=_by_counter(found, several),
        by_procedure=_by_procedure(found, several),
        children=_children(unit, found),
        comments=(queries.latest_comments(filters_for(unit, period), comments)
                  if comments else []),
    )


@dataclass(frozen=True)
class Headline:
    """A period's service index and responses: what a trend point or a report's
    comparison shows."""

    period: Period
    service: sipas.Figure
    responses: int


def headlines(unit: Unit, periods: Sequence[Period]) -> list[Headline]:
    """The headline of each period for `unit` and the units below it: one read of the
    aggregate's totals for all of them."""
    found = tally.read(org.descendant_ids(unit.id), [(p.first, p.last) for p in periods],
                       sets="total")
    return [Headline(period, _figure(totals.units.answers.get(None, {}),
                                     totals.units.respondents.get(None, {})),
                     totals.units.responses.get(None, 0))
            for period, totals in zip(periods, found, strict=True)]


def trend(unit: Unit, last_day: date, months: int = 12) -> list[tuple[Period, sipas.Figure]]:
    """The service index of each of the last 12 months (local calendar months)."""
    return [(h.period, h.service) for h in headlines(unit, last_months(last_day, months))]


def procedures_in(unit_ids: frozenset[int]) -> list[Procedure]:
    return list(db.session.scalars(
        select(Procedure).where(Procedure.unit_id.in_(unit_ids)).order_by(Procedure.name)))
