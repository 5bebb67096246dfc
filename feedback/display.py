"""Template filters: Vietnamese number and date formats, status words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from feedback import sipas
from feedback.survey import catalogue

STATUS_WORDS = {
    "met": "Đạt",
    "below": "Chưa đạt",
    "insufficient": "Chưa đủ câu trả lời",
    "empty": "Chưa có câu trả lời",
    "info": "",
}
CHANNEL_WORDS = {"qr": "Quét mã QR", "paper": "Phiếu giấy", "tablet": "Máy tính bảng"}
MAIL_STATE_WORDS = {
    "outbox": "chờ chuyển tay",
    "pending": "chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi không được",
}
ROLE_WORDS = {
    "admin": "Quản trị hệ thống",
    "leader": "Lãnh đạo",
    "officer": "Công chức một cửa",
    "viewer": "Theo dõi báo cáo",
}


def percent(value: float | None, digits: int = 1) -> str:
    """85.94 → '85,9%' (Vietnamese uses a decimal comma)."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",") + "%"


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def install(app: Flask) -> None:
    app.add_template_filter(percent, "percent")
    app.add_template_filter(local_time, "local_time")
    app.jinja_env.globals.update(
        STATUS_WORDS=STATUS_WORDS, CHANNEL_WORDS=CHANNEL_WORDS, ROLE_WORDS=ROLE_WORDS,
        MAIL_STATE_WORDS=MAIL_STATE_WORDS,
        SAT5=sipas.SAT5, SAT5_ITEMS=list(sipas.ITEMS), FORM_TITLES=dict(catalogue.codes()),
    )
