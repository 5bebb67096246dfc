"""The PAKN figures of a period, counted from plain facts (pure: no app, no database).

March 2026 has no public holiday in Vietnam, so its working days are its weekdays; the
period is the whole month, cut at local midnights (DOMAIN §4–5, issue 7's stats)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedback.petitions import figures
from feedback.petitions.figures import ANSWERED, REJECTED, TRANSFERRED, Fact
from feedback.reports.periods import Period
from feedback.workdays import Calendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = Calendar()
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
START, END = MARCH.bounds(TZ)

COUNTS = ("carried_over", "received", "not_accepted", "transferred", "answered_on_time",
          "answered_late", "open_in_time", "open_overdue", "gop_y")


def at(day: date, hour: int = 9) -> datetime:
    """A local time on `day`, as an aware datetime."""
    return datetime.combine(day, time(hour), tzinfo=TZ)


def fact(received: date, due: date, closed_as: str | None = None, closed: date | None = None,
         *, kind: str = "pakn", on_time: bool | None = None, rating: int | None = None,
         channel: str = "web", category: int | None = 1, code: str = "ABC") -> Fact:
    closed_at = at(closed) if closed else None
    if closed_as in (ANSWERED, TRANSFERRED) and on_time is None and closed:
        on_time = closed <= due
    return Fact(code=code, unit="xa-a1", kind=kind, channel=channel, category=category,
                received_at=at(received), reply_due=due, closed_as=closed_as,
                closed_at=closed_at, on_time=on_time, rating=rating, reason=None,
                status=closed_as or "in_progress")


def counts(facts: list[Fact], **kw: Any) -> dict[str, int]:
    out = figures.count(facts, START, END, calendar=CAL, tz=TZ, **kw)
    return {name: getattr(out, name) for name in COUNTS if getattr(out, name)}


FEB, APR = date(2026, 2, 16), date(2026, 4, 6)
D = date(2026, 3, 10)  # a Tuesday inside the period

CASES: list[tuple[str, Fact, dict[str, int]]] = [
    ("carried over, still open in time", fact(FEB, APR), {"carried_over": 1, "open_in_time": 1}),
    ("carried over, already overdue", fact(FEB, date(2026, 3, 2)),
     {"carried_over": 1, "open_overdue": 1}),
    ("settled before the period: not in it", fact(FEB, date(2026, 2, 27), ANSWERED,
                                                   date(2026, 2, 26)), {}),
    ("rejected before the period: not in it", fact(FEB, APR, REJECTED, date(2026, 2, 20)), {}),
    ("carried over, answered on time in it", fact(FEB, date(2026, 3, 3), ANSWERED,
                                                   date(2026, 3, 3)),
     {"carried_over": 1, "answered_on_time": 1}),
    ("received, answered on time", fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 20)),
     {"received": 1, "answered_on_time": 1}),
    ("received, answered late", fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 25)),
     {"received": 1, "answered_late": 1}),
    ("received, not accepted", fact(D, date(2026, 3, 24), REJECTED, date(2026, 3, 11)),
     {"received": 1, "not_accepted": 1}),
    ("received, transferred", fact(D, date(2026, 3, 24), TRANSFERRED, date(2026, 3, 12)),
     {"received": 1, "transferred": 1}),
    ("received, transferred late: still apart", fact(D, date(2026, 3, 12), TRANSFERRED,
                                                      date(2026, 3, 20), on_time=False),
     {"received": 1, "transferred": 1}),
    ("answered after the end, due before it: open overdue at the end",
     fact(D, date(2026, 3, 24), ANSWERED, date(2026, 4, 2)),
     {"received": 1, "open_overdue": 1}),
    ("answered after the end, due after it: open in time at the end",
     fact(date(2026, 3, 25), date(2026, 4, 8), ANSWERED, date(2026, 4, 2)),
     {"received": 1, "open_in_time": 1}),
    ("rejected after the end: open at the end", fact(date(2026, 3, 30), APR, REJECTED,
                                                     date(2026, 4, 1)),
     {"received": 1, "open_in_time": 1}),
    ("due on the last day, still open when it ends: overdue", fact(D, date(2026, 3, 31)),
     {"received": 1, "open_overdue": 1}),
    ("due on the last day, answered that day: on time",
     fact(D, date(2026, 3, 31), ANSWERED, date(2026, 3, 31)),
     {"received": 1, "answered_on_time": 1}),
    ("received after the period: not in it", fact(APR, date(2026, 4, 20)), {}),
    ("góp ý received in the period: apart", fact(D, date(2026, 3, 24), kind="gop_y"),
     {"gop_y": 1}),
    ("góp ý answered late: still only apart",
     fact(D, date(2026, 3, 12), ANSWERED, date(2026, 3, 20), kind="gop_y"), {"gop_y": 1}),
    ("góp ý from before the period: not counted", fact(FEB, APR, kind="gop_y"), {}),
]


@pytest.mark.parametrize(("name", "one", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_petition_counts_by_its_state_at_the_end(name: str, one: Fact,
                                                       expected: dict[str, int]) -> None:
    assert counts([one]) == expected


def test_the_population_is_carried_over_plus_received() -> None:
    facts = [fact(FEB, APR, code="A"), fact(D, APR, code="B"),
             fact(D, date(2026, 3, 20), ANSWERED, date(2026, 3, 19), code="C"),
             fact(D, APR, kind="gop_y", code="D")]
    out = figures.count(facts, START, END, calendar=CAL, tz=TZ)
    assert (out.carried_over, out.received, out.population, out.gop_y) == (1, 2, 3, 1)
    settled = (out.not_accepted + out.transferred + out.answered_on_time + out.answered_late
               + out.open_in_time + out.open_overdue)
    assert settled == out.population


def test_received_by_channel_and_category_counts_only_the_period() -> None:
    facts = [fact(FEB, APR, channel="paper", category=2, code="A"),
             fact(D, APR, channel="hotline", category=1, code="B"),
             fact(D, APR, channel="hotline", category=None, code="C"),
             fact(D, APR, channel="web", category=1, code="D"),
             fact(D, APR, channel="box", kind="gop_y", code="E")]
    out = figures.count(facts, START, END, calendar=CAL, tz=TZ)
    assert out.received_by_channel == {"hotline": 2, "web": 1}
    assert out.received_by_category == {"1": 2, "none": 1}


@pytest.mark.parametrize(("facts", "rate", "meets"), [
    ([], None, None),
    # Nothing answered or overdue: rejected, transferred and open-in-time never count.
    ([fact(D, APR, REJECTED, date(2026, 3, 11)),
      fact(D, APR, TRANSFERRED, date(2026, 3, 11), on_time=False),
      fact(D, APR), fact(D, APR, kind="gop_y")], None, None),
    ([fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 24))], 100.0, True),
    ([fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 24)),
      fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 25))], 50.0, False),
    # answered on time ÷ (answered + open overdue): 2 ÷ 3.
    ([fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 20)),
      fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 23)),
      fact(D, date(2026, 3, 20))], 66.67, False),
    # Late góp ý never lower the rate.
    ([fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 24)),
      fact(D, date(2026, 3, 12), ANSWERED, date(2026, 3, 20), kind="gop_y"),
      fact(D, date(2026, 3, 12), kind="gop_y")], 100.0, True),
])
def test_on_time_rate_against_100_percent(facts: list[Fact], rate: float | None,
                                          meets: bool | None) -> None:
    out = figures.count(facts, START, END, calendar=CAL, tz=TZ)
    assert out.on_time_rate == rate
    assert out.meets_target is meets
    assert out.as_dict()["on_time_rate"] == rate and out.as_dict()["target"] == 100.0


def test_qd766_satisfaction_counts_a_late_answer_as_unsatisfied() -> None:
    due, ok, late = date(2026, 3, 24), date(2026, 3, 20), date(2026, 3, 26)
    facts = [
        fact(D, due, ANSWERED, ok, code="A"),  # on time, not rated: satisfied
        fact(D, due, ANSWERED, ok, rating=1, code="B"),  # on time, rated unsatisfied
        fact(D, due, ANSWERED, late, rating=3, code="C"),  # late, rated very satisfied
        fact(D, due, ANSWERED, ok, rating=3, code="D"),
        fact(D, due, ANSWERED, late, rating=1, code="E"),  # late and unsatisfied: once
        fact(D, due, REJECTED, ok, code="F"),  # not answered: outside the ratio
        fact(D, due, ANSWERED, ok, rating=1, kind="gop_y", code="G"),
    ]
    out = figures.count(facts, START, END, calendar=CAL, tz=TZ)
    assert out.satisfaction_percent == 40.0  # (5 − 1 unsatisfied − 2 late) ÷ 5
    assert out.as_dict()["satisfaction"] == {
        "percent": 40.0, "counted": 5, "answered": 5, "rated": 4, "rated_unsatisfied": 2,
        "late": 2}


def test_qd766_satisfaction_counts_an_open_overdue_petition_as_late() -> None:
    """1 answered on time and 9 still open past their date: 10% on time, and 10%
    satisfied, not 100% (QĐ 766: all in remit, a late case unsatisfied)."""
    due = date(2026, 3, 24)
    facts = [fact(D, due, ANSWERED, date(2026, 3, 20), code="A")] + [
        fact(D, due, code=f"O{i}") for i in range(9)]
    out = figures.count(facts, START, END, calendar=CAL, tz=TZ)
    assert (out.on_time_rate, out.satisfaction_percent) == (10.0, 10.0)
    assert out.as_dict()["satisfaction"]["late"] == 9


def test_the_target_is_judged_on_counts_not_on_a_rounded_rate() -> None:
    almost = figures.Figures(answered_on_time=39999, open_overdue=1)
    assert almost.on_time_rate == 100.0 and almost.meets_target is False
    assert figures.Figures(answered_on_time=3).meets_target is True
    assert figures.Figures().meets_target is None


def test_a_late_transfer_or_rejection_is_listed_not_hidden() -> None:
    """Overdue petitions turned away or handed on after their date stay visible."""
    due = date(2026, 3, 10)
    transfer = figures.Fact(code="T", unit="xa", kind="pakn", channel="web", category=1,
                            received_at=datetime(2026, 3, 2, 9, tzinfo=TZ), reply_due=due,
                            transfer_due=date(2026, 3, 6), closed_as=TRANSFERRED,
                            closed_at=datetime(2026, 3, 12, 9, tzinfo=TZ), on_time=False,
                            status="transferred")
    reject = figures.Fact(code="R", unit="xa", kind="pakn", channel="web", category=1,
                          received_at=datetime(2026, 3, 2, 9, tzinfo=TZ), reply_due=due,
                          closed_as=REJECTED, closed_at=datetime(2026, 3, 13, 9, tzinfo=TZ),
                          status="rejected")
    out = figures.count([transfer, reject], START, END, calendar=CAL, tz=TZ)
    assert (out.transferred_late, out.not_accepted_late) == (1, 1)
    listed = {item.code: (item.reply_due, item.days_late) for item in out.late_items}
    assert listed == {"T": (date(2026, 3, 6), 4), "R": (due, 3)}


def test_satisfaction_is_null_without_an_answer() -> None:
    out = figures.count([fact(D, APR)], START, END, calendar=CAL, tz=TZ)
    assert out.satisfaction_percent is None


def test_late_items_list_the_late_and_the_overdue_with_working_days_late() -> None:
    facts = [
        # Due Tue 24, answered Fri 27: 3 working days late.
        fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 27), code="LATE"),
        # Due Thu 26, still open when the period ends: Fri 27 and Tue 31 … → 3 (27, 30, 31).
        fact(D, date(2026, 3, 26), code="OPEN"),
        # Due Tue 31, open at the end: overdue by at least one day.
        fact(D, date(2026, 3, 31), code="EDGE"),
        fact(D, date(2026, 3, 24), ANSWERED, date(2026, 3, 24), code="OK"),
    ]
    out = figures.count(facts, START, END, calendar=CAL, tz=TZ)
    late = {item.code: item for item in out.late_items}
    assert set(late) == {"LATE", "OPEN", "EDGE"}
    assert (late["LATE"].days_late, late["OPEN"].days_late, late["EDGE"].days_late) == (3, 3, 1)
    assert late["LATE"].answered_at is not None and late["OPEN"].answered_at is None
    item = late["OPEN"].as_dict()
    assert item["reply_due"] == "2026-03-26" and item["answered_at"] is None


def test_a_running_period_is_judged_as_of_now() -> None:
    """On Wed 18 March, a petition due Fri 20 is not overdue yet, even though the period
    runs to the 31st; one due Mon 16 is."""
    now = datetime(2026, 3, 18, 3, 0, tzinfo=UTC)  # 10:00 local
    facts = [fact(D, date(2026, 3, 20), code="SOON"), fact(D, date(2026, 3, 16), code="PAST"),
             fact(D, date(2026, 3, 18), code="TODAY")]
    assert counts(facts, now=now) == {"received": 3, "open_in_time": 2, "open_overdue": 1}
    # The same facts for the finished month: all three overdue.
    assert counts(facts) == {"received": 3, "open_overdue": 3}


def test_the_json_has_the_issue_keys() -> None:
    out = figures.count([fact(D, APR)], START, END, calendar=CAL, tz=TZ).as_dict()
    assert {"carried_over", "received", "not_accepted", "transferred", "answered_on_time",
            "answered_late", "open_in_time", "open_overdue", "on_time_rate", "meets_target",
            "late_items", "satisfaction", "gop_y"} <= set(out)
    assert out["on_time_rate"] is None and out["meets_target"] is None
