"""The cells of the satisfaction aggregate, and how a period is cut into stored blocks and
raw days. Pure: the write path, the fold, `aggregates verify` and the readers all count
through these functions, so they cannot disagree on what a response adds.

A cell is a count keyed by (unit, counter, procedure, channel, questionnaire, version,
item, value). Each response adds to five *grouping sets* of cells, like SQL's GROUPING
SETS, where 0 or '' means "all":

- the unit (counter 0, procedure 0): answers by item and value, respondents, responses;
- its counter and its procedure, each alone: the same three kinds of count;
- its channel, and its questionnaire version: responses only;
- and, derived from the procedure set, its procedure's *family* (every unit's procedure
  of that code and name) under each unit above it, with procedure = −family id
  (`families`): what a parent unit reports per procedure, kept where it is read, so a
  province reads thirty families rather than three thousand procedures.

Besides answer counts (item, value), two kinds of count use reserved item names that no
questionnaire item can take (items are letters and digits): ``@`` counts responses, and
``@TC`` … ``@ALL`` count respondents, the responses that answered at least one SAT5 item of
that element (or of any element), which is what each index's n is. Both are additive
across cells because every response lies in exactly one (unit, counter, procedure,
channel, version, local day).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from feedback import sipas

RESPONSES = "@"
RESPONDENT_PREFIX = "@"

#: (unit_id, counter_id, procedure_id, channel, questionnaire, version, item, value)
Key = tuple[int, int, int, str, str, int, str, int]
#: Where a response was given: (unit_id, counter_id, procedure_id), 0 for none.
Where = tuple[int, int, int]
#: Where, and how: (unit_id, counter_id, procedure_id, channel, questionnaire, version).
Place = tuple[int, int, int, str, str, int]
Cells = Counter[Key]

Grouping = Literal["unit", "counter", "procedure", "family", "channel", "version"]
#: A local month, a calendar year, or today so far (feedback.reports.tally).
Span = Literal["m", "y", "d"]


def respondent_item(element: str) -> str:
    return RESPONDENT_PREFIX + element


def grouping_of(key: Key) -> Grouping:
    """Which grouping set a cell belongs to (see the module docstring)."""
    _unit, counter, procedure, channel, questionnaire, _v, _i, _value = key
    if counter:
        return "counter"
    if procedure > 0:
        return "procedure"
    if procedure < 0:
        return "family"
    if channel:
        return "channel"
    if questionnaire:
        return "version"
    return "unit"


def _sets(where: Where) -> list[tuple[int, int, int, str, str, int]]:
    """The unit, counter and procedure sets that a response's answers count in."""
    unit, counter, procedure = where
    sets = [(unit, 0, 0, "", "", 0)]
    if counter:
        sets.append((unit, counter, 0, "", "", 0))
    if procedure:
        sets.append((unit, 0, procedure, "", "", 0))
    return sets


def add_answers(cells: Cells, where: Where, item: str, value: int, n: int) -> None:
    """`n` answers `value` to `item` from responses at `where`."""
    for s in _sets(where):
        cells[(*s, item, value)] += n


def add_respondents(cells: Cells, where: Where, element: str, n: int) -> None:
    """`n` responses at `where` answered some SAT5 item of `element` (or sipas.ALL)."""
    for s in _sets(where):
        cells[(*s, respondent_item(element), 0)] += n


def add_responses(cells: Cells, place: Place, n: int) -> None:
    """`n` responses at `place`, whatever they answered (SAT3 ones too)."""
    unit, counter, procedure, channel, questionnaire, version = place
    for s in _sets((unit, counter, procedure)):
        cells[(*s, RESPONSES, 0)] += n
    cells[(unit, 0, 0, channel, "", 0, RESPONSES, 0)] += n
    cells[(unit, 0, 0, "", questionnaire, version, RESPONSES, 0)] += n


def elements_answered(answers: Iterable[str]) -> set[str]:
    """The elements with at least one SAT5 item answered, and ALL if there is any."""
    elements = {sipas.element_of(item) for item in answers if item in sipas.ITEMS}
    return elements | {sipas.ALL} if elements else elements


def response_cells(place: Place, answers: Mapping[str, int]) -> Cells:
    """What one response adds to the aggregate."""
    cells: Cells = Counter()
    where = (place[0], place[1], place[2])
    for item, value in answers.items():
        add_answers(cells, where, item, value, 1)
    for element in elements_answered(answers):
        add_respondents(cells, where, element, 1)
    add_responses(cells, place, 1)
    return cells


