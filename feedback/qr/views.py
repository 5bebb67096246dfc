"""QR images and printable posters, for staff of the counter's unit only."""

from __future__ import annotations

from flask import Blueprint, abort, make_response
from werkzeug.wrappers import Response

from feedback.auth.guards import roles_required, unit_in_scope, user
from feedback.auth.services import visible_unit_ids
from feedback.extensions import db
from feedback.models import Counter
from feedback.qr import services

bp = Blueprint("qr", __name__, url_prefix="/staff")


def _counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None or counter.unit_id not in visible_unit_ids(user()):
        abort(404)
    return counter


def _file(data: bytes, mimetype: str, filename: str) -> Response:
    resp = make_response(data)
    resp.mimetype = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/counters/<int:counter_id>/qr.png")
@roles_required()
def counter_png(counter_id: int) -> Response:
    counter = _counter(counter_id)
    return _file(services.png_for(services.counter_url(counter)), "image/png",
                 f"qr-quay-{counter.id}.png")


@bp.get("/counters/<int:counter_id>/qr.svg")
@roles_required()
def counter_svg(counter_id: int) -> Response:
    counter = _counter(counter_id)
    return _file(services.svg_for(services.counter_url(counter)), "image/svg+xml",
                 f"qr-quay-{counter.id}.svg")


@bp.get("/counters/<int:counter_id>/poster.pdf")
@roles_required()
def counter_poster(counter_id: int) -> Response:
    counter = _counter(counter_id)
    return _file(services.posters_pdf([counter]), "application/pdf",
                 f"poster-quay-{counter.id}.pdf")


@bp.get("/units/<code>/posters.pdf")
@roles_required()
def unit_posters(code: str) -> Response:
    unit = unit_in_scope(code)
    counters = services.unit_counters(unit)
    if not counters:
        abort(404)
    return _file(services.posters_pdf(counters), "application/pdf", f"poster-{unit.code}.pdf")
