"""What an imported file would change: the plan, checked against the database as it is
and the tree rules, before anything is written (`feedback.admin.units` applies it).

Pure: the callers pass the existing rows as plain values, so the same file gives the same
plan (and the same refusals) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from feedback.admin.imports import (
    PROCEDURE_COLUMNS,
    PROCEDURE_REQUIRED,
    UNIT_COLUMNS,
    UNIT_REQUIRED,
    Issue,
    check_cells,
    read_table,
)
from feedback.admin.unit_rules import (
    INSTALLATION,
    KINDS,
    Actor,
    Node,
    actor_problems,
    in_a_loop,
    placement_problems,
)
from feedback.models import Procedure, Unit
from feedback.models.org import UNIT_CODE


@dataclass(frozen=True)
class PlanRow:
    line: int
    action: str  # "create" | "update" | "unchanged"
    key: str  # unit code, or "unit_code / code" for a procedure
    values: Mapping[str, str]
    changes: tuple[tuple[str, str, str], ...] = ()  # (column, before, after)


@dataclass(frozen=True)
class Plan:
    """What applying the file would do. Nothing is deactivated by an import: a unit or a
    procedure missing from the file stays as it is."""

    kind: str  # "units" | "procedures"
    rows: list[PlanRow]
    issues: list[Issue]
    extra_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def deactivated(self) -> int:
        return 0

    def digest(self) -> str:
        """Fingerprint of what would change: the preview's promise. If the database moved
        on between preview and confirmation, the digest differs and nothing is applied."""
        body = [[r.action, r.key, sorted(r.values.items()), list(r.changes)]
                for r in self.rows]
        raw = json.dumps([self.kind, body], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- units

@dataclass(frozen=True)
class UnitState:
    code: str
    name: str
    kind: str
    parent: str | None
    active: bool = True


def plan_units(content: bytes, filename: str, existing: Mapping[str, UnitState],
               actor: Actor = INSTALLATION) -> Plan:
    """Upsert by code; a parent may appear anywhere in the same file. Blank `kind` or
    `parent_code` (or a missing optional column) keep an existing unit's value."""
    table, issues = read_table(content, filename, UNIT_COLUMNS, UNIT_REQUIRED)
    if table is None:
        return Plan("units", [], issues)
    issues = check_cells(table, Unit, {"parent_code": "code"}, UNIT_REQUIRED)
    bad_lines = {i.line for i in issues}
    first_line: dict[str, int] = {}
    wanted: dict[str, tuple[int, UnitState]] = {}
    for line, v in table.rows:
        code = v["code"]
        if line in bad_lines:
            continue
        for column in ("code", "parent_code"):
            if v.get(column) and not UNIT_CODE.match(v[column]):
                issues.append(Issue(line, column, "bad_code", {"code": v[column]}))
                bad_lines.add(line)
        kind = v.get("kind", "")
        if kind and kind not in KINDS:
            issues.append(Issue(line, "kind", "bad_kind", {"kind": kind}))
            bad_lines.add(line)
        if code in first_line:
            issues.append(Issue(line, "code", "duplicate_code",
                                {"code": code, "first": first_line[code]}))
            continue
        first_line[code] = line
        if line in bad_lines:
            continue
        before = existing.get(code)
        if before is not None and not actor.sees(code):
            issues.append(Issue(line, "code", "code_taken", {"code": code}))
            continue
        wanted[code] = (line, UnitState(
            code, v["name"], kind or (before.kind if before else "commune"),
            v.get("parent_code") or (before.parent if before else None),
            before.active if before else True))
    final = {**existing, **{code: state for code, (_, state) in wanted.items()}}
    parent_of = {code: s.parent for code, s in final.items()}
    children: dict[str, int] = {}
    for s in final.values():
        if s.parent is not None:
            children[s.parent] = children.get(s.parent, 0) + 1
    rows = []
    for code, (line, state) in wanted.items():
        before = existing.get(code)
        placed = before is None or (before.parent, before.kind) != (state.parent, state.kind)
        if placed:
            problems = _unit_placement(code, state, final, parent_of, children, before, actor)
            if problems:
                issues.extend(Issue(line, "parent_code" if p not in ("bad_kind", "has_children")
                                    else "kind", p, {"code": code, "parent": state.parent or "",
                                                     "kind": state.kind})
                              for p in problems)
                continue
        rows.append(_unit_row(line, state, before))
    issues.sort(key=lambda i: (i.line, UNIT_COLUMNS.index(i.column)
                               if i.column in UNIT_COLUMNS else 9))
    return Plan("units", rows if not issues else [], issues, table.extra_columns)


