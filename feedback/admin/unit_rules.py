"""The rules of the unit tree, as pure functions shared by the unit pages and the import.

A province has no parent; a commune sits under a province; the tree never loops. An admin
with a unit works inside that unit's subtree only: only the installation administrator
(no unit) creates a province or places a unit at the top. Each function answers with
problem keys (see `MESSAGES`), so the pages, the import preview and the CLI word the same
refusal their own way and tests can compare keys rather than sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from feedback.msgid import N_

KINDS = ("province", "commune")

#: key → (Vietnamese for the pages, English for the CLI).
MESSAGES: dict[str, tuple[str, str]] = {
    "bad_kind": (N_("Loại đơn vị phải là province (tỉnh) hoặc commune (xã/phường), "
                    "không phải “%(kind)s”."),
                 "kind must be province or commune, not %(kind)r"),
    "province_has_parent": (N_("Tỉnh không có đơn vị cấp trên."),
                            "a province has no parent"),
    "commune_needs_parent": (N_("Xã/phường phải thuộc một tỉnh: xin chọn đơn vị cấp trên."),
                             "a commune needs a province as its parent"),
    "parent_not_province": (N_("Đơn vị cấp trên %(parent)s không phải là tỉnh."),
                            "parent %(parent)s is not a province"),
    "parent_inactive": (N_("Đơn vị cấp trên %(parent)s đã ngừng hoạt động."),
                        "parent %(parent)s is deactivated"),
    "has_children": (N_("Đơn vị này còn đơn vị cấp dưới nên không thể là xã/phường."),
                     "this unit has units below it, so it cannot be a commune"),
    "loop": (N_("Chuỗi đơn vị cấp trên quay vòng lại chính đơn vị %(code)s."),
             "the parents of %(code)s lead back to itself"),
    "self_parent": (N_("Một đơn vị không thể là cấp trên của chính nó."),
                    "a unit cannot be its own parent"),
    "province_needs_installation_admin": (
        N_("Chỉ quản trị toàn hệ thống mới tạo được tỉnh hoặc đơn vị không có cấp trên."),
        "only the installation administrator creates a province or a top-level unit"),
    "parent_out_of_scope": (N_("Không có đơn vị nào mang mã %(parent)s trong phạm vi của "
                               "ông/bà."),
                            "unknown parent %(parent)s"),
    "own_unit_move": (N_("Không thể chuyển đơn vị của chính ông/bà sang cấp trên khác."),
                      "you cannot move your own unit"),
    "own_unit_deactivate": (N_("Không thể ngừng hoạt động đơn vị của chính ông/bà."),
                            "you cannot deactivate your own unit"),
    "active_children": (N_("Đơn vị này còn %(count)d đơn vị cấp dưới đang hoạt động: xin "
                           "ngừng hoạt động các đơn vị đó trước."),
                        "this unit still has %(count)d active units below it; "
                        "deactivate them first"),
    "active_counters": (N_("Đơn vị này còn %(count)d quầy đang nhận phiếu: xin ngừng các quầy "
                           "đó trước (trang Quầy và mã QR), để phiếu đang điền dở vẫn được "
                           "nhận."),
                        "this unit still has %(count)d active counters; deactivate them first"),
    "code_taken": (N_("Mã %(code)s đã được dùng cho một đơn vị khác."),
                   "code %(code)s is already used"),
}


@dataclass(frozen=True)
class Node:
    """What the rules need to know about a unit (existing, or as a change would leave it)."""

    code: str
    kind: str
    parent: str | None
    active: bool = True


@dataclass(frozen=True)
class Actor:
    """Who asks: the installation administrator (`scope` None: every unit), or an admin
    limited to the codes of their unit's subtree, `home` being that unit."""

    scope: frozenset[str] | None
    home: str | None = None

    @property
    def installation(self) -> bool:
        return self.scope is None

    def sees(self, code: str | None) -> bool:
        return code is not None and (self.scope is None or code in self.scope)


INSTALLATION = Actor(scope=None)


def placement_problems(node: Node, parent: Node | None, *, has_children: bool = False
                       ) -> list[str]:
    """Where a created or moved unit may sit. `parent` is the parent as it will be."""
    if node.kind not in KINDS:
        return ["bad_kind"]
    problems = []
    if node.parent is not None and node.parent == node.code:
        return ["self_parent"]
    if node.kind == "province" and node.parent is not None:
        problems.append("province_has_parent")
    if node.kind == "commune":
        if parent is None:
            problems.append("commune_needs_parent")
        elif parent.kind != "province":
            problems.append("parent_not_province")
        if has_children:
            problems.append("has_children")
    if parent is not None and not parent.active and "parent_not_province" not in problems:
        problems.append("parent_inactive")
    return problems


def in_a_loop(code: str, parent_of: Mapping[str, str | None]) -> bool:
    """A loop would put a province under its own commune and widen everyone's scope."""
    seen = {code}
    parent = parent_of.get(code)
    while parent is not None:
        if parent in seen:
            return True
        seen.add(parent)
        parent = parent_of.get(parent)
    return False


def actor_problems(actor: Actor, node: Node, *, existing: Node | None) -> list[str]:
    """Whether `actor` may leave `node` where it is asked to be. `existing` is the unit as
    it is now (None for a new one). The installation administrator may do anything the
    tree rules allow."""
    if actor.installation:
        return []
    moved = existing is None or existing.parent != node.parent
    if existing is not None and existing.code == actor.home:
        return ["own_unit_move"] if moved else []
    if not moved:
        return []
    if node.parent is None or node.kind == "province":
        return ["province_needs_installation_admin"]
    if not actor.sees(node.parent):
        return ["parent_out_of_scope"]
    return []


def deactivation_problems(actor: Actor, node: Node, active_children: int,
                          active_counters: int = 0) -> list[str]:
    """Units are deactivated bottom-up, and a unit's counters before the unit itself (the
    counters' own deactivation keeps a form already open acceptable for a while)."""
    if node.code == actor.home:
        return ["own_unit_deactivate"]
    if active_children:
        return ["active_children"]
    if active_counters:
        return ["active_counters"]
    return []
