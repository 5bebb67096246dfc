"""The SLA clock against the database: a calendar or profile change moves every open
deadline it touches and nothing else; pauses and the extension push the reply date.

One petition is the yardstick throughout: received Wednesday 2/12/2026 at 09:00 local,
so with the default profile it is to be classified by Fri 4/12, transferred by Wed 9/12
and answered by Wed 16/12 (December 2026 has no holiday before 1/1/2027).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from staff_support import act

from feedback.extensions import db
from feedback.models import AuditEvent, Petition, Unit
from feedback.petitions import clock, rules
from feedback.petitions.workflow import WorkflowError

VN = ZoneInfo("Asia/Ho_Chi_Minh")
RECEIVED = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wed 2/12/2026 09:00 local
DUE = date(2026, 12, 16)


def local(d: int, hh: int = 9, month: int = 12) -> datetime:
    return datetime(2026, month, d, hh, 0, tzinfo=VN)


def _load(code: str) -> Petition:
    return db.session.scalar(select(Petition).where(Petition.code == code))


def _dates(app: Flask, code: str) -> tuple[Any, ...]:
    with app.app_context():
        p = _load(code)
        return (p.classify_due, p.transfer_due, p.reply_due, p.status, p.on_time,
                p.closed_at)


def _accepted(app: Flask, world: Any, petition: Any, unit: Unit | None = None) -> Petition:
    p = petition(unit or world.commune, received_at=RECEIVED)
    return act(app, p.code, "accept", world.leader, now=local(3), category="1",
                assignee=str(world.officer.id))


def _set_day(app: Flask, day: date, working: bool) -> int:
    with app.app_context():
        return clock.set_day(day, working, "thử", None)


def _unset_day(app: Flask, day: date) -> int | None:
    with app.app_context():
        return clock.unset_day(day, None)


def _set_profile(app: Flask, unit: Unit, **days: int) -> int:
    with app.app_context():
        return clock.set_profile(db.session.get(Unit, unit.id), rules.Profile(**days), None)


# ---------------------------------------------------------------- the calendar table


def test_a_day_off_inside_the_window_moves_an_open_deadline_and_back(
        app: Flask, world: Any, petition: Any) -> None:
    p = petition(world.commune, received_at=RECEIVED)
    assert p.reply_due == DUE
    assert _set_day(app, date(2026, 12, 8), False) == 1
    assert _dates(app, p.code)[:3] == (date(2026, 12, 4), date(2026, 12, 10), date(2026, 12, 17))
    assert _unset_day(app, date(2026, 12, 8)) == 1
    assert _dates(app, p.code)[:3] == (date(2026, 12, 4), date(2026, 12, 9), DUE)


def test_a_make_up_saturday_pulls_an_open_deadline_in(
        app: Flask, world: Any, petition: Any) -> None:
    p = petition(world.commune, received_at=RECEIVED)
    assert _set_day(app, date(2026, 12, 5), True) == 1
    assert _dates(app, p.code)[2] == date(2026, 12, 15)


def test_a_day_off_after_every_deadline_moves_nothing(
        app: Flask, world: Any, petition: Any) -> None:
    p = petition(world.commune, received_at=RECEIVED)
    assert _set_day(app, date(2026, 12, 24), False) == 0
    assert _dates(app, p.code)[2] == DUE


def test_a_closed_petition_keeps_its_dates_and_its_verdict(
        app: Flask, world: Any, petition: Any) -> None:
    answered = _accepted(app, world, petition)
    answered = act(app, answered.code, "answer", world.officer, now=local(16, 15),
                    answer="Đã trả hồ sơ.")
    assert answered.on_time is True
    before = _dates(app, answered.code)
    still_open = petition(world.commune, received_at=RECEIVED)
    # Two days off inside the window: the open one moves, the answered one keeps its
    # due date (and so stays on time, though by the new calendar it would be early).
    assert _set_day(app, date(2026, 12, 8), False) == 1
    assert _set_day(app, date(2026, 12, 9), False) == 1
    assert _dates(app, answered.code) == before
    assert _dates(app, still_open.code)[2] == date(2026, 12, 18)
    # A shorter reply deadline would make it late if it were recomputed: it is not.
    with app.app_context():
        clock.set_profile(db.session.get(Unit, world.commune.id),
                          rules.Profile(reply_days=3), None)
    assert _dates(app, answered.code) == before


def test_a_rejected_or_transferred_petition_does_not_move(
        app: Flask, world: Any, petition: Any) -> None:
    rejected = petition(world.commune, received_at=RECEIVED)
    act(app, rejected.code, "reject", world.leader, now=local(3), reason="Không rõ nội dung")
    transferred = petition(world.commune, received_at=RECEIVED)
    act(app, transferred.code, "transfer", world.leader, now=local(3),
         receiving_body="UBND huyện", reason="Ngoài thẩm quyền")
    before = (_dates(app, rejected.code), _dates(app, transferred.code))
    assert _set_day(app, date(2026, 12, 3), False) == 0
    assert (_dates(app, rejected.code), _dates(app, transferred.code)) == before


def test_calendar_changes_are_audited(app: Flask, world: Any) -> None:
    _set_day(app, date(2026, 12, 8), False)
    _unset_day(app, date(2026, 12, 8))
    assert _unset_day(app, date(2026, 12, 8)) is None
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["calendar.set", "calendar.unset"]
        assert clock.overrides(2026) == []


# ---------------------------------------------------------------- SLA profiles


def test_a_province_profile_moves_communes_without_their_own(
        app: Flask, world: Any, petition: Any) -> None:
    inherits = petition(world.commune, received_at=RECEIVED)
    _set_profile(app, world.sibling, classify_days=2, transfer_days=5, reply_days=10,
                 extension_days=10)
    has_own = petition(world.sibling, received_at=RECEIVED)
    elsewhere = petition(world.stranger, received_at=RECEIVED)
    moved = _set_profile(app, world.province, classify_days=1, transfer_days=3, reply_days=5,
                         extension_days=5)
    assert moved == 1
    assert _dates(app, inherits.code)[:3] == (
        date(2026, 12, 3), date(2026, 12, 7), date(2026, 12, 9))
    assert _dates(app, has_own.code)[:3] == (date(2026, 12, 4), date(2026, 12, 9), DUE)
    assert _dates(app, elsewhere.code)[2] == DUE
    with app.app_context():
        origin = clock.profile_origin(db.session.get(Unit, world.commune.id))
        assert origin.source is not None and origin.source.code == "tinh-a"
        assert origin.profile.reply_days == 5
        assert clock.profile_origin(db.session.get(Unit, world.sibling.id)).source.code == \
            "xa-a2"  # type: ignore[union-attr]
        stranger = clock.profile_origin(db.session.get(Unit, world.stranger.id))
        assert stranger.source is None and stranger.profile == clock.default_profile()


def test_removing_a_profile_inherits_again_and_moves_its_petitions(
        app: Flask, world: Any, petition: Any) -> None:
    _set_profile(app, world.province, classify_days=1, transfer_days=3, reply_days=5,
                 extension_days=5)
    _set_profile(app, world.commune, classify_days=2, transfer_days=5, reply_days=12,
                 extension_days=10)
    p = petition(world.commune, received_at=RECEIVED)
    assert p.reply_due == date(2026, 12, 18)
    with app.app_context():
        assert clock.unset_profile(db.session.get(Unit, world.commune.id), None) == 1
        assert clock.unset_profile(db.session.get(Unit, world.commune.id), None) is None
        assert clock.own_profile(world.commune.id) is None
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["sla.set", "sla.set", "sla.unset"]
    assert _dates(app, p.code)[2] == date(2026, 12, 9), "the province's 5 days now"


# ---------------------------------------------------------------- pauses and extension


def test_a_pause_pushes_the_reply_by_the_working_days_paused(
        app: Flask, world: Any, petition: Any) -> None:
    p = _accepted(app, world, petition)
    p = act(app, p.code, "wait", world.officer, now=local(7, 10), note="Xin giấy hẹn")
    assert p.paused_since is not None
    # Resumed Thursday: Mon 7, Tue 8 and Wed 9 were paused, three working days.
    p = act(app, p.code, "resume", world.officer, now=local(10, 9))
    assert p.reply_due == date(2026, 12, 21)
    assert (p.classify_due, p.transfer_due) == (date(2026, 12, 4), date(2026, 12, 9)), \
        "classification and transfer are never paused"
    # A later calendar change recomputes from the stored pauses, not from scratch.
    assert _set_day(app, date(2026, 12, 18), False) == 1
    assert _dates(app, p.code)[2] == date(2026, 12, 22)


def test_a_pause_over_a_weekend_counts_only_its_working_days(
        app: Flask, world: Any, petition: Any) -> None:
    p = _accepted(app, world, petition)
    act(app, p.code, "wait", world.officer, now=local(4, 16), note="Xin bản chụp")
    p = act(app, p.code, "resume", world.officer, now=local(8, 8))
    # Fri 4 and Mon 7 paused (Sat, Sun are not working days anyway).
    assert p.reply_due == date(2026, 12, 18)


def test_the_extension_adds_its_days_once(app: Flask, world: Any, petition: Any) -> None:
    _set_profile(app, world.commune, classify_days=2, transfer_days=5, reply_days=10,
                 extension_days=5)
    p = _accepted(app, world, petition)
    p = act(app, p.code, "extend", world.leader, now=local(10), reason="Cần xác minh")
    assert p.extended is True and p.reply_due == date(2026, 12, 23)
    with pytest.raises(WorkflowError):
        act(app, p.code, "extend", world.leader, now=local(11), reason="Lần nữa")
    assert _dates(app, p.code)[2] == date(2026, 12, 23)
    # Recomputed after a calendar change: the extension is still counted once.
    assert _set_day(app, date(2026, 12, 21), False) == 1
    assert _dates(app, p.code)[2] == date(2026, 12, 24)
    # And a new extension length in the profile applies to it too.
    _set_profile(app, world.commune, classify_days=2, transfer_days=5, reply_days=10,
                 extension_days=10)
    assert _dates(app, p.code)[2] == date(2026, 12, 31)


def test_the_weekend_setting_reaches_the_clock(app: Flask) -> None:
    with app.app_context():
        assert not clock.calendar().is_working_day(date(2026, 3, 7))  # a Saturday
        app.config["WEEKEND"] = "sun"
        try:
            assert clock.calendar().is_working_day(date(2026, 3, 7))
            assert not clock.calendar().is_working_day(date(2026, 3, 8))
        finally:
            app.config["WEEKEND"] = "sat,sun"
