"""The paper register (sổ tiếp nhận) imported as petitions: `feedback petitions import`.

Offices kept their PAKN register in a spreadsheet before this app; importing it puts the
year's petitions under the same clock and figures. The file goes through the one import
parser (`admin.imports.read_table`: CSV with or without a BOM, `;` or `,`, broken quoting,
Windows code pages refused with advice, XLSX), and each row through the same sender and
content rules as the forms (`petitions.intake.parse`), so a phone number the public form
refuses is refused here too.

All or nothing: every problem of every line is collected (line, column, a Vietnamese
reason) and a file with any problem stores nothing. A clean file is built row by row with
`services.build` and committed once. No mail goes to the senders: these petitions were
acknowledged on paper long ago.

A re-run of the same file is refused line by line ("already imported", with the code it
got), not stored twice: each row carries a submission id derived from its contents, and
the submission id is unique.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedback import audit, links, org
from feedback.admin.imports import MESSAGES as IMPORT_MESSAGES
from feedback.admin.imports import ImportRefused, Issue, read_table
from feedback.extensions import db
from feedback.models import Petition, Unit
from feedback.msgid import N_
from feedback.petitions import clock, intake, rules, services
from feedback.text_rules import TextRefused, clean_text

COLUMNS = ("unit_code", "channel", "received_at", "sender_name", "sender_address",
           "sender_phone", "sender_email", "category", "content", "answered_at", "answer")
REQUIRED = ("unit_code", "channel", "received_at", "content")
#: The sender's and content's columns, checked by `intake.parse` as on the forms.
INTAKE_COLUMNS = ("sender_name", "sender_address", "sender_phone", "sender_email",
                  "category", "content")

#: Registers older than this are a typo (2206 for 2026 reversed is caught as the future).
MIN_YEAR = 2000

_ISO_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_DAY_FIRST_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?")

#: key → (Vietnamese source for people, English for logs); the import parser's messages
#: (file-level problems, empty cells) are used as they are.
MESSAGES: dict[str, tuple[str, str]] = {
    "bad_time": (N_("“%(value)s” không phải ngày giờ theo dạng YYYY-MM-DD HH:MM "
                    "(ví dụ 2026-03-02 08:30)."),
                 "%(value)r is not a local time YYYY-MM-DD HH:MM"),
    "impossible_time": (N_("Ngày giờ “%(value)s” không có thật."),
                        "%(value)r is not a real date or time"),
    "too_old": (N_("Năm %(year)d quá xa: sổ tiếp nhận nhập được từ năm %(min)d."),
                "year %(year)d is before %(min)d"),
    "future": (N_("Thời điểm “%(value)s” ở tương lai."),
               "%(value)s is in the future"),
    "answered_before": (N_("Ngày trả lời (%(answered)s) trước thời điểm tiếp nhận "
                           "(%(received)s)."),
                        "answered %(answered)s before it was received %(received)s"),
    "answer_without_date": (N_("Có nội dung trả lời nhưng thiếu ngày trả lời (cột "
                               "answered_at)."),
                            "an answer without answered_at"),
    "answer_text": (N_("Nội dung trả lời quá dài (tối đa %(limit)s ký tự) hoặc có ký tự "
                       "không đọc được."),
                    "the answer is longer than %(limit)s characters or has control "
                    "characters"),
    "bad_channel": (N_("Kênh tiếp nhận “%(value)s” không hợp lệ; ghi một trong: "
                       "%(allowed)s."),
                    "unknown channel %(value)r; one of %(allowed)s"),
    "no_unit": (N_("Không có đơn vị nào mang mã “%(code)s”."),
                "unknown unit %(code)r"),
    "same_row": (N_("Trùng với dòng %(first)d (cùng đơn vị, thời điểm, người gửi và nội "
                    "dung)."),
                 "the same petition as line %(first)d"),
    "imported_before": (N_("Đã nhập trước đây: mã %(code)s."),
                        "already imported as %(code)s"),
    "race": (N_("Cùng lúc đó tệp này đã được nhập ở nơi khác; không lưu gì. Xin kiểm tra "
                "danh sách rồi thử lại nếu cần."),
             "the same rows were imported concurrently; nothing stored"),
    "phone": (intake.MSG_PHONE, "not a phone number"),
    "email": (intake.MSG_EMAIL, "not an email address"),
    "category": (N_("Phân loại “%(value)s” không hợp lệ: ghi số từ 1 đến 8 hoặc để trống."),
                 "category %(value)r is not 1-8"),
    "content_required": (intake.MSG_CONTENT_REQUIRED, "empty content"),
    "content_too_long": (intake.MSG_CONTENT_TOO_LONG,
                         "the content is longer than %(limit)s characters"),
    "bad_text": (intake.MSG_BAD_TEXT, "a line break or a control character"),
    "line_too_long": (intake.MSG_LINE_TOO_LONG, "longer than %(limit)s characters"),
    "dossier_code": (intake.MSG_DOSSIER, "bad dossier code"),
}

#: The intake's message for a field → our key for it.
_INTAKE_KEYS = {
    intake.MSG_PHONE: "phone", intake.MSG_EMAIL: "email", intake.MSG_CATEGORY: "category",
    intake.MSG_CONTENT_REQUIRED: "content_required",
    intake.MSG_CONTENT_TOO_LONG: "content_too_long", intake.MSG_BAD_TEXT: "bad_text",
    intake.MSG_LINE_TOO_LONG: "line_too_long", intake.MSG_DOSSIER: "dossier_code",
}


@dataclass(frozen=True)
class RegisterIssue(Issue):
    """An `Issue` whose message may be one of this module's (the pages translate
    `template` with `params`, like the other imports' issues)."""

    @property
    def template(self) -> str:
        return (MESSAGES.get(self.key) or IMPORT_MESSAGES[self.key])[0]

    def english(self) -> str:
        text = (MESSAGES.get(self.key) or IMPORT_MESSAGES[self.key])[1] % dict(self.params)
        where = [f"line {self.line}"] if self.line else []
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {text}" if where else text


