"""A commune's procedures (TTHC), grouped by field: every staff role reads them; admins and
leaders create, edit, deactivate and reactivate them within their scope and import a list
from a file (preview, then apply). A unit or procedure outside the scope is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.admin import import_flow, procedures
from feedback.admin.forms import ActionForm, ProcedureForm
from feedback.admin.imports import PROCEDURE_COLUMNS, PROCEDURE_REQUIRED
from feedback.admin.procedures import ProcedureInput
from feedback.admin.units import Refused
from feedback.auth.guards import (
    home_unit,
    roles_required,
    unit_in_scope,
    user,
    visible_unit_ids,
    visible_units,
)
from feedback.extensions import csrf
from feedback.models import Procedure, Unit

bp = Blueprint("procedures", __name__, url_prefix="/staff")

EDITORS = ("admin", "leader")


def procedure_in_scope(procedure_id: int) -> Procedure:
    proc = procedures.procedure_by_id(procedure_id)
    if proc is None or proc.unit_id not in visible_unit_ids():
        abort(404)
    return proc


def _input(form: ProcedureForm) -> ProcedureInput:
    return ProcedureInput(form.code.data or "", form.name.data or "", form.field.data or "")


def _list_page(unit: Unit, form: ProcedureForm | None = None, status: int = 200,
               error: str = "") -> tuple[str, int]:
    editor = user().role in EDITORS
    communes = [r for r in visible_units() if r.unit.parent_id == unit.id]
    return render_template(
        "admin/procedures.html", unit=unit, units=visible_units(),
        groups=procedures.grouped_by_field(procedures.procedures_of(unit)),
        form=(form or ProcedureForm()) if editor and unit.kind == "commune" else None,
        editor=editor, action_form=ActionForm(), communes=communes, error=error), status


@bp.get("/procedures")
@roles_required()
def index() -> Response | tuple[str, int]:
    if not request.args.get("unit") and home_unit() is None:
        flash(_("Chưa có đơn vị nào. Xin thêm đơn vị trước, rồi thêm thủ tục cho từng "
                "xã/phường."), "error")
        return redirect(url_for("units.index"), code=303)
    return _list_page(unit_in_scope(request.args.get("unit")))


@bp.post("/procedures")
@roles_required(*EDITORS)
def create() -> Response | tuple[str, int]:
    unit = unit_in_scope(request.args.get("unit"))
    form = ProcedureForm()
    if not form.validate_on_submit():
        return _list_page(unit, form, 422)
    try:
        proc = procedures.create_procedure(user(), unit, _input(form))
    except Refused as exc:
        if exc.key == "procedure_needs_commune":
            return _list_page(unit, form, 422, _(exc.template, **exc.params))
        form.code.errors = [*form.code.errors, _(exc.template, **exc.params)]
        return _list_page(unit, form, 422)
    flash(_("Đã thêm thủ tục %(name)s.", name=proc.name), "success")
    return redirect(url_for(".index", unit=unit.code), code=303)


def _edit_page(proc: Procedure, form: ProcedureForm | None = None, status: int = 200
               ) -> tuple[str, int]:
    form = form or ProcedureForm(code=proc.code, name=proc.name, field=proc.field)
    return render_template("admin/procedures_edit.html", proc=proc, form=form,
                           action_form=ActionForm()), status


@bp.get("/procedures/<int(max=2147483647):procedure_id>")
@roles_required(*EDITORS)
def edit_form(procedure_id: int) -> tuple[str, int]:
    return _edit_page(procedure_in_scope(procedure_id))


@bp.post("/procedures/<int(max=2147483647):procedure_id>")
@roles_required(*EDITORS)
def edit(procedure_id: int) -> Response | tuple[str, int]:
    proc = procedure_in_scope(procedure_id)
    form = ProcedureForm()
    if not form.validate_on_submit():
        return _edit_page(proc, form, 422)
    try:
        procedures.update_procedure(user(), proc, _input(form))
    except Refused as exc:
        form.code.errors = [*form.code.errors, _(exc.template, **exc.params)]
        return _edit_page(proc, form, 422)
    flash(_("Đã lưu thủ tục %(name)s.", name=proc.name), "success")
    return redirect(url_for(".index", unit=proc.unit.code), code=303)


@bp.post("/procedures/<int(max=2147483647):procedure_id>/<any(deactivate, reactivate):action>")
@roles_required(*EDITORS)
def set_active(procedure_id: int, action: str) -> Response:
    proc = procedure_in_scope(procedure_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    procedures.set_procedure_active(user(), proc, action == "reactivate")
    flash(_("Thủ tục %(name)s đã dùng lại.", name=proc.name) if proc.active else
          _("Thủ tục %(name)s đã ngừng dùng: phiếu mới không còn chọn được, phiếu cũ vẫn giữ.",
            name=proc.name), "success")
    return redirect(url_for(".index", unit=proc.unit.code), code=303)


# ---------------------------------------------------------------- import from a file

def _kind() -> import_flow.ImportKind:
    """`?unit=` only says which list to go back to (the file names its own units), but a
    unit outside the scope is a 404 here as everywhere: its code is never echoed back."""
    unit = unit_in_scope(code).code if (code := request.args.get("unit")) else None
    return import_flow.ImportKind(
        name="procedures", title=_("Nhập danh sách thủ tục từ tệp"),
        plan=procedures.plan_procedure_import, apply=procedures.apply_procedure_import,
        columns=PROCEDURE_COLUMNS, required=PROCEDURE_REQUIRED,
        example="unit_code,code,name,field\nxa-hoang-ngoc,1.001193,Đăng ký khai sinh,Hộ tịch",
        back=url_for(".index", unit=unit), upload_url=url_for(".import_preview", unit=unit),
        apply_url=url_for(".import_apply", unit=unit))


@bp.get("/import/procedures")
@roles_required(*EDITORS)
def import_form() -> tuple[str, int]:
    return import_flow.page(_kind())


@bp.post("/import/procedures")
@roles_required(*EDITORS)
@csrf.exempt
def import_preview() -> tuple[str, int]:
    return import_flow.preview(_kind())


@bp.post("/import/procedures/apply")
@roles_required(*EDITORS)
@csrf.exempt
def import_apply() -> Response | tuple[str, int]:
    return import_flow.apply(_kind())