def families(cells: Mapping[Key, int], family_of: Mapping[int, int],
             ancestors_of: Mapping[int, Iterable[int]]) -> Cells:
    """The family cells that `cells`' procedure cells add: each under every unit above
    its own (`ancestors_of`), keyed by −`family_of[procedure]` (every procedure must
    have one: a missing one is a KeyError, not a count lost)."""
    out: Cells = Counter()
    for key, n in cells.items():
        unit, counter, procedure, channel, questionnaire, _v, item, value = key
        if counter or procedure <= 0 or channel or questionnaire or not n:
            continue
        family = -family_of[procedure]
        for ancestor in ancestors_of.get(unit, ()):
            out[(ancestor, 0, family, "", "", 0, item, value)] += n
    return out


# --- Counts by group, as the figures want them -------------------------------------------

Group = Any  # a unit, counter or procedure id, a (code, name) pair, or None


@dataclass
class Tallies:
    """One grouping set's counts by group: answers {item: {value: n}}, respondents
    {element: n} and responses, each keyed by the group (a unit id, a counter id, a
    procedure id or key, or None for a total)."""

    answers: dict[Group, dict[str, dict[int, int]]] = field(default_factory=dict)
    respondents: dict[Group, dict[str, int]] = field(default_factory=dict)
    responses: dict[Group, int] = field(default_factory=dict)

    def add(self, group: Group, item: str, value: int, n: int) -> None:
        if item == RESPONSES:
            self.responses[group] = self.responses.get(group, 0) + n
        elif item.startswith(RESPONDENT_PREFIX):
            by_element = self.respondents.setdefault(group, {})
            element = item[len(RESPONDENT_PREFIX):]
            by_element[element] = by_element.get(element, 0) + n
        else:
            by_value = self.answers.setdefault(group, {}).setdefault(item, {})
            by_value[value] = by_value.get(value, 0) + n

    def update(self, other: Tallies) -> None:
        _merge_into(self, other, lambda g: g)

    def prune(self) -> None:
        answers: dict[Group, dict[str, dict[int, int]]] = {}
        for group, items in self.answers.items():
            for item, values in items.items():
                nonzero = {v: n for v, n in values.items() if n}
                if nonzero:
                    answers.setdefault(group, {})[item] = nonzero
        self.answers = answers
        self.respondents = {g: kept for g, elements in self.respondents.items()
                            if (kept := {e: n for e, n in elements.items() if n})}
        self.responses = {g: n for g, n in self.responses.items() if n}

    def regrouped(self, group_of: Mapping[Group, Group] | None = None) -> Tallies:
        """The same counts under other groups: all in one total (None) without
        `group_of`, else each group under `group_of[group]` (every unit under its
        commune, say), leaving out the groups it does not map."""
        out = Tallies()
        if group_of is None:
            _merge_into(out, self, lambda _g: None)
        else:
            _merge_into(out, self, lambda g: group_of.get(g, _SKIP))
        return out


def _merge_into(out: Tallies, source: Tallies, target_of: Callable[[Group], Group]) -> None:
    for group, items in source.answers.items():
        if (target := target_of(group)) is _SKIP:
            continue
        into = out.answers.setdefault(target, {})
        for item, values in items.items():
            by_value = into.setdefault(item, {})
            for value, n in values.items():
                by_value[value] = by_value.get(value, 0) + n
    for group, elements in source.respondents.items():
        if (target := target_of(group)) is _SKIP:
            continue
        into_r = out.respondents.setdefault(target, {})
        for element, n in elements.items():
            into_r[element] = into_r.get(element, 0) + n
    for group, n in source.responses.items():
        if (target := target_of(group)) is not _SKIP:
            out.responses[target] = out.responses.get(target, 0) + n


_SKIP = object()


@dataclass
class Found:
    """A scope's counts over a period, by grouping set."""

    units: Tallies = field(default_factory=Tallies)
    counters: Tallies = field(default_factory=Tallies)
    procedures: Tallies = field(default_factory=Tallies)
    channels: dict[str, int] = field(default_factory=dict)
    versions: dict[tuple[str, int], int] = field(default_factory=dict)

    def prune(self) -> None:
        """Drop what a subtraction brought to zero (a counter seen only in the month
        taken away must not be listed)."""
        for tallies in (self.units, self.counters, self.procedures):
            tallies.prune()
        self.channels = {k: n for k, n in self.channels.items() if n}
        self.versions = {k: n for k, n in self.versions.items() if n}

    def update(self, other: Found) -> None:
        self.units.update(other.units)
        self.counters.update(other.counters)
        self.procedures.update(other.procedures)
        for channel, n in other.channels.items():
            self.channels[channel] = self.channels.get(channel, 0) + n
        for version, n in other.versions.items():
            self.versions[version] = self.versions.get(version, 0) + n

    def add(self, key: Key, n: int,
            procedure_key: Callable[[int], Group] | None = None) -> None:
        """Count one cell into its grouping set; `procedure_key` maps a procedure id to
        the group it is reported under (its id when not given)."""
        if not n:
            return
        unit, counter, procedure, channel, questionnaire, version, item, value = key
        grouping = grouping_of(key)
        if grouping == "unit":
            self.units.add(unit, item, value, n)
        elif grouping == "counter":
            self.counters.add(counter, item, value, n)
        elif grouping in ("procedure", "family"):
            group = procedure_key(procedure) if procedure_key else procedure
            self.procedures.add(group, item, value, n)
        elif grouping == "channel":
            self.channels[channel] = self.channels.get(channel, 0) + n
        else:
            self.versions[(questionnaire, version)] = (
                self.versions.get((questionnaire, version), 0) + n)

    def version_list(self) -> list[tuple[str, int, int]]:
        return sorted((q, v, n) for (q, v), n in self.versions.items() if n)


