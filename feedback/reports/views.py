"""The office's dashboard, responses list and exports."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from feedback.auth.guards import roles_required, unit_in_scope, visible_units
from feedback.errors import render_error
from feedback.models import Unit
from feedback.models.survey import CHANNELS
from feedback.reports import charts, frames, queries, services
from feedback.reports.periods import Period, PeriodError, parse_period

bp = Blueprint("reports", __name__, url_prefix="/staff")

EXPORT_MAX_ROWS = 100_000
FILTER_ARGS = ("unit", "from", "to", "counter", "procedure", "channel")


def _unit_and_period() -> tuple[Unit, Period, str | None]:
    unit = unit_in_scope(request.args.get("unit"))
    try:
        period = parse_period(request.args.get("from"), request.args.get("to"),
                              services.today().date())
        error = None
    except PeriodError as exc:
        period, error = parse_period(None, None, services.today().date()), str(exc)
    return unit, period, error


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@bp.get("/")
@roles_required()
def index() -> Response:
    return redirect(url_for(".dashboard"))


@bp.get("/dashboard")
@roles_required()
def dashboard() -> str:
    unit, period, error = _unit_and_period()
    result = services.satisfaction(unit, period, comments=10)
    return render_template(
        "reports/dashboard.html", unit=unit, period=period, error=error, r=result,
        units=visible_units(), trend_to=period.last.isoformat(),
    )


@bp.get("/charts/trend.png")
@roles_required()
def trend_png() -> Response:
    unit, period, _ = _unit_and_period()
    points = services.trend(unit, period.last)
    png = charts.trend_png(
        [f"T{p.first.month}/{p.first.year}" for p, _ in points], [f.value for _, f in points],
        [f.n for _, f in points], target=current_app.config["TARGET_PERCENT"],
    )
    resp = make_response(png)
    resp.mimetype = "image/png"
    resp.headers["Cache-Control"] = "private, max-age=300"
    return resp


def _list_filters(unit: Unit, period: Period) -> queries.Filters:
    channel = request.args.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        channel = None
    counter_id = _int_arg("counter")
    procedure_id = _int_arg("procedure")
    return services.filters_for(unit, period, counter_id=counter_id,
                                procedure_id=procedure_id, channel=channel)


@bp.get("/responses")
@roles_required()
def responses() -> str:
    unit, period, error = _unit_and_period()
    f = _list_filters(unit, period)
    page = max(1, _int_arg("page") or 1)
    rows, total = queries.responses_page(f, page)
    units = visible_units()
    counters = [c for r in units if r.unit.id in f.unit_ids for c in r.unit.counters]
    # Only the known filters travel in the page and export links.
    link_args = {k: v for k in FILTER_ARGS if (v := request.args.get(k))}
    return render_template(
        "reports/responses.html", unit=unit, period=period, error=error, rows=rows,
        total=total, page=page, per_page=50, units=units, counters=counters,
        procedures=services.procedures_in(f.unit_ids), channels=CHANNELS, f=f,
        link_args=link_args,
    )


@bp.get("/responses.<fmt>")
@roles_required()
def export(fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    unit, period, _ = _unit_and_period()
    f = _list_filters(unit, period)
    total = queries.response_count(f)
    if total > EXPORT_MAX_ROWS:
        return render_error(400, "Quá nhiều phiếu để tải về",
                            f"Bộ lọc này có {total} phiếu; mỗi lần tải tối đa "
                            f"{EXPORT_MAX_ROWS}. Xin chọn khoảng thời gian ngắn hơn.")
    rows, answers = queries.export_rows(f)
    frame = frames.responses_frame(rows, answers, current_app.config["TIMEZONE"])
    name = f"phieu-khao-sat-{unit.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{fmt}"
    if fmt == "csv":
        resp = make_response(frames.to_csv(frame))
        resp.mimetype = "text/csv"
    else:
        resp = make_response(frames.to_xlsx(frame))
        resp.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
