"""A commune's procedures (TTHC): listed by field, created, edited, deactivated and
reactivated from the pages, or imported from a file (preview, then apply). Same habits as
`feedback.admin.units`: one transaction per use case, an `AuditEvent` beside each
change, refusals as `Refused` with a message key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedback.admin import import_plans, imports
from feedback.admin.import_plans import Plan, ProcedureContext, ProcedureState
from feedback.admin.imports import ImportRefused
from feedback.admin.units import ImportResult, Refused, clean_value
from feedback.audit import record
from feedback.extensions import db
from feedback.models import Procedure, Unit, User
from feedback.org import descendant_ids
from feedback.reports import tally
from feedback.vi_order import ProcedureGroups, group_procedures, vi_sort_key


def procedure_by_id(procedure_id: int) -> Procedure | None:
    return db.session.get(Procedure, procedure_id)


def procedures_of(unit: Unit) -> list[Procedure]:
    return list(db.session.scalars(select(Procedure).where(Procedure.unit_id == unit.id)
                                   .order_by(Procedure.field, Procedure.name)))


def grouped_by_field(procedures: Iterable[Procedure]) -> list[tuple[str, list[Procedure]]]:
    """(field, procedures) in the order given; a blank field comes last."""
    groups: dict[str, list[Procedure]] = {}
    for p in procedures:
        groups.setdefault(p.field or "", []).append(p)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "", vi_sort_key(kv[0])))


def choices(unit_id: int) -> ProcedureGroups:
    """The unit's active procedures grouped by field (lĩnh vực), in Vietnamese order, for
    the optional select box of the survey and the petition form (`<optgroup>`s)."""
    rows = db.session.execute(
        select(Procedure.id, Procedure.name, Procedure.field)
        .where(Procedure.unit_id == unit_id, Procedure.active.is_(True))
    )
    return group_procedures((r[0], r[1], r[2]) for r in rows)


def in_unit(procedure_id: int, unit_id: int) -> bool:
    """Whether a submitted procedure belongs to the unit. Active or not: the forms only
    OFFER active ones (`choices`), but one the office deactivates while a citizen is
    filling in a form is still theirs to send, never a reason to choose again (an office
    action never throws a citizen's answers away)."""
    return db.session.scalar(
        select(Procedure.id).where(Procedure.id == procedure_id, Procedure.unit_id == unit_id)
    ) is not None


@dataclass(frozen=True)
class ProcedureInput:
    code: str
    name: str
    field: str


def _check_procedure(data: ProcedureInput) -> ProcedureInput:
    """Code and name required, field optional; each on one line, within its column."""
    def clean(column: str, required: bool = True) -> str:
        return clean_value(getattr(data, column), column,
                           imports.column_limit(Procedure, column), required=required)

    return ProcedureInput(clean("code"), clean("name"), clean("field", required=False))


def _code_taken(unit_id: int, code: str, but: int | None = None) -> bool:
    stmt = select(Procedure.id).where(Procedure.unit_id == unit_id, Procedure.code == code)
    if but is not None:
        stmt = stmt.where(Procedure.id != but)
    return db.session.scalar(stmt) is not None


def create_procedure(actor_user: User | None, unit: Unit, data: ProcedureInput) -> Procedure:
    data = _check_procedure(data)
    if unit.kind != "commune":
        raise Refused("procedure_needs_commune")
    if _code_taken(unit.id, data.code):
        raise Refused("procedure_code_taken", code=data.code)
    proc = Procedure(unit_id=unit.id, code=data.code, name=data.name, field=data.field)
    db.session.add(proc)
    record(actor_user, unit.id, "procedure.create", data.code, data.name)
    return _commit_procedure(proc, data.code)


def update_procedure(actor_user: User | None, proc: Procedure, data: ProcedureInput
                     ) -> Procedure:
    data = _check_procedure(data)
    if _code_taken(proc.unit_id, data.code, but=proc.id):
        raise Refused("procedure_code_taken", code=data.code)
    changes = [f"{c}: {getattr(proc, c) or '—'} → {getattr(data, c) or '—'}"
               for c in ("code", "name", "field") if getattr(proc, c) != getattr(data, c)]
    if not changes:
        return proc
    # A new code or name puts the procedure in another family at the units above.
    regrouped = [proc.id] if (proc.code, proc.name) != (data.code, data.name) else []
    try:
        with tally.regrouping(procedures=regrouped):
            proc.code, proc.name, proc.field = data.code, data.name, data.field
    except IntegrityError:
        db.session.rollback()
        raise Refused("procedure_code_taken", code=data.code) from None
    record(actor_user, proc.unit_id, "procedure.update", data.code, "; ".join(changes))
    return _commit_procedure(proc, data.code)


def _commit_procedure(proc: Procedure, code: str) -> Procedure:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused("procedure_code_taken", code=code) from None
    return proc


def set_procedure_active(actor_user: User | None, proc: Procedure, active: bool) -> Procedure:
    """Deactivated procedures leave the survey's list; their past responses keep them."""
    if proc.active != active:
        proc.active = active
        record(actor_user, proc.unit_id,
              "procedure.reactivate" if active else "procedure.deactivate", proc.code, proc.name)
        db.session.commit()
    return proc


def _procedure_context(actor_user: User | None) -> ProcedureContext:
    stmt = select(Unit.id, Unit.code, Unit.kind)
    if actor_user is not None and actor_user.unit_id is not None:
        stmt = stmt.where(Unit.id.in_(descendant_ids(actor_user.unit_id)))
    units = list(db.session.execute(stmt))
    codes = {i: c for i, c, _ in units}
    existing: dict[tuple[str, str], ProcedureState] = {}
    if codes:
        rows = db.session.execute(
            select(Procedure.unit_id, Procedure.code, Procedure.name, Procedure.field,
                   Procedure.active).where(Procedure.unit_id.in_(list(codes))))
        existing = {(codes[u], c): ProcedureState(n, f or "", a) for u, c, n, f, a in rows}
    return ProcedureContext({c: k for _, c, k in units}, existing)


def plan_procedure_import(content: bytes, filename: str,
                          actor_user: User | None = None) -> Plan:
    return import_plans.plan_procedures(content, filename, _procedure_context(actor_user))


def apply_procedure_import(plan: Plan, actor_user: User | None = None) -> ImportResult:
    """Apply a clean plan in one transaction; one history line per unit touched."""
    if not plan.ok:
        raise ImportRefused(plan.issues)
    touched = [r for r in plan.rows if r.action != "unchanged"]
    codes = {r.values["unit_code"] for r in touched}
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    existing = {(p.unit_id, p.code): p for p in db.session.scalars(
        select(Procedure).where(Procedure.unit_id.in_([u.id for u in units.values()])))}
    per_unit: dict[str, list[int]] = {}
    renamed = [p.id for r in touched
               if (p := existing.get((units[r.values["unit_code"]].id, r.values["code"])))
               and p.name != r.values["name"]]
    try:
        with tally.regrouping(procedures=renamed):  # a new name: another family above
            for row in touched:
                unit = units[row.values["unit_code"]]
                proc = existing.get((unit.id, row.values["code"]))
                if proc is None:
                    db.session.add(Procedure(unit_id=unit.id, code=row.values["code"],
                                             name=row.values["name"],
                                             field=row.values["field"]))
                else:
                    proc.name, proc.field = row.values["name"], row.values["field"]
                counts = per_unit.setdefault(unit.code, [0, 0])
                counts[0 if row.action == "create" else 1] += 1
        for code, (created, updated) in per_unit.items():
            record(actor_user, units[code].id, "procedure.import", code,
                  f"{created} thủ tục mới, {updated} thủ tục sửa")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused("plan_changed") from None
    return ImportResult(plan.created, plan.updated, plan.unchanged)


def import_procedures(content: bytes, filename: str = "procedures.csv",
                      actor_user: User | None = None) -> ImportResult:
    """Parse and apply: all or nothing (the CLI's `feedback procedures import`)."""
    return apply_procedure_import(plan_procedure_import(content, filename, actor_user),
                                  actor_user)
