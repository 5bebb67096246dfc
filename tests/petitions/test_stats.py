"""Petition figures and listings from the database (petitions.stats): a province counts its
communes and nothing else, the numbers match a count by hand, and a recount from the
stored PetitionEvent rows alone gives the same figures."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from petition_mix import NOVEMBER, OCTOBER, OCTOBER_SATISFACTION, PERIODS, SEPTEMBER, load
from petition_mix import build as build_mix
from sqlalchemy import select

from feedback import org
from feedback.extensions import db
from feedback.models import Petition, PetitionEvent, Unit
from feedback.petitions import clock, figures, rules, services, stats
from feedback.petitions.workflow import Action
from feedback.reports.periods import Period


@pytest.fixture
def mix(app: Flask, world: Any) -> dict[str, str]:
    with app.app_context():
        codes = build_mix(world).codes
        db.session.remove()
    return codes


def _unit(code: str) -> Unit:
    return org.unit_by_code(code)


def _figures(code: str, period: str) -> dict[str, Any]:
    return stats.figures_for(_unit(code), Period(*PERIODS[period])).as_dict()


def test_october_counted_by_hand(app: Flask, mix: dict[str, str]) -> None:
    with app.app_context():
        out = _figures("tinh-a", "october")
    assert {k: out[k] for k in OCTOBER} == OCTOBER
    assert out["satisfaction"] == OCTOBER_SATISFACTION
    assert out["received_by_channel"] == {"email": 1, "facebook": 1, "portal": 1, "web": 6,
                                          "zalo": 1}
    late = {item["code"]: item for item in out["late_items"]}
    assert set(late) == {mix["carried_late"], mix["overdue_then_late"]}
    assert late[mix["carried_late"]]["answered_at"].startswith("2026-10-20T15:00:00+07:00")
    assert late[mix["carried_late"]]["reason"] == "Phải xin ý kiến Sở Tư pháp."
    assert late[mix["overdue_then_late"]]["answered_at"] is None
    assert late[mix["overdue_then_late"]]["reply_due"] == "2026-10-29"


@pytest.mark.parametrize(("period", "expected"), [("september", SEPTEMBER),
                                                  ("november", NOVEMBER)])
def test_other_months(app: Flask, mix: dict[str, str], period: str,
                      expected: dict[str, Any]) -> None:
    with app.app_context():
        out = _figures("tinh-a", period)
    assert {k: out[k] for k in expected} == expected


def test_a_province_counts_its_communes_and_no_other_province(
        app: Flask, mix: dict[str, str]) -> None:
    with app.app_context():
        province, a1, a2 = (_figures(c, "october") for c in ("tinh-a", "xa-a1", "xa-a2"))
        other = _figures("tinh-b", "october")
    for key in ("carried_over", "received", "not_accepted", "transferred", "answered_on_time",
                "answered_late", "open_in_time", "open_overdue", "gop_y"):
        assert province[key] == a1[key] + a2[key], key
    assert (a2["received"], a2["transferred"], a2["not_accepted"]) == (2, 1, 1)
    assert other["received"] == 1 and other["open_overdue"] == 1  # due 26/10
    assert mix["stranger"] not in json.dumps(province)


def test_archived_petitions_count_as_what_they_were(app: Flask, mix: dict[str, str]) -> None:
    with app.app_context():
        assert load(mix["archived_answer"]).status == "archived"
        assert load(mix["archived_rejection"]).status == "archived"
        out = _figures("xa-a2", "october")
    assert out["not_accepted"] == 1  # rejected, then archived


def test_one_query_for_the_rows(app: Flask, mix: dict[str, str],
                                statements: list[str]) -> None:
    """The rows as numbers in one read; the late list's words (code, reason) only for the
    late ones, by id."""
    with app.app_context():
        unit = _unit("tinh-a")
        statements.clear()
        late = stats.figures_for(unit, Period(*PERIODS["october"])).late_items
    petition_reads = [s for s in statements if "FROM petition " in s or "FROM petition\n" in s]
    assert late
    assert len(petition_reads) == 2, petition_reads
    assert "petition.reason" not in petition_reads[0]
    assert "WHERE petition.id IN" in petition_reads[1]
    # The unit subtree and codes, the rows, the due dates moved since the period ended, the
    # calendar, the late list.
    assert len(statements) <= 6, statements


def test_a_finished_period_keeps_its_figures_when_the_settings_change(
        app: Flask, world: Any, mix: dict[str, str]) -> None:
    """A unit admin giving the province 60 days to reply moves every open petition's
    date, but November, already reported, still counts its overdue petitions."""
    from feedback.petitions import clock, rules

    with app.app_context():
        before = _figures("tinh-a", "november")
        assert before["open_overdue"] == 2
        moved = clock.set_profile(_unit("tinh-a"), rules.Profile(2, 5, 60, 10), None)
        assert moved >= 1
        assert _figures("tinh-a", "november") == before


def test_a_rating_after_the_period_does_not_change_it(app: Flask, world: Any,
                                                      mix: dict[str, str]) -> None:
    """The archived answer was rated "unsatisfied" on 1/11: October's satisfaction does
    not move, so a finished month's figures stay what they were."""
    with app.app_context():
        assert load(mix["archived_answer"]).rating == 1
        assert _figures("tinh-a", "october")["satisfaction"]["rated"] == 2