def found_in(cells: Mapping[Key, int],
             procedure_key: Callable[[int], Group] | None = None) -> Found:
    out = Found()
    for key, n in cells.items():
        out.add(key, n, procedure_key)
    return out


# --- Cutting a period into stored blocks and raw days -------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Plan:
    """Where a period's counts come from: stored blocks, each (span, first day) holding
    the folded days of that month or year, minus the blocks in `minus`, plus inclusive
    day ranges read from raw rows."""

    blocks: tuple[tuple[Span, date], ...]
    raw: tuple[tuple[date, date], ...]
    minus: tuple[tuple[Span, date], ...] = ()


def plan(first: date, last: date, closed_through: date | None) -> Plan:
    """A block is used only when the period holds every folded day of it: a stored month
    or year covers its days up to `closed_through` (later days are not folded yet), so the
    period must start on or before its first day and reach its last folded day. Every
    other day is read raw: the days after `closed_through`, and the closed part of a month
    the period only partly covers. A year block replaces its twelve month blocks."""
    if last < first:
        return Plan((), ())
    closed_last = min(last, closed_through) if closed_through is not None else None
    blocks: list[tuple[Span, date]] = []
    raw: list[tuple[date, date]] = []

    def add_raw(a: date, b: date) -> None:
        if raw and raw[-1][1] + timedelta(days=1) == a:
            raw[-1] = (raw[-1][0], b)
        else:
            raw.append((a, b))

    if closed_through is not None and closed_last is not None and closed_last >= first:
        day = first
        while day <= closed_last:
            year_first, year_last = date(day.year, 1, 1), date(day.year, 12, 31)
            if day == year_first and closed_last >= min(year_last, closed_through):
                blocks.append(("y", year_first))
                day = year_last + timedelta(days=1)
                continue
            m_first, m_last = month_start(day), month_end(day)
            stop = min(m_last, closed_last)
            if day == m_first and stop >= min(m_last, closed_through):
                blocks.append(("m", m_first))
            else:
                add_raw(day, stop)
            day = m_last + timedelta(days=1)
    open_first = first if closed_last is None or closed_last < first else (
        closed_last + timedelta(days=1))
    if open_first <= last:
        add_raw(open_first, last)
    if closed_through is None:
        return Plan(tuple(blocks), tuple(raw))
    return _by_difference(blocks, tuple(raw), closed_through)


def _by_difference(blocks: list[tuple[Span, date]], raw: tuple[tuple[date, date], ...],
                   closed_through: date) -> Plan:
    """Counts add, so they also subtract: eleven months of a year are its year block
    minus the twelfth. Where a year's folded months not in the period are fewer than the
    period's month blocks in it less one, read the year and take those months away (a
    month only partly in the period is taken away whole; its part is in `raw`). A
    rolling twelve months then reads three blocks instead of twelve."""
    out: list[tuple[Span, date]] = []
    minus: list[tuple[Span, date]] = []
    for year in sorted({b[1].year for b in blocks if b[0] == "m"}):
        months = {b[1] for b in blocks if b[0] == "m" and b[1].year == year}
        folded = [date(year, m, 1) for m in range(1, 13)
                  if date(year, m, 1) <= closed_through]
        missing = [m for m in folded if m not in months]
        if 1 + len(missing) < len(months):
            out.append(("y", date(year, 1, 1)))
            minus += [("m", m) for m in missing]
        else:
            out += [("m", m) for m in sorted(months)]
    out += [b for b in blocks if b[0] == "y"]
    return Plan(tuple(sorted(out)), raw, tuple(minus))


def months_between(first: date, last: date) -> Iterator[tuple[date, date]]:
    """[first, last] cut at month ends: the fold and the rebuild work a month at a time,
    because a stored month block is the unit they write."""
    day = first
    while day <= last:
        stop = min(month_end(day), last)
        yield day, stop
        day = stop + timedelta(days=1)


def block_of(span: Span, day: date) -> date:
    if span == "d":
        return day
    return date(day.year, 1, 1) if span == "y" else month_start(day)
