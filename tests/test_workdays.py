"""Working days and deadlines: tables of real Vietnamese calendars (2023–2026) as the
`holidays` package and the government announcements give them, plus the admin table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedback import workdays
from feedback.workdays import Calendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = Calendar()


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


# (day, working?, why)
DAYS = [
    # Tết 2025: the package moves Saturday's Mùng 4 to Monday 27/1, so Mon–Fri are off.
    (date(2025, 1, 24), True, "Friday before Tết 2025"),
    (date(2025, 1, 27), False, "Tết 2025 (29 Tết, compensating Saturday's Mùng 4)"),
    (date(2025, 1, 29), False, "Mùng 1 Tết Ất Tỵ"),
    (date(2025, 1, 31), False, "Mùng 3 Tết 2025"),
    (date(2025, 2, 3), True, "first working day after Tết 2025"),
    # Tết 2026: Mon 16/2 (Giao thừa) to Fri 20/2 (Mùng 4).
    (date(2026, 2, 13), True, "Friday before Tết 2026"),
    (date(2026, 2, 16), False, "Giao thừa 2026"),
    (date(2026, 2, 20), False, "Mùng 4 Tết 2026"),
    (date(2026, 2, 23), True, "back to work after Tết 2026"),
    # Giỗ Tổ Hùng Vương, 10/3 lunar.
    (date(2024, 4, 18), False, "Giỗ Tổ 2024 (Thursday)"),
    (date(2025, 4, 7), False, "Giỗ Tổ 2025 (Monday)"),
    (date(2026, 4, 27), False, "Giỗ Tổ 2026 falls on Sunday 26/4: observed Monday"),
    (date(2026, 4, 28), True, "the day after the observed Giỗ Tổ 2026"),
    # 30/4 and 1/5.
    (date(2025, 4, 30), False, "Ngày Chiến thắng 2025"),
    (date(2025, 5, 1), False, "Quốc tế Lao động 2025"),
    (date(2023, 5, 2), False, "2023: Giỗ Tổ on Saturday 29/4, observed Tuesday 2/5"),
    (date(2023, 5, 3), False, "2023: 30/4 on Sunday, observed Wednesday 3/5"),
    (date(2023, 5, 4), True, "2023: back to work"),
    # 2/9 and its adjacent day.
    (date(2024, 9, 2), False, "Quốc khánh 2024 (Monday)"),
    (date(2024, 9, 3), False, "the day after, 2024"),
    (date(2025, 9, 1), False, "the day before, 2025"),
    (date(2025, 9, 2), False, "Quốc khánh 2025 (Tuesday)"),
    (date(2025, 9, 3), True, "back to work, 2025"),
    (date(2023, 9, 1), False, "2023: 2/9 on Saturday, adjacent Friday 1/9 off"),
    (date(2023, 9, 4), False, "2023: compensatory Monday for Saturday 2/9"),
    # Observed New Year's Day.
    (date(2023, 1, 2), False, "1/1/2023 was a Sunday: observed Monday"),
    # Government swaps the package knows: a weekday off, a Saturday worked.
    (date(2024, 4, 29), False, "2024: Monday 29/4 off ..."),
    (date(2024, 5, 4), True, "... traded for Saturday 4/5 worked"),
    (date(2025, 5, 2), False, "2025: Friday 2/5 off ..."),
    (date(2025, 4, 26), True, "... traded for Saturday 26/4 worked"),
    (date(2026, 8, 31), False, "2026: Monday 31/8 off ..."),
    (date(2026, 8, 22), True, "... traded for Saturday 22/8 worked"),
    # Plain weekends and weekdays.
    (date(2025, 3, 15), False, "an ordinary Saturday"),
    (date(2025, 3, 16), False, "an ordinary Sunday"),
    (date(2025, 3, 17), True, "an ordinary Monday"),
]


@pytest.mark.parametrize(("day", "working", "why"), DAYS, ids=[row[2] for row in DAYS])
def test_is_working_day(day: date, working: bool, why: str) -> None:
    assert CAL.is_working_day(day) is working, why


def test_the_package_calendar_is_built_once_per_year() -> None:
    workdays._package_year.cache_clear()
    calendar = Calendar()
    for offset in range(300):
        calendar.is_working_day(date(2025, 1, 1) + timedelta(days=offset))
    assert workdays._package_year.cache_info().misses == 1
    Calendar({date(2025, 6, 2): False}).is_working_day(date(2025, 6, 2))
    assert workdays._package_year.cache_info().misses == 1


# --- the admin table wins over everything -------------------------------------------------

ADMIN = [
    ({date(2025, 5, 6): False}, date(2025, 5, 6), False, "an extra day off on a Tuesday"),
    ({date(2025, 5, 3): True}, date(2025, 5, 3), True, "a make-up working Saturday"),
    ({date(2025, 4, 30): True}, date(2025, 4, 30), True, "even a public holiday"),
    ({date(2024, 5, 4): False}, date(2024, 5, 4), False, "cancelling a package swap"),
    ({date(2025, 5, 6): False}, date(2025, 5, 7), True, "only the listed day changes"),
]


@pytest.mark.parametrize(
    ("overrides", "day", "working", "why"), ADMIN, ids=[row[3] for row in ADMIN]
)
def test_admin_table_wins(overrides: dict[date, bool], day: date, working: bool, why: str) -> None:
    assert Calendar(overrides).is_working_day(day) is working, why


def test_a_swap_the_package_does_not_know_goes_in_the_admin_table() -> None:
    """A yearly swap announced after the package release: a weekday off, a Saturday worked."""
    monday, saturday = date(2027, 4, 26), date(2027, 5, 8)
    assert CAL.is_working_day(monday) and not CAL.is_working_day(saturday)
    swapped = Calendar({monday: False, saturday: True})
    assert not swapped.is_working_day(monday)
    assert swapped.is_working_day(saturday)


def test_weekend_days_are_a_parameter() -> None:
    saturday = date(2025, 3, 15)
    assert not CAL.is_working_day(saturday)
    assert Calendar(weekend={6}).is_working_day(saturday)
    assert not Calendar(weekend={6}).is_working_day(date(2025, 3, 16))
    assert not Calendar(weekend={6}).is_working_day(date(2025, 4, 30)), "holidays stay off"


@pytest.mark.parametrize("weekend", [{7}, {-1}, set(range(7))])
def test_impossible_weekends_are_refused(weekend: set[int]) -> None:
    with pytest.raises(ValueError, match=r"weekend|working day"):
        Calendar(weekend=weekend)


# --- stepping --------------------------------------------------------------------------------

STEPS = [
    (date(2025, 1, 24), 1, date(2025, 2, 3), "over Tết 2025"),
    (date(2025, 1, 24), 2, date(2025, 2, 4), "over Tết 2025, two days"),
    (date(2026, 2, 13), 1, date(2026, 2, 23), "over Tết 2026"),
    (date(2025, 4, 25), 1, date(2025, 4, 26), "Friday → the worked Saturday 26/4/2025"),
    (date(2025, 4, 29), 1, date(2025, 5, 5), "over 30/4–2/5/2025 and the weekend"),
    (date(2025, 12, 31), 1, date(2026, 1, 2), "across the year boundary and 1/1"),
    (date(2025, 3, 14), 0, date(2025, 3, 14), "n = 0 is the day itself"),
    (date(2025, 3, 15), 0, date(2025, 3, 15), "n = 0 even on a Saturday"),
    (date(2025, 3, 14), 5, date(2025, 3, 21), "a plain week"),
]


@pytest.mark.parametrize(("start", "n", "expected", "why"), STEPS, ids=[r[3] for r in STEPS])
def test_add_working_days(start: date, n: int, expected: date, why: str) -> None:
    assert CAL.add_working_days(start, n) == expected, why
    if n:
        assert CAL.working_days_between(start, expected) == n
        assert CAL.working_days_between(expected, start) == -n


def test_next_working_day_is_strictly_after() -> None:
    assert CAL.next_working_day(date(2025, 3, 17)) == date(2025, 3, 18)
    assert CAL.next_working_day(date(2025, 3, 15)) == date(2025, 3, 17)


BETWEEN = [
    (date(2025, 3, 17), date(2025, 3, 17), 0, "same day"),
    (date(2025, 3, 14), date(2025, 3, 17), 1, "Friday to Monday: one working day"),
    (date(2025, 3, 15), date(2025, 3, 16), 0, "inside a weekend"),
    (date(2025, 1, 24), date(2025, 2, 2), 0, "Friday before Tết to the Sunday after"),
    (date(2025, 3, 19), date(2025, 3, 17), -2, "end before start is negative"),
]


@pytest.mark.parametrize(("a", "b", "expected", "why"), BETWEEN, ids=[r[3] for r in BETWEEN])
def test_working_days_between(a: date, b: date, expected: int, why: str) -> None:
    assert CAL.working_days_between(a, b) == expected, why


# --- receipt day and deadlines ---------------------------------------------------------------

RECEIPTS = [
    (local(2025, 3, 11, 16, 59), date(2025, 3, 11), "16:59 local counts that day"),
    (local(2025, 3, 11, 17, 0), date(2025, 3, 12), "17:00 local counts from the next day"),
    (datetime(2025, 3, 11, 9, 59, tzinfo=UTC), date(2025, 3, 11), "09:59 UTC is 16:59 local"),
    (datetime(2025, 3, 11, 10, 0, tzinfo=UTC), date(2025, 3, 12), "10:00 UTC is 17:00 local"),
    (datetime(2025, 3, 10, 18, 0, tzinfo=UTC), date(2025, 3, 11), "UTC Monday night is Tue"),
    (local(2025, 3, 16, 10), date(2025, 3, 17), "Sunday counts from Monday"),
    (local(2025, 3, 14, 18), date(2025, 3, 17), "Friday evening counts from Monday"),
    (local(2025, 1, 28, 10), date(2025, 2, 3), "during Tết counts from after Tết"),
    (local(2025, 4, 26, 10), date(2025, 4, 26), "the worked Saturday is a receipt day"),
    (local(2025, 12, 31, 17, 30), date(2026, 1, 2), "New Year's Eve after hours"),
]


@pytest.mark.parametrize(("at", "expected", "why"), RECEIPTS, ids=[r[2] for r in RECEIPTS])
def test_receipt_day(at: datetime, expected: date, why: str) -> None:
    assert CAL.receipt_day(at, tz=VN, closes=time(17, 0)) == expected, why


def test_closing_time_is_a_parameter() -> None:
    at = local(2025, 3, 11, 16, 30)
    assert CAL.receipt_day(at, tz=VN, closes=time(16, 30)) == date(2025, 3, 12)
    assert CAL.receipt_day(at, tz=VN, closes=time(17, 30)) == date(2025, 3, 11)


DEADLINES = [
    (local(2025, 3, 3), 10, date(2025, 3, 17), "10 working days from a Monday"),
    (local(2025, 3, 3, 16, 59), 10, date(2025, 3, 17), "16:59: the receipt day counts"),
    (local(2025, 3, 3, 17), 10, date(2025, 3, 18), "the same after closing time"),
    (local(2025, 3, 3), 0, date(2025, 3, 3), "n = 0: the receipt day"),
    (local(2025, 3, 2), 0, date(2025, 3, 3), "n = 0 on a Sunday: the next working day"),
    (local(2025, 3, 2), 2, date(2025, 3, 5), "received Sunday: counts from Monday"),
    (local(2025, 1, 24), 2, date(2025, 2, 4), "over Tết 2025"),
    (local(2025, 4, 21), 10, date(2025, 5, 7), "over the 2025 swap and 30/4–2/5"),
    (local(2024, 4, 25), 5, date(2024, 5, 6), "over the 2024 swap (Sat 4/5 worked)"),
    (local(2025, 12, 31, 17, 30), 10, date(2026, 1, 16), "across the year boundary"),
    (local(2025, 8, 27), 3, date(2025, 9, 3), "Thu, Fri, then over 1/9–2/9/2025"),
    (local(2026, 4, 24), 1, date(2026, 4, 28), "over the observed Giỗ Tổ 2026 (Mon 27/4)"),
]


@pytest.mark.parametrize(("at", "n", "expected", "why"), DEADLINES, ids=[r[3] for r in DEADLINES])
def test_deadline(at: datetime, n: int, expected: date, why: str) -> None:
    assert CAL.deadline(at, n, tz=VN, closes=time(17, 0)) == expected, why


# The admin table decides the receipt day too: (overrides, received at, counts from, why).
ADMIN_RECEIPTS = [
    ({date(2025, 5, 6): False}, local(2025, 5, 6, 10), date(2025, 5, 7),
     "received on an extra day off: from the next day"),
    ({date(2025, 5, 3): True}, local(2025, 5, 3, 10), date(2025, 5, 3),
     "received on a make-up Saturday: that day"),
    ({date(2025, 5, 3): True}, local(2025, 5, 3, 17), date(2025, 5, 5),
     "a make-up Saturday after closing time: the Monday"),
    ({date(2024, 5, 4): False}, local(2024, 5, 4, 10), date(2024, 5, 6),
     "a cancelled package swap: the Saturday is off again"),
]


@pytest.mark.parametrize(("overrides", "at", "expected", "why"), ADMIN_RECEIPTS,
                         ids=[r[3] for r in ADMIN_RECEIPTS])
def test_admin_table_decides_the_receipt_day(
    overrides: dict[date, bool], at: datetime, expected: date, why: str
) -> None:
    assert Calendar(overrides).receipt_day(at, tz=VN, closes=time(17, 0)) == expected, why


def test_a_calendar_change_moves_open_deadlines_both_ways() -> None:
    received = local(2025, 4, 21)
    assert CAL.deadline(received, 10) == date(2025, 5, 7)
    later = Calendar({date(2025, 5, 6): False})
    assert later.deadline(received, 10) == date(2025, 5, 8), "an extra day off pushes it"
    earlier = Calendar({date(2025, 5, 3): True})
    assert earlier.deadline(received, 10) == date(2025, 5, 6), "a make-up Saturday pulls it"


# Received Monday 3/3/2025, 10 working days: due Monday 17/3 without pauses.
PAUSES = [
    ([], None, date(2025, 3, 17), "no pause"),
    ([(local(2025, 3, 5, 10), local(2025, 3, 7, 9))], None, date(2025, 3, 19), "Wed+Thu"),
    ([(local(2025, 3, 5, 10), local(2025, 3, 5, 15))], None, date(2025, 3, 17), "same day"),
    ([(local(2025, 3, 7, 10), local(2025, 3, 10, 9))], None, date(2025, 3, 18), "over a weekend"),
    (
        [(local(2025, 3, 5, 10), local(2025, 3, 6, 9)), (local(2025, 3, 11), local(2025, 3, 13))],
        None,
        date(2025, 3, 20),
        "two pauses add up",
    ),
    (
        [(datetime(2025, 3, 4, 18, tzinfo=UTC), datetime(2025, 3, 6, 3, tzinfo=UTC))],
        None,
        date(2025, 3, 18),
        "local days of UTC instants: Wed 5/3 only",
    ),
    ([(local(2025, 3, 18), local(2025, 3, 20))], None, date(2025, 3, 17), "after the deadline"),
    ([(local(2025, 3, 17, 10), local(2025, 3, 18, 9))], None, date(2025, 3, 18), "on the last day"),
    ([(local(2025, 3, 5, 16, 58), local(2025, 3, 6, 7, 30))], None, date(2025, 3, 18),
     "evening to next morning: Wed was paused before closing"),
    ([(local(2025, 3, 5, 17), local(2025, 3, 6, 7, 30))], None, date(2025, 3, 17),
     "from closing time to next morning: nothing paused"),
    ([(local(2025, 3, 7, 17, 30), local(2025, 3, 10, 8))], None, date(2025, 3, 17),
     "Friday evening to Monday morning: nothing paused"),
    ([(local(2025, 3, 8, 10), local(2025, 3, 11, 9))], None, date(2025, 3, 18),
     "begun on a Saturday: counts from Monday"),
    ([(local(2025, 3, 17, 17), local(2025, 3, 19, 9))], None, date(2025, 3, 17),
     "begun at closing on the due day: after the deadline"),
    ([(local(2025, 3, 5, 10), None)], local(2025, 3, 10, 9), date(2025, 3, 20), "still open"),
    ([(local(2025, 3, 5, 10), None)], local(2025, 3, 5, 11), date(2025, 3, 17), "opened today"),
]


@pytest.mark.parametrize(("pauses", "as_of", "expected", "why"), PAUSES, ids=[r[3] for r in PAUSES])
def test_pauses_push_the_deadline(
    pauses: list[workdays.Pause], as_of: datetime | None, expected: date, why: str
) -> None:
    assert CAL.deadline(local(2025, 3, 3), 10, pauses=pauses, as_of=as_of) == expected, why


def test_a_still_open_pause_moves_the_deadline_each_day() -> None:
    pause = [(local(2025, 3, 5, 10), None)]
    dues = [
        CAL.deadline(local(2025, 3, 3), 10, pauses=pause, as_of=local(2025, 3, day, 12))
        for day in (6, 7, 10)
    ]
    assert dues == [date(2025, 3, 18), date(2025, 3, 19), date(2025, 3, 20)]


def test_paused_days_are_the_working_days_up_to_the_resume_day() -> None:
    pause = (local(2025, 4, 29, 10), local(2025, 5, 6, 8))
    assert CAL.paused_days(pause) == {date(2025, 4, 29), date(2025, 5, 5)}


# --- refusals ----------------------------------------------------------------------------------

NAIVE = datetime(2025, 3, 3, 9, 0)  # noqa: DTZ001 - a naive datetime is the point


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: CAL.add_working_days(date(2025, 3, 3), -1), "cannot be negative"),
        (lambda: CAL.deadline(local(2025, 3, 3), -1), "cannot be negative"),
        (lambda: CAL.deadline(local(2025, 3, 3), 1.5), "must be an integer"),  # type: ignore[arg-type]
        (lambda: CAL.deadline(NAIVE, 3), "received_at must be timezone-aware"),
        (lambda: CAL.receipt_day(NAIVE), "received_at must be timezone-aware"),
        (
            lambda: CAL.deadline(local(2025, 3, 3), 3, pauses=[(NAIVE, local(2025, 3, 5))]),
            "pause's start must be timezone-aware",
        ),
        (
            lambda: CAL.deadline(
                local(2025, 3, 3), 3, pauses=[(NAIVE, None)], as_of=local(2025, 3, 5)
            ),
            "pause's start must be timezone-aware",
        ),
        (
            lambda: CAL.deadline(local(2025, 3, 3), 3, pauses=[(local(2025, 3, 5), None)]),
            "still-open pause needs as_of",
        ),
        (
            lambda: CAL.deadline(
                local(2025, 3, 3), 3, pauses=[(local(2025, 3, 6), local(2025, 3, 5))]
            ),
            "cannot end before it starts",
        ),
        (
            lambda: CAL.deadline(local(2025, 3, 3), 3, as_of=NAIVE),
            "as_of must be timezone-aware",
        ),
    ],
)
def test_invalid_inputs_raise_clear_value_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(("text", "expected"), [("17:00", time(17, 0)), (" 16:30 ", time(16, 30))])
def test_parse_closing_time(text: str, expected: time) -> None:
    assert workdays.parse_closing_time(text) == expected


@pytest.mark.parametrize("text", ["", "5pm", "25:00", "17:00+07:00"])
def test_parse_closing_time_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="closing time"):
        workdays.parse_closing_time(text)


# --- what `calendar show` lists ------------------------------------------------------------


def test_entries_list_holidays_swaps_and_admin_days() -> None:
    calendar = Calendar({date(2024, 5, 4): False, date(2024, 12, 30): False})
    entries = {e.day: e for e in calendar.entries(2024)}
    assert entries[date(2024, 4, 29)].working is False
    assert entries[date(2024, 4, 29)].source == "holiday"
    assert "Giỗ Tổ" in entries[date(2024, 4, 18)].name, "names come in Vietnamese"
    cancelled = entries[date(2024, 5, 4)]
    assert cancelled.source == "admin" and cancelled.working is False, "admin wins in the list"
    assert entries[date(2024, 12, 30)].source == "admin"
    assert [e.day for e in calendar.entries(2024)] == sorted(entries)
    assert all(day.year == 2024 for day in entries)
    swap = {e.day: e for e in CAL.entries(2024)}[date(2024, 5, 4)]
    assert swap.source == "swap" and swap.working is True


@pytest.mark.parametrize(("text", "days"), [
    ("sat,sun", {5, 6}), ("sun", {6}), (" Sat , SUN ", {5, 6}), ("", set()),
])
def test_the_configured_weekend(text: str, days: set[int]) -> None:
    assert workdays.parse_weekend(text) == days


@pytest.mark.parametrize("text", ["saturday", "sat;sun", "mon,tue,wed,thu,fri,sat,sun"])
def test_an_impossible_weekend_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        workdays.parse_weekend(text)


def test_an_office_working_saturdays_counts_them() -> None:
    """Received Friday 7/3/2025, 2 working days: Tuesday 11/3 with Saturday off, Monday
    10/3 when only Sunday is off."""
    received = local(2025, 3, 7)
    assert Calendar().deadline(received, 2) == date(2025, 3, 11)
    assert Calendar(weekend={6}).deadline(received, 2) == date(2025, 3, 10)


def test_working_days_between_counts_as_day_by_day() -> None:
    """The count comes from each year's running total (thousands of spans in a late list);
    it equals counting the days one by one, across Tết, New Year and year ends, either way
    round, with an admin's override too."""
    import random

    rng = random.Random(3)
    cal = Calendar({date(2026, 3, 7): True, date(2026, 3, 10): False})

    def one_by_one(a: date, b: date) -> int:
        if b < a:
            return -one_by_one(b, a)
        return sum(cal.is_working_day(a + timedelta(days=k)) for k in range(1, (b - a).days + 1))

    base = date(2025, 12, 1)
    pairs = [(base + timedelta(days=rng.randrange(0, 800)),
              base + timedelta(days=rng.randrange(0, 800))) for _ in range(300)]
    got = [cal.working_days_between(a, b) for a, b in pairs]
    assert got == [one_by_one(a, b) for a, b in pairs]
    assert any(n < 0 for n in got) and any(n > 250 for n in got)
