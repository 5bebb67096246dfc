"""The staff inbox's boxes, filters and counts (feedback.petitions.inbox), on a fixed day:
Monday 7 December 2026, whose previous working day is Friday the 4th and whose "due
within 2 working days" runs to Wednesday the 9th."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from feedback.extensions import db
from feedback.models import Petition
from feedback.petitions import inbox
from feedback.workdays import Calendar

MONDAY = date(2026, 12, 7)


@pytest.fixture
def marks(app: Flask) -> inbox.Marks:
    with app.app_context():
        return inbox.marks(MONDAY, Calendar())


def _set(app: Flask, code: str, **columns: Any) -> None:
    with app.app_context():
        db.session.execute(update(Petition).where(Petition.code == code).values(**columns))
        db.session.commit()


@pytest.fixture
def mailbag(app: Flask, world: Any, petition: Any) -> dict[str, str]:
    """One petition per case, by letter; H belongs to another province."""
    def make(letter: str, unit: Any = world.commune, *, received: datetime,
             **columns: Any) -> tuple[str, str]:
        p = petition(unit, received_at=received)
        _set(app, p.code, **columns)
        return letter, p.code

    friday_9 = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # Fri 09:00 local
    thursday_16 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thu 16:00 local
    earlier = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    return dict([
        make("A", received=friday_9, classify_due=date(2026, 12, 8),
             reply_due=date(2026, 12, 18)),
        make("B", received=thursday_16, classify_due=date(2026, 12, 4),
             reply_due=date(2026, 12, 17)),
        make("C", received=earlier, status="in_progress", reply_due=date(2026, 12, 9),
             category=1, assignee_id=world.officer.id),
        make("D", received=earlier, status="in_progress", reply_due=date(2026, 12, 10),
             category=2, assignee_id=world.leader.id, channel="hotline"),
        make("E", received=earlier, status="waiting_citizen", reply_due=MONDAY, category=1,
             assignee_id=world.officer.id),
        make("F", received=earlier, status="in_progress", reply_due=date(2026, 12, 4),
             category=1, assignee_id=world.officer.id),
        make("G", received=earlier, status="answered", reply_due=date(2026, 12, 1),
             category=1, assignee_id=world.officer.id),
        make("H", world.stranger, received=friday_9, reply_due=date(2026, 12, 1)),
    ])


def test_marks_cut_by_the_previous_working_day_and_two_working_days(
        marks: inbox.Marks) -> None:
    # Friday 4 Dec, 00:00 local (UTC+7) is Thursday 17:00 UTC.
    assert marks.new_since == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    assert marks.soon_until == date(2026, 12, 10)
    cal = Calendar()
    assert [cal.working_days_between(MONDAY, d) for d in
            (MONDAY, date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10))] == [0, 1, 2, 3]
    assert [marks.due_soon(d) for d in (date(2026, 12, 4), MONDAY, date(2026, 12, 9),
                                         date(2026, 12, 10))] == [False, True, True, False]


@pytest.mark.parametrize(("today", "previous"), [
    (date(2026, 12, 7), date(2026, 12, 4)),  # Monday → Friday
    (date(2026, 12, 8), date(2026, 12, 7)),
    (date(2027, 2, 11), date(2027, 2, 3)),  # after Tết 2027 (4–10 Feb off, per the package)
])
def test_previous_working_day(today: date, previous: date) -> None:
    cal = Calendar()
    assert inbox.previous_working_day(cal, today) == previous
    assert all(not cal.is_working_day(d) for d in
               (date.fromordinal(n) for n in range(previous.toordinal() + 1,
                                                    today.toordinal())))


def test_every_box_counts_what_it_says(app: Flask, world: Any, mailbag: dict[str, str],
                                       marks: inbox.Marks) -> None:
    f = inbox.Filters(frozenset({world.commune.id}))
    with app.app_context():
        counts = inbox.counts(f, marks)
        pages = {box: {code for code in (p.code for p in inbox.page(f, box, marks))}
                 for box in inbox.BOXES}
    by_code = {code: letter for letter, code in mailbag.items()}
    letters = {box: "".join(sorted(by_code[c] for c in codes)) for box, codes in pages.items()}
    assert letters == {
        "open": "ABCDEF", "new": "A", "classify": "AB", "in_progress": "CDF", "waiting": "E",
        "due_soon": "CE", "overdue": "BF", "closed": "G", "all": "ABCDEFG",
    }
    assert counts == {box: len(codes) for box, codes in pages.items()}


def test_filters_narrow_rows_and_counts(app: Flask, world: Any, mailbag: dict[str, str],
                                       marks: inbox.Marks) -> None:
    units = frozenset({world.commune.id})
    cases = {
        inbox.Filters(units, channel="hotline"): "D",
        inbox.Filters(units, category=1): "CEFG",
        inbox.Filters(units, assignee=world.officer.id): "CEFG",
        inbox.Filters(units, assignee="none"): "AB",
        inbox.Filters(units, category=1, assignee=world.leader.id): "",
        inbox.Filters(frozenset({world.commune.id, world.stranger.id})): "ABCDEFGH",
        inbox.Filters(frozenset()): "",
    }
    by_code = {code: letter for letter, code in mailbag.items()}
    with app.app_context():
        for f, expected in cases.items():
            rows = inbox.page(f, "all", marks)
            assert "".join(sorted(by_code[p.code] for p in rows)) == expected, f
            assert inbox.counts(f, marks)["all"] == len(expected)


def test_open_work_comes_most_urgent_first_and_pages_by_50(
        app: Flask, world: Any, mailbag: dict[str, str], marks: inbox.Marks) -> None:
    f = inbox.Filters(frozenset({world.commune.id}))
    by_code = {code: letter for letter, code in mailbag.items()}
    with app.app_context():
        assert [by_code[p.code] for p in inbox.page(f, "open", marks)] == list("FECDBA")
        assert [by_code[p.code] for p in inbox.page(f, "open", marks, 2, per_page=4)] == ["B",
                                                                                         "A"]
        assert inbox.page(f, "open", marks, 3, per_page=4) == []


def test_counts_and_a_page_are_one_query_each(app: Flask, world: Any, mailbag: dict[str, str],
                                             marks: inbox.Marks,
                                             statements: list[str]) -> None:
    f = inbox.Filters(frozenset({world.commune.id}))
    with app.app_context():
        statements.clear()
        inbox.counts(f, marks)
        assert len(statements) == 1
        rows = inbox.page(f, "all", marks)
        assert {p.unit.name for p in rows} and all(
            p.assignee is None or p.assignee.email for p in rows)
        assert len(statements) == 2  # unit and assignee came joined in


# --- The receipt time of an entered petition --------------------------------------------

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # Thursday 15:00 local


@pytest.mark.parametrize(("day", "at", "expected"), [
    (date(2026, 12, 3), time(15, 0), datetime(2026, 12, 3, 8, 0, tzinfo=UTC)),
    (date(2026, 12, 3), time(7, 30), datetime(2026, 12, 3, 0, 30, tzinfo=UTC)),
    (date(2026, 10, 2), time(0, 0), datetime(2026, 10, 1, 17, 0, tzinfo=UTC)),  # 62 days
])
def test_entered_receipt_time_is_local(app: Flask, day: date, at: time,
                                       expected: datetime) -> None:
    with app.app_context():
        assert inbox.entry_received_at(day, at, now=NOW) == expected


@pytest.mark.parametrize(("day", "at", "oldest"), [
    (date(2026, 12, 3), time(15, 1), None),  # a minute ahead
    (date(2026, 12, 4), time(8, 0), None),
    (date(2026, 10, 1), time(23, 59), date(2026, 10, 2)),
])
def test_entered_receipt_time_refused(app: Flask, day: date, at: time,
                                      oldest: date | None) -> None:
    with app.app_context(), pytest.raises(inbox.ReceiptTimeError) as refused:
        inbox.entry_received_at(day, at, now=NOW)
    assert refused.value.oldest == oldest
