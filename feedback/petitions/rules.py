"""Petition facts that are not the workflow: channels, categories, what makes a PAKN,
the SLA profile and its due dates, and the tracking check (DOMAIN §4). Pure."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from feedback.msgid import N_
from feedback.text_rules import has_control
from feedback.workdays import Calendar, Pause

#: How a petition reached the office; `web` is the public form (QR poster or unit page).
CHANNELS: dict[str, str] = {
    "paper": N_("Văn bản giấy"),
    "box": N_("Hòm thư góp ý"),
    "hotline": N_("Đường dây nóng"),
    "email": N_("Thư điện tử"),
    "zalo": N_("Zalo"),
    "facebook": N_("Facebook"),
    "portal": N_("Cổng Dịch vụ công quốc gia"),
    "web": N_("Biểu mẫu trực tuyến"),
}

#: Content categories (NĐ 20/2008 Đ5), numbered as the register and import use them.
CATEGORIES: dict[int, str] = {
    1: N_("Khó khăn, vướng mắc do hành vi chậm trễ, gây phiền hà hoặc không thực hiện, "
          "thực hiện không đúng quy định của cơ quan, cán bộ"),
    2: N_("Quy định hành chính không phù hợp với thực tế"),
    3: N_("Quy định hành chính không đồng bộ, không thống nhất"),
    4: N_("Quy định hành chính không hợp pháp"),
    5: N_("Quy định hành chính trái với điều ước quốc tế"),
    6: N_("Những vấn đề khác"),
    7: N_("Phương án xử lý những phản ánh nêu trên"),
    8: N_("Sáng kiến ban hành mới quy định hành chính"),
}

PAKN = "pakn"
GOP_Y = "gop_y"

RATING_UNSATISFIED = 1  # SAT3: 1 không hài lòng, 2 hài lòng, 3 rất hài lòng

#: "Due soon" in the inbox and the assignees' digest.
DUE_SOON_DAYS = 2

MAX_ATTACHMENTS = 3


def kind_of(name: str | None, address: str | None, phone: str | None,
            email: str | None) -> str:
    """A PAKN needs the sender's name, address and a way to reach them (Đ7, Đ9); without
    them it is still read and handled, as an anonymous góp ý outside the on-time figures."""
    def given(value: str | None) -> bool:
        return bool(value and value.strip())

    if given(name) and given(address) and (given(phone) or given(email)):
        return PAKN
    return GOP_Y


_PHONE = re.compile(r"\A\+?[0-9 .()-]{8,20}\Z")
_EMAIL = re.compile(r"\A[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}\Z")


def clean_phone(text: str) -> str | None:
    """A Vietnamese phone number as typed (spaces, dots, dashes, +84) → digits and an
    optional leading +, or None when it cannot be a phone number."""
    text = text.strip()
    if not _PHONE.match(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if not 9 <= len(digits) <= 15:
        return None
    return ("+" if text.startswith("+") else "") + digits


def clean_email(text: str) -> str | None:
    text = text.strip()
    if has_control(text) or len(text) > 254 or not _EMAIL.match(text):
        return None
    return text


def tracking_matches(given: str, phone: str | None, email: str | None) -> bool:
    """The second factor of `/tra-cuu`: the last 4 digits of the phone, or the whole email
    (case ignored). Compared in constant time, so a wrong pair and an unknown code cost
    the same."""
    given = given.strip()
    expected = ""
    if "@" in given:
        expected = (email or "").strip().casefold()
        given = given.casefold()
    elif phone:
        expected = re.sub(r"[^0-9]", "", phone)[-4:]
        given = re.sub(r"[^0-9]", "", given)
    if len(expected) < 4 or len(given) < 4:
        hmac.compare_digest(given.encode(), given.encode())
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Profile:
    """Deadlines in working days (DOMAIN §4 defaults; per unit, see models.SlaProfile)."""

    classify_days: int = 2
    transfer_days: int = 5
    reply_days: int = 10
    extension_days: int = 10

    def problems(self) -> list[str]:
        """Why this profile cannot be used (empty when fine): each value 1–60."""
        bad = [n for n in ("classify_days", "transfer_days", "reply_days", "extension_days")
               if not 1 <= getattr(self, n) <= 60]
        return [N_("Số ngày làm việc phải từ 1 đến 60.")] if bad else []


@dataclass(frozen=True)
class Dues:
    classify: date
    transfer: date
    reply: date


def dues(calendar: Calendar, received_at: datetime, profile: Profile, *,
         pauses: Iterable[Pause] = (), extended: bool = False,
         as_of: datetime | None = None, tz: ZoneInfo, closes: time) -> Dues:
    """Every deadline of one petition. Classification and transfer run from receipt and
    are not paused (they come before the citizen can be asked for more); the reply clock
    is pushed by pauses and, once, by the extension."""
    reply_days = profile.reply_days + (profile.extension_days if extended else 0)
    pauses = list(pauses)
    return Dues(
        classify=calendar.deadline(received_at, profile.classify_days, tz=tz, closes=closes),
        transfer=calendar.deadline(received_at, profile.transfer_days, tz=tz, closes=closes),
        reply=calendar.deadline(received_at, reply_days, tz=tz, closes=closes, pauses=pauses,
                                as_of=as_of),
    )


def overdue(reply_due: date, judged_on: date, paused_on: date | None = None, *,
            day_over: bool = False) -> bool:
    """Past its reply date on `judged_on` (or due that day, once `day_over`).

    Waiting for the citizen stops the clock, and the date stored on a waiting petition is
    only a projection refreshed by `sla tick`, so it is not what decides: a petition
    paused (counting from the working day `paused_on`) by its deadline is not overdue
    while it waits; one paused after stays overdue, its date frozen."""
    if paused_on is not None and reply_due >= paused_on:
        return False
    return reply_due < judged_on or (day_over and reply_due == judged_on)


def on_time(closed_at: datetime, due: date, tz: ZoneInfo) -> bool:
    """Handled by the due date: the local day of the reply (or transfer) is not after it."""
    return closed_at.astimezone(tz).date() <= due
