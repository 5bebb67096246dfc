"""The periodic report to the province (DOMAIN.md §6): a unit's month, quarter or year,
with satisfaction against 90% and petitions answered on time against 100%, the previous
period, the same period a year before and the year to date; at a unit with units below
it, each of them ranked on both targets, the ones below target first.

Every figure is the JSON the dashboard, the API and the CLI give for the same unit and
period (`services.satisfaction(...).as_dict()`, `figures_for(...).as_dict()`): a report
can differ from them only in how it lays them out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from feedback import org
from feedback.dossiers.stats import figures_for as dossier_figures
from feedback.models import Unit
from feedback.msgid import N_
from feedback.petitions.figures import TARGET_PERCENT as ON_TIME_TARGET
from feedback.petitions.figures import Figures
from feedback.petitions.stats import Reader, figures_for, figures_series
from feedback.reports import queries, services
from feedback.reports.periods import (
    Period,
    last_months,
    previous_period,
    same_period_last_year,
    year_to_date,
)


@dataclass(frozen=True)
class Words:
    """The words a document writes for codes: each verdict ("met" → "Đạt") and channel, in
    the document's language (`report_files.words()` reads them in the current locale)."""

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
    #: `dossiers.stats.figures_for(...).as_dict()`: the imported TTHC dossiers due in the
    #: period, on time and late per procedure, the QĐ 766 ratio, matched survey answers.
    dossiers: dict[str, Any] = field(default_factory=dict)
    #: The period's latest comments (local time, counter, text), as on the dashboard.
    comments: list[dict[str, Any]] = field(default_factory=list)
    #: The twelve months to the period's end: (month, satisfaction index, answers).
    trend: list[tuple[Period, float | None, int]] = field(default_factory=list)
    #: The twelve months to the period's end: (month, on-time rate, petitions counted).
    on_time_trend: list[tuple[Period, float | None, int]] = field(default_factory=list)


def _compared(keyed: Mapping[str, Period], headlines: list[services.Headline],
              petitions: Reader) -> list[Compared]:
    """The previous period, the same period last year and the year to date: their
    satisfaction from the report's one read of the aggregate's totals, their petitions
    from its one read of the petitions."""
    out = []
    for key, headline in zip(keyed, headlines, strict=True):
        figures = petitions.figures(headline.period, detail=False)
        out.append(Compared(key, headline.period, headline.service.as_dict(),
                            headline.responses, figures.on_time_rate,
                            figures.satisfaction_counted))
    return out


def _compared_periods(period: Period) -> dict[str, Period]:
    return {"previous": previous_period(period), "last_year": same_period_last_year(period),
            "year_to_date": year_to_date(period)}


def _children(unit: Unit, period: Period, ranked: list[services.GroupRow],
              petitions: Reader) -> list[ChildRow]:
    """The units directly below, in the dashboard's ranking, then those below either
    target moved first (a stable sort keeps the ranking inside each group)."""
    units = {u.code: u for u in queries.child_units(unit.id)}
    by_child = petitions.figures_by(period, {code: child for child, codes
                                             in org.branches(unit).items() for code in codes})
    rows = []
    for group in ranked:
        child = units.get(group.code or "")
        if child is None:
            continue
        figures = by_child.get(child.code) or Figures()  # a unit the tree lost meanwhile
        rows.append(ChildRow(child.code, child.name, group.figure.as_dict(), group.responses,
                             figures.on_time_rate, figures.satisfaction_counted,
                             figures.meets_target))
    return sorted(rows, key=lambda row: not row.below)


#: How many of the period's latest comments the report quotes.
COMMENTS = 10


def build(unit: Unit, kind: str, period: Period, *, now: datetime | None = None) -> Report:
    """Everything the report shows, for `unit` and every unit below it. The petitions of
    every period it shows (its own, the three compared, the twelve months of the on-time
    chart) and of every unit below come from one read."""
    result = services.satisfaction(unit, period, comments=COMMENTS)
    keyed = _compared_periods(period)
    months = last_months(period.last, 12)
    # The totals of the three periods compared and of the twelve months, in one read.
    headlines = services.headlines(unit, [*keyed.values(), *months])
    petitions = Reader(unit, [period, *keyed.values(), *months])
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    return Report(
        unit_code=unit.code, unit_name=unit.name, kind=kind, period=period,
        generated_at=now or datetime.now(UTC),
        satisfaction=result.as_dict(), petitions=petitions.figures(period).as_dict(),
        compared=_compared(keyed, headlines[:len(keyed)], petitions),
        children=_children(unit, period, result.children, petitions),
        dossiers=dossier_figures(unit, period).as_dict(),
        comments=[{"at": r.created_at.astimezone(tz).replace(tzinfo=None),
                   "counter": r.counter.name if r.counter else "", "text": r.comment}
                  for r in result.comments],
        trend=[(h.period, h.service.value, h.service.n) for h in headlines[len(keyed):]],
        on_time_trend=[(m, f.on_time_rate, f.satisfaction_counted) for m, f in (
            (m, petitions.figures(m, detail=False)) for m in months)],
    )


