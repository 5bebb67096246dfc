"""The satisfaction aggregate, kept exact: closed days folded into month and year blocks,
today's responses folded every few minutes into today's block, the rest read from the raw
rows (see feedback.reports.cells for the cells).

Why this split, measured: keeping every block in the survey POST's own transaction means
about 170 upserts per response, far over the write path's budget; a QR response is always
given *today*, so leaving it to a later fold costs that path one indexed read of the state
row. Today's block exists because at 5,000,000 responses a year a province's day read raw
cost four 200 ms scans per page.

How it stays exact, with `tally_state.closed_through` (W) the last folded local day and
`folded_until` (U) the instant day W+1 is folded to in its 'd' block:

- **Readers** plan with W and U: blocks hold days ≤ W and day W+1 before U, raw reads
  take the rest (`cells.plan`, `_with_today`). Each raw row is in exactly one of the two.
  A reader that saw a fold commit while it read (the state's `generation` moved) reads
  again.
- **A late response** (a paper form dated before W, a retried commit across midnight, a
  QR response given before U that commits after it) adds its own cells to its blocks in
  its own transaction (`note`).
- **Folding** days W+1 … yesterday (`fold`) runs a month at a time, each month one
  transaction that locks the state row first. A writer locks the same row (shared, after
  its inserts), so either it commits before the fold reads the raw rows, or it waits and
  then sees the new W and adds its cells itself; never both, never neither. SQLite gets
  the same order from its single writer lock: the fold's first statement is a write.

- **Today's block** is folded the same way (`_fold_today`), from U to a minute ago; when
  its day is folded whole, the block is dropped in the same transaction.

Any reader folds what is pending (up to FOLD_MAX_DAYS at a time), so no cron job is needed
for the figures to stay fast; `feedback aggregates rebuild` recomputes any part from the raw
rows and `feedback aggregates verify` proves the blocks equal them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    Date,
    Select,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)

from feedback import org, sipas
from feedback.extensions import db
from feedback.models import (
    Answer,
    Procedure,
    ProcedureFamily,
    Response,
    Tally,
    TallyState,
    Unit,
)
from feedback.reports import cells
from feedback.reports.cells import Cells, Found, Key, Place, Span
from feedback.reports.periods import Period

#: A reader folds at most this many pending days before reading (the rest stay raw until
#: the next reader): a first look at a large history never waits on a year's fold.
FOLD_MAX_DAYS = 62
#: Reads planned again when a fold committed meanwhile, before reading raw rows only.
READ_ATTEMPTS = 3
#: The state row's key: there is one state.
STATE_ID = 1

KEY_COLUMNS = ("unit_id", "counter_id", "procedure_id", "channel", "questionnaire",
               "version", "item", "value")


def timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_day(at: datetime) -> date:
    return at.astimezone(timezone()).date()


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the local days first … last."""
    return Period(first, last).bounds(timezone())


def yesterday() -> date:
    return datetime.now(timezone()).date() - timedelta(days=1)


# --- The state row --------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    closed_through: date | None
    generation: int
    #: Folded under another timezone than this process's (closed_through is then None).
    foreign: bool = False
    #: The day after closed_through is in its 'd' block up to this instant (exclusive).
    folded_until: datetime | None = None

    @classmethod
    def read(cls, *, lock: bool = False) -> State:
        """`lock` takes the aggregate's lock shared until the transaction ends (see
        `_take_lock`). A state folded under another timezone counts as nothing folded:
        its days are not this timezone's days."""
        if lock:
            _take_lock(shared=True)
        # Plain SQL on the session's connection: every survey POST runs this, and the
        # ORM's statement machinery cost 90 µs of it (12 µs here).
        row = db.session.connection().exec_driver_sql(_STATE_SQL).first()
        if row is None:
            return cls(None, 0)
        closed = row[0] if row[0] is None or isinstance(row[0], date) else (
            date.fromisoformat(row[0]))  # SQLite hands back the stored text
        until = row[3] if row[3] is None or isinstance(row[3], datetime) else (
            datetime.fromisoformat(row[3]).replace(tzinfo=UTC))
        ours = row[1] == current_app.config["TIMEZONE"]
        if not ours:
            return cls(None, row[2], foreign=closed is not None)
        return cls(closed, row[2], folded_until=until if closed is not None else None)


_STATE_SQL = ("SELECT closed_through, timezone, generation, folded_until FROM tally_state "
              "WHERE id = 1")


#: The aggregate's advisory lock on PostgreSQL ("tally" in ASCII).
ADVISORY_KEY = 0x74616C6C79


def _take_lock(*, shared: bool) -> None:
    """PostgreSQL: a transaction-level advisory lock, shared by writers and exclusive for
    a fold, so they are ordered without writing the state row at every response (a
    row lock FOR SHARE would, and create a MultiXact each time). SQLite needs none: its
    writers are serialized by the database's own writer lock, which the caller holds."""
    if db.session.get_bind().dialect.name == "postgresql":
        name = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        db.session.execute(select(getattr(func, name)(ADVISORY_KEY)))


