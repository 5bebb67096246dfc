"""Units: the tree, changed from the pages or imported from a file (one parser,
`feedback.admin.imports`), plus the shared pieces of the settings services (refusals,
the audit line, the actor's scope). Procedures live in `feedback.admin.procedures`,
counters in `feedback.admin.counters`.

Each use case is one transaction and writes an `AuditEvent` beside the change. Refusals
are `Refused` (a ValueError) carrying a message key: the pages show the Vietnamese text,
the CLI the English one. The tree rules themselves are pure (`feedback.admin.unit_rules`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from feedback.admin import import_plans, imports
from feedback.admin.import_plans import Plan, UnitState
from feedback.admin.imports import MESSAGES, ImportRefused
from feedback.admin.unit_rules import (
    INSTALLATION,
    Actor,
    Node,
    actor_problems,
    deactivation_problems,
    placement_problems,
)
from feedback.audit import record
from feedback.extensions import db
from feedback.models import AuditEvent, Counter, Procedure, Unit, User
from feedback.models.org import UNIT_CODE
from feedback.msgid import N_
from feedback.org import descendant_ids, find_unit
from feedback.reports import tally
from feedback.reports.periods import Period
from feedback.text_rules import TextRefused, clean_line

__all__ = ["ImportRefused", "Refused"]

PROCEDURE_MESSAGES: dict[str, tuple[str, str]] = {
    "procedure_code_taken": (N_("Đơn vị này đã có thủ tục mã %(code)s."),
                             "the unit already has a procedure with code %(code)s"),
    "procedure_needs_commune": (N_("Thủ tục thuộc về xã/phường, không thuộc tỉnh."),
                                "procedures belong to a commune, not a province"),
    "plan_changed": (N_("Dữ liệu đã thay đổi kể từ lúc xem trước. Xin xem lại bản xem trước "
                        "rồi bấm Áp dụng lần nữa."),
                     "the data changed since the preview; preview again"),
}


class Refused(ValueError):
    """A change the rules refuse; nothing was stored. `str()` is English (CLI); the pages
    translate `template` (Vietnamese source) with `params`."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params
        super().__init__(_messages()[key][1] % params)

    @property
    def template(self) -> str:
        return _messages()[self.key][0]


def _messages() -> dict[str, tuple[str, str]]:
    return {**MESSAGES, **PROCEDURE_MESSAGES}


def clean_value(raw: str, column: str, limit: int | None, *, required: bool = True) -> str:
    """A typed name, code or field as it will be stored (`text_rules.clean_line`: one
    line, no control characters, spaces collapsed), or the `Refused` the import would
    report for the same cell: the pages, the CLI and a file refuse alike."""
    try:
        return clean_line(raw, limit, required=required)
    except TextRefused as exc:
        if exc.reason == "control":
            raise Refused("control_chars", column=column) from None
        if exc.reason == "empty":
            raise Refused("empty_value", column=column) from None
        raise Refused("too_long", length=exc.length, limit=exc.limit, column=column) from None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int = 0


def actor_for(user: User | None) -> Actor:
    """The rules' view of a staff member: None (the CLI) and an admin without a unit act
    for the whole installation; anyone else within their unit's subtree."""
    if user is None or user.unit_id is None:
        return INSTALLATION
    ids = descendant_ids(user.unit_id)
    codes = frozenset(db.session.scalars(select(Unit.code).where(Unit.id.in_(ids))))
    return Actor(scope=codes, home=user.unit.code if user.unit else None)


# ---------------------------------------------------------------- the tree and its counts

@dataclass(frozen=True)
class UnitCounts:
    counters: int = 0
    procedures: int = 0
    staff: int = 0
    responses: int = 0


def unit_counts(unit_ids: Iterable[int], month: Period) -> dict[int, UnitCounts]:
    """Active counters, active procedures, active staff and the month's responses of each
    unit (its own, as counted in the aggregate): four reads, whatever the number of
    units."""
    ids = list(unit_ids)
    if not ids:
        return {}

    def grouped(column: Any, *where: Any) -> dict[int, int]:
        stmt = (select(column, func.count()).where(column.in_(ids), *where)
                .group_by(column))
        return {k: n for k, n in db.session.execute(stmt)}

    counters = grouped(Counter.unit_id, Counter.active.is_(True))
    procedures = grouped(Procedure.unit_id, Procedure.active.is_(True))
    staff = grouped(User.unit_id, User.active.is_(True))
    responses = tally.read_one(ids, month.first, month.last, sets="units").units.responses
    return {i: UnitCounts(counters.get(i, 0), procedures.get(i, 0), staff.get(i, 0),
                          responses.get(i, 0)) for i in ids}


