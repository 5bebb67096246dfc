"""Enforcing 100% on time: `feedback sla tick`, run by cron during office hours.

One tick:

1. recomputes every open petition's due dates (`clock.recompute_open`) and commits: a
   paused petition's projected reply date moves each day the citizen is awaited;
2. queues, through `feedback.mail`, (a) each assignee's digest of their open petitions due
   within `rules.DUE_SOON_DAYS` working days or already overdue, once per person and
   working day (none on a day off); (b) an escalation of each overdue open petition to
   its unit's leaders, once per petition and reply due date (an extension gives a new
   date, so a petition overdue again is escalated again); (c) a reminder to the leaders
   of each petition still unclassified after its classification date, once per petition
   and date;
3. sends what is pending (`mail.deliver_pending`), or leaves it in the admins' outbox when
   no SMTP server is configured.

"Never twice" is the mail queue's unique key: a second tick the same day, or two ticks
at once, queue nothing new. Mails carry what a reader needs to act and no more: the
tracking code, the unit, the dates, a short excerpt of the content; never the sender's
name, phone, email or address.

Waiting for the citizen pauses the clock: such a petition is in a digest only once it is
overdue (its deadline had passed before the pause). Anonymous góp ý are handled to the
same deadlines, and the mails say that they do not count in the on-time rate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from feedback import mail, org
from feedback.extensions import db
from feedback.models import Petition, User
from feedback.petitions import clock, inbox, rules, services
from feedback.petitions.workflow import OPEN, STATE_LABELS, State

EXCERPT_CHARS = 160


@dataclass
class TickResult:
    """What one tick did, for the command's output and the tests."""

    recomputed: int = 0
    digests: int = 0
    escalations: int = 0
    classify_reminders: int = 0
    without_recipient: int = 0  # petitions overdue or unclassified, but nobody to tell
    sent: int = 0
    smtp: bool = False

    @property
    def queued(self) -> int:
        return self.digests + self.escalations + self.classify_reminders


@dataclass(frozen=True)
class _Item:
    petition: Petition
    days: int  # working days left (0: due today), negative when overdue on a working day
    overdue: bool  # as the inbox and the figures judge it (`rules.overdue`), any day

    @property
    def days_late(self) -> int:
        """At least one: overdue on a day off is overdue all the same."""
        return max(-self.days, 1)


def tick(*, now: datetime | None = None) -> TickResult:
    """Run steps 1–3 above. Each step commits on its own: a mail server that is down
    leaves the messages pending for the next tick (or `feedback mail send`)."""
    now = now or clock.now()
    result = TickResult(smtp=mail.smtp_configured())
    result.recomputed = clock.recompute_open()
    db.session.commit()

    today = now.astimezone(clock.tz()).date()
    cal = clock.calendar()
    marks = inbox.marks(today, cal)  # "due soon" and "overdue" as the inbox shows them
    rows = list(db.session.scalars(
        select(Petition)
        .where(Petition.status.in_([s.value for s in OPEN]),
               (Petition.reply_due < marks.soon_until)
               | ((Petition.status == State.RECEIVED.value) & (Petition.classify_due < today)))
        .options(selectinload(Petition.unit), selectinload(Petition.assignee))
        .order_by(Petition.reply_due, Petition.received_at, Petition.id)))

    by_assignee: dict[int, list[_Item]] = defaultdict(list)
    recipients = org.Leaders()
    for petition in rows:
        item = _Item(petition, cal.working_days_between(today, petition.reply_due),
                     marks.overdue(petition.reply_due, petition.paused_on))
        due_soon = marks.due_soon(petition.reply_due, petition.paused_on)
        if petition.assignee_id is not None and (item.overdue or due_soon):
            by_assignee[petition.assignee_id].append(item)
        unclassified = (petition.status == State.RECEIVED.value
                        and petition.classify_due < today)
        if not (item.overdue or unclassified):
            continue
        leaders = recipients.for_unit(petition.unit)
        result.without_recipient += not leaders
        if item.overdue:
            result.escalations += mail.queue_many(
                f"sla:overdue:{petition.code}:{petition.reply_due.isoformat()}", leaders,
                *_escalation(item), unit_id=petition.unit_id)
        if unclassified:
            result.classify_reminders += mail.queue_many(
                f"sla:classify:{petition.code}:{petition.classify_due.isoformat()}", leaders,
                *_classify_reminder(petition), unit_id=petition.unit_id)

    # Digests are for a working day's work; escalations and reminders go out any day.
    for user in _active_users(by_assignee) if cal.is_working_day(today) else []:
        items = by_assignee[user.id]
        result.digests += mail.queue(f"sla:digest:{user.id}:{today.isoformat()}", user.email,
                                     *_digest(items, today), unit_id=user.unit_id)
    db.session.commit()
    result.sent = mail.deliver_pending(limit=10_000)
    return result


def _active_users(ids: dict[int, list[_Item]]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(
        User.id.in_(list(ids)), User.active.is_(True)).order_by(User.id)))


# --- What the messages say --------------------------------------------------------------

