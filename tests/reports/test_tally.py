"""The aggregate stays exact: any period read through its blocks equals the same period
counted from the raw rows; late responses, folds, a changed timezone and a tampered raw
row are each caught or counted; `feedback aggregates rebuild|verify` work."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text, update

from feedback import org
from feedback.admin.procedures import ProcedureInput, update_procedure
from feedback.admin.units import update_unit
from feedback.extensions import db
from feedback.models import Answer, Procedure, Response, Tally, TallyState, Unit
from feedback.reports import cells, tally
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _today() -> date:
    return datetime.now(TZ).date()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


def _store(world, day: date, answers: dict[str, int], *, hour: int = 10, seq: list[int],
           counter=None, channel: str = "qr") -> None:
    counter = counter or world.full_counter
    seq[0] += 1
    record(NewResponse(f"{seq[0]:032x}", counter.id, counter.unit_id,
                       catalogue.current(counter.questionnaire), answers,
                       procedure_id=world.procedure.id if seq[0] % 3 else None,
                       channel=channel, answered_at=_at(day, hour)))


@pytest.fixture
def history(app: Flask, world):
    """About 200 responses over the last 14 months at two communes, two of them at 23:00
    local time on a month's last day, stored through the survey's service while nothing
    is folded yet."""
    rng = random.Random(8)
    seq = [0]
    today = _today()
    items = catalogue.current("full").items
    with app.app_context():
        for _ in range(200):
            day = today - timedelta(days=rng.randint(0, 420))
            answers = {i: rng.randint(1, 5) for i in items if rng.random() < 0.8}
            answers["HARASS"] = int(rng.random() < 0.1)
            counter = world.full_counter if rng.random() < 0.7 else world.sibling_counter
            _store(world, day, answers, seq=seq, counter=counter,
                   channel="paper" if rng.random() < 0.2 else "qr")
        for month_back in (1, 2):  # the last local minutes of a month belong to it
            last = cells.month_start(today) - timedelta(days=30 * (month_back - 1) + 1)
            last = cells.month_end(last)
            _store(world, last, {"TC1": 5}, hour=23, seq=seq)
    return seq


def _raw(scope, first: date, last: date) -> cells.Found:
    """The same period counted from the raw rows alone, past every block."""
    return cells.found_in(tally.raw_cells(scope, first, last))


def _unit(found: cells.Found, unit_id: int, item: str, value: int) -> int:
    return found.units.answers.get(unit_id, {}).get(item, {}).get(value, 0)


def _periods(today: date) -> list[tuple[date, date]]:
    this_year = date(today.year, 1, 1)
    return [
        (cells.month_start(today), today),                         # this month
        (this_year, today),                                        # year to date
        (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),  # last year
        (today - timedelta(days=365), today),                      # rolling year
        (today - timedelta(days=100), today - timedelta(days=40)),  # partial months
        (cells.month_start(today) - timedelta(days=1), today),     # a day and a month
        (this_year, cells.month_start(today) - timedelta(days=1)),  # the year less a month
        (date(today.year - 1, 2, 1), date(today.year - 1, 12, 31)),
    ]


@pytest.mark.parametrize("folded", [None, 200, 400])
def test_every_period_read_equals_the_raw_rows(app: Flask, world, history, folded,
                                              monkeypatch) -> None:
    """With nothing, some and every closed day folded (reads fold no further here), so
    whole blocks, a year less its months, raw days and their mixtures are all read."""
    today = _today()
    with app.app_context():
        scope = [world.commune.id, world.sibling.id]
        if folded:
            tally.fold(max_days=folded)
        monkeypatch.setattr(tally, "fold", lambda **_kw: 0)
        for first, last in _periods(today):
            raw = tally.raw_cells(scope, first, last)
            assert tally.read_one(scope, first, last) == cells.found_in(raw), (first, last)
            # As the province reports them: procedures by code and name across its
            # communes, from the families stored under it.
            tree = [world.province.id, *scope]
            assert tally.read_one(tree, first, last, merged_under=world.province.id) == (
                cells.found_in(tally.raw_cells(tree, first, last),
                               lambda pid: ("HT01", "Đăng ký khai sinh"))), (first, last)
        # A trend reads many periods at once, totals only.
        periods = _periods(today)
        totals = tally.read(scope, periods, sets="total")
        for (first, last), found in zip(periods, totals, strict=True):
            assert found.units == _raw(scope, first, last).units.regrouped()
            assert not found.counters.responses and not found.channels
        stored = db.session.scalar(select(func.count()).select_from(Tally))
        assert bool(stored) == bool(folded)


def test_reads_fold_a_bounded_number_of_days(app: Flask, world, history) -> None:
    with app.app_context():
        tally.read_one([world.commune.id], _today(), _today())
        closed = tally.State.read().closed_through
        assert closed is not None
        earliest = tally._earliest_day()
        assert earliest is not None
        assert (closed - earliest).days + 1 <= tally.FOLD_MAX_DAYS
        # The rest folds on later reads; the figures are exact meanwhile.
        first, last = _today() - timedelta(days=400), _today()
        assert tally.read_one([world.commune.id], first, last) == _raw(
            [world.commune.id], first, last)
        tally.fold(max_days=None)
        assert tally.State.read().closed_through == _today() - timedelta(days=1)
        assert tally.verify() == []


def test_a_late_paper_form_counts_at_once(app: Flask, world, history) -> None:
    with app.app_context():
        tally.fold(max_days=None)
        day = _today() - timedelta(days=20)
        before = tally.read_one([world.commune.id], day, day)
        _store(world, day, {"TC1": 1, "CC2": 2}, seq=history, channel="paper")
        after = tally.read_one([world.commune.id], day, day)
        assert _unit(after, world.commune.id, "TC1", 1) == (
            _unit(before, world.commune.id, "TC1", 1) + 1)
        assert after.channels["paper"] == before.channels.get("paper", 0) + 1
        assert tally.verify() == []


def test_a_thanked_response_counts_at_once(app: Flask, client, world, login) -> None:
    login(world.leader)
    url = f"/api/v1/satisfaction?unit={world.commune.code}"
    assert client.get(url).get_json()["responses"] == 0
    with app.app_context():
        _store(world, _today(), {"TC1": 5}, seq=[0])
    assert client.get(url).get_json()["responses"] == 1


def test_verify_names_a_raw_row_changed_behind_its_back(app: Flask, runner, world,
                                                        history) -> None:
    with app.app_context():
        tally.fold(max_days=None)
        assert tally.verify() == []
        closed = tally.State.read().closed_through
        _start, folded_end = tally.utc_bounds(date(2000, 1, 1), closed)
        answer_id = db.session.scalar(  # an answer on a folded day
            select(Answer.id).join(Answer.response)
            .where(Answer.item == "TC1", Answer.value != 3,
                   Response.created_at < folded_end).order_by(Answer.id).limit(1))
        db.session.execute(update(Answer).where(Answer.id == answer_id).values(value=3))
        db.session.commit()
    result = runner.invoke(args=["aggregates", "verify"])
    assert result.exit_code == 1
    assert "TC1=3: stored" in result.output and "raw rows" in result.output
    assert "cells differ" in result.output
    result = runner.invoke(args=["aggregates", "rebuild", "--unit", world.province.code])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["aggregates", "verify"])
    assert result.exit_code == 0 and "verified" in result.output


def test_rebuild_of_one_unit_and_month_leaves_the_rest(app: Flask, runner, world,
                                                       history) -> None:
    with app.app_context():
        tally.fold(max_days=None)
        month = cells.month_start(_today()) - timedelta(days=1)
        other = db.session.scalar(select(func.sum(Tally.n)).where(
            Tally.unit_id == world.sibling.id))
        db.session.execute(update(Tally).where(Tally.span == "m").values(n=Tally.n + 1))
        db.session.commit()
    result = runner.invoke(args=["aggregates", "rebuild", "--unit", world.commune.code,
                                 "--from", f"{month:%Y-%m-%d}", "--to", f"{month:%Y-%m-%d}"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        wrong = {(d.start, d.key[0]) for d in tally.verify() if d.span == "m"}
        assert (cells.month_start(month), world.commune.id) not in wrong
        assert (cells.month_start(month), world.sibling.id) in wrong
        assert db.session.scalar(select(func.sum(Tally.n)).where(
            Tally.unit_id == world.sibling.id)) > other
    assert runner.invoke(args=["aggregates", "rebuild"]).exit_code == 0
    with app.app_context():
        assert tally.verify() == []


def _families_at(unit_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Tally).where(
        Tally.unit_id == unit_id, Tally.procedure_id < 0)) or 0


def _province_reads_its_raw_rows(world, province, names: dict[int, tuple[str, str]]
                                 ) -> None:
    tree = sorted(org.descendant_ids(province.id))
    first, last = _today() - timedelta(days=430), _today()
    found = tally.read_one(tree, first, last, merged_under=province.id)
    assert found.procedures == cells.found_in(
        tally.raw_cells(tree, first, last), lambda pid: names[pid]).procedures


def test_a_parent_reads_its_procedures_from_families_kept_exact(
        app: Flask, world, history, monkeypatch) -> None:
    """The province's procedures come from the family cells stored under it; moving a
    commune or renaming its procedure moves them, and a rename behind the aggregate's
    back is named by verify."""
    with app.app_context():
        tally.fold(max_days=None)
        monkeypatch.setattr(tally, "fold", lambda **_kw: 0)
        assert _families_at(world.province.id) > 0
        assert _families_at(world.commune.id) == 0  # nothing below a commune
        assert tally.verify() == []
        birth = ("HT01", "Đăng ký khai sinh")
        _province_reads_its_raw_rows(world, world.province, {world.procedure.id: birth})

        procedure = db.session.get(Procedure, world.procedure.id)
        update_procedure(None, procedure, ProcedureInput("HT01", "Khai sinh", "Hộ tịch"))
        assert tally.verify() == []
        _province_reads_its_raw_rows(world, world.province,
                                     {world.procedure.id: ("HT01", "Khai sinh")})

        commune = db.session.get(Unit, world.commune.id)
        update_unit(None, commune, commune.name, world.other_province.code)
        assert tally.verify() == []
        _province_reads_its_raw_rows(world, world.other_province,
                                     {world.procedure.id: ("HT01", "Khai sinh")})
        # The province keeps only what its other commune's answers add.
        _province_reads_its_raw_rows(world, world.province,
                                     {world.procedure.id: ("HT01", "Khai sinh")})

        # Renamed without telling the aggregate: verify names the family cells.
        db.session.execute(update(Procedure).where(Procedure.id == world.procedure.id)
                           .values(name="Tên khác"))
        db.session.commit()
        wrong = tally.verify()
        assert wrong and all(d.key[2] < 0 for d in wrong)
        assert "family=" in wrong[0].describe(tally.unit_codes())


def test_the_migration_derives_the_families_of_what_was_folded(app: Flask, world,
                                                               history) -> None:
    """An installation folded before families existed gets them from its stored counts."""
    with app.app_context():
        tally.fold(max_days=None)
        db.session.remove()
        downgrade(revision="9644fda9ddb2")
        try:
            assert not db.session.scalar(select(func.count()).select_from(Tally).where(
                Tally.procedure_id < 0))
        finally:
            db.session.remove()
            upgrade()
        assert _families_at(world.province.id) > 0
        assert tally.verify() == []


def test_rebuild_of_a_commune_mends_it_and_the_families_above(app: Flask, runner, world,
                                                              history) -> None:
    with app.app_context():
        tally.fold(max_days=None)
        closed = tally.State.read().closed_through
        _start, folded_end = tally.utc_bounds(date(2000, 1, 1), closed)
        answer_id = db.session.scalar(  # a folded answer given for the procedure
            select(Answer.id).join(Answer.response)
            .where(Answer.item == "TC1", Answer.value != 3, Response.unit_id ==
                   world.commune.id, Response.procedure_id == world.procedure.id,
                   Response.created_at < folded_end).order_by(Answer.id).limit(1))
        db.session.execute(update(Answer).where(Answer.id == answer_id).values(value=3))
        db.session.commit()
        assert {d.key[0] for d in tally.verify()} >= {world.commune.id, world.province.id}
    result = runner.invoke(args=["aggregates", "rebuild", "--unit", world.commune.code])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert tally.verify() == []


def test_today_is_folded_into_its_block_and_reads_stay_exact(app: Flask, world, history,
                                                             monkeypatch) -> None:
    """Today's responses go into today's block as reads come (here at once); periods
    that hold today read it plus the raw rows after it, a response racing the fold adds
    itself, a changed answer is named by verify, and midnight folds the day whole."""
    monkeypatch.setattr(tally, "TODAY_EVERY", timedelta(0))
    monkeypatch.setattr(tally, "TODAY_MARGIN", timedelta(0))
    today = _today()

    def give(at: datetime, answers: dict[str, int]) -> None:
        history[0] += 1
        record(NewResponse(f"{history[0]:032x}", world.full_counter.id, world.commune.id,
                           catalogue.current("full"), answers,
                           procedure_id=world.procedure.id, answered_at=at))

    with app.app_context():
        now = datetime.now(UTC)
        midnight = tally.utc_bounds(today, today)[0]  # all three today, whatever the hour
        for minutes in (30, 20, 10):
            give(max(now - timedelta(minutes=minutes), midnight + timedelta(seconds=minutes)),
                 {"TC1": 4, "KQ2": 2, "HARASS": 1})
        tally.fold(max_days=None)
        tally.fold()  # closed days are folded: today's block now
        until = tally.State.read().folded_until
        assert until is not None and until > now
        assert db.session.scalar(select(func.count()).select_from(Tally).where(
            Tally.span == "d", Tally.start == today))
        give(until - timedelta(seconds=1), {"TC1": 1})  # raced the fold: adds itself
        give(datetime.now(UTC), {"TC1": 2})  # after it: raw
        monkeypatch.setattr(tally, "fold", lambda **_kw: 0)
        tree = [world.province.id, world.commune.id, world.sibling.id]
        for first, last in [(today, today), *_periods(today)[:2], _periods(today)[5]]:
            raw = tally.raw_cells(tree, first, last)
            assert tally.read_one(tree, first, last) == cells.found_in(raw), (first, last)
            assert tally.read_one(tree, first, last, merged_under=world.province.id) == (
                cells.found_in(raw, lambda pid: ("HT01", "Đăng ký khai sinh")))
        assert _unit(tally.read_one(tree, today, today), world.commune.id, "TC1", 1) == 1
        assert tally.verify() == []

        answer_id = db.session.scalar(select(Answer.id).join(Answer.response).where(
            Answer.item == "KQ2", Response.created_at >= now - timedelta(minutes=31)))
        db.session.execute(update(Answer).where(Answer.id == answer_id).values(value=5))
        db.session.commit()
        wrong = tally.verify()
        assert wrong and {d.span for d in wrong} == {"d"}
        assert "(today so far)" in wrong[0].describe(tally.unit_codes())
        db.session.execute(update(Answer).where(Answer.id == answer_id).values(value=2))
        db.session.commit()

        monkeypatch.undo()  # midnight: today is folded whole, and its block dropped
        monkeypatch.setattr(tally, "yesterday", lambda: today)
        tally.fold(max_days=None)
        state = tally.State.read()
        assert state.closed_through == today and state.folded_until is None
        assert not db.session.scalar(select(func.count()).select_from(Tally).where(
            Tally.span == "d"))
        assert tally.verify() == []


def test_rebuild_refuses_bad_options(runner, world) -> None:
    result = runner.invoke(args=["aggregates", "rebuild", "--unit", "khong-co"])
    assert result.exit_code != 0 and "khong-co" in result.output
    result = runner.invoke(args=["aggregates", "rebuild", "--from", "2026-13-01"])
    assert result.exit_code != 0 and "not a date" in result.output
    result = runner.invoke(args=["aggregates", "rebuild", "--from", "2026-05-02",
                                 "--to", "2026-05-01"])
    assert result.exit_code != 0


def test_a_changed_timezone_starts_the_aggregate_again(app: Flask, world, history) -> None:
    with app.app_context():
        tally.fold(max_days=None)
        db.session.execute(update(TallyState).values(timezone="Asia/Bangkok"))
        db.session.commit()
        assert tally.State.read().closed_through is None  # not this timezone's days
        first, last = _today() - timedelta(days=300), _today()
        assert tally.read_one([world.commune.id], first, last) == _raw(
            [world.commune.id], first, last)
        assert db.session.scalar(select(TallyState.timezone)) == app.config["TIMEZONE"]
        tally.fold(max_days=None)  # every day again, once: the old blocks went
        assert tally.verify() == []
        assert tally.read_one([world.commune.id], first, last) == _raw(
            [world.commune.id], first, last)


def test_a_writer_in_another_timezone_marks_the_aggregate_stale(app: Flask, world,
                                                                history) -> None:
    """A process still on the old FEEDBACK_TIMEZONE cannot place a late form in this
    zone's days: it makes the next fold start again instead of leaving a block short."""
    with app.app_context():
        tally.fold(max_days=None)
        app.config["TIMEZONE"] = "Asia/Bangkok"
        try:
            _store(world, _today() - timedelta(days=5), {"TC1": 1}, seq=history)
        finally:
            app.config["TIMEZONE"] = "Asia/Ho_Chi_Minh"
        assert db.session.scalar(select(TallyState.timezone)) == ""
        assert tally.State.read().closed_through is None
        tally.fold(max_days=None)
        assert tally.verify() == []


