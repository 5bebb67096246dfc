"""Staff pages for the SLA clock's settings: the calendar table and units' SLA profiles.

Every staff role reads both. The calendar is the installation's, so only an installation
administrator (an admin without a unit) changes it; a unit's SLA profile is changed by the
admins whose scope holds the unit (its own, or one above it). Either change recomputes
every open deadline it touches at once (`petitions.clock`), and the page says how many.
A unit outside the scope is a 404; a wrong role, or a unit admin posting to the calendar,
a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from feedback.auth.guards import roles_required, unit_in_scope, user, visible_units
from feedback.models import Unit
from feedback.petitions import clock
from feedback.petitions.settings_forms import (
    CalendarDayForm,
    CalendarRemoveForm,
    SlaProfileForm,
    SlaRemoveForm,
    day_in_range,
    parse_year,
)
from feedback.reports.periods import MAX_YEAR, MIN_YEAR, show_date

bp = Blueprint("petition_settings", __name__, url_prefix="/staff")

SOURCE_WORDS = {
    "holiday": _l("Ngày lễ, Tết theo luật"),
    "swap": _l("Hoán đổi ngày làm việc"),
    "admin": _l("Do quản trị hệ thống đặt"),
}


def _recomputed(moved: int) -> None:
    flash(_("Đã tính lại hạn của %(count)d phản ánh, kiến nghị đang mở.", count=moved), "info")


# ---------------------------------------------------------------- the calendar


def _may_edit_calendar() -> bool:
    me = user()
    return me.role == "admin" and me.unit_id is None


def _installation_admin_only() -> None:
    """The calendar is the whole installation's: a province's admin may not change the
    days another province counts. The route already admits admins only."""
    if not _may_edit_calendar():
        abort(403)


@dataclass(frozen=True)
class DayRow:
    """One line of the year's list: an exception to the Monday–Friday rule."""

    day: date
    weekday: str
    working: bool
    name: str
    source: str
    note: str
    #: What the package says of this day, when the admin table overrides it.
    replaces: str


def _rows(year: int) -> list[DayRow]:
    notes = {row.day: row.note for row in clock.overrides(year)}
    package = {e.day: e for e in clock.package_calendar().entries(year)}
    rows = []
    for entry in clock.entries(year):
        under = package.get(entry.day) if entry.source == "admin" else None
        rows.append(DayRow(
            day=entry.day, weekday=format_date(entry.day, "EEEE"), working=entry.working,
            name=_(entry.name) if entry.source != "holiday" else entry.name,
            source=entry.source, note=notes.get(entry.day, ""),
            replaces=(_(under.name) if under.source == "swap" else under.name) if under else ""))
    return rows


def _calendar_page(year: int, *, form: CalendarDayForm | None = None, error: str = "",
                   typed: str | None = None, status: int = 200) -> tuple[str, int]:
    editor = _may_edit_calendar()
    if editor and form is None:
        form = CalendarDayForm(kind="off")
    return render_template(
        "petitions/settings_calendar.html", year=year, rows=[] if error else _rows(year),
        error=error, typed=str(year) if typed is None else typed, sources=SOURCE_WORDS,
        form=form if editor else None, remove_form=CalendarRemoveForm() if editor else None,
        prev_year=year - 1 if year > MIN_YEAR else None,
        next_year=year + 1 if year < MAX_YEAR else None,
        closes=current_app.config["OFFICE_CLOSES"], show_date=show_date), status


@bp.get("/calendar")
@roles_required()
def calendar() -> tuple[str, int]:
    this_year = clock.today().year
    raw = request.args.get("year")
    try:
        year = parse_year(raw, this_year)
    except ValueError as exc:
        return _calendar_page(this_year, error=str(exc), typed=(raw or "")[:10], status=400)
    return _calendar_page(year)


