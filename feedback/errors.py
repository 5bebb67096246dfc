"""One renderer for every error status: a Vietnamese page for people, JSON for the API."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu không hợp lệ", "Thông tin gửi lên không đúng. Xin quay lại và thử lại."),
    401: ("Cần đăng nhập", "Xin đăng nhập, hoặc gửi kèm token API hợp lệ (Authorization: Bearer)."),
    403: ("Không có quyền truy cập", "Tài khoản của ông/bà không được xem trang này."),
    404: ("Không tìm thấy trang", "Địa chỉ này không tồn tại hoặc đã bị gỡ bỏ."),
    405: ("Thao tác không được hỗ trợ", "Trang này không nhận thao tác vừa gửi."),
    410: ("Mã QR đã hết hiệu lực", "Tờ mã QR này đã cũ. Xin quét mã mới dán tại quầy."),
    413: ("Dữ liệu quá lớn", "Nội dung gửi lên vượt quá giới hạn cho phép."),
    429: (
        "Gửi quá nhiều lần",
        "Ông/bà đã gửi quá nhiều lần trong thời gian ngắn. Xin chờ một lát rồi thử lại.",
    ),
    500: ("Lỗi hệ thống", "Hệ thống gặp sự cố. Xin thử lại sau ít phút."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(code: int, title: str | None = None, detail: str | None = None) -> Response:
    default_title, default_detail = MESSAGES.get(code, MESSAGES[500])
    title, detail = title or default_title, detail or default_detail
    if wants_json():
        resp = jsonify(error={"status": code, "title": title, "detail": detail})
    else:
        resp = Response(render_template("errors/error.html", code=code, title=title,
                                        detail=detail))
    resp.status_code = code
    return resp


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError) -> Response:
        return render_error(
            400, "Phiên làm việc đã hết hạn",
            "Trang đã mở quá lâu nên phiên làm việc hết hạn. Xin tải lại trang và gửi lại.",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | WerkzeugResponse:
        code = exc.code or 500
        if code not in MESSAGES:
            return exc.get_response()
        return render_error(code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response | WerkzeugResponse:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
