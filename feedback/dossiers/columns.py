"""Which column of a TTHC system's export is which field, and what its dates look like.

The provinces' one-stop systems (Hệ thống thông tin giải quyết TTHC) name their columns
differently and people retype them in Excel, so a header is looked up after folding case,
diacritics (đ → d), spacing and punctuation: "Ngày hẹn trả", "NGAY HEN TRA" and
"ngay_hen_tra" are one header. `HEADERS` is the documented table (README, "Dossiers");
a column it does not list is ignored.

Pure: the time zone is passed in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: The fields an export row gives. `code`, `received` and `due` are required; `unit` may
#: come from `--unit` instead; without a procedure column the dossiers count under no
#: procedure.
FIELDS = ("code", "unit", "procedure_code", "procedure_name", "received", "due", "returned")
REQUIRED = ("code", "received", "due")

#: Accepted header → field. Vietnamese as the systems print it, then English. Matched
#: after `fold_header`, so case, diacritics, spacing and underscores do not matter
#: ("dossier_code" is "Dossier code"); no two entries fold to the same text.
HEADERS: dict[str, str] = {
    # the dossier's receipt code (mã hồ sơ on the phiếu hẹn)
    "Mã hồ sơ": "code", "Số hồ sơ": "code", "Mã số hồ sơ": "code",
    "Mã biên nhận": "code", "Số biên nhận": "code",
    "Dossier code": "code", "code": "code",
    # the unit of this app (its code), when one file holds several communes
    "Mã đơn vị": "unit", "unit_code": "unit", "unit": "unit",
    # the procedure
    "Mã thủ tục": "procedure_code", "Mã TTHC": "procedure_code",
    "Mã thủ tục hành chính": "procedure_code",
    "Procedure code": "procedure_code",
    "Tên thủ tục": "procedure_name", "Thủ tục": "procedure_name",
    "Tên TTHC": "procedure_name", "Thủ tục hành chính": "procedure_name",
    "Tên thủ tục hành chính": "procedure_name",
    "procedure": "procedure_name", "Procedure name": "procedure_name",
    # received
    "Ngày tiếp nhận": "received", "Ngày nhận": "received", "Ngày nộp": "received",
    "Thời gian tiếp nhận": "received", "Ngày nhận hồ sơ": "received",
    "received": "received", "received_at": "received", "Date received": "received",
    # the appointment to return the result
    "Ngày hẹn trả": "due", "Ngày hẹn trả kết quả": "due", "Hẹn trả": "due",
    "Hạn trả": "due", "Hạn giải quyết": "due", "Hạn xử lý": "due",
    "due": "due", "due_at": "due", "Due date": "due",
    # returned (empty while not returned)
    "Ngày trả kết quả": "returned", "Ngày trả": "returned", "Ngày trả thực tế": "returned",
    "Ngày hoàn thành": "returned", "Thời gian trả kết quả": "returned",
    "returned": "returned", "returned_at": "returned", "Date returned": "returned",
}


def fold_header(text: str) -> str:
    """A header as it is looked up: no BOM, no diacritics (đ → d), lower case, every run of
    spaces, underscores, dots, dashes or slashes one space."""
    text = text.replace("\ufeff", "").replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\s_.\-/:()]+", " ", text.lower()).split())


_FOLDED: dict[str, str] = {fold_header(header): name for header, name in HEADERS.items()}


def field_of(header: str) -> str | None:
    """The field a header names, or None for a column the import ignores."""
    return _FOLDED.get(fold_header(header))


def accepted_headers(name: str) -> list[str]:
    """The headers listed for a field, for the message naming a missing column."""
    return [header for header, field in HEADERS.items() if field == name]


# ---------------------------------------------------------------- dates

class BadDate(ValueError):
    """A cell that is not a date. `key` says which message: "bad_date" for a form not
    understood, "impossible_date" for 31/02 or 25:00."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?")
#: Excel's day numbers of 1/1/2000 and 31/12/2100: a bare number in that range in a date
#: column of a workbook is a date cell that lost its format.
_EXCEL_DAYS = (36526, 73415)
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_moment(value: object, tz: ZoneInfo) -> datetime:
    """A cell of a date column → an aware datetime. Accepted: `dd/mm/yyyy`, with `HH:MM`
    or `HH:MM:SS` after (or before) it, `-` or `.` also separating the day; ISO
    `yyyy-mm-dd` with an optional time (`T` or a space, an offset honoured); a workbook's
    date or date-and-time cell, or its day number. A day without a time is its local
    midnight (the verdict is by day anyway). Local times are in `tz`. BadDate otherwise."""
    if isinstance(value, datetime):
        moment = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not _EXCEL_DAYS[0] <= value < _EXCEL_DAYS[1]:
            raise BadDate("bad_date")
        wall = datetime.combine(_EXCEL_EPOCH, time.min) + timedelta(days=float(value))
        return parse_moment(wall, tz)
    text = " ".join(str(value).split())
    if not text or not text.isascii():
        raise BadDate("bad_date")
    return _parse_text(text, tz)


#: What the systems print (02/03/2026 08:30): read in one match, a year's export has
#: hundreds of thousands of them.
_USUAL = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def _parse_text(text: str, tz: ZoneInfo) -> datetime:
    if m := _USUAL.fullmatch(text):
        try:
            return datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4] or 0), int(m[5] or 0),
                            int(m[6] or 0), tzinfo=tz)
        except ValueError:
            raise BadDate("impossible_date") from None
    day_part, time_part = text, ""
    if " " in text:
        first, _, rest = text.partition(" ")
        # "08:30 02/03/2026" (time first) as some systems print it
        day_part, time_part = (rest, first) if ":" in first else (first, rest)
    elif "T" in text:
        day_part, _, time_part = text.partition("T")
    offset = None
    if time_part and (m := re.fullmatch(r"(.*?)(Z|[+-]\d{2}:?\d{2})", time_part)):
        time_part, offset = m[1], m[2]
    if m := _DAY_FIRST.fullmatch(day_part):
        year, month, day = int(m[3]), int(m[2]), int(m[1])
    elif m := _ISO_DAY.fullmatch(day_part):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        raise BadDate("bad_date")
    hour = minute = second = 0
    if time_part:
        if not (t := _TIME.fullmatch(time_part)):
            raise BadDate("bad_date")
        hour, minute, second = int(t[1]), int(t[2]), int(t[3] or 0)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        if offset is not None:
            moment = datetime.fromisoformat(
                f"{moment:%Y-%m-%dT%H:%M:%S}{'+00:00' if offset == 'Z' else offset}")
    except ValueError:
        raise BadDate("impossible_date") from None
    return moment
