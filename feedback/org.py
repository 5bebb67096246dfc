"""The unit tree: one home for "find a unit by its code" and "this unit and everything
below it", used by auth, survey, reports and admin alike.

Descendants come from one recursive CTE, so a staff request reads only the part of the
tree it needs instead of the whole `unit` table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Unit, User
from feedback.models.org import UNIT_CODE

KINDS = ("province", "commune")


class UnknownUnit(LookupError):
    """No unit has this code."""


def unit_by_code(code: str) -> Unit:
    unit = find_unit(code)
    if unit is None:
        raise UnknownUnit(f"no unit with code {code!r}")
    return unit


def find_unit(code: str) -> Unit | None:
    """None for anything that cannot be a unit code, without asking the database: a NUL
    from a form or a URL is an error on PostgreSQL (SQLite would just find nothing)."""
    code = code.strip()
    if not UNIT_CODE.fullmatch(code):
        return None
    return db.session.scalar(select(Unit).where(Unit.code == code))


def descendant_ids(root_ids: int | Iterable[int]) -> set[int]:
    """The given units and every unit below them, in one query."""
    roots = [root_ids] if isinstance(root_ids, int) else list(root_ids)
    if not roots:
        return set()
    tree = (select(Unit.id.label("id")).where(Unit.id.in_(roots))
            .cte("tree", recursive=True))
    child = db.aliased(Unit)
    tree = tree.union(select(child.id).join(tree, child.parent_id == tree.c.id))
    return set(db.session.scalars(select(tree.c.id)))


def scope_ids(user: User) -> set[int]:
    """The units a staff member may see: their unit and its descendants; an installation
    administrator (an admin with no unit) sees every unit."""
    if user.unit_id is None:
        return set(db.session.scalars(select(Unit.id))) if user.role == "admin" else set()
    return descendant_ids(user.unit_id)


def ancestors(unit: Unit) -> list[Unit]:
    """Parent, grandparent, ... (loops are refused on write, the bound is a safety net)."""
    out: list[Unit] = []
    parent = unit.parent
    while parent is not None and len(out) < 64:
        out.append(parent)
        parent = parent.parent
    return out


@dataclass(frozen=True)
class TreeRow:
    unit: Unit
    depth: int


def tree(unit_ids: Iterable[int], *, include_inactive: bool = True) -> list[TreeRow]:
    """The units given, depth first (a province, then its communes), names sorted; a unit
    whose parent is not among them is a root of the listing."""
    ids = set(unit_ids)
    if not ids:
        return []
    stmt = select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name)
    if not include_inactive:
        stmt = stmt.where(Unit.active.is_(True))
    units = list(db.session.scalars(stmt))
    present = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        parent = u.parent_id if u.parent_id in present else None
        children.setdefault(parent, []).append(u)
    out: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in children.get(parent, []):
            out.append(TreeRow(u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


def unit_choices(unit_ids: Iterable[int], inactive_mark: str = " (ngừng hoạt động)"
                 ) -> list[tuple[str, str]]:
    """(code, label) for a select box, indented to show the tree; pages pass the
    inactive mark in the reader's language."""
    return [(r.unit.code, "\u2003" * r.depth + r.unit.name + ("" if r.unit.active
                                                               else inactive_mark))
            for r in tree(unit_ids)]


class Leaders:
    """Who is told about a unit's work (an overdue petition, a report falling due): its
    active leaders; when it has none, its own active admins; when it has neither, the same
    one level up, and so on. Never the installation's admin (they would get every unit's
    mail), never another unit's staff. One query per unit asked, remembered for the tick."""

    def __init__(self) -> None:
        self._known: dict[int, list[str]] = {}

    def _of(self, unit_id: int) -> list[str]:
        if unit_id not in self._known:
            rows = db.session.execute(select(User.email, User.role).where(
                User.unit_id == unit_id, User.active.is_(True),
                User.role.in_(("leader", "admin")))).all()
            leaders = [email for email, role in rows if role == "leader"]
            self._known[unit_id] = sorted(
                leaders or [email for email, role in rows if role == "admin"])
        return self._known[unit_id]

    def for_unit(self, unit: Unit) -> list[str]:
        current: Unit | None = unit
        seen: set[int] = set()
        while current is not None and current.id not in seen:
            seen.add(current.id)
            found = self._of(current.id)
            if found:
                return found
            current = current.parent
        return []


def branches(unit: Unit) -> dict[str, set[str]]:
    """Each unit directly below `unit`, by code: its own code and those of every unit
    below it (what a report counts for that unit), from one read of the subtree."""
    rows = db.session.execute(select(Unit.id, Unit.code, Unit.parent_id).where(
        Unit.id.in_(descendant_ids(unit.id)))).all()
    parent = {uid: parent_id for uid, _code, parent_id in rows}
    codes = {uid: code for uid, code, _parent in rows}
    out: dict[str, set[str]] = {}
    for uid, code in codes.items():
        top: int | None = uid
        while top is not None and parent.get(top) not in (unit.id, None):
            top = parent[top]
        if top is not None and top != unit.id and parent.get(top) == unit.id:
            out.setdefault(codes[top], set()).add(code)
    return out
