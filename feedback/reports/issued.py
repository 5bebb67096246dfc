"""Reports once sent, and reports falling due.

A leader marks a report as sent: its figures and its three files are stored, with each
file's SHA-256, and never change (the tables are append-only); sending again after a
correction is a new revision. The page compares what was sent with what the data say now,
figure by figure, so late data never change a sent report silently.

Each unit may set when its report is due (`ReportSchedule`); `feedback sla tick` mails its
leaders the draft a few working days before, once per report and leader.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from feedback import audit, mail, org
from feedback.extensions import db
from feedback.models import IssuedReport, IssuedReportFile, ReportSchedule, Unit, User
from feedback.models.reports import REPORT_KINDS
from feedback.petitions import clock
from feedback.reports import periodic, report_files
from feedback.reports.periods import Period, next_due, period_code, show_date


class ScheduleError(ValueError):
    """A schedule the office cannot keep: which field, and why in the reader's words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


#: A second "mark as sent" this soon with the same figures is the same click (a double tap,
#: a resent form): it returns the revision just stored instead of adding one.
SAME_CLICK = timedelta(minutes=2)


def issue(unit: Unit, kind: str, period: Period, actor: User) -> IssuedReport:
    """Store the report as it stands now, in every format, as the next revision: the
    official (Vietnamese) documents, whatever language the leader reads the pages in.
    Two leaders sending at once get revisions one after the other (the unique revision
    number refuses the second insert; it takes the next)."""
    draft = report_files.draft(unit, kind, period)
    figures = json.dumps(periodic.snapshot(draft.report), ensure_ascii=False, sort_keys=True)
    files = {fmt: report_files.render(draft, fmt) for fmt in report_files.FORMATS}
    for _attempt in range(3):
        latest = next(iter(issued_for(unit, kind, period)), None)
        if latest is not None and latest.figures == figures and (
                draft.report.generated_at - latest.issued_at < SAME_CLICK):
            return latest
        revision = 1 + (latest.revision if latest is not None else 0)
        row = IssuedReport(unit_id=unit.id, kind=kind, period_first=period.first,
                           period_last=period.last, revision=revision,
                           issued_by_id=actor.id, issued_at=draft.report.generated_at,
                           figures=figures)
        for fmt, content in files.items():
            row.files.append(IssuedReportFile(format=fmt, content=content, size=len(content),
                                              sha256=hashlib.sha256(content).hexdigest()))
        db.session.add(row)
        audit.record(actor, unit.id, "report.issue",
                     f"report:{kind}:{period_code(kind, period)}", f"revision {revision}")
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another leader's revision came first: take the next
            continue
        return row
    raise RuntimeError("could not store the issued report after three attempts")


def issued_for(unit: Unit, kind: str, period: Period) -> list[IssuedReport]:
    """Newest revision first, with their files' digests (not their bytes)."""
    return list(db.session.scalars(
        select(IssuedReport).where(IssuedReport.unit_id == unit.id,
                                   IssuedReport.kind == kind,
                                   IssuedReport.period_first == period.first)
        .options(selectinload(IssuedReport.files).defer(IssuedReportFile.content))
        .order_by(IssuedReport.revision.desc())))


def issued_file(report_id: int, fmt: str, unit_ids: set[int] | None
                ) -> tuple[IssuedReport, IssuedReportFile] | None:
    """A stored file, if its report is of a unit in `unit_ids` (None: any unit)."""
    row = db.session.execute(
        select(IssuedReport, IssuedReportFile)
        .join(IssuedReportFile, IssuedReportFile.report_id == IssuedReport.id)
        .where(IssuedReport.id == report_id, IssuedReportFile.format == fmt)).first()
    if row is None or (unit_ids is not None and row[0].unit_id not in unit_ids):
        return None
    return row[0], row[1]


def changes_since(issued: IssuedReport, report: periodic.Report) -> list[periodic.Change]:
    return periodic.changes(json.loads(issued.figures), periodic.snapshot(report))