def _unit_placement(code: str, state: UnitState, final: Mapping[str, UnitState],
                    parent_of: Mapping[str, str | None], children: Mapping[str, int],
                    before: UnitState | None, actor: Actor) -> list[str]:
    if state.parent is not None and state.parent not in final:
        return ["unknown_parent"]
    if state.parent is not None and state.parent != code and in_a_loop(code, parent_of):
        return ["loop"]
    parent = final.get(state.parent) if state.parent else None
    node = Node(code, state.kind, state.parent, state.active)
    problems = actor_problems(actor, node, existing=None if before is None else Node(
        before.code, before.kind, before.parent, before.active))
    if problems:
        return problems
    return placement_problems(
        node, None if parent is None else Node(parent.code, parent.kind, parent.parent,
                                               parent.active),
        has_children=children.get(code, 0) > 0)


def _unit_row(line: int, state: UnitState, before: UnitState | None) -> PlanRow:
    values = {"code": state.code, "name": state.name, "kind": state.kind,
              "parent_code": state.parent or ""}
    if before is None:
        return PlanRow(line, "create", state.code, values)
    old = {"name": before.name, "kind": before.kind, "parent_code": before.parent or ""}
    changes = tuple((c, old[c], values[c]) for c in ("name", "kind", "parent_code")
                    if old[c] != values[c])
    return PlanRow(line, "update" if changes else "unchanged", state.code, values, changes)


# ---------------------------------------------------------------- procedures

@dataclass(frozen=True)
class ProcedureState:
    name: str
    field: str
    active: bool = True


@dataclass(frozen=True)
class ProcedureContext:
    """The units a file may name (code → kind, within the actor's scope) and the
    procedures they already have, keyed by (unit code, procedure code)."""

    unit_kinds: Mapping[str, str]
    existing: Mapping[tuple[str, str], ProcedureState]


def plan_procedures(content: bytes, filename: str, context: ProcedureContext) -> Plan:
    """Upsert by (unit code, procedure code). A blank `field` means no field; a file
    without the `field` column keeps the fields as they are."""
    table, issues = read_table(content, filename, PROCEDURE_COLUMNS, PROCEDURE_REQUIRED)
    if table is None:
        return Plan("procedures", [], issues)
    issues = check_cells(table, Procedure, {"unit_code": "code"}, PROCEDURE_REQUIRED)
    bad_lines = {i.line for i in issues}
    first_line: dict[tuple[str, str], int] = {}
    rows = []
    for line, v in table.rows:
        key = (v["unit_code"], v["code"])
        if key in first_line and line not in bad_lines:
            issues.append(Issue(line, "code", "duplicate_code",
                                {"code": v["code"], "first": first_line[key]}))
            continue
        first_line.setdefault(key, line)
        if line in bad_lines:
            continue
        kind = context.unit_kinds.get(v["unit_code"])
        if kind is None:
            issues.append(Issue(line, "unit_code", "unknown_unit", {"code": v["unit_code"]}))
            continue
        if kind != "commune":
            issues.append(Issue(line, "unit_code", "unit_not_commune",
                                {"code": v["unit_code"]}))
            continue
        rows.append(_procedure_row(line, v, context.existing.get(key), "field" in table.columns))
    issues.sort(key=lambda i: (i.line, PROCEDURE_COLUMNS.index(i.column)
                               if i.column in PROCEDURE_COLUMNS else 9))
    return Plan("procedures", rows if not issues else [], issues, table.extra_columns)


def _procedure_row(line: int, v: Mapping[str, str], before: ProcedureState | None,
                   has_field: bool) -> PlanRow:
    field_value = v.get("field", "") if has_field else (before.field if before else "")
    values = {"unit_code": v["unit_code"], "code": v["code"], "name": v["name"],
              "field": field_value}
    key = f"{v['unit_code']} / {v['code']}"
    if before is None:
        return PlanRow(line, "create", key, values)
    changes = tuple((c, old, values[c]) for c, old in (("name", before.name),
                                                        ("field", before.field))
                    if old != values[c])
    return PlanRow(line, "update" if changes else "unchanged", key, values, changes)
