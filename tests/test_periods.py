from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from feedback.reports.periods import Period, PeriodError, last_months, month_of, parse_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_month_bounds_are_cut_in_local_time() -> None:
    start, end = month_of(date(2026, 3, 15)).bounds(TZ)
    assert start == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)


def test_last_months_spans_year_end() -> None:
    months = last_months(date(2026, 2, 10), 12)
    assert len(months) == 12
    assert months[0] == Period(date(2025, 3, 1), date(2025, 3, 31))
    assert months[-1] == Period(date(2026, 2, 1), date(2026, 2, 28))


@pytest.mark.parametrize(("first", "last", "message"), [
    ("2026-13-01", "2026-12-01", "YYYY-MM-DD"),
    ("2026-05-02", "2026-05-01", "trước"),
    ("2000-01-01", "2026-01-01", "10 năm"),
    ("'; drop", None, "YYYY-MM-DD"),
])
def test_bad_periods_say_why_in_vietnamese(first: str, last: str | None, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(first, last, date(2026, 11, 22))


def test_default_period_is_this_month_so_far() -> None:
    assert parse_period(None, None, date(2026, 11, 22)) == Period(date(2026, 11, 1),
                                                                  date(2026, 11, 22))