def _lock() -> TallyState:
    """Take the aggregate for writing: the exclusive lock, then the state row (on SQLite
    the first statement is this write, so its writer lock comes before any read)."""
    _take_lock(shared=False)
    now = datetime.now(UTC)
    result = db.session.execute(update(TallyState).where(TallyState.id == STATE_ID)
                                .values(updated_at=now))
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.add(TallyState(id=STATE_ID, timezone="", generation=0, updated_at=now))
        db.session.flush()
    state = db.session.get_one(TallyState, STATE_ID, populate_existing=True)
    tz = current_app.config["TIMEZONE"]
    if state.timezone != tz:  # folded under another timezone: start again
        db.session.execute(delete(Tally))
        state.closed_through, state.folded_until, state.timezone = None, None, tz
    return state


def _commit(state: TallyState, closed_through: date | None) -> None:
    state.closed_through = closed_through
    state.generation += 1
    db.session.commit()


# --- Raw rows to cells ----------------------------------------------------------------


def _items_of(element: str) -> list[str]:
    """The SAT5 items of an element, or all of them for sipas.ALL."""
    return [i for i in sipas.ITEMS if element == sipas.ALL or sipas.element_of(i) == element]


def raw_cells(unit_ids: Iterable[int] | None, first: date, last: date) -> Cells:
    """The cells of the responses given on local days first … last, from the raw rows."""
    return raw_cells_between(unit_ids, *utc_bounds(first, last))


def raw_cells_between(unit_ids: Iterable[int] | None, start: datetime, end: datetime
                      ) -> Cells:
    """The cells of the responses given in [start, end): two grouped queries on the
    (unit_id, created_at) index, whatever the period."""
    # Every unit when none are given: the only index on created_at leads with unit_id,
    # and without it SQLite scanned the whole answer table (10 s for one day at 1M).
    ids = list(unit_ids) if unit_ids is not None else list(
        db.session.scalars(select(Unit.id)))
    where: list[Any] = [Response.unit_id.in_(ids), Response.created_at >= start,
                        Response.created_at < end]
    unit, counter, procedure = (Response.unit_id, func.coalesce(Response.counter_id, 0),
                                func.coalesce(Response.procedure_id, 0))
    out: Cells = Counter()

    def answers(*columns: Any) -> Select[Any]:
        return (select(unit, counter, procedure, *columns).select_from(Answer)
                .join(Response, Answer.response_id == Response.id).where(*where))

    stmt = answers(Answer.item, Answer.value, func.count()).group_by(
        unit, counter, procedure, Answer.item, Answer.value)
    for u, c, p, item, value, n in db.session.execute(stmt):
        cells.add_answers(out, (u, c, p), item, value, n)
    for u, c, p, channel, q, v, *counts in _by_place(where):
        where_ = (u, c or 0, p or 0)
        for element, n in zip(_RESPONDENT_ELEMENTS, counts, strict=False):
            if n:
                cells.add_respondents(out, where_, element, n)
        cells.add_responses(out, (*where_, channel, q, v), counts[-1])
    return out


#: What a response's respondent flags are counted for: each element, and any.
_RESPONDENT_ELEMENTS = [*sipas.ELEMENTS, sipas.ALL]


def _by_place(where: Sequence[Any]) -> list[Any]:
    """Per place (unit, counter, procedure, channel, questionnaire, version): how many
    responses answered some SAT5 item of each element (and of any), then how many
    responses there are. Per response first (a 0/1 column each), so one scan counts
    them all; the outer join keeps responses with no SAT5 answer as responses."""
    place = (Response.unit_id, Response.counter_id, Response.procedure_id, Response.channel,
             Response.questionnaire, Response.questionnaire_version)
    per_response = (
        select(*place, *(func.max(case((Answer.item.in_(_items_of(e)), 1), else_=0))
                         .label(e) for e in _RESPONDENT_ELEMENTS))
        .select_from(Response).outerjoin(Answer, Answer.response_id == Response.id)
        .where(*where).group_by(Response.id, *place).subquery())
    head = [per_response.c[i] for i in range(len(place))]
    return list(db.session.execute(
        select(*head, *(func.sum(per_response.c[e]) for e in _RESPONDENT_ELEMENTS),
               func.count()).group_by(*head)))


# --- Procedure families ---------------------------------------------------------------

_NEW_FAMILIES = text(
    "INSERT INTO procedure_family (code, name) SELECT DISTINCT code, name FROM procedure "
    "WHERE id IN :ids ON CONFLICT (code, name) DO NOTHING"
).bindparams(bindparam("ids", expanding=True))


def _family_map(procedure_ids: Iterable[int]) -> dict[int, int]:
    """Each procedure's family id, the families not seen before created."""
    ids = sorted(set(procedure_ids))
    if not ids:
        return {}

    def known() -> dict[int, int]:
        stmt = select(Procedure.id, ProcedureFamily.id).join(
            ProcedureFamily, (ProcedureFamily.code == Procedure.code)
            & (ProcedureFamily.name == Procedure.name)).where(Procedure.id.in_(ids))
        return {p: f for p, f in db.session.execute(stmt)}

    found = known()
    if len(found) < len(ids):
        db.session.execute(_NEW_FAMILIES, {"ids": [i for i in ids if i not in found]})
        found = known()
    return found


