"""Counters of a unit: their QR links, downloads, revoking and the form they ask."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from feedback import mail
from feedback.admin.forms import QuestionnaireForm, ReissueForm
from feedback.auth.guards import (
    counter_in_scope,
    roles_required,
    unit_in_scope,
    user,
    visible_unit_ids,
    visible_units,
)
from feedback.qr import services as qr
from feedback.survey import catalogue

bp = Blueprint("admin", __name__, url_prefix="/staff")


@bp.get("/counters")
@roles_required()
def counters() -> str:
    unit = unit_in_scope(request.args.get("unit"))
    rows = [(c, qr.counter_url(c)) for c in qr.unit_counters(unit)]
    qform = QuestionnaireForm()
    qform.questionnaire.choices = catalogue.codes()
    return render_template("admin/counters.html", unit=unit, rows=rows,
                           units=visible_units(), reissue_form=ReissueForm(),
                           qform=qform, forms=dict(catalogue.codes()))


@bp.post("/counters/<int(max=2147483647):counter_id>/reissue")
@roles_required("admin", "leader")
def reissue(counter_id: int) -> Response:
    counter = counter_in_scope(counter_id)
    if ReissueForm().validate_on_submit():
        qr.reissue(counter)
        flash(f"Đã thu hồi mã cũ của {counter.name}. Xin in và dán tờ mã mới.", "success")
    return redirect(url_for(".counters", unit=counter.unit.code), code=303)


@bp.post("/counters/<int(max=2147483647):counter_id>/questionnaire")
@roles_required("admin", "leader")
def questionnaire(counter_id: int) -> Response:
    counter = counter_in_scope(counter_id)
    form = QuestionnaireForm()
    form.questionnaire.choices = catalogue.codes()
    if form.validate_on_submit():
        qr.set_questionnaire(counter, form.questionnaire.data or "short")
        flash(f"{counter.name} dùng mẫu phiếu mới. Xin in lại tờ mã QR.", "success")
    else:
        flash("Mẫu phiếu không hợp lệ.", "error")
    return redirect(url_for(".counters", unit=counter.unit.code), code=303)


@bp.get("/outbox")
@roles_required("admin")
def outbox() -> str:
    """Mail that was not sent by SMTP (none configured), and the state of what was."""
    me = user()
    messages = mail.outbox(None if me.unit_id is None else visible_unit_ids())
    return render_template("admin/outbox.html", messages=messages,
                           smtp=mail.smtp_configured())