@bp.post("/calendar")
@roles_required("admin")
def calendar_set() -> Response | tuple[str, int]:
    _installation_admin_only()
    form = CalendarDayForm()
    if not form.validate_on_submit():
        try:
            year = form.chosen_day().year
        except ValueError:
            year = clock.today().year
        return _calendar_page(year, form=form, status=422)
    day = form.chosen_day()
    moved = clock.set_day(day, form.working(), form.note.data or "", user())
    flash(_("Đã lưu ngày %(day)s là ngày làm việc bù.", day=show_date(day)) if form.working()
          else _("Đã lưu ngày %(day)s là ngày nghỉ thêm.", day=show_date(day)), "success")
    _recomputed(moved)
    return redirect(url_for(".calendar", year=day.year), code=303)


@bp.post("/calendar/remove")
@roles_required("admin")
def calendar_remove() -> Response | tuple[str, int]:
    _installation_admin_only()
    form = CalendarRemoveForm()
    if not form.validate_on_submit():
        return _calendar_page(clock.today().year, status=422, error=_(
            "Ngày cần xoá không hợp lệ. Xin tải lại trang và thử lại."))
    day = day_in_range(form.day.data or "")
    moved = clock.unset_day(day, user())
    if moved is None:
        flash(_("Ngày %(day)s không có thiết lập riêng nào để xoá.", day=show_date(day)), "info")
    else:
        flash(_("Đã xoá thiết lập riêng của ngày %(day)s: ngày này theo lịch chung trở lại.",
                day=show_date(day)), "success")
        _recomputed(moved)
    return redirect(url_for(".calendar", year=day.year), code=303)


# ---------------------------------------------------------------- SLA profiles


def _profile_form(origin: clock.ProfileOrigin) -> SlaProfileForm:
    """Pre-filled with the deadlines the unit uses now, whichever unit they come from."""
    p = origin.profile
    return SlaProfileForm(data={
        "classify_days": str(p.classify_days), "transfer_days": str(p.transfer_days),
        "reply_days": str(p.reply_days), "extension_days": str(p.extension_days)})


def _sla_page(unit: Unit, form: SlaProfileForm | None = None, status: int = 200
              ) -> tuple[str, int]:
    origin = clock.profile_origin(unit)
    editor = user().role == "admin"
    own = origin.source is not None and origin.source.id == unit.id
    after_removal = None
    if own:
        after_removal = (clock.profile_origin(unit.parent) if unit.parent is not None
                         else clock.ProfileOrigin(clock.default_profile(), None))
    return render_template(
        "petitions/settings_sla.html", unit=unit, units=visible_units(), origin=origin,
        own=own, own_row=clock.own_profile(unit.id) if own else None,
        form=(form or _profile_form(origin)) if editor else None,
        remove_form=SlaRemoveForm() if editor and own else None,
        after_removal=after_removal), status


@bp.get("/sla")
@roles_required()
def sla() -> tuple[str, int]:
    return _sla_page(unit_in_scope(request.args.get("unit")))


@bp.post("/sla")
@roles_required("admin")
def sla_set() -> Response | tuple[str, int]:
    unit = unit_in_scope(request.args.get("unit"))
    form = SlaProfileForm()
    if not form.validate_on_submit():
        return _sla_page(unit, form, 422)
    moved = clock.set_profile(unit, form.profile(), user())
    flash(_("Đã lưu thời hạn xử lý riêng của %(name)s.", name=unit.name), "success")
    _recomputed(moved)
    return redirect(url_for(".sla", unit=unit.code), code=303)


@bp.post("/sla/remove")
@roles_required("admin")
def sla_remove() -> Response:
    unit = unit_in_scope(request.args.get("unit"))
    if not SlaRemoveForm().validate_on_submit():
        abort(400)
    moved = clock.unset_profile(unit, user())
    if moved is None:
        flash(_("%(name)s không có thời hạn riêng nào để bỏ.", name=unit.name), "info")
    else:
        flash(_("Đã bỏ thời hạn riêng của %(name)s: đơn vị dùng lại thời hạn chung.",
                name=unit.name), "success")
        _recomputed(moved)
    return redirect(url_for(".sla", unit=unit.code), code=303)