def describe(issue: Issue) -> str:
    """One issue as a Vietnamese line ("Dòng 4, cột received_at: …"), in the request's or
    the command's language."""
    text = _(issue.template) % dict(issue.params) if issue.params else _(issue.template)
    where = [_("Dòng %(line)d", line=issue.line)] if issue.line else []
    if issue.column:
        where.append(_("cột %(column)s", column=issue.column))
    return f"{', '.join(where)}: {text}" if where else text


class RegisterRefused(ImportRefused):
    """The file has problems; nothing was stored. `str()` lists them in Vietnamese, one
    per line (what the command prints); `issues` is every one of them."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues)
        lines = [_("Không lưu gì: tệp có %(num)d lỗi.", num=len(issues)),
                 *(describe(i) for i in issues)]
        self.args = ("\n".join(lines),)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Imported:
    """One stored row: the file's line, the tracking code it got, its dates."""

    line: int
    code: str
    reply_due: str  # ISO date
    status: str
    kind: str

    def as_dict(self) -> dict[str, Any]:
        """The `--json` contract: line, code, reply_due."""
        return {"line": self.line, "code": self.code, "reply_due": self.reply_due}


@dataclass
class _Row:
    line: int
    new: services.NewPetition


def _parse_time(raw: str, line: int, column: str,
                issues: list[Issue]) -> datetime | None:
    """Local `YYYY-MM-DD HH:MM` (seconds and a `T` allowed, as Excel's dates come; also
    day first `dd/mm/yyyy HH:MM`) → an aware datetime in the app's time zone."""
    text = raw.strip()
    parts: tuple[int, int, int, int, int, int] | None = None
    if m := _ISO_TIME.fullmatch(text):
        parts = (int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
    elif m := _DAY_FIRST_TIME.fullmatch(text):
        parts = (int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]), int(m[6] or 0))
    if parts is None or not text.isascii():
        issues.append(RegisterIssue(line, column, "bad_time", {"value": _clip(text)}))
        return None
    try:
        year, month, day, hour, minute, second = parts
        moment = datetime(year, month, day, hour, minute, second, tzinfo=clock.tz())
    except ValueError:
        issues.append(RegisterIssue(line, column, "impossible_time", {"value": _clip(text)}))
        return None
    if moment.year < MIN_YEAR:
        issues.append(RegisterIssue(line, column, "too_old",
                                    {"year": moment.year, "min": MIN_YEAR}))
        return None
    return moment


def _clip(value: str, limit: int = 40) -> str:
    """A cell quoted in a message: a whole paragraph pasted in the wrong column would
    drown the list of problems."""
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _show(moment: datetime) -> str:
    return f"{moment.astimezone(clock.tz()):%Y-%m-%d %H:%M}"


