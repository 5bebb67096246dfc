"""The unit tree: every staff role sees its scope (read-only); admins create, rename, move,
deactivate and reactivate units within their subtree, and import a list from a file.

A unit outside the user's scope is a 404 (its existence is never revealed); a wrong role
is a 403. Refusals of the tree rules come from the service with a message key.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from feedback.admin import import_flow, units
from feedback.admin.forms import ActionForm, UnitCreateForm, UnitEditForm
from feedback.admin.imports import UNIT_COLUMNS, UNIT_REQUIRED
from feedback.auth.guards import (
    roles_required,
    unit_in_scope,
    user,
    visible_units,
)
from feedback.extensions import csrf
from feedback.models import Unit
from feedback.reports.services import this_month

bp = Blueprint("units", __name__, url_prefix="/staff")

KIND_WORDS = {"province": _l("Tỉnh/thành phố"), "commune": _l("Xã/phường")}

#: Refusal key → the form field it is about, so the message stands under what to change.
#: Refusals of one cell (empty, too long, control characters) name their column instead.
REFUSAL_FIELDS: dict[str, str] = {
    "bad_code": "code", "code_taken": "code",
    "bad_kind": "kind", "province_needs_installation_admin": "kind",
    "province_has_parent": "parent", "commune_needs_parent": "parent",
    "parent_not_province": "parent", "parent_inactive": "parent",
    "parent_out_of_scope": "parent", "self_parent": "parent", "loop": "parent",
    "has_children": "parent", "own_unit_move": "parent",
}
CELL_REFUSALS = ("empty_value", "too_long", "control_chars")


def _kind_choices() -> list[tuple[str, str]]:
    choices = [("commune", str(KIND_WORDS["commune"]))]
    if user().unit_id is None:  # only the installation administrator creates provinces
        choices.append(("province", str(KIND_WORDS["province"])))
    return choices


def _parent_choices(current: Unit | None = None) -> list[tuple[str, str]]:
    """Active provinces in scope (plus the current parent, even when inactive); the
    installation administrator may also choose "none" (a new province)."""
    choices = []
    for row in visible_units():
        u = row.unit
        if u.kind == "province" and (u.active or (current is not None and u.id == current.id)):
            choices.append((u.code, u.name if u.active else _("%(name)s (ngừng hoạt động)",
                                                               name=u.name)))
    if user().unit_id is None:
        choices.append(("", _("— Không có (khi thêm tỉnh/thành phố) —")))
    return choices


def _attach(form: UnitCreateForm | UnitEditForm, exc: units.Refused,
            shown: tuple[str, ...]) -> None:
    """Put a service's refusal under its field; one the page does not show (e.g. the
    parent of a unit that cannot move) goes under the name."""
    name = (str(exc.params.get("column", "name")) if exc.key in CELL_REFUSALS
            else REFUSAL_FIELDS.get(exc.key, "name"))
    field = getattr(form, name if name in shown else "name")
    field.errors = [*field.errors, _(exc.template, **exc.params)]


def _create_form() -> UnitCreateForm:
    form = UnitCreateForm()
    form.kind.choices = _kind_choices()
    form.parent.choices = _parent_choices()
    return form


def _movable(unit: Unit) -> bool:
    """A commune may change province; a province and the admin's own unit stay put."""
    return unit.kind == "commune" and unit.id != user().unit_id


def _edit_form(unit: Unit) -> UnitEditForm:
    form = UnitEditForm(name=unit.name, parent=unit.parent.code if unit.parent else "")
    form.parent.choices = _parent_choices(unit.parent)
    return form


def _index_page(form: UnitCreateForm | None, status: int = 200) -> tuple[str, int]:
    rows = visible_units()
    period = this_month()
    counts = units.unit_counts([r.unit.id for r in rows], period)
    return render_template("admin/units.html", rows=rows, counts=counts, form=form,
                           kinds=KIND_WORDS, month=period.first), status


