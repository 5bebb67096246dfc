"""Alerts: a response reporting harassment, an informal payment or the lowest overall
rating reaches the unit's leaders the same day, once.

`reasons` is pure and costs nothing, so `services.record` asks it first and an ordinary
response (the benchmarked hot path) runs no extra query. When there is a reason, `queue`
adds one message per leader to the response's own transaction, under a key unique to the
response and the recipient: a double tap stores one response and so queues one alert, and
a message is never sent twice. `mail.deliver_pending` sends them after the commit, or they
wait in the admins' outbox when no SMTP server is configured.

Messages are written in Vietnamese whatever language the citizen chose: they are read by
the office. They never carry the dossier code (only its keyed hash is stored anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from feedback import mail, sipas
from feedback.extensions import db
from feedback.models import Counter, Unit, User

HARASS, INFORMAL = "HARASS", "INFORMAL"
#: The lowest level of the one-tap SAT3 rating ("Không hài lòng"), the form's only
#: overall question. The SAT5 forms have no overall question: their items are rated one
#: by one, and a single low item is not an alert.
LOWEST_OVERALL = min(sipas.SAT3)

#: What each reason says in a message: (short, for the subject; full, for the body).
REASON_TEXT: dict[str, tuple[str, str]] = {
    HARASS: ("gây phiền hà, sách nhiễu",
             f"Trả lời “Có” cho câu “{sipas.YESNO_ITEMS[HARASS]}”"),
    INFORMAL: ("chi phí ngoài quy định",
               f"Trả lời “Có” cho câu “{sipas.YESNO_ITEMS[INFORMAL]}”"),
    sipas.OVERALL: ("không hài lòng",
                    f"{sipas.OVERALL_LABEL}: “{sipas.SAT3[LOWEST_OVERALL]}” (mức thấp nhất)"),
}


def reasons(answers: Mapping[str, int]) -> list[str]:
    """The reasons this response must reach the leaders, in a fixed order; [] for an
    ordinary response. "Có" is stored as 1 on the yes/no questions."""
    out = []
    if answers.get(HARASS) == 1:
        out.append(HARASS)
    if answers.get(INFORMAL) == 1:
        out.append(INFORMAL)
    if answers.get(sipas.OVERALL) == LOWEST_OVERALL:
        out.append(sipas.OVERALL)
    return out


@dataclass(frozen=True)
class Alert:
    """What a message says about one response."""

    response_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    counter_id: int
    counter_name: str
    answered_at: datetime
    paper: bool
    reasons: list[str]
    comment: str | None


def recipients(unit_id: int) -> list[str]:
    """The unit's active leaders; when it has none, the unit's own active admins (never
    the installation's admin or a province's: they would get every commune's alerts)."""
    rows = db.session.execute(
        select(User.email, User.role).where(
            User.unit_id == unit_id, User.active.is_(True), User.role.in_(("leader", "admin")))
    ).all()
    leaders = [email for email, role in rows if role == "leader"]
    return sorted(leaders or [email for email, role in rows if role == "admin"])


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def subject(alert: Alert) -> str:
    what = ", ".join(REASON_TEXT[r][0] for r in alert.reasons)
    return f"Cảnh báo phiếu khảo sát: {what} — {alert.unit_name}, {alert.counter_name}"


def body(alert: Alert) -> str:
    """Which counter, when (local time), what was answered, the comment, and a link to the
    counter's responses of that day."""
    local = _local(alert.answered_at)
    day = local.date().isoformat()
    query = urlencode({"unit": alert.unit_code, "counter": alert.counter_id,
                       "from": day, "to": day})
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/staff/responses?{query}"
    when = (f"Ngày ghi trên phiếu giấy: {local:%d/%m/%Y} (do cán bộ nhập)" if alert.paper
            else f"Thời điểm: {local:%d/%m/%Y %H:%M}")
    lines = [
        "Một phiếu khảo sát vừa gửi cần lãnh đạo đơn vị xem ngay.",
        "",
        f"Đơn vị: {alert.unit_name}",
        f"Quầy: {alert.counter_name}",
        when,
        "",
        "Nội dung trả lời:",
        *(f"- {REASON_TEXT[r][1]}" for r in alert.reasons),
    ]
    if alert.comment:
        lines += ["", "Ý kiến của người dân:", alert.comment]
    lines += ["", f"Xem các phiếu của quầy trong ngày: {link}", "",
              "Thư này chỉ gửi một lần cho mỗi phiếu."]
    return "\n".join(lines)


def queue(response_id: int, counter_id: int, answered_at: datetime, why: list[str], *,
          paper: bool = False, comment: str | None = None) -> int:
    """Queue the alert for one stored response inside the caller's transaction (call
    only when `reasons` found one); returns how many messages were queued."""
    row = db.session.execute(
        select(Unit.id, Unit.code, Unit.name, Counter.name)
        .join(Unit, Counter.unit_id == Unit.id).where(Counter.id == counter_id)
    ).one()
    alert = Alert(response_id, row[0], row[1], row[2], counter_id, row[3], answered_at,
                  paper, why, comment)
    return mail.queue_many(f"alert:response:{response_id}", recipients(alert.unit_id),
                           subject(alert), body(alert), unit_id=alert.unit_id)