def test_a_month_ends_at_local_midnight(app: Flask, world) -> None:
    """23:30 on the 31st in Asia/Ho_Chi_Minh is 16:30 UTC the same day: that month."""
    with app.app_context():
        last_month_end = cells.month_start(_today()) - timedelta(days=1)
        _store(world, last_month_end, {"TC1": 4}, hour=23, seq=[500])
        _store(world, last_month_end + timedelta(days=1), {"TC1": 2}, hour=0, seq=[600])
        tally.fold(max_days=None)
        month = tally.read_one([world.commune.id], cells.month_start(last_month_end),
                               last_month_end)
        assert _unit(month, world.commune.id, "TC1", 4) == 1
        assert _unit(month, world.commune.id, "TC1", 2) == 0


def test_no_responses_writes_nothing_and_later_paper_forms_still_count(app: Flask,
                                                                       world) -> None:
    with app.app_context():
        before = db.session.execute(select(TallyState.updated_at, TallyState.generation)).one()
        assert tally.fold() == 0
        assert tally.State.read().closed_through is None
        assert db.session.execute(
            select(TallyState.updated_at, TallyState.generation)).one() == before
        day = _today() - timedelta(days=3)
        _store(world, day, {"TT1": 5}, seq=[700], channel="paper")
        got = tally.read_one([world.commune.id], day, day)  # folds from that day on
        assert _unit(got, world.commune.id, "TT1", 5) == 1
        assert tally.State.read().closed_through == _today() - timedelta(days=1)
        _store(world, day, {"TT1": 4}, seq=[701], channel="paper")  # now a late form
        got = tally.read_one([world.commune.id], day, day)
        assert _unit(got, world.commune.id, "TT1", 4) == 1
        assert tally.verify() == []
        rows = db.session.execute(text("SELECT count(*) FROM tally")).scalar()
        assert rows and rows > 0