def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def _excerpt(petition: Petition) -> str:
    text = " ".join(petition.content.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"


def _link(petition: Petition | None = None) -> str:
    base = current_app.config["BASE_URL"].rstrip("/") + "/staff/petitions"
    return f"{base}/{petition.code}" if petition is not None else base


def _gop_y_note(petition: Petition) -> list[str]:
    if petition.kind != rules.GOP_Y:
        return []
    return [_("  (Góp ý ẩn danh: xử lý theo cùng thời hạn, nhưng không tính vào tỷ lệ "
              "đúng hạn.)")]


def _when(item: _Item) -> str:
    due = _day(item.petition.reply_due)
    if item.overdue:
        return _("hạn trả lời %(due)s, quá %(num)d ngày làm việc", due=due, num=item.days_late)
    if item.days == 0:
        return _("hạn trả lời hôm nay, %(due)s", due=due)
    return _("hạn trả lời %(due)s, còn %(num)d ngày làm việc", due=due, num=item.days)


def _line(item: _Item) -> list[str]:
    p = item.petition
    return [f"- {services.show_code(p)} · {p.unit.name} · {_(STATE_LABELS[State(p.status)])}"
            f" · {_when(item)}",
            f"  “{_excerpt(p)}”", *_gop_y_note(p), f"  {_link(p)}"]


def _digest(items: list[_Item], today: date) -> tuple[str, str]:
    overdue = [i for i in items if i.overdue]
    soon = [i for i in items if not i.overdue]
    subject = _("Phản ánh, kiến nghị cần trả lời: %(overdue)d quá hạn, %(soon)d sắp đến "
                "hạn (%(day)s)", overdue=len(overdue), soon=len(soon), day=_day(today))
    lines = [_("Các phản ánh, kiến nghị ông/bà đang xử lý cần trả lời sớm (mục tiêu: "
               "%(target)s trả lời đúng hạn).", target="100%"), ""]
    if overdue:
        lines += [_("Đã quá hạn:"), *(ln for i in overdue for ln in _line(i)), ""]
    if soon:
        lines += [_("Đến hạn trong %(num)d ngày làm việc tới:", num=rules.DUE_SOON_DAYS),
                  *(ln for i in soon for ln in _line(i)), ""]
    lines += [_("Danh sách đầy đủ: %(url)s", url=_link()), "",
              _("Thư nhắc việc gửi mỗi ngày một lần.")]
    return subject, "\n".join(lines)


def _about(p: Petition, intro: str, facts: list[str], once: str) -> str:
    """A message to the leaders about one petition: what it is, the facts that matter for
    this message, an excerpt and the link; never the sender's contact details."""
    return "\n".join([
        intro, "",
        _("Mã: %(code)s", code=services.show_code(p)),
        _("Đơn vị: %(unit)s", unit=p.unit.name),
        *facts, "",
        _("Nội dung (trích): “%(text)s”", text=_excerpt(p)),
        *[ln.strip() for ln in _gop_y_note(p)], "",
        _("Xem và xử lý: %(url)s", url=_link(p)), "",
        once,
    ])


def _received_on(p: Petition) -> str:
    return _("Ngày tiếp nhận: %(day)s", day=_day(p.received_at.astimezone(clock.tz()).date()))


def _what(p: Petition) -> str:
    return _("góp ý") if p.kind == rules.GOP_Y else _("phản ánh, kiến nghị")


def _escalation(item: _Item) -> tuple[str, str]:
    p = item.petition
    subject = _("Quá hạn trả lời %(what)s %(code)s — %(unit)s", what=_what(p),
                code=services.show_code(p), unit=p.unit.name)
    assignee = p.assignee.email if p.assignee is not None else _("chưa phân công")
    return subject, _about(
        p, _("Một %(what)s của đơn vị đã quá hạn trả lời và chưa được trả lời.", what=_what(p)),
        [_("Tình trạng: %(state)s", state=_(STATE_LABELS[State(p.status)])),
         _received_on(p),
         _("Hạn trả lời: %(due)s (quá %(num)d ngày làm việc)", due=_day(p.reply_due),
           num=item.days_late),
         _("Cán bộ xử lý: %(who)s", who=assignee)],
        _("Thư này chỉ gửi một lần cho mỗi hạn trả lời."))


def _classify_reminder(p: Petition) -> tuple[str, str]:
    subject = _("Chưa phân loại, quá hạn: %(code)s — %(unit)s", code=services.show_code(p),
                unit=p.unit.name)
    return subject, _about(
        p, _("Một %(what)s chưa được phân loại (tiếp nhận, không tiếp nhận hoặc chuyển) dù đã "
             "qua hạn phân loại.", what=_what(p)),
        [_received_on(p),
         _("Hạn phân loại: %(due)s", due=_day(p.classify_due)),
         _("Hạn chuyển cơ quan có thẩm quyền: %(due)s", due=_day(p.transfer_due)),
         _("Hạn trả lời: %(due)s", due=_day(p.reply_due))],
        _("Thư này chỉ gửi một lần cho mỗi hạn phân loại."))
