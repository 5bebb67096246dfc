"""The periodic report's staff pages: preview any unit's report in the browser, download it
as PDF, DOCX or XLSX, mark it as sent (stored with its SHA-256, compared later with the
data), and set when it is due. Every figure comes from `report_files.draft`, the same
builder the CLI and the reminder mail use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import i18n
from feedback.auth.guards import (
    home_unit,
    roles_required,
    unit_in_scope,
    user,
    visible_unit_ids,
    visible_units,
)
from feedback.errors import render_error
from feedback.models import ReportSchedule, Unit
from feedback.models.reports import REPORT_KINDS
from feedback.reports import issued, periodic, report_files, report_sections
from feedback.reports.forms import IssueForm, ScheduleForm
from feedback.reports.periods import (
    Period,
    PeriodError,
    period_code,
    previous_period,
    report_period,
    report_period_of,
)
from feedback.reports.services import today

bp = Blueprint("periodic", __name__, url_prefix="/staff/reports")

#: Who may mark a report as sent and set when it is due: the unit's leaders and admins.
SIGNERS = ("admin", "leader")


@dataclass(frozen=True)
class Chosen:
    """The report a page was asked for. A period that does not parse is `None` with its
    message, and the input keeps what was typed."""

    unit: Unit
    kind: str
    period: Period | None
    code: str
    error: str | None
    schedule: ReportSchedule | None = None

    def args(self) -> dict[str, Any]:
        return {"unit": self.unit.code, "kind": self.kind, "period": self.code}


def _chosen() -> Chosen:
    """Without a kind, the one the unit's schedule names (else monthly); without a period,
    the report the office works on next: the one its schedule says falls due next, else
    the last whole period."""
    unit = unit_in_scope(request.args.get("unit"))
    schedule = issued.schedule_of(unit)
    kind = request.args.get("kind") or ""
    if kind not in REPORT_KINDS:
        kind = schedule.kind if schedule is not None else "monthly"
    raw = (request.args.get("period") or "").strip()[:20]
    if not raw:
        day = today().date()
        period = (issued.upcoming(schedule, unit, day).period
                  if schedule is not None and schedule.kind == kind
                  else previous_period(report_period_of(kind, day)))
        return Chosen(unit, kind, period, period_code(kind, period), None, schedule)
    try:
        return Chosen(unit, kind, report_period(kind, raw), raw, None, schedule)
    except PeriodError as exc:
        return Chosen(unit, kind, None, raw, str(exc), schedule)


def _period_or_400(chosen: Chosen) -> Period | Response:
    if chosen.period is None:
        return render_error(400, _("Kỳ báo cáo không hợp lệ"), chosen.error or "")
    return chosen.period


@bp.get("/")
@roles_required()
def preview() -> str | Response:
    if not request.args.get("unit") and home_unit() is None:
        flash(_("Chưa có đơn vị nào. Xin tạo tỉnh và xã trước."), "info")
        return redirect(url_for("units.index"), code=303)
    chosen = _chosen()
    draft = sections = revisions = changes = None
    if chosen.period is not None:
        # The page shows the charts as images of their own (one request each, cached).
        draft = report_files.draft(chosen.unit, chosen.kind, chosen.period,
                                   with_charts=False, lang=i18n.current())
        sections = report_sections.sections(draft.report, report_files.words())
        revisions = issued.issued_for(chosen.unit, chosen.kind, chosen.period)
        if revisions:
            changes = issued.changes_since(revisions[0], draft.report)
    schedule = chosen.schedule
    due = (issued.upcoming(schedule, chosen.unit, today().date())
           if schedule is not None else None)
    return render_template(
        "reports/periodic.html", c=chosen, unit=chosen.unit, draft=draft,
        sections=sections, revisions=revisions, changes=changes, units=visible_units(),
        schedule=schedule, due=due, kinds=REPORT_KINDS, formats=report_files.FORMATS,
        title=report_sections.title(draft.report) if draft else None,
        issue_form=IssueForm() if user().role in SIGNERS else None,
        can_schedule=user().role in SIGNERS, change_label=report_sections.change_label)


@bp.get("/report.<fmt>")
@roles_required()
def download(fmt: str) -> Response:
    if fmt not in report_files.FORMATS:
        abort(404)
    chosen = _chosen()
    period = _period_or_400(chosen)
    if isinstance(period, Response):
        return period
    # The reader's language (the official report is Vietnamese: switch the page's language
    # or mark it as sent to get that one); the workbook is always Vietnamese.
    draft = report_files.draft(chosen.unit, chosen.kind, period, with_charts=fmt != "xlsx",
                               lang=i18n.current())
    return _file(report_files.render(draft, fmt), fmt,
                 report_files.filename(draft.report, fmt, draft.lang))


@bp.get("/charts/<name>.png")
@roles_required()
def chart(name: str) -> Response:
    if name not in periodic.CHARTS:
        abort(404)
    chosen = _chosen()
    period = _period_or_400(chosen)
    if isinstance(period, Response):
        return period
    resp = make_response(periodic.chart(name, chosen.unit, period))
    resp.mimetype = "image/png"
    resp.headers["Cache-Control"] = "private, max-age=300"
    resp.headers["Vary"] = "Cookie"  # the legend is in the reader's language
    return resp


@bp.post("/issue")
@roles_required(*SIGNERS)
def issue() -> Response:
    chosen = _chosen()
    period = _period_or_400(chosen)
    if isinstance(period, Response):
        return period
    form = IssueForm()
    if not form.validate_on_submit():  # only the CSRF token can fail: the errors page says
        abort(400)
    row = issued.issue(chosen.unit, chosen.kind, period, user())
    flash(_("Đã lưu bản báo cáo gửi đi (lần %(n)d). Các tệp đã lưu không bao giờ thay đổi.",
            n=row.revision), "success")
    return redirect(url_for(".preview", **chosen.args()), code=303)


@bp.get("/issued/<int:report_id>.<fmt>")
@roles_required()
def issued_file(report_id: int, fmt: str) -> Response:
    """A stored file exactly as sent; another unit's report is a 404."""
    if fmt not in report_files.FORMATS:
        abort(404)
    found = issued.issued_file(report_id, fmt, visible_unit_ids())
    if found is None:
        abort(404)
    row, stored = found
    code = period_code(row.kind, Period(row.period_first, row.period_last))
    name = f"bao-cao-{row.unit.code}-{code}-lan-{row.revision}.{fmt}"
    resp = _file(stored.content, fmt, name)
    resp.headers["X-Content-SHA256"] = stored.sha256
    return resp


@bp.route("/schedule", methods=["GET", "POST"])
@roles_required(*SIGNERS)
def schedule() -> Response | tuple[str, int]:
    unit = unit_in_scope(request.args.get("unit"))
    current = issued.schedule_of(unit)
    form = ScheduleForm(data={"kind": current.kind, "due_day": str(current.due_day),
                              "month_offset": str(current.month_offset)}
                        if current is not None else None)
    if form.validate_on_submit():
        try:
            issued.set_schedule(unit, form.kind.data or "", form.due_day.data or "",
                                form.month_offset.data or "", user())
        except issued.ScheduleError as exc:
            form[exc.field].errors = [str(exc)]
        else:
            flash(_("Đã lưu hạn nộp báo cáo."), "success")
            return redirect(url_for(".preview", unit=unit.code), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("reports/schedule.html", unit=unit, form=form,
                           units=visible_units()), status


def _file(content: bytes, fmt: str, name: str) -> Response:
    resp = current_app.response_class(content, mimetype=report_files.MIMETYPES[fmt])
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