# --- Listings ------------------------------------------------------------------------------

def test_listing_objects_have_the_contract_keys(app: Flask, mix: dict[str, str]) -> None:
    with app.app_context():
        rows = stats.listing(org.descendant_ids(_unit("tinh-a").id))
    assert len(rows) == len(mix) - 1  # not the other province's
    for row in rows:
        assert {"code", "unit", "channel", "status", "received_at", "reply_due",
                "answered_at", "on_time", "kind", "category", "assignee", "classify_due",
                "transfer_due", "extended"} <= set(row)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", row["received_at"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["reply_due"])
    by_code = {r["code"]: r for r in rows}
    assert by_code[mix["untouched"]]["on_time"] is None  # open
    assert by_code[mix["waiting"]]["on_time"] is None
    assert by_code[mix["carried_late"]]["on_time"] is False
    assert by_code[mix["carried_on_time"]]["on_time"] is True
    assert by_code[mix["rejected"]]["on_time"] is None
    assert by_code[mix["carried_on_time"]]["assignee"] == "officer@x.vn"
    assert by_code[mix["carried_on_time"]]["answered_at"] == "2026-10-06T09:00:00+07:00"
    assert by_code[mix["untouched"]]["overdue"] is True  # due 9/11, today is later
    received = [r["received_at"] for r in rows]
    assert received == sorted(received, reverse=True)  # newest first


def test_listing_by_status(app: Flask, mix: dict[str, str]) -> None:
    with app.app_context():
        ids = org.descendant_ids(_unit("tinh-a").id)
        archived = stats.listing(ids, "archived")
        waiting = stats.listing(ids, "waiting_citizen")
        with pytest.raises(stats.BadStatus):
            stats.listing(ids, "closed")
        assert stats.listing(set()) == []
    assert {r["code"] for r in archived} == {mix["archived_answer"], mix["archived_rejection"]}
    assert [r["code"] for r in waiting] == [mix["waiting"]]


def test_detail_has_the_history_and_the_sender(app: Flask, mix: dict[str, str]) -> None:
    with app.app_context():
        out = stats.petition_dict(load(mix["paused_on_time"]), detail=True)
    assert out["sender"]["name"] == "Nguyễn Văn An" and out["content"]
    assert out["answer"] == "Đã trả lời."
    assert [(e["action"], e["from"], e["to"]) for e in out["events"]] == [
        ("receive", None, "received"), ("accept", "received", "in_progress"),
        ("wait", "in_progress", "waiting_citizen"),
        ("resume", "waiting_citizen", "in_progress"), ("answer", "in_progress", "answered")]
    assert out["events"][1]["actor"] == "leader@x.vn"
    assert out["events"][2]["note"] == "Xin bản chụp giấy hẹn."
    assert out["events"][2]["at"] == "2026-10-13T09:00:00+07:00"
    assert out["attachments"] == []
    assert json.loads(json.dumps(out)) == out  # plain JSON


# --- The recount from the stored events alone ---------------------------------------------

def _facts_from_events(unit_ids: set[int]) -> list[figures.Fact]:
    """Every petition's facts rebuilt from its PetitionEvent rows: receipt time and channel
    (receive), category (accept), pauses (wait/resume), extension (extend), how and when
    it closed (answer/reject/transfer), reason (the last reject/transfer/extend note, or
    a late answer's stated reason), the
    status (the last event's target) and the rating (rate). The reply and transfer due
    dates are recomputed from those with the calendar and the unit's SLA profile, and
    on-time judged against them. Only the petition's unit and kind (who sent it: PAKN or
    góp ý, never changed after filing) come from the petition row."""
    tz, cal, closes = clock.tz(), clock.calendar(), clock.closes()
    petitions = db.session.execute(
        select(Petition.id, Petition.unit_id, Petition.kind, Petition.code, Unit.code)
        .join(Unit, Unit.id == Petition.unit_id).where(Petition.unit_id.in_(unit_ids))).all()
    events: dict[int, list[PetitionEvent]] = {}
    for event in db.session.scalars(select(PetitionEvent).order_by(PetitionEvent.id)):
        events.setdefault(event.petition_id, []).append(event)
    facts = []
    for pid, unit_id, kind, code, unit_code in petitions:
        history = events[pid]
        receive = history[0]
        assert receive.action == services.RECEIVE
        detail = json.loads(receive.detail)
        received_at = (datetime.fromisoformat(detail["received_at"])
                       if "received_at" in detail else receive.at)
        category = None
        extended = False
        closed_as = closed_at = reason = rating = None
        for event in history[1:]:
            extra = json.loads(event.detail or "{}")
            if event.action == Action.ACCEPT:
                category = extra["category"]
            elif event.action == Action.EXTEND:
                extended, reason = True, event.note
            elif event.action in (Action.ANSWER, Action.REJECT, Action.TRANSFER):
                closed_at = event.at
                closed_as = {Action.ANSWER: figures.ANSWERED, Action.REJECT: figures.REJECTED,
                             Action.TRANSFER: figures.TRANSFERRED}[Action(event.action)]
                if event.action != Action.ANSWER:
                    reason = event.note
                elif "late_reason" in extra:
                    reason = extra["late_reason"]
            elif event.action == services.RATE:
                rating = (extra["rating"], event.at)
        dues = rules.dues(cal, received_at, clock.profile_for(unit_id),
                          pauses=clock.pauses_of(history, None), extended=extended,
                          as_of=clock.now(), tz=tz, closes=closes)
        on_time = None
        if closed_as == figures.ANSWERED:
            assert closed_at is not None
            on_time = rules.on_time(closed_at, dues.reply, tz)
        elif closed_as == figures.TRANSFERRED:
            assert closed_at is not None
            on_time = rules.on_time(closed_at, dues.transfer, tz)
        facts.append((figures.Fact(
            code=code, unit=unit_code, kind=kind, channel=detail["channel"], category=category,
            received_at=received_at.astimezone(tz), reply_due=dues.reply, closed_as=closed_as,
            closed_at=closed_at.astimezone(tz) if closed_at else None, on_time=on_time,
            rating=None, reason=reason, status=history[-1].to_state), rating))
    return facts  # type: ignore[return-value]


