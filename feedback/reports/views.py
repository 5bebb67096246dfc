"""The office's dashboard, responses list and exports."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback.auth.guards import home_unit, roles_required, unit_in_scope, visible_units
from feedback.errors import render_error
from feedback.models import Response as SurveyResponse
from feedback.models import Unit
from feedback.models.survey import CHANNELS
from feedback.petitions import rules as petition_rules
from feedback.petitions import stats as petition_stats
from feedback.reports import exports, periodic, queries, report_sections, services
from feedback.reports.periods import Period, PeriodError, parse_period, show_date
from feedback.survey import catalogue

bp = Blueprint("reports", __name__, url_prefix="/staff")

#: An XLSX being built stays in memory up to this size, then moves to a temporary file.
XLSX_SPOOL_BYTES = 16 * 1024 * 1024
_CHUNK_BYTES = 256 * 1024
FILTER_ARGS = ("unit", "from", "to", "counter", "procedure", "channel")


@dataclass(frozen=True)
class Chosen:
    """The unit and period a page was asked for. A period that does not parse is `None`
    with its message: the page then shows the message and no figures (never the default
    month's figures under a range the user did not ask for), and the inputs keep what was
    typed so it can be corrected."""

    unit: Unit
    period: Period | None
    error: str | None
    dates: tuple[str, str]


def _chosen() -> Chosen:
    unit = unit_in_scope(request.args.get("unit"))
    first, last = request.args.get("from", ""), request.args.get("to", "")
    try:
        period = parse_period(first, last, services.today().date())
    except PeriodError as exc:
        return Chosen(unit, None, str(exc), (first[:40], last[:40]))
    return Chosen(unit, period, None, (show_date(period.first), show_date(period.last)))


def _period_or_400(chosen: Chosen) -> Period | Response:
    if chosen.period is None:
        return render_error(400, _("Khoảng thời gian không hợp lệ"), chosen.error or "")
    return chosen.period


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@bp.get("/")
@roles_required()
def index() -> Response:
    return redirect(url_for(".dashboard"))


@bp.get("/dashboard")
@roles_required()
def dashboard() -> str | Response:
    if not request.args.get("unit") and home_unit() is None:
        # An empty installation: its administrator's first step is to create a unit.
        flash(_("Chưa có đơn vị nào. Xin tạo tỉnh và xã trước."), "info")
        return redirect(url_for("units.index"), code=303)
    chosen = _chosen()
    result = (services.satisfaction(chosen.unit, chosen.period, comments=10)
              if chosen.period is not None else None)
    # The PAKN figures beside satisfaction: the same unit, period and numbers as
    # `feedback stats petitions` and /api/v1/petitions/stats.
    pakn = (petition_stats.figures_for(chosen.unit, chosen.period,
                                       listed=report_sections.MAX_LISTED)
            if chosen.period is not None else None)
    units = visible_units()
    return render_template("reports/dashboard.html", c=chosen, unit=chosen.unit,
                           period=chosen.period, r=result, units=units, pakn=pakn,
                           unit_names={row.unit.code: row.unit.name for row in units},
                           PAKN_CHANNELS=petition_rules.CHANNELS,
                           PAKN_CATEGORIES=petition_rules.CATEGORIES,
                           # A province's year has thousands: the page lists the first.
                           LATE_SHOWN=report_sections.MAX_LISTED)


@bp.get("/charts/trend.png")
@roles_required()
def trend_png() -> Response:
    chosen = _chosen()
    period = _period_or_400(chosen)
    if isinstance(period, Response):
        return period
    # The report's chart (periodic.chart); matplotlib is imported there, only when
    # drawing, so the CLI never pays for it; a web worker has imported it at start.
    png = periodic.chart("trend", chosen.unit, period)
    resp = make_response(png)
    resp.mimetype = "image/png"
    resp.headers["Cache-Control"] = "private, max-age=300"
    resp.headers["Vary"] = "Cookie"  # the legend is in the reader's language
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
    chosen = _chosen()
    # The counter and procedure pickers list the unit's subtree whatever the period.
    f = _list_filters(chosen.unit, chosen.period or services.this_month())
    rows: list[SurveyResponse] = []
    total, page = 0, max(1, _int_arg("page") or 1)
    if chosen.period is not None:
        rows, total = queries.responses_page(f, page)
    units = visible_units()
    counters = [c for r in units if r.unit.id in f.unit_ids for c in r.unit.counters]
    # Only the known filters travel in the page and export links.
    link_args = {k: v for k in FILTER_ARGS if (v := request.args.get(k))}
    return render_template(
        "reports/responses.html", c=chosen, unit=chosen.unit, period=chosen.period,
        rows=rows, total=total, page=page, per_page=50, units=units, counters=counters,
        procedures=services.procedures_in(f.unit_ids), channels=CHANNELS, f=f,
        link_args=link_args, AGE_LABELS=catalogue.AGE_LABELS,
    )


def _read_and_close(file: IO[bytes]) -> Iterator[bytes]:
    """The file in chunks, closed once read. It first yields b"" so the caller can start
    it: a started generator runs its `finally` when dropped, so the file is closed even
    when nobody reads the body (a WSGI server closes the iterable; a test client that
    only looks at the status does not)."""
    try:
        yield b""
        while chunk := file.read(_CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


@bp.get("/responses.<fmt>")
@roles_required()
def export(fmt: str) -> Response:
    """The responses of the list's filter, as CSV streamed batch by batch (any size, in
    constant memory) or as XLSX built in write-only mode in a spooled temporary file."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    chosen = _chosen()
    period = _period_or_400(chosen)
    if isinstance(period, Response):
        return period
    unit = chosen.unit
    f = _list_filters(unit, period)
    writer = exports.RowWriter(current_app.config["TIMEZONE"], catalogue.AGE_LABELS)
    if fmt == "csv":
        # stream_with_context keeps the request (and its database session) open while the
        # server sends the batches, each read only when the previous one has gone out.
        resp = current_app.response_class(
            stream_with_context(exports.csv_chunks(queries.export_batches(f), writer)),
            mimetype="text/csv")
    else:
        total = queries.response_count(f)
        if total > exports.XLSX_MAX_ROWS:
            return render_error(400, _("Quá nhiều phiếu cho một tệp Excel"),
                                _("Bộ lọc này có %(total)d phiếu; một trang Excel chứa tối đa "
                                  "%(max)d dòng. Xin tải tệp CSV, hoặc chọn khoảng thời gian "
                                  "ngắn hơn.", total=total, max=exports.XLSX_MAX_ROWS))
        spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115
        exports.write_xlsx(queries.export_batches(f), writer, spool)
        size = spool.tell()
        spool.seek(0)
        body = _read_and_close(spool)
        next(body)  # started, so that dropping it unread closes the file too
        resp = current_app.response_class(
            body, direct_passthrough=True,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp.content_length = size
    name = f"phieu-khao-sat-{unit.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{fmt}"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
