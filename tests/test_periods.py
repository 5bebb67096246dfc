from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from feedback.reports.periods import (
    INPUT_PATTERN,
    Period,
    PeriodError,
    due_date,
    last_months,
    month_of,
    next_due,
    parse_date,
    parse_period,
    period_code,
    previous_period,
    report_period,
    same_period_last_year,
    show_date,
    year_to_date,
)

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


@pytest.mark.parametrize(("raw", "expected"), [
    ("05/11/2026", date(2026, 11, 5)),
    ("5/11/2026", date(2026, 11, 5)),
    (" 30/11/2026 ", date(2026, 11, 30)),
    ("5.11.2026", date(2026, 11, 5)),   # a phone keypad without a slash
    ("05-11-2026", date(2026, 11, 5)),
    ("2026-11-05", date(2026, 11, 5)),  # ISO, as the API and the CLI send it
    ("29/02/2028", date(2028, 2, 29)),
])
def test_dates_are_read_day_first_or_iso(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", [
    "11/30/2026",     # month first: there is no 30th month
    "31/02/2026", "29/02/2026", "2026/11/05", "05/11/26", "5 tháng 11 2026",
    "٠٥/١١/٢٠٢٦",     # non-ASCII digits
    "2026-1-5", "", "05//2026", "'; drop",
])
def test_anything_else_is_not_a_date(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_date(raw)


def test_the_inputs_pattern_accepts_what_the_parser_reads() -> None:
    pattern = re.compile(INPUT_PATTERN)
    for raw in ("05/11/2026", "5/11/2026", "5.11.2026", "05-11-2026", "2026-11-05"):
        assert pattern.fullmatch(raw), raw
        parse_date(raw)
    for raw in ("2026/11/05", "05/11/26", "x"):
        assert not pattern.fullmatch(raw), raw


@pytest.mark.parametrize(("first", "last", "message"), [
    ("2026-13-01", "2026-12-01", "ngày/tháng/năm"),
    ("31/02/2026", None, "ví dụ 05/11/2026"),
    ("02/05/2026", "01/05/2026", r"Ngày bắt đầu \(02/05/2026\) phải trước ngày kết thúc "
                                 r"\(01/05/2026\)"),
    ("2026-05-02", "2026-05-01", "trước"),
    ("01/01/2000", "01/01/2026", "10 năm"),
    ("01/01/1999", "01/01/2000", "từ năm 2000"),
    ("'; drop", None, "ngày/tháng/năm"),
])
def test_bad_periods_say_why_in_vietnamese(first: str, last: str | None, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(first, last, date(2026, 11, 22))


def test_default_period_is_this_month_so_far() -> None:
    assert parse_period(None, None, date(2026, 11, 22)) == Period(date(2026, 11, 1),
                                                                  date(2026, 11, 22))
    assert parse_period("", "", date(2026, 11, 22)) == Period(date(2026, 11, 1),
                                                              date(2026, 11, 22))


def test_one_end_missing_means_start_of_month_or_today() -> None:
    today = date(2026, 11, 22)
    assert parse_period("05/11/2026", None, today) == Period(date(2026, 11, 5), today)
    assert parse_period(None, "10/11/2026", today) == Period(date(2026, 11, 1),
                                                             date(2026, 11, 10))


def test_dates_are_shown_day_first() -> None:
    assert show_date(date(2026, 3, 5)) == "05/03/2026"
    assert parse_date(show_date(date(2026, 3, 5))) == date(2026, 3, 5)


@pytest.mark.parametrize(("kind", "raw", "first", "last"), [
    ("monthly", "2026-10", date(2026, 10, 1), date(2026, 10, 31)),
    ("monthly", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("quarterly", "2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("quarterly", "2026-q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("quarterly", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("yearly", " 2026 ", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_report_periods(ctx, kind, raw, first, last) -> None:
    assert report_period(kind, raw) == Period(first, last)


@pytest.mark.parametrize(("kind", "raw"), [
    ("monthly", "2026-13"), ("monthly", "2026-00"), ("monthly", "10/2026"),
    ("monthly", "2026"), ("quarterly", "2026-Q5"), ("quarterly", "2026-10"),
    ("yearly", "26"), ("yearly", "1999"), ("weekly", "2026"), ("monthly", "２０２６-10"),
])
def test_report_periods_refuse_other_forms(ctx, kind, raw) -> None:
    with pytest.raises(PeriodError):
        report_period(kind, raw)


@pytest.mark.parametrize(("period", "before", "a_year_ago"), [
    (Period(date(2026, 3, 1), date(2026, 3, 31)), Period(date(2026, 2, 1), date(2026, 2, 28)),
     Period(date(2025, 3, 1), date(2025, 3, 31))),
    (Period(date(2026, 1, 1), date(2026, 3, 31)), Period(date(2025, 10, 1), date(2025, 12, 31)),
     Period(date(2025, 1, 1), date(2025, 3, 31))),
    (Period(date(2025, 1, 1), date(2025, 12, 31)), Period(date(2024, 1, 1), date(2024, 12, 31)),
     Period(date(2024, 1, 1), date(2024, 12, 31))),
    (Period(date(2024, 2, 1), date(2024, 2, 29)), Period(date(2024, 1, 1), date(2024, 1, 31)),
     Period(date(2023, 2, 1), date(2023, 2, 28))),
])
def test_the_periods_a_report_compares_with(period, before, a_year_ago) -> None:
    assert previous_period(period) == before
    assert same_period_last_year(period) == a_year_ago
    assert year_to_date(period) == Period(date(period.last.year, 1, 1), period.last)


# --- the report's due dates --------------------------------------------------------------

def test_period_code_reads_back() -> None:
    for kind, code in (("monthly", "2026-02"), ("quarterly", "2026-Q3"), ("yearly", "2026")):
        assert period_code(kind, report_period(kind, code)) == code


@pytest.mark.parametrize(("kind", "code", "day", "offset", "due"), [
    ("monthly", "2026-10", 10, 1, date(2026, 11, 10)),  # before the 10th of the month after
    ("quarterly", "2026-Q4", 20, 0, date(2026, 12, 20)),  # the 20th of the quarter's last
    ("quarterly", "2026-Q4", 10, 1, date(2027, 1, 10)),  # across the year's end
    ("monthly", "2026-01", 31, 1, date(2026, 2, 28)),  # a shorter month: its last day
    ("yearly", "2026", 15, 1, date(2027, 1, 15)),
])
def test_due_date(kind: str, code: str, day: int, offset: int, due: date) -> None:
    assert due_date(report_period(kind, code), day, offset) == due


def test_next_due_is_the_first_due_date_on_or_after_today() -> None:
    assert next_due("monthly", date(2026, 12, 7), 10, 1) == (
        report_period("monthly", "2026-11"), date(2026, 12, 10))
    assert next_due("monthly", date(2026, 12, 10), 10, 1)[1] == date(2026, 12, 10)
    assert next_due("monthly", date(2026, 12, 11), 10, 1) == (
        report_period("monthly", "2026-12"), date(2027, 1, 10))
    assert next_due("quarterly", date(2026, 12, 21), 20, 0) == (
        report_period("quarterly", "2027-Q1"), date(2027, 3, 20))
