"""Counters of a unit: create, rename, reorder, deactivate, their form, their posters and
revoking them. Admins and leaders change counters in their scope; officers and viewers see
them and download posters. A unit or counter outside the scope is 404."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import links, mail
from feedback.admin import counters as desk
from feedback.admin.forms import (
    CounterActionForm,
    CounterCreateForm,
    CounterMoveForm,
    CounterRenameForm,
    QuestionnaireForm,
    ReissueForm,
)
from feedback.auth.guards import (
    counter_in_scope,
    roles_required,
    unit_in_scope,
    user,
    visible_unit_ids,
    visible_units,
)
from feedback.display import local_time
from feedback.models import Counter, Unit
from feedback.qr import services as qr
from feedback.survey import catalogue

bp = Blueprint("admin", __name__, url_prefix="/staff")

CHANGERS = ("admin", "leader")


def _refusal(exc: desk.CounterError | qr.InactiveCounter) -> str:
    """The Vietnamese words for a refused change (services speak English to the CLI)."""
    if isinstance(exc, qr.InactiveCounter):
        return _("Quầy đang ngừng hoạt động. Xin mở lại quầy trước.")
    words = {
        "empty": _("Xin nhập tên quầy."),
        "too_long": _("Tên quầy dài quá %(n)d ký tự, xin viết ngắn lại.", n=desk.NAME_MAX),
        "control": _("Tên quầy có dấu xuống dòng hoặc ký tự không in được, xin gõ lại tên "
                     "trên một dòng."),
        "duplicate": _("Đơn vị đã có một quầy mang tên này. Xin đặt tên khác, ví dụ thêm "
                       "số quầy."),
        "province": _("Tỉnh không có quầy riêng: quầy đặt ở bộ phận một cửa của xã, phường. "
                      "Xin chọn một xã, phường."),
        "inactive_unit": _("Đơn vị này đã ngừng hoạt động nên không thêm hay mở lại quầy "
                           "được."),
        "questionnaire": _("Mẫu phiếu không hợp lệ."),
        "inactive": _("Quầy đang ngừng hoạt động. Xin mở lại quầy trước."),
    }
    return words.get(exc.reason, _not_done())


def _first_error(errors: list[str]) -> str:
    """The name field's own message (empty, control characters), else "enter a name"."""
    return str(errors[0]) if errors else _("Xin nhập tên quầy.")


def _not_done() -> str:
    return _("Không thực hiện được thay đổi này.")


def _questionnaire_choices() -> list[tuple[str, str]]:
    return [(code, _(title)) for code, title in catalogue.codes()]


def _page(unit: Unit, *, status: int = 200, error: str | None = None,
          create_form: CounterCreateForm | None = None) -> tuple[str, int]:
    if create_form is None:
        create_form = CounterCreateForm(formdata=None)
    create_form.questionnaire.choices = _questionnaire_choices()
    qform = QuestionnaireForm(formdata=None)
    qform.questionnaire.choices = create_form.questionnaire.choices
    lists = desk.counters_of(unit)
    communes = qr.communes_with_counters(unit) if unit.kind == "province" else []
    scope = visible_unit_ids()
    return render_template(
        "admin/counters.html", unit=unit, units=visible_units(), error=error,
        active=[(c, qr.counter_url(c)) for c in lists.active], inactive=lists.inactive,
        communes=[(u, n) for u, n in communes if u.id in scope],
        can_change=user().role in CHANGERS, create_form=create_form, qform=qform,
        rename_form=CounterRenameForm(formdata=None), move_form=CounterMoveForm(formdata=None),
        action_form=CounterActionForm(), forms=dict(create_form.questionnaire.choices),
        short=links.format_short_code, site=qr.site_address(),
    ), status


def _back(counter: Counter) -> Response:
    return redirect(url_for(".counters", unit=counter.unit.code, _anchor=f"quay-{counter.id}"),
                    code=303)


def _refused(counter: Counter, exc: desk.CounterError | qr.InactiveCounter) -> tuple[str, int]:
    return _page(counter.unit, status=422, error=_refusal(exc))


@bp.get("/counters")
@roles_required()
def counters() -> tuple[str, int]:
    return _page(unit_in_scope(request.args.get("unit")))


@bp.post("/counters")
@roles_required(*CHANGERS)
def create() -> tuple[str, int] | Response:
    unit = unit_in_scope(request.args.get("unit"))
    form = CounterCreateForm()
    form.questionnaire.choices = _questionnaire_choices()
    if not form.validate_on_submit():  # CSRF is checked before any view (CSRFProtect)
        return _page(unit, status=422, create_form=form, error=(
            _("Mẫu phiếu không hợp lệ.") if "questionnaire" in form.errors
            else _first_error(form.name.errors)))
    try:
        counter = desk.create(unit, form.name.data or "", form.questionnaire.data or "short",
                              actor=user())
    except desk.CounterError as exc:
        return _page(unit, status=422, create_form=form, error=_refusal(exc))
    flash(_("Đã thêm %(name)s. Xin tải tờ mã QR, in và dán tại quầy.", name=counter.name),
          "success")
    return _back(counter)


