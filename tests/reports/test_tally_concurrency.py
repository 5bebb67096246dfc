"""The aggregate's lock protocol with real concurrent transactions, on the database the
suite runs on: a response committed while a fold runs is counted exactly once, whichever
of the two gets the lock first; for the fold of closed days and for today's block."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import delete, update

from feedback.extensions import db
from feedback.models import Tally, TallyState
from feedback.reports import cells, tally
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _yesterday() -> date:
    return datetime.now(TZ).date() - timedelta(days=1)


@pytest.fixture(params=["yesterday", "today"])
def when(request: pytest.FixtureRequest, monkeypatch) -> str:
    """Which fold races the writer: closed days', or today's block (folded at once)."""
    monkeypatch.setattr(tally, "TODAY_EVERY", timedelta(0))
    monkeypatch.setattr(tally, "TODAY_MARGIN", timedelta(0))
    return str(request.param)


def _given(when: str, sid: int) -> datetime:
    if when == "yesterday":
        return datetime.combine(_yesterday(), time(14 + sid), tzinfo=TZ).astimezone(UTC)
    return datetime.now(UTC) - timedelta(seconds=60 - sid)


def _respond(app: Flask, world, sid: int, answers: dict[str, int], when: str) -> None:
    with app.app_context():
        record(NewResponse(f"{sid:032x}", world.full_counter.id, world.commune.id,
                           catalogue.current("full"), answers, answered_at=_given(when, sid)))
        db.session.remove()


def _unfold_everything(app: Flask, when: str) -> None:
    """Nothing folded; or, for today's block, every closed day and nothing of today."""
    with app.app_context():
        db.session.execute(delete(Tally))
        db.session.execute(update(TallyState).values(
            closed_through=None if when == "yesterday" else _yesterday(), folded_until=None,
            timezone=app.config["TIMEZONE"]))
        db.session.commit()


def _counted(app: Flask, world, when: str) -> int:
    with app.app_context():
        day = _yesterday() if when == "yesterday" else datetime.now(TZ).date()
        found = tally.read_one([world.commune.id], day, day)
        assert tally.verify() == []
        raw = cells.found_in(tally.raw_cells([world.commune.id], day, day))
        assert found == raw
        if when == "today":
            assert tally.State.read().folded_until is not None
        return found.units.answers.get(world.commune.id, {}).get("TC1", {}).get(1, 0)


def test_a_response_written_while_a_fold_holds_the_lock(app: Flask, world, when,
                                                        monkeypatch) -> None:
    """The fold locks first and reads the raw rows slowly; the writer commits during
    that read. It must wait, see the fold's new last day, and add its own cells."""
    _respond(app, world, 1, {"TC1": 5}, when)
    _unfold_everything(app, when)
    locked, wrote = threading.Event(), threading.Event()
    real = tally.raw_cells_between
    errors: list[BaseException] = []

    def slow_raw_cells(*args, **kwargs):  # the fold's read, once the lock is held
        out = real(*args, **kwargs)
        if not locked.is_set():
            locked.set()
            wrote.wait(timeout=1.5)  # the writer cannot finish while we hold the lock
        return out

    def fold() -> None:
        try:
            with app.app_context():
                tally.fold(max_days=None)
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    def write() -> None:
        try:
            locked.wait(timeout=10)
            _respond(app, world, 2, {"TC1": 1}, when)
            wrote.set()
        except BaseException as exc:
            errors.append(exc)

    monkeypatch.setattr(tally, "raw_cells_between", slow_raw_cells)
    threads = [threading.Thread(target=fold), threading.Thread(target=write)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert not wrote.is_set() or locked.is_set()
    monkeypatch.setattr(tally, "raw_cells_between", real)
    assert _counted(app, world, when) == 1


def test_a_fold_that_starts_while_a_writer_holds_its_transaction(app: Flask, world,
                                                                 when) -> None:
    """The writer has inserted and passed the aggregate's check (nothing folded, so it
    added no cells) but not committed; the fold must wait for that commit and then
    count the response from the raw rows."""
    _respond(app, world, 1, {"TC1": 5}, when)
    _unfold_everything(app, when)
    started = threading.Event()
    errors: list[BaseException] = []
    ctx = app.app_context()
    ctx.push()
    try:
        record_open = NewResponse(f"{2:032x}", world.full_counter.id, world.commune.id,
                                  catalogue.current("full"), {"TC1": 1},
                                  answered_at=_given(when, 2))
        # record() without its commit: the inserts and the aggregate's check.
        monkey_commit = db.session.commit
        db.session.commit = lambda: None  # type: ignore[method-assign]
        try:
            record(record_open)
        finally:
            db.session.commit = monkey_commit  # type: ignore[method-assign]

        def fold() -> None:
            try:
                with app.app_context():
                    started.set()
                    tally.fold(max_days=None)
                    db.session.remove()
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=fold)
        worker.start()
        started.wait(timeout=10)
        worker.join(timeout=0.5)
        assert worker.is_alive(), "the fold must wait for the writer's transaction"
        db.session.commit()
        worker.join(timeout=30)
        assert not worker.is_alive() and not errors, errors
    finally:
        db.session.remove()
        ctx.pop()
    assert _counted(app, world, when) == 1
