"""One renderer for every error status: a page for people (in their language), JSON for the API."""

from __future__ import annotations

import logging
import math
import sqlite3
import time

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback.extensions import limiter
from feedback.msgid import N_

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("Yêu cầu không hợp lệ"), N_("Thông tin gửi lên không đúng. Xin quay lại và thử lại.")),
    401: (
        N_("Cần đăng nhập"),
        N_("Xin đăng nhập, hoặc gửi kèm token API hợp lệ (Authorization: Bearer)."),
    ),
    403: (N_("Không có quyền truy cập"), N_("Tài khoản của ông/bà không được xem trang này.")),
    404: (N_("Không tìm thấy trang"), N_("Địa chỉ này không tồn tại hoặc đã bị gỡ bỏ.")),
    405: (N_("Thao tác không được hỗ trợ"), N_("Trang này không nhận thao tác vừa gửi.")),
    410: (N_("Mã QR đã hết hiệu lực"), N_("Tờ mã QR này đã cũ. Xin quét mã mới dán tại quầy.")),
    413: (N_("Dữ liệu quá lớn"), N_("Nội dung gửi lên vượt quá giới hạn cho phép.")),
    429: (
        N_("Gửi quá nhiều lần"),
        N_("Ông/bà đã gửi quá nhiều lần trong thời gian ngắn. Xin chờ một lát rồi thử lại."),
    ),
    500: (N_("Lỗi hệ thống"), N_("Hệ thống gặp sự cố. Xin thử lại sau ít phút.")),
    503: (
        N_("Hệ thống đang bận"),
        N_("Nội dung vừa gửi chưa được lưu. Xin chờ vài giây rồi gửi lại."),
    ),
}

#: Seconds a client is asked to wait after a 503 (the database was busy).
RETRY_AFTER_S = 5
#: PostgreSQL's "try again" states: deadlock, serialization failure, lock not available.
_RETRY_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def database_busy(exc: BaseException) -> bool:
    """The database refused for now, not for good: SQLite's writer lock held past its busy
    timeout (a long fold or rebuild), or a PostgreSQL lock conflict. Worth a retry, so a
    503 saying so rather than a 500; anything else stays an error."""
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    message = str(orig.args[0]) if orig is not None and orig.args else ""
    return isinstance(orig, sqlite3.OperationalError) and (
        "locked" in message or "busy" in message)


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(code: int, title: str | None = None, detail: str | None = None) -> Response:
    default_title, default_detail = MESSAGES.get(code, MESSAGES[500])
    # Translated here, in the request's language; a caller's own text comes translated.
    title, detail = title or _(default_title), detail or _(default_detail)
    if wants_json():
        resp = jsonify(error={"status": code, "title": title, "detail": detail})
    else:
        resp = Response(render_template("errors/error.html", code=code, title=title,
                                        detail=detail))
    resp.status_code = code
    return resp


def _wait_minutes() -> int:
    """Whole minutes until the limit that refused this request lets the next one in."""
    current = limiter.current_limit
    # Whole seconds, like the Retry-After header (reset_at rounds the window end up).
    seconds = int(current.reset_at - time.time()) if current is not None else 60
    return max(1, math.ceil(seconds / 60))


def _staff_too_many() -> tuple[str, str] | None:
    """Staff wording with how long to wait, on the login page and staff pages; citizens
    keep the general message (JSON for the API is unchanged)."""
    if request.endpoint == "auth.login":
        return (_("Tạm khoá đăng nhập"),
                _("Đăng nhập sai quá nhiều lần. Xin thử lại sau %(n)d phút.",
                  n=_wait_minutes()))
    if request.path.startswith("/staff/"):
        return (_("Thao tác quá nhiều lần"),
                _("Ông/bà đã gửi quá nhiều lần trong thời gian ngắn. Xin thử lại sau "
                  "%(n)d phút.", n=_wait_minutes()))
    return None


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError) -> Response:
        return render_error(
            400, _("Phiên làm việc đã hết hạn"),
            _("Trang đã mở quá lâu nên phiên làm việc hết hạn. Xin tải lại trang và gửi lại."),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | WerkzeugResponse:
        code = exc.code or 500
        if code not in MESSAGES:
            return exc.get_response()
        if code == 429 and not wants_json():
            staff = _staff_too_many()
            if staff is not None:
                return render_error(429, *staff)
        return render_error(code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response | WerkzeugResponse:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if database_busy(exc):
            log.warning("database busy on %s %s: %s", request.method, request.path,
                        type(exc.orig).__name__ if isinstance(exc, OperationalError) else "")
            resp = render_error(503)
            resp.headers["Retry-After"] = str(RETRY_AFTER_S)
            return resp
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