def _ancestors() -> dict[int, list[int]]:
    """Every unit's units above it, from the whole tree (a few hundred rows)."""
    parent = {u: p for u, p in db.session.execute(select(Unit.id, Unit.parent_id))}
    out: dict[int, list[int]] = {}
    for unit in parent:
        chain: list[int] = []
        up = parent.get(unit)
        while up is not None and up not in chain:
            chain.append(up)
            up = parent.get(up)
        out[unit] = chain
    return out


def complete(counts: Mapping[Key, int]) -> Cells:
    """`counts` (cells of raw rows) with the family cells they add under the units above
    (cells.families), by the tree and the procedures' codes and names as they are now."""
    out: Cells = Counter(counts)
    family_of = _family_map(k[2] for k in counts if k[2] > 0)
    out.update(cells.families(counts, family_of, _ancestors()))
    return out


# --- Writing blocks -------------------------------------------------------------------


_COLUMNS = ("span", "start", *KEY_COLUMNS, "n")
_UPSERT = ("INSERT INTO tally (span, start, unit_id, counter_id, procedure_id, channel, "
           "questionnaire, version, item, value, n) VALUES ({marks}) "
           "ON CONFLICT (unit_id, span, start, counter_id, procedure_id, channel, "
           "questionnaire, version, item, value) DO UPDATE SET n = tally.n + excluded.n")


#: PostgreSQL: the rows as one array per column, unnested in the database, so a batch is
#: one statement (executemany sent one per row: 75% of a 5M-response rebuild).
_UPSERT_ARRAYS = _UPSERT.replace("VALUES ({marks})", (
    "SELECT * FROM unnest(%s::text[], %s::date[], %s::int[], %s::int[], %s::int[], "
    "%s::text[], %s::text[], %s::int[], %s::text[], %s::smallint[], %s::int[])"))
_ARRAY_BATCH = 50_000


