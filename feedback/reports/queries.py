"""Queries on the raw responses: the list, the export, the latest comments and names.
Every query is bounded by unit scope and a UTC range on the indexed (unit_id, created_at)
pair. The figures are counted in the aggregate instead (feedback.reports.tally)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, Select, func, select
from sqlalchemy.orm import joinedload, selectinload

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


AnySelect = Select[*tuple[Any, ...]]


def child_tree(root_id: int) -> CTE:
    """(unit_id, top) for every unit below `root_id`: `top` is the child of the root whose
    subtree holds it. One recursive CTE, so a province's ranking of its communes costs one
    query, not one per commune."""
    tree = (select(Unit.id.label("unit_id"), Unit.id.label("top"))
            .where(Unit.parent_id == root_id).cte("child_tree", recursive=True))
    below = db.aliased(Unit)
    return tree.union_all(
        select(below.id, tree.c.top).join(tree, below.parent_id == tree.c.unit_id))


def top_children(root_id: int) -> dict[int, int | None]:
    """{unit id: the child of `root_id` above it} for every unit below the root."""
    tree = child_tree(root_id)
    return {u: top for u, top in db.session.execute(select(tree.c.unit_id, tree.c.top))}


def response_count(f: Filters) -> int:
    return db.session.scalar(_where(select(func.count(Response.id)), f)) or 0


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
