"""Periods are cut in local time (Asia/Ho_Chi_Minh) and queried as UTC bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


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


class PeriodError(ValueError):
    pass


def parse_period(first: str | None, last: str | None, today: date) -> Period:
    """Dates as YYYY-MM-DD; either missing → this month so far. Errors in Vietnamese."""
    if not first and not last:
        return Period(today.replace(day=1), today)
    try:
        d1 = date.fromisoformat(first) if first else today.replace(day=1)
        d2 = date.fromisoformat(last) if last else today
    except ValueError as exc:
        raise PeriodError("Ngày không hợp lệ, xin nhập theo dạng YYYY-MM-DD.") from exc
    if not (d1.year >= MIN_YEAR and d2.year <= MAX_YEAR):
        raise PeriodError(f"Chỉ xem được từ năm {MIN_YEAR} đến năm {MAX_YEAR}.")
    if d1 > d2:
        raise PeriodError("Ngày bắt đầu phải trước ngày kết thúc.")
    if (d2 - d1).days > 3660:
        raise PeriodError("Khoảng thời gian tối đa là 10 năm.")
    return Period(d1, d2)
