"""Queries on the raw responses: the list, the export, the latest comments and names.
Every query is bounded by unit scope and a UTC range on the indexed (unit_id, created_at)
pair. The figures are counted in the aggregate instead (feedback.reports.tally)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CTE, Connection, Select, String, cast, func, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from feedback.extensions import db
from feedback.models import Answer, Counter, Procedure, Response, Unit, User
from feedback.reports.exports import ExportRow


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
    """Ids first, then the rows: selecting whole rows joined to their counter made SQLite
    read and sort every response of the period (2.2 s for a province's year of 1,000,000
    responses). SQLite takes the ids from the (unit_id, created_at) index newest first
    (3 ms); PostgreSQL read every response of the year and sorted them (0.55 s at
    5,000,000), so there each unit's newest are taken from the index, then the newest of
    those (41 ms; 44 ms on SQLite)."""
    if db.session.get_bind().dialect.name == "sqlite" or len(f.unit_ids) < 2:
        newest = _where(select(Response.id, Response.created_at), f).where(
            Response.comment.is_not(None)).subquery()
    else:
        newest = union_all(*(
            _where(select(Response.id, Response.created_at),
                   replace(f, unit_ids=frozenset({u})))
            .where(Response.comment.is_not(None))
            .order_by(Response.created_at.desc()).limit(limit).subquery().select()
            for u in sorted(f.unit_ids))).subquery()
    ids = list(db.session.scalars(
        select(newest.c.id).order_by(newest.c.created_at.desc()).limit(limit)))
    if not ids:
        return []
    stmt = (select(Response).where(Response.id.in_(ids)).options(joinedload(Response.counter))
            .order_by(Response.created_at.desc()))
    return list(db.session.scalars(stmt))


def responses_page(f: Filters, page: int, per_page: int = 50) -> tuple[list[Response], int]:
    total = response_count(f)
    stmt = _where(select(Response), f).order_by(Response.created_at.desc(), Response.id.desc())
    stmt = stmt.options(
        selectinload(Response.answers), joinedload(Response.unit), joinedload(Response.counter),
        joinedload(Response.procedure), joinedload(Response.entered_by),
    )
    rows = db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


#: Responses per export batch: big enough that the per-query cost is small beside the
#: rows, small enough that a batch (rows, answers, CSV text) stays small. Measured on a
#: 1,000,000-row CSV under gunicorn: 2,000 raised the worker's peak 55 MB above rest,
#: 500 only 15 MB, in the same 41 s.
EXPORT_BATCH = 500
#: The first time window an export reads, and the narrowest (see export_batches).
_FIRST_WINDOW = timedelta(hours=1)
_NARROWEST_WINDOW = timedelta(seconds=1)


def export_batches(f: Filters, size: int | None = None) -> Iterator[list[ExportRow]]:
    """Responses with their answers for CSV/XLSX, filtered like the list, in batches of at
    most `size` (default EXPORT_BATCH), in (created_at, id) order.

    Keyset pagination: each query starts after the last (created_at, id) read, never at an
    OFFSET, and memory holds one batch whatever the export's size. Each query is also
    bounded by a time window sized to hold about one batch: with several units (a
    province) the database sorts the window's rows from the (unit_id, created_at) index,
    and a query bounded only below would sort every remaining row for each batch, so a
    million rows took 4 minutes instead of seconds. A window that fills a batch narrows
    the next one to the time that batch covered; one left half empty doubles it.

    The queries run in the caller's transaction, so a streamed export is one snapshot
    even while citizens keep answering."""
    columns = (
        # ExportRow's fields, in its order.
        select(
            Response.id, Response.created_at, Unit.name.label("unit"),
            Counter.name.label("counter"), Procedure.name.label("procedure"),
            Response.channel, Response.questionnaire,
            Response.questionnaire_version.label("version"), Response.age_band,
            Response.respondent_type, Response.comment, User.email.label("entered_by"),
        )
        .join(Unit, Response.unit_id == Unit.id)
        .outerjoin(Counter, Response.counter_id == Counter.id)
        .outerjoin(Procedure, Response.procedure_id == Procedure.id)
        .outerjoin(User, Response.entered_by_id == User.id)
    )
    size = size or EXPORT_BATCH
    # The session's connection and transaction, without the ORM's per-row work (plain
    # columns here): a third of the time on a million rows.
    connection = db.session.connection()
    # Next row: created_at >= at, and if last_id is set, (created_at, id) > (at, last_id).
    at, last_id, window = f.start, None, _FIRST_WINDOW
    while at < f.end:
        upto = min(at + window, f.end)
        # The window replaces the period's bounds rather than adding to them: given two
        # lower bounds, SQLite ranges the index on the period's and filters the rest.
        stmt = _where(columns, replace(f, start=at, end=upto))
        if last_id is not None:
            stmt = stmt.where((Response.created_at > at) | (Response.id > last_id))
        rows = connection.execute(
            stmt.order_by(Response.created_at, Response.id).limit(size)).all()
        if rows:
            answers = _answers_of([row.id for row in rows], connection)
            yield [ExportRow._make((*row, answers.get(row.id, {}))) for row in rows]
        if len(rows) == size:  # the window holds more: go on from the last row read
            window = max(rows[-1].created_at - at, _NARROWEST_WINDOW)
            at, last_id = rows[-1].created_at, rows[-1].id
        else:  # the window is done
            if 2 * len(rows) < size:
                window *= 2
            at, last_id = upto, None


def _answers_of(ids: list[int], connection: Connection) -> dict[int, dict[str, int]]:
    """{response id: {item: value}}. The database joins each response's answers into one
    'TC1=5,TC2=4' string: 13 answers a response cost Python 13 rows otherwise, and those
    rows were three quarters of an export's time. Item codes are letters and digits."""
    pairs = func.aggregate_strings(Answer.item + "=" + cast(Answer.value, String), ",")
    stmt = (select(Answer.response_id, pairs).where(Answer.response_id.in_(ids))
            .group_by(Answer.response_id))
    out: dict[int, dict[str, int]] = {}
    for response_id, joined in connection.execute(stmt).all():
        found = out[response_id] = {}
        for pair in joined.split(","):
            item, _, value = pair.partition("=")
            found[item] = int(value)
    return out


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