def _fingerprint(unit_id: int, new: services.NewPetition) -> str:
    """The row's submission id: the same petition imported twice is the same id."""
    received = new.received_at.isoformat() if new.received_at else ""
    parts = [str(unit_id), new.channel, received, new.sender_name or "",
             new.sender_address or "", new.sender_phone or "", new.sender_email or "",
             new.content]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _check_row(line: int, values: Mapping[str, str], units: dict[str, Unit | None],
               now: datetime, issues: list[Issue]) -> services.NewPetition | None:
    before = len(issues)
    for column in REQUIRED:
        if column != "content" and not values.get(column, ""):
            issues.append(RegisterIssue(line, column, "empty_value", {"column": column}))
    code = values.get("unit_code", "").lower()
    unit = None
    if code:
        if code not in units:
            units[code] = org.find_unit(code)
        unit = units[code]
        if unit is None:
            issues.append(RegisterIssue(line, "unit_code", "no_unit", {"code": _clip(code)}))
    channel = values.get("channel", "").strip().lower()
    if channel and channel not in rules.CHANNELS:
        issues.append(RegisterIssue(line, "channel", "bad_channel",
                                    {"value": _clip(values["channel"]),
                                     "allowed": ", ".join(rules.CHANNELS)}))
    received = answered = None
    if values.get("received_at"):
        received = _parse_time(values["received_at"], line, "received_at", issues)
        if received is not None and received > now:
            issues.append(RegisterIssue(line, "received_at", "future",
                                        {"value": _show(received)}))
            received = None  # said once: not compared with the answer's date as well
    if values.get("answered_at"):
        answered = _parse_time(values["answered_at"], line, "answered_at", issues)
        if answered is not None and answered > now:
            issues.append(RegisterIssue(line, "answered_at", "future",
                                        {"value": _show(answered)}))
        elif answered is not None and received is not None and answered < received:
            issues.append(RegisterIssue(line, "answered_at", "answered_before",
                                        {"answered": _show(answered),
                                         "received": _show(received)}))
    answer = None
    if values.get("answer"):
        try:
            answer = clean_text(values["answer"], services.TEXT_LIMIT) or None
        except TextRefused:
            issues.append(RegisterIssue(line, "answer", "answer_text",
                                        {"limit": services.TEXT_LIMIT}))
        if not values.get("answered_at"):
            issues.append(RegisterIssue(line, "answered_at", "answer_without_date"))
    sent = intake.parse({c: values.get(c, "") for c in INTAKE_COLUMNS},
                        content_limit=current_app.config["PETITION_MAX_CHARS"])
    for column in INTAKE_COLUMNS:
        if column in sent.errors:
            params: dict[str, Any] = {"value": _clip(values.get(column, ""))}
            if column in sent.limits:
                params["limit"] = sent.limits[column]
            issues.append(RegisterIssue(line, column,
                                        _INTAKE_KEYS.get(sent.errors[column], "bad_text"),
                                        params))
    if len(issues) > before or unit is None or received is None:
        return None
    return services.NewPetition(
        unit_id=unit.id, channel=channel, content=sent.content,
        sender_name=sent.sender_name, sender_address=sent.sender_address,
        sender_phone=sent.sender_phone, sender_email=sent.sender_email,
        category=sent.category, received_at=received, entered_by_id=None,
        answered_at=answered, answer=answer if answered else None)


def check(content: bytes, filename: str, *, now: datetime | None = None) -> list[_Row]:
    """Every row of the file checked, or RegisterRefused with every problem."""
    table, issues = read_table(content, filename, COLUMNS, REQUIRED)
    if table is None:
        raise RegisterRefused([_as_register(i) for i in issues])
    now = now or clock.now()
    units: dict[str, Unit | None] = {}
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for line, values in table.rows:
        new = _check_row(line, values, units, now, issues)
        if new is None:
            continue
        new.submission_id = _fingerprint(new.unit_id, new)
        if new.submission_id in seen:
            issues.append(RegisterIssue(line, "", "same_row",
                                        {"first": seen[new.submission_id]}))
            continue
        seen[new.submission_id] = line
        rows.append(_Row(line, new))
    earlier = _imported_before([r.new.submission_id or "" for r in rows])
    issues.extend(RegisterIssue(r.line, "", "imported_before",
                                {"code": links.format_short_code(earlier[r.new.submission_id])})
                  for r in rows if r.new.submission_id in earlier)
    if issues:
        issues.sort(key=lambda i: (i.line, COLUMNS.index(i.column)
                                   if i.column in COLUMNS else len(COLUMNS)))
        raise RegisterRefused(issues)
    return rows


def _imported_before(ids: list[str]) -> dict[str, str]:
    """submission id → code of the rows stored before (in chunks: a statement's
    parameters are limited)."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 1000):
        for submission_id, code in db.session.execute(
                select(Petition.submission_id, Petition.code)
                .where(Petition.submission_id.in_(ids[start:start + 1000]))):
            found[submission_id or ""] = code
    return found


def _as_register(issue: Issue) -> Issue:
    return RegisterIssue(issue.line, issue.column, issue.key, issue.params)


def import_register(content: bytes, filename: str = "register.csv", *,
                    now: datetime | None = None) -> list[Imported]:
    """Check the whole file, then store every row in one transaction (one commit).
    Raises RegisterRefused (a ValueError) and stores nothing when any row is wrong."""
    now = now or clock.now()
    rows = check(content, filename, now=now)
    cal = clock.calendar()
    by_unit = clock.profiles({row.new.unit_id for row in rows})
    built = [(row.line, services.build(row.new, now=now, cal=cal,
                                       profile=by_unit[row.new.unit_id])) for row in rows]
    audit.record(None, None, "petitions.import", f"file:{filename}"[:200],
                 f"{len(built)} petition(s)")
    try:
        db.session.flush()
        db.session.commit()
    except IntegrityError:  # the same file imported at the same moment by someone else
        db.session.rollback()
        raise RegisterRefused([RegisterIssue(0, "", "race")]) from None
    return [Imported(line, p.code, p.reply_due.isoformat(), p.status, p.kind)
            for line, p in built]
