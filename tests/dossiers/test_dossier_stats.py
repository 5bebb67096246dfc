"""The dossier figures read from SQL: the same counts as the pure verdict row by row, a
unit with the units below it, months cut in local time, survey answers matched to their
dossier by the keyed hash."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from feedback.dossiers import figures, stats
from feedback.dossiers.services import import_dossiers
from feedback.extensions import db
from feedback.models import Dossier, Procedure, Unit
from feedback.reports.periods import Period
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
HEADER = "Mã đơn vị,Mã hồ sơ,Mã thủ tục,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả"


def _export(tmp_path: Path, rows: list[str]) -> str:
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def _mix(world: Any) -> list[str]:
    """Two hundred dossiers of both communes over September to November."""
    rng = random.Random(7)
    rows = []
    for i in range(200):
        unit = world.commune.code if i % 3 else world.sibling.code
        received = datetime(2026, 9, 1, 8, tzinfo=TZ) + timedelta(hours=rng.randint(0, 2000))
        due = received + timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 9))
        returned = (None if rng.random() < 0.2 else
                    received + timedelta(days=rng.randint(0, 15), hours=rng.randint(0, 9)))
        if returned is not None and returned > datetime(2026, 11, 20, tzinfo=TZ):
            returned = None
        rows.append(f"{unit},HS-{i},{'HT01' if i % 2 else 'HT02'},"
                    f"{received:%d/%m/%Y %H:%M},{due:%d/%m/%Y %H:%M},"
                    f"{'' if returned is None else f'{returned:%d/%m/%Y %H:%M}'}")
    return rows


def _procedures(app: Flask, world: Any) -> None:
    with app.app_context():
        db.session.add_all([
            Procedure(unit_id=world.commune.id, code="HT02", name="Đăng ký kết hôn"),
            Procedure(unit_id=world.sibling.id, code="HT01", name="Đăng ký khai sinh"),
            Procedure(unit_id=world.sibling.id, code="HT02", name="Đăng ký kết hôn")])
        db.session.commit()


def test_the_sql_counts_as_the_pure_verdict_row_by_row(app: Flask, world: Any,
                                                       tmp_path: Path) -> None:
    _procedures(app, world)
    with app.app_context():
        import_dossiers(_export(tmp_path, _mix(world)), now=datetime(2026, 11, 25, tzinfo=UTC))
        stored = [(d.procedure_code, d.procedure_name, d.received_day, d.due_day,
                   d.returned_day) for d in db.session.scalars(select(Dossier))]
        for today in (date(2026, 11, 25), date(2026, 10, 15), date(2026, 10, 1)):
            got = stats.figures_for(db.session.get(Unit, world.province.id), OCTOBER,
                                    today=today)
            when = figures.judgement(OCTOBER.first, OCTOBER.last, today)
            by_code = sorted(got.procedures, key=lambda c: c.code)
            assert by_code == figures.count(stored, OCTOBER.first, OCTOBER.last, when), today
            assert got.totals == figures.total(got.procedures)
        got = stats.figures_for(db.session.get(Unit, world.province.id), OCTOBER,
                                today=date(2026, 11, 25))
        assert got.totals.due > 40 and got.totals.late and got.totals.open_overdue
        assert got.totals.open_in_time == 0  # the month is over: nothing due is in time
        # A commune sees its own only; the province both.
        commune = stats.figures_for(db.session.get(Unit, world.commune.id), OCTOBER,
                                    today=date(2026, 11, 25))
        sibling = stats.figures_for(db.session.get(Unit, world.sibling.id), OCTOBER,
                                    today=date(2026, 11, 25))
        assert commune.totals.due + sibling.totals.due == got.totals.due
        assert [p.name for p in got.procedures] == ["Đăng ký kết hôn", "Đăng ký khai sinh"]


def test_months_are_cut_in_local_time(app: Flask, world: Any, tmp_path: Path) -> None:
    """Due at 23:30 on 31 October local (16:30 UTC) is October's; due at 00:30 on 1
    November local (17:30 UTC on 31 October) is November's."""
    rows = [f"{world.commune.code},HS-1,HT01,20/10/2026 08:00,31/10/2026 23:30,",
            f"{world.commune.code},HS-2,HT01,20/10/2026 08:00,01/11/2026 00:30,",
            f"{world.commune.code},HS-3,HT01,30/09/2026 23:59,10/10/2026,10/10/2026 17:00",
            f"{world.commune.code},HS-4,HT01,01/10/2026 00:01,11/10/2026,12/10/2026 07:00"]
    with app.app_context():
        import_dossiers(_export(tmp_path, rows), now=datetime(2026, 12, 1, tzinfo=UTC))
        got = stats.figures_for(db.session.get(Unit, world.commune.id), OCTOBER,
                                today=date(2026, 12, 1))
        (row,) = got.procedures
        assert (row.received, row.due, row.on_time, row.late, row.open_overdue) == (
            3, 3, 1, 1, 1)
        nov = stats.figures_for(db.session.get(Unit, world.commune.id),
                                Period(date(2026, 11, 1), date(2026, 11, 30)),
                                today=date(2026, 12, 1))
        assert (nov.totals.received, nov.totals.due, nov.totals.open_overdue) == (0, 1, 1)
        data = got.as_dict()
        assert data["totals"]["qd766_ratio"] == round(100 / 3, 2)
        assert data["totals"]["on_time_rate"] == 50.0
        assert data["returned_by"] == "2026-10-31" and data["overdue_before"] == "2026-11-01"


def test_survey_answers_meet_their_dossier_by_the_hash(app: Flask, world: Any,
                                                       tmp_path: Path) -> None:
    rows = [f"{world.commune.code},000.00.12.H56-261002-0001,HT01,02/10/2026 08:00,"
            "05/10/2026,05/10/2026",
            f"{world.commune.code},000.00.12.H56-261002-0002,HT01,02/10/2026 08:00,"
            "05/10/2026,"]
    with app.app_context():
        import_dossiers(_export(tmp_path, rows), now=datetime(2026, 12, 1, tzinfo=UTC))
        q = catalogue.current("full")
        at = datetime.combine(date(2026, 10, 6), time(9), tzinfo=TZ).astimezone(UTC)
        given = [("000.00.12.h56 261002 0001", world.full_counter, 5),  # typed loosely
                 ("000.00.12.H56-261002-0002", world.counter, 2),
                 ("KHONG-CO-1", world.full_counter, 4),           # no such dossier
                 ("000.00.12.H56-261002-0001", world.sibling_counter, 5),  # other unit
                 (None, world.full_counter, 5)]
        for i, (code, counter, value) in enumerate(given):
            questionnaire = catalogue.current(counter.questionnaire)
            record(NewResponse(f"{i:032x}", counter.id, counter.unit_id, questionnaire,
                               {item: value for item in questionnaire.items
                                if item in q.items}, dossier=code, answered_at=at))
        got = stats.figures_for(db.session.get(Unit, world.commune.id), OCTOBER,
                                today=date(2026, 12, 1)).responses
        assert (got.with_code, got.matched) == (3, 2)
        short = len([i for i in catalogue.current(world.counter.questionnaire).items
                     if i in q.items])
        assert got.answers == len(q.items) + short
        assert got.satisfied == len(q.items)  # the 5s, not the 2s
        # At the province the sibling's answer matches too: the same code's hash, a
        # dossier of a unit in the province's subtree.
        province = stats.figures_for(db.session.get(Unit, world.province.id), OCTOBER,
                                     today=date(2026, 12, 1)).responses
        assert (province.with_code, province.matched) == (4, 3)