@bp.post("/counters/<int(max=2147483647):counter_id>/rename")
@roles_required(*CHANGERS)
def rename(counter_id: int) -> tuple[str, int] | Response:
    counter = counter_in_scope(counter_id)
    form = CounterRenameForm()
    if not form.validate_on_submit():
        return _page(counter.unit, status=422, error=_first_error(form.name.errors))
    old = counter.name
    try:
        changed = desk.rename(counter, form.name.data or "", actor=user())
    except desk.CounterError as exc:
        return _refused(counter, exc)
    if changed:
        flash(_("Đã đổi tên %(old)s thành %(new)s. Tờ mã QR in tên quầy: xin in lại.",
                old=old, new=counter.name), "success")
    else:
        flash(_("Tên quầy không thay đổi."), "info")
    return _back(counter)


@bp.post("/counters/<int(max=2147483647):counter_id>/move")
@roles_required(*CHANGERS)
def move(counter_id: int) -> tuple[str, int] | Response:
    counter = counter_in_scope(counter_id)
    form = CounterMoveForm()
    if not form.validate_on_submit():
        return _page(counter.unit, status=422, error=_("Hướng chuyển không hợp lệ."))
    direction: Literal["up", "down"] = "up" if form.direction.data == "up" else "down"
    try:
        moved = desk.move(counter, direction, actor=user())
    except desk.CounterError as exc:
        return _refused(counter, exc)
    if moved:
        flash(_("Đã chuyển %(name)s lên trên.", name=counter.name) if direction == "up" else
              _("Đã chuyển %(name)s xuống dưới.", name=counter.name), "success")
    else:
        flash(_("%(name)s đã ở đầu danh sách.", name=counter.name) if direction == "up" else
              _("%(name)s đã ở cuối danh sách.", name=counter.name), "info")
    return _back(counter)


@bp.post("/counters/<int(max=2147483647):counter_id>/deactivate")
@roles_required(*CHANGERS)
def deactivate(counter_id: int) -> tuple[str, int] | Response:
    counter = counter_in_scope(counter_id)
    if not CounterActionForm().validate_on_submit():
        return _page(counter.unit, status=422, error=_not_done())
    until = desk.deactivate(counter, actor=user())
    if until is None:
        flash(_("%(name)s đã ngừng hoạt động từ trước.", name=counter.name), "info")
    else:
        flash(_("Đã ngừng %(name)s. Tờ mã QR của quầy không còn dùng được; phiếu người dân "
                "đang điền dở vẫn được nhận đến %(time)s.", name=counter.name,
                time=local_time(until, "HH:mm")), "success")
    return _back(counter)


@bp.post("/counters/<int(max=2147483647):counter_id>/reactivate")
@roles_required(*CHANGERS)
def reactivate(counter_id: int) -> tuple[str, int] | Response:
    counter = counter_in_scope(counter_id)
    if not CounterActionForm().validate_on_submit():
        return _page(counter.unit, status=422, error=_not_done())
    try:
        changed = desk.reactivate(counter, actor=user())
    except desk.CounterError as exc:
        return _refused(counter, exc)
    if changed:
        flash(_("Đã mở lại %(name)s. Tờ mã QR cũ của quầy dùng lại được.", name=counter.name),
              "success")
    else:
        flash(_("%(name)s đang hoạt động.", name=counter.name), "info")
    return _back(counter)


@bp.route("/counters/<int(max=2147483647):counter_id>/reissue", methods=["GET", "POST"])
@roles_required(*CHANGERS)
def reissue(counter_id: int) -> str | tuple[str, int] | Response:
    """GET asks first and says what happens (revoking cannot be undone); POST does it.
    One rule for both: Werkzeug answers 405 instead of 404 for an out-of-range id when a
    GET rule and a POST rule share a path with a bounded int."""
    counter = counter_in_scope(counter_id)
    if request.method != "POST":
        return render_template("admin/counters_reissue.html", counter=counter,
                               form=ReissueForm(),
                               minutes=current_app.config["REVOKE_GRACE_MINUTES"])
    if not ReissueForm().validate_on_submit():
        return _page(counter.unit, status=422, error=_not_done())
    try:
        qr.reissue(counter, actor=user())
    except qr.InactiveCounter as exc:
        return _refused(counter, exc)
    flash(_("Đã thu hồi mã cũ của %(name)s. Xin in và dán tờ mã mới ngay.", name=counter.name),
          "success")
    return _back(counter)


@bp.post("/counters/<int(max=2147483647):counter_id>/questionnaire")
@roles_required(*CHANGERS)
def questionnaire(counter_id: int) -> tuple[str, int] | Response:
    counter = counter_in_scope(counter_id)
    form = QuestionnaireForm()
    form.questionnaire.choices = _questionnaire_choices()
    if not form.validate_on_submit():
        return _page(counter.unit, status=422, error=_("Mẫu phiếu không hợp lệ."))
    try:
        changed = qr.set_questionnaire(counter, form.questionnaire.data or "short",
                                       actor=user())
    except qr.InactiveCounter as exc:
        return _refused(counter, exc)
    if changed:
        flash(_("%(name)s dùng mẫu phiếu mới, nên mã QR cũng đổi. Xin in và dán tờ mã mới.",
                name=counter.name), "success")
    else:
        flash(_("%(name)s vẫn dùng mẫu phiếu này.", name=counter.name), "info")
    return _back(counter)


@bp.get("/outbox")
@roles_required("admin")
def outbox() -> str:
    """Mail that was not sent by SMTP (none configured), and the state of what was."""
    me = user()
    messages = mail.outbox(None if me.unit_id is None else visible_unit_ids())
    return render_template("admin/outbox.html", messages=messages,
                           smtp=mail.smtp_configured())
