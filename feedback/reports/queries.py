"""SQL aggregates over responses. Every query is bounded by unit scope and a UTC range on
the indexed (unit_id, created_at) pair, and returns counts, never whole tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, distinct, func, select
from sqlalchemy.orm import joinedload, selectinload

from feedback import sipas
from feedback.extensions import db
from feedback.models import Answer, Counter, Procedure, Response, Unit, User


@dataclass(frozen=True)
class Filters:
    unit_ids: frozenset[int]
    start: datetime
    end: datetime
    counter_id: int | None = None
    procedure_id: int | None = None
    channel: str | None = None
    #: The unit asked for; grouping by "child" ranks the units directly below it.
    root_id: int | None = None


def _where(stmt: Select, f: Filters) -> Select:  # type: ignore[type-arg]
    stmt = stmt.where(
        Response.unit_id.in_(f.unit_ids), Response.created_at >= f.start,
        Response.created_at < f.end,
    )
    if f.counter_id is not None:
        stmt = stmt.where(Response.counter_id == f.counter_id)
    if f.procedure_id is not None:
        stmt = stmt.where(Response.procedure_id == f.procedure_id)
    if f.channel is not None:
        stmt = stmt.where(Response.channel == f.channel)
    return stmt


GroupedCounts = dict[int | None, dict[str, dict[int, int]]]
AnySelect = Select[*tuple[Any, ...]]


def child_tree(root_id: int) -> CTE:
    """(unit_id, top) for every unit below `root_id`: `top` is the child of the root whose
    subtree holds it. One recursive CTE, so a province's ranking of its communes joins
    responses to it and groups once, instead of one query per commune."""
    tree = (select(Unit.id.label("unit_id"), Unit.id.label("top"))
            .where(Unit.parent_id == root_id).cte("child_tree", recursive=True))
    below = db.aliased(Unit)
    return tree.union_all(
        select(below.id, tree.c.top).join(tree, below.parent_id == tree.c.unit_id))


def _grouped(stmt: AnySelect, f: Filters, group_by: str | None
             ) -> tuple[AnySelect, list[ColumnElement[Any]]]:
    """Add the group column (as the last column) and the join it needs: 'counter', 'procedure',
    'child' (the root's child units, each with its subtree) or None (no grouping)."""
    if group_by is None:
        return stmt, []
    if group_by == "child":
        if f.root_id is None:
            raise ValueError("grouping by child needs Filters.root_id")
        tree = child_tree(f.root_id)
        key: ColumnElement[Any] = tree.c.top
        stmt = stmt.join(tree, Response.unit_id == tree.c.unit_id)
    else:
        key = {"counter": Response.counter_id,
               "procedure": Response.procedure_id}[group_by].expression
    return stmt.add_columns(key), [key]


def item_counts(f: Filters, group_by: str | None = None) -> GroupedCounts:
    """{group: {item: {value: n}}}; group is None without `group_by` ('counter',
    'procedure' or 'child')."""
    stmt: AnySelect = select(Answer.item, Answer.value, func.count()).select_from(
        Answer).join(Response, Answer.response_id == Response.id)
    stmt, keys = _grouped(stmt, f, group_by)
    stmt = _where(stmt, f).group_by(*keys, Answer.item, Answer.value)
    out: GroupedCounts = defaultdict(lambda: defaultdict(dict))
    for row in db.session.execute(stmt):
        item, value, n = row[0], row[1], row[2]
        out[row[3] if keys else None][item][value] = n
    return out


def respondents(f: Filters, group_by: str | None = None) -> dict[int | None, dict[str, int]]:
    """Distinct responses answering each element (and any SAT5 item: sipas.ALL)."""
    element = func.substr(Answer.item, 1, 2)
    sat5 = Answer.item.in_(list(sipas.ITEMS))

    def run(extra: list) -> list:  # type: ignore[type-arg]
        stmt = select(func.count(distinct(Answer.response_id)), *extra).select_from(Answer)
        stmt, keys = _grouped(stmt.join(Response, Answer.response_id == Response.id), f,
                              group_by)
        stmt = _where(stmt, f).where(sat5)
        return list(db.session.execute(stmt.group_by(*extra, *keys)))

    out: dict[int | None, dict[str, int]] = defaultdict(dict)
    for row in run([element]):
        out[row[2] if group_by else None][row[1]] = row[0]
    for row in run([]):
        out[row[1] if group_by else None][sipas.ALL] = row[0]
    return out


def response_counts(f: Filters, group_by: str) -> dict[int | None, int]:
    """Responses per counter, procedure or child unit (every questionnaire, SAT3 too)."""
    stmt, keys = _grouped(select(func.count(Response.id)).select_from(Response), f, group_by)
    stmt = _where(stmt, f).group_by(*keys)
    return {row[1]: row[0] for row in db.session.execute(stmt)}


def response_count(f: Filters) -> int:
    return db.session.scalar(_where(select(func.count(Response.id)), f)) or 0


def count_by_channel(f: Filters) -> dict[str, int]:
    stmt = _where(select(Response.channel, func.count(Response.id)), f).group_by(Response.channel)
    return {row[0]: row[1] for row in db.session.execute(stmt)}


def questionnaire_versions(f: Filters) -> list[tuple[str, int, int]]:
    stmt = _where(
        select(Response.questionnaire, Response.questionnaire_version, func.count(Response.id)),
        f,
    ).group_by(Response.questionnaire, Response.questionnaire_version)
    return sorted((r[0], r[1], r[2]) for r in db.session.execute(stmt))


def latest_comments(f: Filters, limit: int = 10) -> list[Response]:
    stmt = _where(select(Response), f).where(Response.comment.is_not(None))
    stmt = stmt.options(joinedload(Response.counter))
    return list(db.session.scalars(stmt.order_by(Response.created_at.desc()).limit(limit)))


def responses_page(f: Filters, page: int, per_page: int = 50) -> tuple[list[Response], int]:
    total = response_count(f)
    stmt = _where(select(Response), f).order_by(Response.created_at.desc(), Response.id.desc())
    stmt = stmt.options(
        selectinload(Response.answers), joinedload(Response.unit), joinedload(Response.counter),
        joinedload(Response.procedure), joinedload(Response.entered_by),
    )
    rows = db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


@dataclass(frozen=True)
class ExportRow:
    id: int
    created_at: datetime
    unit: str
    counter: str | None
    procedure: str | None
    channel: str
    questionnaire: str
    version: int
    age_band: str | None
    respondent_type: str | None
    comment: str | None
    entered_by: str | None


def export_rows(f: Filters) -> tuple[list[ExportRow], list[tuple[int, str, int]]]:
    """Responses and their answers (long form) for CSV/XLSX, filtered like the list. The
    caller caps the count (see reports.views.EXPORT_MAX_ROWS)."""
    stmt = _where(
        select(
            Response.id, Response.created_at, Unit.name, Counter.name, Procedure.name,
            Response.channel, Response.questionnaire, Response.questionnaire_version,
            Response.age_band, Response.respondent_type, Response.comment, User.email,
        )
        .join(Unit, Response.unit_id == Unit.id)
        .outerjoin(Counter, Response.counter_id == Counter.id)
        .outerjoin(Procedure, Response.procedure_id == Procedure.id)
        .outerjoin(User, Response.entered_by_id == User.id),
        f,
    ).order_by(Response.created_at, Response.id)
    rows = [ExportRow(*r) for r in db.session.execute(stmt)]
    answers_stmt = _where(
        select(Answer.response_id, Answer.item, Answer.value)
        .join(Response, Answer.response_id == Response.id), f,
    )
    answers = [(r[0], r[1], r[2]) for r in db.session.execute(answers_stmt)]
    return rows, answers


def counter_names(ids: list[int]) -> dict[int, Counter]:
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Counter).where(Counter.id.in_(ids)))}


def child_units(parent_id: int) -> list[Unit]:
    """The units directly below `parent_id`, by name."""
    return list(db.session.scalars(
        select(Unit).where(Unit.parent_id == parent_id).order_by(Unit.name)))


def procedure_names(ids: list[int]) -> dict[int, Procedure]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Procedure).where(Procedure.id.in_(ids)))}
