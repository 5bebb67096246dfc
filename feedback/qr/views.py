"""QR images and printable posters, for staff of the counter's unit only."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template
from werkzeug.wrappers import Response

from feedback.auth.guards import (
    counter_in_scope,
    roles_required,
    unit_in_scope,
    visible_unit_ids,
)
from feedback.qr import services

bp = Blueprint("qr", __name__, url_prefix="/staff")


def _file(data: bytes, mimetype: str, filename: str) -> Response:
    resp = make_response(data)
    resp.mimetype = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/counters/<int(max=2147483647):counter_id>/qr.png")
@roles_required()
def counter_png(counter_id: int) -> Response:
    counter = counter_in_scope(counter_id)
    return _file(services.png_for(services.counter_url(counter)), "image/png",
                 f"qr-quay-{counter.id}.png")


@bp.get("/counters/<int(max=2147483647):counter_id>/qr.svg")
@roles_required()
def counter_svg(counter_id: int) -> Response:
    counter = counter_in_scope(counter_id)
    return _file(services.svg_for(services.counter_url(counter)), "image/svg+xml",
                 f"qr-quay-{counter.id}.svg")


@bp.get("/counters/<int(max=2147483647):counter_id>/poster.pdf")
@roles_required()
def counter_poster(counter_id: int) -> Response:
    counter = counter_in_scope(counter_id)
    return _file(services.posters_pdf([counter]), "application/pdf",
                 f"poster-quay-{counter.id}.pdf")


@bp.get("/units/<code>/posters.pdf")
@roles_required()
def unit_posters(code: str) -> Response | tuple[str, int]:
    """Every active counter's poster in one PDF. A unit without counters (a province: its
    communes have them) gets a page saying where the posters are, not a bare 404."""
    unit = unit_in_scope(code)
    counters = services.unit_counters(unit)
    if not counters:
        scope = visible_unit_ids()
        communes = [(u, n) for u, n in services.communes_with_counters(unit) if u.id in scope]
        return render_template("admin/counters_no_posters.html", unit=unit,
                               communes=communes), 404
    return _file(services.posters_pdf(counters), "application/pdf", f"poster-{unit.code}.pdf")