@bp.get("/units")
@roles_required()
def index() -> tuple[str, int]:
    return _index_page(_create_form() if user().role == "admin" else None)


@bp.post("/units")
@roles_required("admin")
def create() -> Response | tuple[str, int]:
    form = _create_form()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    try:
        unit = units.create_unit(user(), form.code.data or "", form.name.data or "",
                                 form.kind.data or "commune", form.parent.data or None)
    except units.Refused as exc:
        _attach(form, exc, ("code", "name", "kind", "parent"))
        return _index_page(form, 422)
    flash(_("Đã thêm đơn vị %(name)s.", name=unit.name), "success")
    return redirect(url_for(".show", code=unit.code), code=303)


def _show_page(unit: Unit, form: UnitEditForm | None = None, status: int = 200
               ) -> tuple[str, int]:
    me = user()
    admin = me.role == "admin"
    counts = units.unit_counts([unit.id], this_month())
    return render_template(
        "admin/units_show.html", unit=unit, counts=counts[unit.id], kinds=KIND_WORDS,
        form=(form or _edit_form(unit)) if admin else None, movable=_movable(unit),
        action_form=ActionForm(), own=unit.id == me.unit_id,
        history=units.history(unit) if me.role in ("admin", "leader") else None,
        children=[c for c in unit.children]), status


@bp.get("/units/<code>")
@roles_required()
def show(code: str) -> tuple[str, int]:
    return _show_page(unit_in_scope(code))


@bp.post("/units/<code>")
@roles_required("admin")
def edit(code: str) -> Response | tuple[str, int]:
    unit = unit_in_scope(code)
    form = _edit_form(unit)
    if not form.validate_on_submit():
        return _show_page(unit, form, 422)
    parent = form.parent.data if _movable(unit) else (unit.parent.code if unit.parent else "")
    try:
        units.update_unit(user(), unit, form.name.data or "", parent or None)
    except units.Refused as exc:
        _attach(form, exc, ("name", "parent") if _movable(unit) else ("name",))
        return _show_page(unit, form, 422)
    flash(_("Đã lưu thay đổi của %(name)s.", name=unit.name), "success")
    return redirect(url_for(".show", code=unit.code), code=303)


@bp.post("/units/<code>/<any(deactivate, reactivate):action>")
@roles_required("admin")
def set_active(code: str, action: str) -> Response:
    unit = unit_in_scope(code)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        units.set_unit_active(user(), unit, action == "reactivate")
    except units.Refused as exc:
        flash(_(exc.template, **exc.params), "error")
    else:
        flash(_("%(name)s đã hoạt động trở lại.", name=unit.name) if unit.active else
              _("%(name)s đã ngừng hoạt động. Dữ liệu và lịch sử vẫn được giữ.", name=unit.name),
              "success")
    return redirect(url_for(".show", code=unit.code), code=303)


# ---------------------------------------------------------------- import from a file

def _kind() -> import_flow.ImportKind:
    return import_flow.ImportKind(
        name="units", title=_("Nhập danh sách đơn vị từ tệp"),
        plan=units.plan_unit_import, apply=units.apply_unit_import,
        columns=UNIT_COLUMNS, required=UNIT_REQUIRED,
        example="code,name,parent_code,kind\ntinh-a,Tỉnh A,,province\n"
                "xa-hoang-ngoc,Xã Hoằng Ngọc,tinh-a,commune",
        back=url_for(".index"), upload_url=url_for(".import_preview"),
        apply_url=url_for(".import_apply"))


@bp.get("/import/units")
@roles_required("admin")
def import_form() -> tuple[str, int]:
    return import_flow.page(_kind())


@bp.post("/import/units")
@roles_required("admin")
@csrf.exempt
def import_preview() -> tuple[str, int]:
    return import_flow.preview(_kind())


@bp.post("/import/units/apply")
@roles_required("admin")
@csrf.exempt
def import_apply() -> Response | tuple[str, int]:
    return import_flow.apply(_kind())