def history(unit: Unit, limit: int = 20) -> list[tuple[AuditEvent, str]]:
    """The unit's latest recorded changes with who made them ("" for the command line)."""
    stmt = (select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.unit_id == unit.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [(event, email or "") for event, email in db.session.execute(stmt)]


def _node(unit: Unit) -> Node:
    return Node(unit.code, unit.kind, unit.parent.code if unit.parent else None, unit.active)


def _check(problems: list[str], **params: Any) -> None:
    if problems:
        raise Refused(problems[0], **params)


def _parent(code: str | None, actor: Actor) -> Unit | None:
    """The parent named on a form; one outside the actor's scope is "unknown"."""
    if not code:
        return None
    unit = find_unit(code)
    if unit is None or not actor.sees(unit.code):
        raise Refused("parent_out_of_scope", parent=code)
    return unit


def _unit_name(raw: str) -> str:
    return clean_value(raw, "name", imports.column_limit(Unit, "name") or 200)


def create_unit(actor_user: User | None, code: str, name: str, kind: str,
                parent_code: str | None) -> Unit:
    code = code.strip()
    limit = imports.column_limit(Unit, "code") or 40
    if not UNIT_CODE.fullmatch(code) or len(code) > limit:
        raise Refused("bad_code", code=code)
    name = _unit_name(name)
    actor = actor_for(actor_user)
    parent = _parent(parent_code, actor)
    node = Node(code, kind, parent.code if parent else None)
    _check(actor_problems(actor, node, existing=None), parent=parent_code or "")
    _check(placement_problems(node, None if parent is None else _node(parent)),
           kind=kind, parent=parent_code or "", code=code)
    if db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Refused("code_taken", code=code)
    unit = Unit(code=code, name=name, kind=kind, parent=parent)
    db.session.add(unit)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Refused("code_taken", code=code) from None
    record(actor_user, unit.id, "unit.create", code,
          f"{name} ({kind}, cấp trên: {parent.code if parent else '—'})")
    db.session.commit()
    return unit


def update_unit(actor_user: User | None, unit: Unit, name: str, parent_code: str | None
                ) -> Unit:
    """Rename and/or move. Moving re-checks the tree rules and the actor's scope."""
    name = _unit_name(name)
    actor = actor_for(actor_user)
    before = _node(unit)
    new_parent_code = parent_code or None
    changes = []
    if new_parent_code != before.parent:
        parent = _parent(new_parent_code, actor)
        node = Node(unit.code, unit.kind, new_parent_code, unit.active)
        _check(actor_problems(actor, node, existing=before), parent=new_parent_code or "")
        if parent is not None and (parent.id == unit.id
                                   or parent.id in descendant_ids(unit.id)):
            raise Refused("loop", code=unit.code)
        _check(placement_problems(node, None if parent is None else _node(parent),
                                  has_children=bool(unit.children)),
               kind=unit.kind, parent=new_parent_code or "", code=unit.code)
        changes.append(f"cấp trên: {before.parent or '—'} → {new_parent_code or '—'}")
        with tally.regrouping(units=[unit.id]):  # its counts move up the new branch
            unit.parent = parent
    if name != unit.name:
        changes.append(f"tên: {unit.name} → {name}")
        unit.name = name
    if changes:
        record(actor_user, unit.id, "unit.update", unit.code, "; ".join(changes))
        db.session.commit()
    return unit


def set_unit_active(actor_user: User | None, unit: Unit, active: bool) -> Unit:
    """Deactivate or reactivate; nothing is deleted, so responses and history stay."""
    actor = actor_for(actor_user)
    if unit.active == active:
        return unit
    if active:
        if unit.parent is not None and not unit.parent.active:
            raise Refused("parent_inactive", parent=unit.parent.code)
    else:
        live = sum(1 for child in unit.children if child.active)
        counters = sum(1 for counter in unit.counters if counter.active)
        problems = deactivation_problems(actor, _node(unit), live, counters)
        _check(problems, count=live if problems[:1] == ["active_children"] else counters)
    unit.active = active
    record(actor_user, unit.id, "unit.reactivate" if active else "unit.deactivate", unit.code)
    db.session.commit()
    return unit


# ---------------------------------------------------------------- unit import

def _unit_states() -> dict[str, UnitState]:
    parent = db.aliased(Unit)
    stmt = (select(Unit.code, Unit.name, Unit.kind, parent.code, Unit.active)
            .outerjoin(parent, parent.id == Unit.parent_id))
    return {c: UnitState(c, n, k, p, a) for c, n, k, p, a in db.session.execute(stmt)}


def plan_unit_import(content: bytes, filename: str, actor_user: User | None = None) -> Plan:
    """What the file would change, checked against the tree as it is now; writes nothing."""
    return import_plans.plan_units(content, filename, _unit_states(), actor_for(actor_user))


def apply_unit_import(plan: Plan, actor_user: User | None = None) -> ImportResult:
    """Apply a clean plan in one transaction (parents first, so a file may list a commune
    before its province)."""
    if not plan.ok:
        raise ImportRefused(plan.issues)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    for row in plan.rows:
        if row.action == "create":
            unit = Unit(code=row.key, name=row.values["name"], kind=row.values["kind"])
            db.session.add(unit)
            units[row.key] = unit
    moving = [units[r.key].id for r in plan.rows if r.action == "update"
              and _parent_code(units[r.key]) != (r.values["parent_code"] or None)]
    try:
        with tally.regrouping(units=moving):  # their counts move up their new branches
            for row in plan.rows:
                if row.action == "unchanged":
                    continue
                unit = units[row.key]
                unit.name, unit.kind = row.values["name"], row.values["kind"]
                unit.parent = (units[row.values["parent_code"]] if row.values["parent_code"]
                               else None)
    except IntegrityError:
        db.session.rollback()
        raise Refused("plan_changed") from None
    for row in plan.rows:
        if row.action == "create":
            record(actor_user, units[row.key].id, "unit.import", row.key,
                  f"tạo mới: {row.values['name']} ({row.values['kind']})")
        elif row.action == "update":
            record(actor_user, units[row.key].id, "unit.import", row.key,
                  "; ".join(f"{c}: {a or '—'} → {b or '—'}" for c, a, b in row.changes))
    db.session.commit()
    return ImportResult(plan.created, plan.updated, plan.unchanged)


def _parent_code(unit: Unit) -> str | None:
    return unit.parent.code if unit.parent else None


def import_units(content: bytes, filename: str = "units.csv",
                 actor_user: User | None = None) -> ImportResult:
    """Parse and apply: all or nothing (the CLI's `feedback units import`)."""
    return apply_unit_import(plan_unit_import(content, filename, actor_user), actor_user)


# ---------------------------------------------------------------- a look-up for the CLI

def all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.code)))