def _recount(unit_code: str, first: date, last: date, now: datetime) -> dict[str, Any]:
    unit = _unit(unit_code)
    tz = clock.tz()
    start, end = Period(first, last).bounds(tz)
    facts = []
    for fact, rating in _facts_from_events(org.descendant_ids(unit.id)):  # type: ignore[misc]
        if rating is not None and rating[1] < end:
            fact = figures.Fact(**{**fact.__dict__, "rating": rating[0]})
        facts.append(fact)
    return figures.count(facts, start, end, calendar=clock.calendar(), tz=tz,
                         now=now).as_dict()


@pytest.mark.parametrize("unit_code", ["tinh-a", "xa-a1", "xa-a2", "tinh-b"])
@pytest.mark.parametrize("period", [*PERIODS, "this-month"])
def test_the_figures_recounted_from_the_events_alone_agree(
        app: Flask, mix: dict[str, str], unit_code: str, period: str) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        if period == "this-month":  # a running period: judged as of now
            today = clock.today()
            first, last = today.replace(day=1), date(today.year, today.month, 28)
        else:
            first, last = PERIODS[period]
        stored = stats.figures_for(_unit(unit_code), Period(first, last), now=now).as_dict()
        recounted = _recount(unit_code, first, last, now)
    assert stored == recounted
    if unit_code == "tinh-a" and period == "october":
        assert {k: recounted[k] for k in OCTOBER} == OCTOBER  # not vacuously equal


def test_the_recount_sees_a_stored_fact_gone_wrong(app: Flask, mix: dict[str, str]) -> None:
    """The recount is independent of the petition rows: a row edited behind the events'
    back (an answer marked on time that was late) shows up as a difference."""
    now = datetime.now(UTC)
    with app.app_context():
        row = load(mix["carried_late"])
        row.on_time = True
        db.session.commit()
        first, last = PERIODS["october"]
        stored = stats.figures_for(_unit("tinh-a"), Period(first, last), now=now).as_dict()
        recounted = _recount("tinh-a", first, last, now)
    assert stored["answered_late"] == 0 and recounted["answered_late"] == 1


def test_instants_on_a_month_bound_count_in_their_own_month(app: Flask, world: Any,
                                                            mix: dict[str, str]) -> None:
    """The rows are read as whole seconds (floored) in SQL: a petition received at
    23:59:59.9 on 31 October is October's, one at midnight is November's, whatever the
    database; one answered at 23:59:59.9 was answered in October."""
    from datetime import timedelta

    from petition_mix import _act, _file, local

    with app.app_context():
        before = {p: _figures("tinh-a", p) for p in ("october", "november")}
        last_instant = local(10, 31, 23, 59) + timedelta(seconds=59, microseconds=900_000)
        _file(world.commune.id, last_instant)
        _file(world.commune.id, local(11, 1, 0, 0))
        answered = _file(world.commune.id, local(10, 30))
        _act(answered, "accept", world.leader.id, local(10, 30, 10), category="1",
             assignee=str(world.officer.id))
        _act(answered, "answer", world.officer.id, last_instant, answer="Đã giải quyết.")
        db.session.commit()
        october, november = _figures("tinh-a", "october"), _figures("tinh-a", "november")
    assert october["received"] == before["october"]["received"] + 2
    assert october["answered_on_time"] == before["october"]["answered_on_time"] + 1
    assert october["open_in_time"] == before["october"]["open_in_time"] + 1
    assert november["received"] == before["november"]["received"] + 1
    assert november["carried_over"] == before["november"]["carried_over"] + 1