# --- when reports are due ----------------------------------------------------------------

def schedule_of(unit: Unit) -> ReportSchedule | None:
    return db.session.get(ReportSchedule, unit.id)


def set_schedule(unit: Unit, kind: str, due_day: str, month_offset: str,
                 actor: User) -> ReportSchedule:
    """As typed in the form: anything else than a known kind, a day 1–31 and an offset of
    0 or 1 month is refused with its message, and nothing is stored."""
    if kind not in REPORT_KINDS:
        raise ScheduleError("kind", _("Xin chọn báo cáo tháng, quý hoặc năm."))
    day = due_day.strip()
    if not (day.isascii() and day.isdigit() and 1 <= int(day) <= 31):
        raise ScheduleError("due_day", _("Ngày hạn nộp là một số từ 1 đến 31."))
    if month_offset not in ("0", "1"):
        raise ScheduleError("month_offset", _("Xin chọn hạn nộp trong tháng cuối kỳ hoặc "
                                              "tháng sau kỳ."))
    row = schedule_of(unit) or ReportSchedule(unit_id=unit.id)
    row.kind, row.due_day, row.month_offset = kind, int(day), int(month_offset)
    db.session.add(row)
    audit.record(actor, unit.id, "report.schedule", f"unit:{unit.code}",
                 f"{kind} day {row.due_day} offset {row.month_offset}")
    db.session.commit()
    return row


@dataclass(frozen=True)
class Due:
    unit: Unit
    kind: str
    period: Period
    due: date


def upcoming(schedule: ReportSchedule, unit: Unit, today: date) -> Due:
    period, due = next_due(schedule.kind, today, schedule.due_day, schedule.month_offset)
    return Due(unit, schedule.kind, period, due)


def remind(*, now: datetime | None = None) -> int:
    """Mail each scheduled unit's leaders the draft (PDF to read, DOCX to edit) when its
    next report is due within REPORT_REMIND_DAYS working days and not yet sent. The
    message's key names the report and the leader: each is told once."""
    today = (now or clock.now()).astimezone(clock.tz()).date()
    cal = clock.calendar()
    days = int(current_app.config["REPORT_REMIND_DAYS"])
    leaders = org.Leaders()
    queued = 0
    rows = db.session.execute(select(ReportSchedule, Unit).join(
        Unit, Unit.id == ReportSchedule.unit_id).where(Unit.active.is_(True))).all()
    for schedule, unit in rows:
        due = upcoming(schedule, unit, today)
        if cal.working_days_between(today, due.due) > days or issued_for(
                unit, due.kind, due.period):
            continue
        code = period_code(due.kind, due.period)
        key = f"report:due:{unit.code}:{due.kind}:{code}"
        recipients = leaders.for_unit(unit)
        told = mail.queued(f"{key}:{r}" for r in recipients)
        recipients = [r for r in recipients if f"{key}:{r}" not in told]
        if not recipients:  # none to tell, or all told: the draft is not built again
            continue
        draft = report_files.draft(unit, due.kind, due.period, now=now)
        attachments = [mail.Attachment(report_files.filename(draft.report, fmt),
                                       report_files.MIMETYPES[fmt],
                                       report_files.render(draft, fmt))
                       for fmt in ("pdf", "docx")]
        queued += mail.queue_many(
            key, recipients,
            f"Báo cáo {unit.name} kỳ {code} đến hạn ngày {show_date(due.due)}",
            (f"Báo cáo định kỳ của {unit.name}, kỳ {due.period.label()}, đến hạn ngày "
             f"{show_date(due.due)}.\n\nBản dự thảo đính kèm (PDF để đọc, DOCX để sửa) "
             "lập từ số liệu đến lúc gửi thư này. Khi đã gửi báo cáo, xin bấm “Đánh dấu "
             "đã gửi” trên trang Báo cáo định kỳ để lưu bản đã gửi.\n"),
            unit_id=unit.id, attachments=attachments)
        db.session.commit()
    return queued