def _add(delta: Mapping[Key, int], blocks: Sequence[tuple[Span, date]]) -> None:
    """Add `delta` to the given blocks in one upsert per batch of rows, in the driver's
    own terms, since a fold writes hundreds of thousands of rows and the ORM's per-row
    bookkeeping cost 25 µs each. Rows go in key order, so two writers adding to the same
    cells lock them in the same order and cannot deadlock on PostgreSQL."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    ordered = sorted((key, n) for key, n in delta.items() if n)
    rows = [(span, start.isoformat() if sqlite else start, *key, n)
            for span, start in blocks for key, n in ordered]
    if not rows:
        return
    connection = db.session.connection()
    if sqlite:
        connection.exec_driver_sql(_UPSERT.format(marks=", ".join("?" * len(_COLUMNS))), rows)
        return
    for at in range(0, len(rows), _ARRAY_BATCH):
        columns = tuple(list(column) for column in zip(*rows[at:at + _ARRAY_BATCH],
                                                       strict=True))
        connection.exec_driver_sql(_UPSERT_ARRAYS, columns)


def _blocks_of(day: date) -> list[tuple[Span, date]]:
    return [("m", cells.block_of("m", day)), ("y", cells.block_of("y", day))]


def note(place: Place, answers: Mapping[str, int], at: datetime) -> None:
    """Called by every writer of a response, after its inserts and in its transaction:
    a response on a folded day adds its cells to that day's blocks, one given today
    before the instant today's block is folded to adds them to that block; any other
    (every QR response but one racing a fold) costs only the read of the state row."""
    day = local_day(at)
    state = State.read(lock=True)
    if state.closed_through is not None and day <= state.closed_through:
        _add(complete(cells.response_cells(place, answers)), _blocks_of(day))
    elif state.folded_until is not None and at < state.folded_until:
        _add(complete(cells.response_cells(place, answers)), [("d", day)])
    elif state.closed_through is None and state.foreign:
        # Folded under another timezone (a deploy changing FEEDBACK_TIMEZONE, with the
        # old processes still writing): this response's day there is unknown here, so
        # mark the aggregate for a fresh start by whichever process folds next.
        db.session.execute(update(TallyState).where(TallyState.id == STATE_ID)
                           .values(timezone=""))


def _earliest_day() -> date | None:
    first = db.session.scalar(select(func.min(Response.created_at)))
    return local_day(first) if first is not None else None


def pending_months(max_days: int | None) -> list[tuple[date, date]]:
    """The days a fold would fold now, cut at month ends."""
    state = State.read()
    last = yesterday()
    first = (state.closed_through + timedelta(days=1) if state.closed_through
             else _earliest_day())
    if first is None or first > last:
        return []
    if max_days is not None:
        last = min(last, first + timedelta(days=max_days - 1))
    return list(cells.months_between(first, last))


def fold(*, max_days: int | None = FOLD_MAX_DAYS,
         on_month: Callable[[date], None] | None = None) -> int:
    """Fold the pending closed days into their blocks, a month or a part of one per
    transaction (FOLD_CHUNK_RESPONSES); returns the number of days folded. Cheap when
    nothing is pending (one read of the state)."""
    state = State.read()
    if state.closed_through is not None and state.closed_through >= yesterday():
        _fold_today(state)
        return 0
    if state.closed_through is None and _earliest_day() is None:
        return 0  # nothing recorded: nothing to fold, and nothing written
    folded = 0
    while True:
        row = _lock()
        first = (row.closed_through + timedelta(days=1) if row.closed_through
                 else _earliest_day())
        last = yesterday()
        if first is None or first > last or (max_days is not None and folded >= max_days):
            db.session.commit()
            return folded
        month_stop = min(cells.month_end(first), last)
        stop = min(month_stop, first + timedelta(days=_chunk_days(first, month_stop) - 1))
        if max_days is not None:
            stop = min(stop, first + timedelta(days=max_days - folded - 1))
        if row.folded_until is not None:  # `first` is whole now: its raw rows, not its block
            _drop_day_blocks()
            row.folded_until = None
        _add(complete(raw_cells(None, first, stop)), _blocks_of(first))
        _commit(row, stop)
        folded += (stop - first).days + 1
        if on_month and stop == month_stop:
            on_month(first)


#: Today's responses are folded into its 'd' block at most this often, up to this long
#: ago: a province's page then reads the last few minutes raw, not the whole day (at
#: 5,000,000 responses a year that day took four 200 ms scans). The margin leaves the
#: responses being saved right now to be counted raw, not added by their own writer.
TODAY_EVERY = timedelta(minutes=5)
TODAY_MARGIN = timedelta(minutes=1)


def _fold_today(state: State) -> None:
    """Fold today's responses up to TODAY_MARGIN ago into today's 'd' block, when the
    last such fold is TODAY_EVERY old. Only after every closed day is folded (today is
    then the day after closed_through), under the same lock as any fold: a writer whose
    response is older than the new `folded_until` and commits after this adds itself."""
    if state.closed_through is None:
        return
    day = state.closed_through + timedelta(days=1)
    day_start, day_end = utc_bounds(day, day)
    until = min(datetime.now(UTC) - TODAY_MARGIN, day_end)
    if until - (state.folded_until or day_start) < TODAY_EVERY:
        return
    row = _lock()
    since = row.folded_until or day_start
    if row.closed_through != state.closed_through or until <= since:
        db.session.commit()
        return
    _add(complete(raw_cells_between(None, since, until)), [("d", day)])
    row.folded_until = until
    _commit(row, row.closed_through)


def _drop_day_blocks() -> None:
    """Today's block, once its day is folded whole (through each unit's key range)."""
    units = list(db.session.scalars(select(Unit.id)))
    db.session.execute(delete(Tally).where(Tally.unit_id.in_(units), Tally.span == "d"))


#: About this many responses per fold transaction: the transaction holds the state row
#: (PostgreSQL: new responses wait for it) or the writer lock (SQLite: they wait up to its
#: busy timeout, 5 s), so a province's month is folded a week or so at a time.
FOLD_CHUNK_RESPONSES = 20_000


def _chunk_days(first: date, last: date) -> int:
    start, end = utc_bounds(first, last)
    count = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.created_at >= start, Response.created_at < end)) or 0
    days = (last - first).days + 1
    return max(1, min(days, FOLD_CHUNK_RESPONSES * days // max(count, 1)))


# --- Reading --------------------------------------------------------------------------


#: What a read returns: "all" grouping sets, units by id; only the "units" set, by id;
#: or only the scope's "total".
Sets = Literal["all", "units", "total"]
_UNIT_SET = (Tally.counter_id == 0, Tally.procedure_id == 0, Tally.channel == "",
             Tally.questionnaire == "")
# Ranges (> 0, > ''), not "<>": PostgreSQL uses only ranges as index conditions, and a
# "<>" made it read every set of each unit's block (0.18 s, not 0.02, for a province).
_SET_FILTERS: dict[str, tuple[Any, ...]] = {
    "unit": _UNIT_SET,
    "counter": (Tally.counter_id > 0,),
    "procedure": (Tally.counter_id == 0, Tally.procedure_id > 0),
    "family": (Tally.counter_id == 0, Tally.procedure_id < 0),
    "channel": (Tally.counter_id == 0, Tally.procedure_id == 0, Tally.channel > ""),
    "version": (Tally.counter_id == 0, Tally.procedure_id == 0, Tally.channel == "",
                Tally.questionnaire > ""),
}


def _set_rows(grouping: str, group_cols: Sequence[str], ids: Sequence[int],
              blocks: Sequence[tuple[str, date, int]], *, by_block: bool,
              by_name: bool = False) -> Iterable[Any]:
    """One grouping set's counts over signed blocks (span, start, +1 or -1), summed in
    the database: (span, start when `by_block`,) group columns…, item, value, n; with
    `by_name`, a procedure or family set is grouped by (code, name) instead of its id.

    Each span and sign is its own branch of a UNION ALL: one `start IN (…)` per branch
    keeps every branch on the key's range (an OR of spans made SQLite scan each unit's
    whole range), and the sum over the branches returns one row per cell, not one per
    block (a rolling year is its year less a month plus a month: a third of the rows)."""
    branches = []
    for span, sign in sorted({(b[0], b[2]) for b in blocks}):
        starts = sorted({b[1] for b in blocks if b[0] == span and b[2] == sign})
        n = Tally.n if sign > 0 else -Tally.n
        branches.append(
            select(Tally.span, Tally.start, *(getattr(Tally, c) for c in KEY_COLUMNS),
                   n.label("n"))
            .where(Tally.unit_id.in_(ids), Tally.span == span, Tally.start.in_(starts),
                   *_SET_FILTERS[grouping]))
    source = union_all(*branches).subquery() if len(branches) > 1 else branches[0].subquery()
    head = [source.c.span, source.c.start] if by_block else []
    groups: list[Any] = [source.c[c] for c in group_cols]
    named: Any = ProcedureFamily if grouping == "family" else Procedure
    if by_name:
        groups = [named.code, named.name]
    cols = [*head, *groups, source.c.item, source.c.value]
    stmt = select(*cols, func.sum(source.c.n)).select_from(source).group_by(*cols)
    if by_name:
        own_id = -source.c.procedure_id if grouping == "family" else source.c.procedure_id
        stmt = stmt.join(named, named.id == own_id)
    return db.session.execute(stmt)


def _procedure_keys(procedure_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = sorted(set(procedure_ids))
    if not ids:
        return {}
    stmt = select(Procedure.id, Procedure.code, Procedure.name).where(Procedure.id.in_(ids))
    return {i: (code, name) for i, code, name in db.session.execute(stmt)}


def _from_blocks(ids: Sequence[int], plans: Sequence[cells.Plan], out: Sequence[Found],
                 sets: Sets, merged_under: int | None) -> None:
    """Add each plan's blocks (and take away its `minus` blocks) into its Found. One
    period: each set summed over its signed blocks in the database. Several (a trend):
    grouped by block as well, and each row handed, with its sign, to the periods that
    use that block. Procedures merged under a unit are its own procedures and the
    families stored under it (which hold every unit's below), by code and name."""
    if not ids:
        return
    users: dict[tuple[str, date], list[tuple[Found, int]]] = {}
    for found, p in zip(out, plans, strict=True):
        for block in p.blocks:
            users.setdefault(block, []).append((found, 1))
        for block in p.minus:
            users.setdefault(block, []).append((found, -1))
    if not users:
        return
    by_block = len(plans) > 1
    signed: list[tuple[str, date, int]] = []
    for (span, start), used in users.items():
        signed += ([(span, start, 1)] if by_block
                   else [(span, start, sign) for _f, sign in used])
    skip = 2 if by_block else 0

    def targets(row: Any) -> list[tuple[Found, int]]:
        return users[(row[0], row[1])] if by_block else [(out[0], 1)]

    def rows(grouping: str, cols: Sequence[str], of: Sequence[int] = ids,
             by_name: bool = False) -> Iterable[Any]:
        return _set_rows(grouping, cols, of, signed, by_block=by_block, by_name=by_name)

    by_unit = sets != "total"
    for row in rows("unit", ["unit_id"] if by_unit else []):
        group = row[skip] if by_unit else None
        for found, sign in targets(row):
            found.units.add(group, row[-3], row[-2], sign * row[-1])
    if sets != "all":
        return
    for row in rows("counter", ["counter_id"]):
        for found, sign in targets(row):
            found.counters.add(row[skip], row[-3], row[-2], sign * row[-1])
    procedure_rows = [rows("procedure", ["procedure_id"])] if merged_under is None else [
        rows(grouping, [], of=[merged_under], by_name=True)
        for grouping in ("procedure", "family")]
    for row in (row for part in procedure_rows for row in part):
        group = row[skip] if merged_under is None else (row[skip], row[skip + 1])
        for found, sign in targets(row):
            found.procedures.add(group, row[-3], row[-2], sign * row[-1])
    for row in rows("channel", ["channel"]):
        for found, sign in targets(row):
            found.channels[row[skip]] = found.channels.get(row[skip], 0) + sign * row[-1]
    for row in rows("version", ["questionnaire", "version"]):
        key = (row[skip], row[skip + 1])
        for found, sign in targets(row):
            found.versions[key] = found.versions.get(key, 0) + sign * row[-1]


def _from_raw(ids: Sequence[int], start: datetime, end: datetime, sets: Sets,
              merged: bool) -> Found:
    """The raw rows of [start, end) counted straight into what the read returns, each
    set grouped in the database by its own groups. (Through `raw_cells`, grouped by
    unit, counter and procedure at once, a province's day at 5M responses a year came
    back as 120,000 cells: a second, where a read wants a few thousand rows.)"""
    where = (Response.unit_id.in_(ids), Response.created_at >= start,
             Response.created_at < end)
    out = Found()
    by_unit = [Response.unit_id] if sets != "total" else []
    targets: list[tuple[cells.Tallies, list[Any], Any]] = [(out.units, by_unit, None)]
    if sets == "all":
        targets.append((out.counters, [Response.counter_id],
                        Response.counter_id.is_not(None)))
        targets.append((out.procedures, [Procedure.code, Procedure.name] if merged
                        else [Response.procedure_id], Response.procedure_id.is_not(None)))
    for tallies, cols, only in targets:
        stmt = (select(*cols, Answer.item, Answer.value, func.count()).select_from(Answer)
                .join(Response, Answer.response_id == Response.id).where(*where)
                .group_by(*cols, Answer.item, Answer.value))
        if only is not None:
            stmt = stmt.where(only)
        if len(cols) == 2:
            stmt = stmt.join(Procedure, Procedure.id == Response.procedure_id)
        for *group, item, value, n in db.session.execute(stmt):
            tallies.add(tuple(group) if len(group) > 1 else group[0] if group else None,
                        item, value, n)
    _respondents_from_raw(out, where, sets, merged)
    return out


def _respondents_from_raw(out: Found, where: Sequence[Any], sets: Sets,
                          merged: bool) -> None:
    """Respondents and responses (`_by_place`), handed to each set."""
    rows = _by_place(where)
    keys = _procedure_keys(r[2] for r in rows if r[2]) if merged else {}
    for unit, counter, procedure, channel, questionnaire, version, *counts in rows:
        groups: list[tuple[cells.Tallies, Any]] = [
            (out.units, unit if sets != "total" else None)]
        if sets == "all":
            groups += [(out.counters, counter)] if counter else []
            groups += [(out.procedures, keys.get(procedure, ("", "?")) if merged
                        else procedure)] if procedure else []
            out.channels[channel] = out.channels.get(channel, 0) + counts[-1]
            version_key = (questionnaire, version)
            out.versions[version_key] = out.versions.get(version_key, 0) + counts[-1]
        for tallies, group in groups:
            for element, n in zip(_RESPONDENT_ELEMENTS, counts, strict=False):
                if n:
                    tallies.add(group, cells.respondent_item(element), 0, n)
            tallies.add(group, cells.RESPONSES, 0, counts[-1])


def read(unit_ids: Iterable[int], periods: Sequence[tuple[date, date]], *,
         sets: Sets = "all", merged_under: int | None = None) -> list[Found]:
    """The counts of each period (inclusive local days) for the given units: the stored
    blocks it covers, summed in the database, plus raw reads of the rest, planned from
    one state and read again if a fold committed meanwhile. `sets="total"` reads only the
    scope's totals (a trend), `sets="units"` only each unit's own. `merged_under` (the
    scope is then that unit and every unit below it) groups procedures by (code, name),
    as a parent unit reports them, instead of by id."""
    ids = sorted(set(unit_ids))
    fold()
    if db.session.get_bind().dialect.name == "postgresql":
        # A parallel scan of `response` looked cheaper to the planner than the
        # (unit_id, created_at) index for today's rows of a hundred communes; it took
        # 105 ms against 35. A page request is better off on one core (until the commit).
        # Without JIT: at 5M responses a year the planner's cost of a raw day passed
        # jit_above_cost, and compiling took 140 ms of each 350 ms query. And with
        # random_page_cost for data in memory (1.1, not 4): a province's trend read
        # 127,000 of the aggregate's 5,100,000 rows by a full scan (676 ms, not 61).
        db.session.execute(text(
            "SELECT set_config('max_parallel_workers_per_gather', '0', true), "
            "set_config('jit', 'off', true), set_config('random_page_cost', '1.1', true)"))
    for attempt in range(READ_ATTEMPTS + 1):
        state = State.read()
        # Folds kept committing under us (a rebuild runs): the raw rows alone, which no
        # fold changes, are exact; slow, and only then.
        closed = state.closed_through if attempt < READ_ATTEMPTS else None
        until = state.folded_until if closed is not None else None
        planned = [_with_today(cells.plan(first, last, closed), closed, until)
                   for first, last in periods]
        plans = [p for p, _spans in planned]
        out = [Found() for _ in periods]
        _from_blocks(ids, plans, out, sets, merged_under)
        for found, (p, spans) in zip(out, planned, strict=True):
            for start, end in spans:
                found.update(_from_raw(ids, start, end, sets, merged_under is not None))
            if p.minus:
                found.prune()
        if closed is None or State.read().generation == state.generation:
            return out
    raise AssertionError("unreachable: the last attempt reads raw rows only")


def _with_today(p: cells.Plan, closed: date | None, until: datetime | None
                ) -> tuple[cells.Plan, list[tuple[datetime, datetime]]]:
    """The plan's raw days as UTC ranges, with today's block read in place of today's
    raw rows before `until` when the plan reads today (the day after `closed`)."""
    if closed is None or until is None:
        return p, [utc_bounds(a, b) for a, b in p.raw]
    today = closed + timedelta(days=1)
    spans: list[tuple[datetime, datetime]] = []
    uses_today = False
    for a, b in p.raw:
        if not a <= today <= b:
            spans.append(utc_bounds(a, b))
            continue
        uses_today = True
        if a < today:
            spans.append(utc_bounds(a, closed))
        spans.append((until, utc_bounds(b, b)[1]))
    if not uses_today:
        return p, spans
    return replace(p, blocks=(*p.blocks, ("d", today))), spans


def read_one(unit_ids: Iterable[int], first: date, last: date, *, sets: Sets = "all",
             merged_under: int | None = None) -> Found:
    return read(unit_ids, [(first, last)], sets=sets, merged_under=merged_under)[0]


# --- Rebuild and verify ---------------------------------------------------------------


def _stored(unit_ids: Iterable[int] | None, span: str, start: date) -> Cells:
    stmt = select(*(getattr(Tally, c) for c in KEY_COLUMNS), Tally.n).where(
        Tally.span == span, Tally.start == start)
    if unit_ids is not None:
        stmt = stmt.where(Tally.unit_id.in_(list(unit_ids)))
    return Counter({tuple(row[:8]): row[8] for row in db.session.execute(stmt)})  # type: ignore[misc]


def months_to_rebuild(first: date | None, last: date | None) -> list[tuple[date, date]]:
    """The months whose blocks a rebuild of [first, last] recomputes (whole months: a
    block is a month), each with its last folded day."""
    state = State.read()
    closed = state.closed_through
    earliest = _earliest_day()
    if closed is None or earliest is None:
        return []
    lo = max(first or earliest, earliest)
    hi = min(last or closed, closed)
    if lo > hi:
        return []
    return list(cells.months_between(cells.month_start(lo), min(cells.month_end(hi), closed)))


def rebuild(unit_ids: Iterable[int] | None = None, first: date | None = None,
            last: date | None = None, *,
            on_month: Callable[[date], None] | None = None) -> None:
    """Recompute the month blocks of [first, last] (every month when not given) for the
    given units (all when None; else a unit and every unit below it) from the raw rows,
    correct their years by the difference, then fold what is pending. Each month is one
    transaction, so the figures stay exact while it runs and writers wait at most one
    month's recount. The units above the given ones keep their other counts: their
    family cells change by the difference alone."""
    if unit_ids is None and first is None and last is None:
        row = _lock()  # everything: start again and fold it all, each month written once
        db.session.execute(delete(Tally))
        row.folded_until = None
        _commit(row, None)
        fold(max_days=None, on_month=on_month)
        _analyze()
        return
    ids = None if unit_ids is None else sorted(set(unit_ids))
    inside = set(ids or ())
    years: set[date] = set()
    for month, _stop in months_to_rebuild(first, last):
        row = _lock()
        closed = row.closed_through
        if closed is None:  # the timezone changed under us: the fold below does it all
            db.session.commit()
            break
        new = complete(raw_cells(ids, month, min(cells.month_end(month), closed)))
        old = _stored(ids, "m", month)
        where = [Tally.span == "m", Tally.start == month]
        if ids is not None:
            # The units above: only the family cells these units add there, as stored
            # (by the tree and names as they are now) and as recounted.
            old.update({k: n for k, n in complete(old).items() if k[0] not in inside})
            where.append(Tally.unit_id.in_(ids))
        delta = Counter(new)
        delta.subtract(old)
        db.session.execute(delete(Tally).where(*where))
        _add({k: n for k, n in new.items() if ids is None or k[0] in inside},
             [("m", month)])
        _add({k: n for k, n in delta.items() if ids is not None and k[0] not in inside},
             [("m", month)])
        _add(delta, [("y", cells.block_of("y", month))])
        _drop_zeros({k[0] for k, n in delta.items() if n})
        _commit(row, closed)
        years.add(cells.block_of("y", month))
        if on_month:
            on_month(month)
    for year in sorted(years):
        _resum_year(ids, year)
    fold(max_days=None, on_month=on_month)


def _drop_zeros(unit_ids: Iterable[int]) -> None:
    """Cells a correction brought to zero, gone: a read must not list a procedure or a
    family that has nothing left (each unit's rows are one range of the key)."""
    ids = sorted(set(unit_ids))
    if ids:
        db.session.execute(delete(Tally).where(Tally.unit_id.in_(ids), Tally.n == 0))


def _analyze() -> None:
    """Fresh statistics after a full rebuild: without them PostgreSQL's planner took the
    rebuilt table for empty and joined a province's year row by row (0.7 s, not 0.2)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE tally"))
        db.session.commit()


def _resum_year(unit_ids: Sequence[int] | None, year: date) -> None:
    """Set the year's blocks to the sum of its month blocks, so a rebuild also mends a
    year block that went wrong alone (the month deltas only keep it right meanwhile):
    one INSERT … SELECT, in the database."""
    row = _lock()
    scope = [] if unit_ids is None else [Tally.unit_id.in_(unit_ids)]
    db.session.execute(delete(Tally).where(Tally.span == "y", Tally.start == year, *scope))
    keys = [getattr(Tally, c) for c in KEY_COLUMNS]
    months = (select(literal("y"), literal(year, Date), *keys, func.sum(Tally.n))
              .where(Tally.span == "m", Tally.start >= year,
                     Tally.start <= year.replace(month=12), *scope)
              .group_by(*keys))
    db.session.execute(insert(Tally).from_select(list(_COLUMNS), months))
    _commit(row, row.closed_through)


# --- The tree or a procedure's name changing -------------------------------------------


@contextmanager
def regrouping(*, units: Iterable[int] = (), procedures: Iterable[int] = ()
               ) -> Iterator[None]:
    """Around a change of the given units' place in the tree (each moves with every
    unit below it) or of the given procedures' codes or names, in the caller's
    transaction: the family cells their stored counts add above are taken away under the
    old tree and names, and added under the new ones when the block ends (it flushes).
    The aggregate is locked from the start, so no fold or late form counts in between."""
    moved = sorted({d for u in units for d in org.descendant_ids(u)})
    procedures = sorted(set(procedures))
    if not moved and not procedures:
        yield
        return
    row = _lock()
    stmt = select(Tally.span, Tally.start, *(getattr(Tally, c) for c in KEY_COLUMNS),
                  Tally.n).where(Tally.counter_id == 0, Tally.procedure_id > 0, or_(
                      Tally.unit_id.in_(moved), Tally.procedure_id.in_(procedures)))
    by_block: dict[tuple[Span, date], Cells] = {}
    for span, start, *key, n in db.session.execute(stmt):
        by_block.setdefault((span, start), Counter())[tuple(key)] += n  # type: ignore[index]

    def families_above() -> dict[tuple[Span, date], Cells]:
        return {block: Counter({k: n for k, n in complete(c).items() if k[2] < 0})
                for block, c in by_block.items()}

    before = families_above()
    yield
    db.session.flush()
    for block, after in families_above().items():
        after.subtract(before[block])
        _add(after, [block])
    _drop_zeros({k[0] for c in before.values() for k in c})
    row.generation += 1


@dataclass(frozen=True)
class Difference:
    span: str
    start: date
    key: Key
    stored: int
    expected: int

    def describe(self, unit_codes: Mapping[int, str]) -> str:
        unit, counter, procedure, channel, q, version, item, value = self.key
        block = {"m": f"{self.start:%Y-%m}", "y": f"{self.start:%Y}",
                 "d": f"{self.start:%Y-%m-%d} (today so far)"}[self.span]
        where = [f"unit={unit_codes.get(unit, unit)}"]
        where += [f"counter={counter}"] if counter else []
        where += ([f"procedure={procedure}"] if procedure > 0 else
                  [f"family={-procedure}"] if procedure < 0 else [])
        where += [f"channel={channel}"] if channel else []
        where += [f"questionnaire={q}@{version}"] if q else []
        what = ("responses" if item == cells.RESPONSES else
                f"respondents {item[1:]}" if item.startswith(cells.RESPONDENT_PREFIX) else
                f"{item}={value}")
        return (f"{block} {' '.join(where)} {what}: stored {self.stored}, "
                f"raw rows {self.expected}")


def _compare(span: str, start: date, stored: Mapping[Key, int],
             expected: Mapping[Key, int]) -> list[Difference]:
    return [Difference(span, start, key, stored.get(key, 0), expected.get(key, 0))
            for key in sorted(set(stored) | set(expected))
            if stored.get(key, 0) != expected.get(key, 0)]


def _recount(span: str, start: date) -> list[Difference]:
    """One block against the raw rows, with the aggregate locked (nothing commits to it
    meanwhile), then nothing kept: a difference seen without the lock may be a late form
    or a fold that committed between the two reads."""
    row = _lock()
    try:
        closed = row.closed_through
        expected: Cells = Counter()
        if span == "d":
            if (closed is not None and row.folded_until is not None
                    and start == closed + timedelta(days=1)):
                expected = _today_expected(start, row.folded_until)
        elif closed is not None and start <= closed:
            last = min(date(start.year, 12, 31) if span == "y" else cells.month_end(start),
                       closed)
            for first, stop in cells.months_between(start, last):
                expected.update(complete(raw_cells(None, first, stop)))
        return _compare(span, start, _stored(None, span, start), expected)
    finally:
        db.session.rollback()


def _today_expected(day: date, until: datetime) -> Cells:
    return complete(raw_cells_between(None, utc_bounds(day, day)[0], until))


def verify(*, on_month: Callable[[date], None] | None = None) -> list[Difference]:
    """Recount every folded day from the raw rows, month by month, and compare with the
    stored month and year blocks; also report blocks stored beyond the folded days.
    Without a lock, so responses keep coming; a block that differs is recounted under
    the lock before it is reported."""
    suspects: list[tuple[str, date]] = []
    years: dict[date, Cells] = {}
    known: set[tuple[str, date]] = set()
    for month, stop in months_to_rebuild(None, None):
        expected = complete(raw_cells(None, month, stop))
        db.session.commit()  # a family seen for the first time, and nothing else
        if _compare("m", month, _stored(None, "m", month), expected):
            suspects.append(("m", month))
        years.setdefault(cells.block_of("y", month), Counter()).update(expected)
        known.add(("m", month))
        if on_month:
            on_month(month)
    for year, expected in sorted(years.items()):
        if _compare("y", year, _stored(None, "y", year), expected):
            suspects.append(("y", year))
        known.add(("y", year))
    state = State.read()
    if state.closed_through is not None and state.folded_until is not None:
        today = state.closed_through + timedelta(days=1)
        expected = _today_expected(today, state.folded_until)
        if _compare("d", today, _stored(None, "d", today), expected):
            suspects.append(("d", today))
        known.add(("d", today))
    suspects += [(span, start) for span, start in db.session.execute(
        select(Tally.span, Tally.start).distinct()) if (span, start) not in known]
    return [d for span, start in suspects for d in _recount(span, start)]


def unit_codes() -> dict[int, str]:
    return {i: c for i, c in db.session.execute(select(Unit.id, Unit.code))}
