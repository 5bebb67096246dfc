"""Periods are cut in local time (Asia/Ho_Chi_Minh) and queried as UTC bounds.

People type dates as they write them, day first (30/11/2026); the API and the CLI use ISO
(2026-11-30). `parse_period` reads both, so a link copied from either works everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _


@dataclass(frozen=True)
class Period:
    """Inclusive local dates [first, last]."""

    first: date
    last: date

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC for an indexed range query."""
        start = datetime.combine(self.first, time.min, tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
        return start, end

    def label(self) -> str:
        return f"{self.first:%d/%m/%Y} – {self.last:%d/%m/%Y}"


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(first, nxt - timedelta(days=1))


def last_months(day: date, count: int = 12) -> list[Period]:
    """The `count` calendar months ending with the month of `day`, oldest first."""
    months = [month_of(day)]
    while len(months) < count:
        months.append(month_of(months[-1].first - timedelta(days=1)))
    return months[::-1]


MIN_YEAR, MAX_YEAR = 2000, 2100
#: What the date inputs show and what people type: day/month/year, one or two digits for
#: day and month ("5/11/2026" is as clear as "05/11/2026"). A dot or a dash also separates
#: them, since a phone's numeric keypad (inputmode="numeric") may have no slash.
DISPLAY_FORMAT = "%d/%m/%Y"
#: Dates and date-times as each language writes them (Babel/CLDR patterns), on the pages
#: and in the documents alike: day first, 24-hour clock, never the ambiguous US "11/30/26".
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"vi": "dd/MM/yyyy HH:mm", "en": "d MMM yyyy, HH:mm"}
#: The inputs' `pattern` (templates/_partials/unit_period.html): no character classes, so
#: it means the same under the browser's `v` regular-expression flag.
INPUT_PATTERN = r"\d{1,2}(/|\.|-)\d{1,2}(/|\.|-)\d{4}|\d{4}-\d{2}-\d{2}"
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class PeriodError(ValueError):
    pass


def parse_date(raw: str) -> date:
    """dd/mm/yyyy (or dd.mm.yyyy, dd-mm-yyyy) or ISO yyyy-mm-dd, ASCII digits only;
    ValueError otherwise."""
    text = raw.strip()
    if not text.isascii():
        raise ValueError(raw)
    if m := _DAY_FIRST.fullmatch(text):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := _ISO.fullmatch(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(raw)


def show_date(day: date) -> str:
    """The form the date inputs show (dd/mm/yyyy)."""
    return day.strftime(DISPLAY_FORMAT)


def parse_period(first: str | None, last: str | None, today: date) -> Period:
    """Dates as dd/mm/yyyy or yyyy-mm-dd; either missing → from the 1st of this month, or
    to today. A reversed or impossible range is an error (in the page's language), never
    quietly replaced by a default: the caller shows the message and no figures."""
    if not first and not last:
        return Period(today.replace(day=1), today)
    try:
        d1 = parse_date(first) if first else today.replace(day=1)
        d2 = parse_date(last) if last else today
    except ValueError as exc:
        raise PeriodError(_("Ngày không hợp lệ, xin nhập theo dạng ngày/tháng/năm, "
                            "ví dụ 05/11/2026.")) from exc
    if not (d1.year >= MIN_YEAR and d2.year <= MAX_YEAR):
        raise PeriodError(_("Chỉ xem được từ năm %(first)d đến năm %(last)d.",
                            first=MIN_YEAR, last=MAX_YEAR))
    if d1 > d2:
        raise PeriodError(_("Ngày bắt đầu (%(first)s) phải trước ngày kết thúc (%(last)s).",
                            first=show_date(d1), last=show_date(d2)))
    if (d2 - d1).days > 3660:
        raise PeriodError(_("Khoảng thời gian tối đa là 10 năm."))
    return Period(d1, d2)


# --- The periodic report's periods ---------------------------------------------------------

#: The report kinds, each with the form its period is written in.
REPORT_KINDS = {"monthly": "2026-10", "quarterly": "2026-Q3", "yearly": "2026"}
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_YEAR = re.compile(r"\d{4}")


def report_period(kind: str, raw: str) -> Period:
    """A report's period: a calendar month (2026-10), quarter (2026-Q3) or year (2026), in
    local days. Anything else is a PeriodError naming the expected form."""
    text = raw.strip()
    if kind not in REPORT_KINDS:
        raise PeriodError(_("Loại báo cáo phải là monthly, quarterly hoặc yearly."))
    wrong = PeriodError(_("Kỳ báo cáo %(kind)s viết như %(example)s.", kind=kind,
                          example=REPORT_KINDS[kind]))
    if not text.isascii():
        raise wrong
    if kind == "monthly" and (m := _MONTH.fullmatch(text)) and 1 <= int(m[2]) <= 12:
        period = month_of(date(int(m[1]), int(m[2]), 1))
    elif kind == "quarterly" and (m := _QUARTER.fullmatch(text)):
        period = report_period_of(kind, date(int(m[1]), 3 * int(m[2]) - 2, 1))
    elif kind == "yearly" and _YEAR.fullmatch(text):
        period = Period(date(int(text), 1, 1), date(int(text), 12, 31))
    else:
        raise wrong
    if not MIN_YEAR <= period.first.year <= MAX_YEAR:
        raise PeriodError(_("Chỉ xem được từ năm %(first)d đến năm %(last)d.",
                            first=MIN_YEAR, last=MAX_YEAR))
    return period


def previous_period(period: Period) -> Period:
    """The period of the same kind just before: the month, quarter or year before (a
    report's period is whole months)."""
    months = (period.last.year - period.first.year) * 12 + period.last.month - period.first.month
    last = period.first - timedelta(days=1)
    first = last.replace(day=1)
    for _month in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, last)


def same_period_last_year(period: Period) -> Period:
    return Period(period.first.replace(year=period.first.year - 1),
                  month_of(period.last.replace(year=period.last.year - 1, day=1)).last)


def year_to_date(period: Period) -> Period:
    """From the 1st of January to the period's last day."""
    return Period(period.last.replace(month=1, day=1), period.last)


def period_code(kind: str, period: Period) -> str:
    """What `report_period` reads back: 2026-10, 2026-Q3 or 2026."""
    if kind == "monthly":
        return f"{period.first:%Y-%m}"
    if kind == "quarterly":
        return f"{period.first.year}-Q{(period.first.month - 1) // 3 + 1}"
    return str(period.first.year)


def report_period_of(kind: str, day: date) -> Period:
    """The month, quarter or year `day` falls in."""
    if kind == "monthly":
        return month_of(day)
    if kind == "quarterly":
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(first, month_of(first.replace(month=first.month + 2)).last)
    return Period(date(day.year, 1, 1), date(day.year, 12, 31))


def due_date(period: Period, due_day: int, month_offset: int) -> date:
    """A report's due date: day `due_day` of the period's last month (`month_offset` 0)
    or of the month after it (1); the month's last day when it is shorter."""
    month = period.last.month - 1 + month_offset
    first = date(period.last.year + month // 12, month % 12 + 1, 1)
    return first.replace(day=min(due_day, month_of(first).last.day))


def next_due(kind: str, today: date, due_day: int, month_offset: int
             ) -> tuple[Period, date]:
    """The report to send next: of the periods around `today`, the one whose due date is
    the first on or after `today`."""
    current = report_period_of(kind, today)
    candidates = [previous_period(current), current,
                  report_period_of(kind, current.last + timedelta(days=1))]
    dated = [(due_date(p, due_day, month_offset), p) for p in candidates]
    due, period = min((d, p) for d, p in dated if d >= today)
    return period, due