#: The report's charts, in the order they appear: name → what it shows.
CHARTS = ("trend", "elements", "outcomes", "on_time")
#: Petition outcomes as the outcome chart shows them (figures' keys → words).
OUTCOMES = (("answered_on_time", N_("Trả lời đúng hạn")),
            ("answered_late", N_("Trả lời quá hạn")),
            ("open_in_time", N_("Đang giải quyết, trong hạn")),
            ("open_overdue", N_("Đang giải quyết, quá hạn")),
            ("transferred", N_("Chuyển cơ quan khác")), ("not_accepted", N_("Không tiếp nhận")))


def charts(unit: Unit, report: Report) -> dict[str, bytes]:
    """The report's four PNGs, drawn for grey print: the target is a dashed line, bars
    differ by shade and hatch."""
    return {name: chart(name, unit, report.period, report) for name in CHARTS}


def chart(name: str, unit: Unit, period: Period, report: Report | None = None) -> bytes:
    """One of CHARTS: the twelve months' satisfaction against 90%, the element indices,
    petitions by outcome, or the twelve months' on-time rate against 100%. Without the
    built `report` (the preview page asks for one chart at a time) it reads only the
    figures that chart needs."""
    from feedback.reports import charts as draw  # matplotlib: only when drawing

    target = current_app.config["TARGET_PERCENT"]
    target_label = _("Mục tiêu %(target)s%%", target="{target:g}")
    if name in ("trend", "on_time"):
        series = ((report.trend if name == "trend" else report.on_time_trend) if report
                  else _twelve_months(name, unit, period))
        return draw.trend_png(
            [_("T%(month)s/%(year)s", month=p.first.month, year=p.first.year)
             for p, _value, _n in series],
            [value for _p, value, _n in series], [n for _p, _value, n in series],
            target=target if name == "trend" else ON_TIME_TARGET, target_label=target_label,
            series_label=_("Chỉ số hài lòng") if name == "trend" else _("PAKN trả lời đúng hạn"))
    if name == "elements":
        elements: list[dict[str, Any]] = (
            report.satisfaction if report else services.satisfaction(unit, period).as_dict()
        )["elements"]  # type: ignore[assignment]
        return draw.bars_png([f"{e['code']} {_(e['label'])}" for e in elements],
                             [e["value"] for e in elements], [e["n"] for e in elements],
                             target=target, target_label=target_label)
    if name == "outcomes":
        p = report.petitions if report else figures_for(unit, period).as_dict()
        return draw.counts_png([_(label) for _k, label in OUTCOMES],
                               [p[key] for key, _label in OUTCOMES])
    raise ValueError(f"unknown chart {name!r}")


def _twelve_months(name: str, unit: Unit, period: Period
                   ) -> list[tuple[Period, float | None, int]]:
    """A trend chart's series read on its own: the satisfaction index ("trend") or the
    on-time rate ("on_time") of the twelve months to the period's end, with their n."""
    if name == "trend":
        return [(p, f.value, f.n) for p, f in services.trend(unit, period.last)]
    months = last_months(period.last, 12)
    return [(p, f.on_time_rate, f.satisfaction_counted) for p, f in zip(
        months, figures_series(unit, months, detail=False), strict=True)]


def snapshot(report: Report) -> dict[str, Any]:
    """The report's figures as JSON: what an issued report keeps, to tell later which
    figures late data changed. The time it was made is not a figure."""
    return json.loads(json.dumps({
        "satisfaction": {k: v for k, v in report.satisfaction.items() if k != "comments"},
        "petitions": report.petitions,
        "compared": [{"key": c.key, "from": c.period.first, "to": c.period.last,
                      "service": c.service, "responses": c.responses,
                      "on_time_rate": c.on_time_rate, "on_time_counted": c.on_time_counted}
                     for c in report.compared],
        "children": [asdict(c) for c in report.children],
        "dossiers": report.dossiers,
    }, default=str))


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any


def _flat(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(inner, f"{path} › {key}" if path else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, inner in enumerate(value):
            name = next((inner[k] for k in ("code", "key", "name") if inner.get(k)), i)
            _flat({k: v for k, v in inner.items() if k not in ("code", "key")},
                  f"{path} › {name}", out)
    else:
        out[path] = value


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every figure that differs between two snapshots, by its path ("satisfaction ›
    service › value"), in the order the report shows them; added and removed ones too."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flat(before, "", old)
    _flat(after, "", new)
    keys = list(new) + [k for k in old if k not in new]
    return [Change(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]
