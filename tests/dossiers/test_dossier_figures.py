"""On time, late and overdue by day; a period judged at its end or, while it runs, today;
the rates (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from feedback.dossiers import figures
from feedback.dossiers.figures import LATE, ON_TIME, OPEN_IN_TIME, OPEN_OVERDUE, Counts

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
AFTER = figures.judgement(*OCTOBER, today=date(2026, 11, 20))  # a finished month
DURING = figures.judgement(*OCTOBER, today=date(2026, 10, 15))  # still running


@pytest.mark.parametrize(("due", "returned", "when", "state"), [
    (date(2026, 10, 10), date(2026, 10, 10), AFTER, ON_TIME),       # on the due day
    (date(2026, 10, 10), date(2026, 10, 3), AFTER, ON_TIME),        # early
    (date(2026, 10, 10), date(2026, 10, 11), AFTER, LATE),          # the next day
    (date(2026, 10, 10), None, AFTER, OPEN_OVERDUE),                # never returned
    (date(2026, 10, 31), None, AFTER, OPEN_OVERDUE),                # due the last day
    (date(2026, 10, 31), date(2026, 10, 31), AFTER, ON_TIME),
    # Returned after the period's end: still open and overdue at its end.
    (date(2026, 10, 20), date(2026, 11, 2), AFTER, OPEN_OVERDUE),
    (date(2026, 10, 15), None, DURING, OPEN_IN_TIME),               # due today: not yet
    (date(2026, 10, 14), None, DURING, OPEN_OVERDUE),               # due yesterday
    (date(2026, 10, 14), date(2026, 10, 15), DURING, LATE),         # returned today, late
    (date(2026, 10, 20), None, DURING, OPEN_IN_TIME),
])
def test_the_verdict_is_by_day_at_the_periods_end(due: date, returned: date | None,
                                                  when: figures.Judgement,
                                                  state: str) -> None:
    assert figures.verdict(due, returned, when) == state


def test_a_finished_period_is_judged_at_its_last_day_a_running_one_today() -> None:
    assert figures.Judgement(date(2026, 10, 31), date(2026, 11, 1)) == AFTER
    assert figures.Judgement(date(2026, 10, 15), date(2026, 10, 15)) == DURING


def test_rates_on_time_of_returned_and_qd766_with_the_overdue_against() -> None:
    row = Counts("HT01", "Khai sinh", received=12, due=10, on_time=6, late=2,
                 open_overdue=2, open_in_time=0)
    assert row.returned == 8
    assert row.on_time_rate == 75.0          # 6 ÷ 8
    assert row.qd766_ratio == 60.0           # 6 ÷ (8 + 2)
    empty = Counts("", "", received=3)
    assert empty.on_time_rate is None and empty.qd766_ratio is None
    both = figures.total([row, Counts("HT02", "Kết hôn", due=1, on_time=1)])
    assert (both.code, both.due, both.on_time, both.qd766_ratio) == ("", 11, 7, 63.64)
    assert both.as_dict()["qd766_ratio"] == 63.64


def test_count_per_procedure_from_rows() -> None:
    rows = [("HT01", "Khai sinh", date(2026, 9, 28), date(2026, 10, 2), date(2026, 10, 2)),
            ("HT01", "Khai sinh", date(2026, 10, 5), date(2026, 10, 8), None),
            ("HT01", "Khai sinh", date(2026, 10, 29), date(2026, 11, 3), None),
            ("HT02", "Kết hôn", date(2026, 9, 1), date(2026, 9, 5), None)]  # out
    (ht01,) = figures.count(rows, *OCTOBER, AFTER)
    assert (ht01.received, ht01.due, ht01.on_time, ht01.open_overdue) == (2, 2, 1, 1)