def test_a_busy_month_is_folded_in_parts(app: Flask, world, history, monkeypatch) -> None:
    """Each fold transaction holds the lock new responses wait for: a busy month goes a
    few days at a time, and the sum of the parts is the month."""
    monkeypatch.setattr(tally, "FOLD_CHUNK_RESPONSES", 3)
    with app.app_context():
        tally.fold(max_days=None)
        state = tally.State.read()
        months = len(tally.months_to_rebuild(None, None))
        assert state.generation > months + 1  # more transactions than months
        assert tally.verify() == []
        first, last = _today() - timedelta(days=200), _today()
        scope = [world.commune.id, world.sibling.id]
        assert tally.read_one(scope, first, last) == _raw(scope, first, last)


def test_units_reads_only_each_units_own_counts(app: Flask, world, history) -> None:
    with app.app_context():
        first, last = _today() - timedelta(days=90), _today()
        scope = [world.commune.id, world.sibling.id]
        units = tally.read_one(scope, first, last, sets="units")
        assert units.units == _raw(scope, first, last).units
        assert not units.counters.responses and not units.channels


def test_a_read_under_folds_that_never_stop_falls_back_to_raw_rows(
        app: Flask, world, history, monkeypatch) -> None:
    """A rebuild commits every few seconds: after a few plans spoiled by it, the period
    is read from the raw rows alone, which no fold changes."""
    with app.app_context():
        tally.fold(max_days=None)
        generations = iter(range(100, 1000))
        real = tally.State.read

        def moving(*, lock: bool = False) -> tally.State:
            state = real(lock=lock)
            return tally.State(state.closed_through, next(generations), state.foreign)

        monkeypatch.setattr(tally.State, "read", staticmethod(moving))
        first, last = _today() - timedelta(days=300), _today()
        assert tally.read_one([world.commune.id], first, last) == _raw(
            [world.commune.id], first, last)
        assert next(generations) <= 100 + 2 * (tally.READ_ATTEMPTS + 1) + 2


def test_groups_are_listed_in_vietnamese_order(app: Flask, world) -> None:
    """"Cấp…" before "Chứng…", and "Đăng ký…" after "Dịch…" (not at the end, as Python's
    own string order puts it)."""
    from feedback.models import Procedure
    from feedback.org import unit_by_code
    from feedback.reports import services
    from feedback.reports.periods import Period

    names = ["Đăng ký khai sinh", "Chứng thực bản sao", "Dịch vụ công", "Cấp bản sao"]
    with app.app_context():
        procs = [Procedure(unit_id=world.commune.id, code=f"P{i}", name=n, field="Hộ tịch")
                 for i, n in enumerate(names)]
        db.session.add_all(procs)
        db.session.commit()
        ids = [p.id for p in procs]
        for i, pid in enumerate(ids):
            record(NewResponse(f"{900 + i:032x}", world.full_counter.id, world.commune.id,
                               catalogue.current("full"), {"TC1": 5}, procedure_id=pid))
        result = services.satisfaction(unit_by_code(world.commune.code),
                                       Period(_today(), _today()))
        assert [g.name for g in result.by_procedure] == [
            "Cấp bản sao", "Chứng thực bản sao", "Dịch vụ công", "Đăng ký khai sinh"]
