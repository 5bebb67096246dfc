"""A realistic mix of petitions around October 2026, filed and handled through the real
services with back-dated times, shared by the figures tests (stats, recount from the
events, CLI = API = dashboard). Imported by test modules in this folder.

Times are local (Asia/Ho_Chi_Minh). Holidays: 2/9/2026 and its neighbour; October and
November 2026 have none, so working days there are weekdays. What each petition should
count as in October (province tinh-a) is written beside it; `OCTOBER` sums it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Petition, User
from feedback.petitions import public, services

VN = ZoneInfo("Asia/Ho_Chi_Minh")

SENDER = {"sender_name": "Nguyễn Văn An", "sender_address": "Thôn 3, xã Hoằng Ngọc",
          "sender_phone": "0912345678"}


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


@dataclass
class Mix:
    codes: dict[str, str]  # name → tracking code


def _file(unit_id: int, when: datetime, *, channel: str = "web", anonymous: bool = False,
          **fields: Any) -> Petition:
    sender = {} if anonymous else SENDER
    new = services.NewPetition(unit_id=unit_id, channel=channel,
                               content="Hồ sơ của tôi bị trả chậm.", **sender, **fields)
    petition = services.build(new, now=when)
    db.session.commit()
    return petition


def _act(p: Petition, action: str, who: int, when: datetime, **fields: Any) -> None:
    actor = db.session.get(User, who)
    assert actor is not None
    if action == "answer":  # a late answer needs its reason; an on-time one ignores it
        fields.setdefault("reason", "Phải xác minh tại thực địa")
    services.act(p, action, actor, fields, now=when)


def build(world: Any) -> Mix:
    """File and handle the mix (inside an app context). `world` is the conftest world."""
    a1, a2, b1 = world.commune.id, world.sibling.id, world.stranger.id
    leader, officer, admin = world.leader.id, world.officer.id, world.admin.id
    codes: dict[str, str] = {}

    def accept(p: Petition, when: datetime, *, by: int = leader, to: int = officer,
               category: int = 1) -> None:
        _act(p, "accept", by, when, category=str(category), assignee=str(to))

    # Answered in September, on time: outside October.
    p = _file(a1, local(9, 21))
    accept(p, local(9, 22))
    _act(p, "answer", officer, local(9, 30), answer="Đã giải quyết.")
    codes["sep_done"] = p.code
    # Carried over; due Fri 9/10, answered Tue 6/10 on time, rated "very satisfied".
    p = _file(a1, local(9, 25), channel="paper")
    accept(p, local(9, 28))
    _act(p, "answer", officer, local(10, 6), answer="Đã trả hồ sơ.")
    public.rate(p, 3, now=local(10, 10))
    codes["carried_on_time"] = p.code
    # Carried over; due Mon 12/10, answered Tue 20/10: late, and rated unsatisfied.
    p = _file(a1, local(9, 28), channel="hotline")
    accept(p, local(9, 29), category=2)
    _act(p, "answer", officer, local(10, 20, 15), answer="Đã giải quyết, xin lỗi ông.",
         reason="Phải xin ý kiến Sở Tư pháp.")
    public.rate(p, 1, now=local(10, 21))
    codes["carried_late"] = p.code
    # Not accepted.
    p = _file(a1, local(10, 5))
    _act(p, "reject", officer, local(10, 6), reason="Không đủ thông tin để xác minh.")
    codes["rejected"] = p.code
    # At the sibling commune: transferred by the province's admin.
    p = _file(a2, local(10, 7), channel="email")
    _act(p, "transfer", admin, local(10, 12), receiving_body="Sở Tài nguyên và Môi trường",
         reason="Thuộc thẩm quyền của Sở.")
    codes["transferred"] = p.code
    # Paused Tue 13 – Tue 20/10 (5 working days): due Mon 2/11, answered Thu 29/10 on time.
    p = _file(a1, local(10, 12), channel="zalo")
    accept(p, local(10, 12, 14))
    _act(p, "wait", officer, local(10, 13), note="Xin bản chụp giấy hẹn.")
    _act(p, "resume", officer, local(10, 20))
    _act(p, "answer", officer, local(10, 29), answer="Đã trả lời.")
    codes["paused_on_time"] = p.code
    # Extended (20 working days: due Wed 11/11), answered Tue 10/11: open in time in October.
    p = _file(a1, local(10, 14))
    accept(p, local(10, 14, 15))
    _act(p, "extend", leader, local(10, 15), reason="Cần xác minh tại thực địa.")
    _act(p, "answer", officer, local(11, 10), answer="Đã xác minh và trả lời.")
    codes["extended"] = p.code
    # Due Thu 29/10, answered Thu 5/11: open overdue at the end of October, late in November.
    p = _file(a1, local(10, 15), channel="facebook")
    accept(p, local(10, 16))
    _act(p, "answer", officer, local(11, 5), answer="Trả lời muộn.")
    codes["overdue_then_late"] = p.code
    # An anonymous góp ý: counted apart.
    codes["gop_y"] = _file(a1, local(10, 20), channel="box", anonymous=True).code
    # Answered Fri 30/10 on time, published and archived in November; rated after October.
    p = _file(a1, local(10, 22))
    accept(p, local(10, 22, 14))
    _act(p, "answer", officer, local(10, 30), answer="Đã giải quyết.")
    _act(p, "publish", leader, local(11, 2), public_text="Đã giải quyết.")
    _act(p, "archive", leader, local(11, 3))
    public.rate(p, 1, now=local(11, 1))
    codes["archived_answer"] = p.code
    # Still unclassified: due Mon 9/11 (in time in October, overdue in November).
    codes["untouched"] = _file(a1, local(10, 26)).code
    # Waiting for the citizen since 28/10: its due date keeps moving.
    p = _file(a1, local(10, 27))
    accept(p, local(10, 27, 14))
    _act(p, "wait", officer, local(10, 28), note="Xin thêm giấy tờ.")
    codes["waiting"] = p.code
    # At the sibling commune, rejected then archived.
    p = _file(a2, local(10, 28))
    _act(p, "reject", admin, local(10, 29), reason="Nội dung khiếu nại, chuyển quy trình khác.")
    _act(p, "archive", admin, local(10, 30))
    codes["archived_rejection"] = p.code
    # Received Fri 30/10 after closing time: counts from Mon 2/11, due Mon 16/11.
    p = _file(a1, local(10, 30, 17, 30), channel="portal")
    accept(p, local(11, 2))
    _act(p, "answer", officer, local(11, 13), answer="Đã trả lời.")
    codes["after_hours"] = p.code
    # November only; still open when November ends: overdue.
    codes["november"] = _file(a1, local(11, 2)).code
    # Another province: never in tinh-a's figures.
    codes["stranger"] = _file(b1, local(10, 10)).code
    return Mix(codes)


#: October 2026 for tinh-a, counted by hand from the comments above.
OCTOBER = {
    "carried_over": 2, "received": 10, "not_accepted": 2, "transferred": 1,
    "answered_on_time": 3, "answered_late": 1, "open_in_time": 4, "open_overdue": 1,
    "on_time_rate": 60.0, "meets_target": False, "gop_y": 1,
}
# QĐ 766 over the 5 the rate counts (4 answered, 1 open overdue): minus the late answer
# (also the unsatisfied one) and the overdue one.
OCTOBER_SATISFACTION = {"percent": 60.0, "counted": 5, "answered": 4, "rated": 2,
                        "rated_unsatisfied": 1, "late": 2}
NOVEMBER = {
    "carried_over": 5, "received": 1, "answered_on_time": 2, "answered_late": 1,
    "open_in_time": 1, "open_overdue": 2, "on_time_rate": 40.0,
}
SEPTEMBER = {"carried_over": 0, "received": 3, "answered_on_time": 1, "open_in_time": 2,
             "on_time_rate": 100.0, "meets_target": True}

PERIODS = {
    "september": (date(2026, 9, 1), date(2026, 9, 30)),
    "october": (date(2026, 10, 1), date(2026, 10, 31)),
    "november": (date(2026, 11, 1), date(2026, 11, 30)),
    "autumn": (date(2026, 9, 1), date(2026, 11, 30)),
    "mid-october": (date(2026, 10, 13), date(2026, 10, 20)),
}


def load(code: str) -> Petition:
    petition = db.session.scalar(select(Petition).where(Petition.code == code))
    assert petition is not None
    return petition
