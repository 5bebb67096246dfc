"""`/api/v1`: the same figures as the dashboard, for the province's tools.

Authenticated by the staff session or `Authorization: Bearer <token>` (see
`feedback tokens create`); scoped exactly like the pages.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from feedback.auth.guards import roles_required, unit_in_scope
from feedback.errors import render_error
from feedback.reports import services
from feedback.reports.periods import PeriodError, parse_period

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/satisfaction")
@roles_required()
def satisfaction() -> Response:
    code = request.args.get("unit", "")
    if not code:
        return render_error(400, "Thiếu tham số", "Cần tham số unit=MÃ_ĐƠN_VỊ.")
    unit = unit_in_scope(code)
    try:
        period = parse_period(request.args.get("from"), request.args.get("to"),
                              services.today().date())
    except PeriodError as exc:
        return render_error(400, "Tham số không hợp lệ", str(exc))
    return jsonify(services.satisfaction(unit, period).as_dict())
