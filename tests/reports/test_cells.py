"""The aggregate's pure rules: what one response adds, and how a period is cut into stored
blocks and raw days."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from feedback import sipas
from feedback.reports import cells
from feedback.reports.cells import Plan, plan


def test_one_response_adds_to_each_grouping_set() -> None:
    place = (7, 3, 11, "paper", "full", 2)
    got = cells.response_cells(place, {"TC1": 5, "TC2": 4, "CC1": 2, "HARASS": 0})
    for set_ in ((7, 0, 0, "", "", 0), (7, 3, 0, "", "", 0), (7, 0, 11, "", "", 0)):
        assert got[(*set_, "TC1", 5)] == 1 and got[(*set_, "HARASS", 0)] == 1
        assert got[(*set_, "@TC", 0)] == 1  # two TC items, one respondent
        assert got[(*set_, "@CC", 0)] == 1 and got[(*set_, "@ALL", 0)] == 1
        assert got[(*set_, "@", 0)] == 1
    assert got[(7, 0, 0, "paper", "", 0, "@", 0)] == 1
    assert got[(7, 0, 0, "", "full", 2, "@", 0)] == 1
    assert sum(got.values()) == 3 * (4 + 3 + 1) + 2


def test_a_response_without_counter_or_procedure_counts_once() -> None:
    got = cells.response_cells((7, 0, 0, "qr", "short", 1), {"OVERALL": 3})
    assert got == Counter({(7, 0, 0, "", "", 0, "OVERALL", 3): 1,
                           (7, 0, 0, "", "", 0, "@", 0): 1,
                           (7, 0, 0, "qr", "", 0, "@", 0): 1,
                           (7, 0, 0, "", "short", 1, "@", 0): 1})
    # SAT3 and yes/no answers make nobody a respondent of an index.
    assert cells.elements_answered({"OVERALL": 3, "HARASS": 1}) == set()
    assert cells.elements_answered({"KQ2": 4}) == {"KQ", sipas.ALL}


def test_found_groups_each_set_apart() -> None:
    found = cells.response_cells((1, 5, 9, "qr", "full", 1), {"TC1": 4})
    found.update(cells.response_cells((2, 6, 0, "paper", "full", 1), {"TC1": 2}))
    got = cells.found_in(found)
    total = got.units.regrouped()
    assert total.answers[None]["TC1"] == {4: 1, 2: 1}
    assert total.respondents[None] == {"TC": 2, "ALL": 2} and total.responses[None] == 2
    assert got.units.regrouped({1: 100}).responses == {100: 1}  # unit 2 is not ranked
    assert got.counters.responses == {5: 1, 6: 1}
    assert got.procedures.answers == {9: {"TC1": {4: 1}}}
    assert got.channels == {"qr": 1, "paper": 1}
    assert got.version_list() == [("full", 1, 2)]
    named = cells.found_in(found, lambda pid: ("HT01", "Đăng ký khai sinh"))
    assert named.procedures.responses == {("HT01", "Đăng ký khai sinh"): 1}


def test_tallies_add_up() -> None:
    a = cells.found_in(cells.response_cells((1, 0, 0, "qr", "full", 1), {"TC1": 4}))
    b = cells.found_in(cells.response_cells((1, 0, 0, "qr", "full", 1), {"TC1": 4, "TC2": 1}))
    a.update(b)
    assert a.units.answers == {1: {"TC1": {4: 2}, "TC2": {1: 1}}}
    assert a.units.respondents == {1: {"TC": 2, "ALL": 2}} and a.channels == {"qr": 2}


def test_whole_months_are_blocks_and_the_rest_is_raw() -> None:
    w = date(2026, 12, 6)
    assert plan(date(2026, 10, 1), date(2026, 10, 31), w) == Plan((("m", date(2026, 10, 1)),), ())
    # This month: the folded days' block, then today raw.
    assert plan(date(2026, 12, 1), date(2026, 12, 7), w) == Plan(
        (("m", date(2026, 12, 1)),), ((date(2026, 12, 7), date(2026, 12, 7)),))
    # A month begun mid-way is raw; whole months after it are blocks.
    assert plan(date(2026, 9, 15), date(2026, 11, 30), w) == Plan(
        (("m", date(2026, 10, 1)), ("m", date(2026, 11, 1))),
        ((date(2026, 9, 15), date(2026, 9, 30)),))
    # A period stopping before the month's last folded day cannot use its block.
    assert plan(date(2026, 12, 1), date(2026, 12, 5), w) == Plan(
        (), ((date(2026, 12, 1), date(2026, 12, 5)),))


def test_a_year_is_one_block_when_the_period_holds_all_its_folded_days() -> None:
    w = date(2026, 12, 6)
    assert plan(date(2025, 1, 1), date(2025, 12, 31), w) == Plan((("y", date(2025, 1, 1)),), ())
    assert plan(date(2026, 1, 1), date(2026, 12, 31), w) == Plan(
        (("y", date(2026, 1, 1)),), ((date(2026, 12, 7), date(2026, 12, 31)),))
    # Twelve months across two years: December, and 2026 as its year minus its December.
    assert plan(date(2025, 12, 1), date(2026, 11, 30), w) == Plan(
        (("m", date(2025, 12, 1)), ("y", date(2026, 1, 1))), (),
        (("m", date(2026, 12, 1)),))
    # A few months stay months.
    assert plan(date(2026, 3, 1), date(2026, 5, 31), w) == Plan(
        (("m", date(2026, 3, 1)), ("m", date(2026, 4, 1)), ("m", date(2026, 5, 1))), ())


def test_nothing_folded_reads_everything_raw() -> None:
    assert plan(date(2026, 1, 1), date(2026, 3, 4), None) == Plan(
        (), ((date(2026, 1, 1), date(2026, 3, 4)),))
    assert plan(date(2026, 3, 4), date(2026, 1, 1), None) == Plan((), ())
    # A period after the folded days is all raw, in one range.
    assert plan(date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 6)).raw == (
        (date(2026, 12, 7), date(2026, 12, 9)),)


EVERY_DAY = [date.fromordinal(date(2025, 1, 1).toordinal() + i) for i in range(730)]


def _short_periods() -> list[tuple[date, date]]:
    """Around month and year ends."""
    start = date(2025, 11, 20)
    days = [date.fromordinal(start.toordinal() + i) for i in range(75)]
    return [(first, last) for i, first in enumerate(days[::3]) for last in days[i * 3::4]]


def _long_periods() -> list[tuple[date, date]]:
    """Months to two years long, where a year less some months is cheaper."""
    days = [*EVERY_DAY[::23], date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 1)]
    return [(a, b) for a in days for b in days if a <= b]


@pytest.mark.parametrize("periods", [_short_periods, _long_periods])
def test_every_day_of_a_period_is_counted_exactly_once(periods) -> None:
    """Every day of the period counted once, and no other day counted at all (over two
    whole years: a year block less its months must net to nothing outside the period)."""
    every_day = EVERY_DAY
    differences = 0
    for w in (None, date(2025, 12, 31), date(2026, 1, 15), date(2026, 10, 3)):
        for first, last in periods():
            p = plan(first, last, w)
            differences += bool(p.minus)
            covered: Counter[date] = Counter()
            for blocks, sign in ((p.blocks, 1), (p.minus, -1)):
                for span, block in blocks:
                    assert w is not None
                    end = (date(block.year, 12, 31) if span == "y"
                           else cells.month_end(block))
                    for d in every_day:
                        if block <= d <= min(end, w):
                            covered[d] += sign
            for a, b in p.raw:
                covered.update(d for d in every_day if a <= d <= b)
            assert +covered == Counter(d for d in every_day if first <= d <= last)
            assert not -covered  # never a day taken away that was not added
    assert differences or periods is _short_periods  # the long ones use year − months
