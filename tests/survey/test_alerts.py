"""Alerts: "Có" to HARASS or INFORMAL, or the lowest overall rating, reaches the unit's
leaders once, by mail or in the outbox; an ordinary response costs no extra query."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.links import new_submission_id
from feedback.models import Counter, MailMessage, Response, User
from feedback.survey import alerts, catalogue
from feedback.survey.services import NewResponse, record


@pytest.mark.parametrize(("answers", "expected"), [
    ({"TC2": 5, "HARASS": 1}, ["HARASS"]),
    ({"TC2": 5, "INFORMAL": 1}, ["INFORMAL"]),
    ({"OVERALL": 1}, ["OVERALL"]),
    ({"TC2": 1, "HARASS": 1, "INFORMAL": 1}, ["HARASS", "INFORMAL"]),
    ({"TC2": 5, "HARASS": 0, "INFORMAL": 0}, []),
    ({"OVERALL": 2}, []),
    ({"OVERALL": 3}, []),
    ({"TC2": 1, "CC1": 1}, []),  # a low item is in the figures, not an alert
    ({}, []),
])
def test_reasons(answers: dict[str, int], expected: list[str]) -> None:
    assert alerts.reasons(answers) == expected


def _messages(app) -> list[MailMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(MailMessage).order_by(MailMessage.recipient)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def sat3_counter(app, world) -> Counter:
    with app.app_context():
        counter = Counter(unit_id=world.commune.id, name="Máy tính bảng", position=3,
                          questionnaire="sat3")
        db.session.add(counter)
        db.session.commit()
        db.session.refresh(counter)
        db.session.expunge(counter)
        return counter


@pytest.mark.parametrize(("answers", "said"), [
    ({"TC2": 4, "q_HARASS": 1}, "Công chức có gây phiền hà, sách nhiễu không?"),
    ({"TC2": 4, "q_INFORMAL": 1}, "Có phải trả chi phí ngoài quy định không?"),
])
def test_yes_to_harass_or_informal_alerts_the_leader(app, world, submit, answers, said
                                                     ) -> None:
    answers = {k.removeprefix("q_"): v for k, v in answers.items()}
    resp = submit(world.counter, answers, comment="Bị đòi thêm tiền", dossier="HS-2026-0042")
    assert resp.status_code == 303
    [msg] = _messages(app)
    assert msg.recipient == "leader@x.vn"  # the commune's leader, not the officer
    assert msg.unit_id == world.commune.id
    assert msg.state == "outbox"  # no SMTP configured: the admins' outbox holds it
    assert said in msg.body and "Trả lời “Có”" in msg.body
    assert "Quầy 1 — Tư pháp" in msg.body and "Xã Hoằng Ngọc" in msg.body
    assert "Bị đòi thêm tiền" in msg.body
    assert "HS-2026-0042" not in msg.body and "HS-2026-0042" not in msg.subject
    with app.app_context():
        response_id = db.session.scalar(select(Response.id))
    assert msg.key == f"alert:response:{response_id}:leader@x.vn"
    assert "Xã Hoằng Ngọc" in msg.subject


def test_message_says_when_in_local_time_and_links_the_list(app, world, submit) -> None:
    submit(world.counter, {"TC2": 4, "HARASS": 1})
    [msg] = _messages(app)
    with app.app_context():
        created = db.session.scalar(select(Response.created_at))
    local = created.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"Thời điểm: {local:%d/%m/%Y %H:%M}" in msg.body
    link = re.search(r"(http://\S+/staff/responses\?\S+)", msg.body).group(1)  # type: ignore[union-attr]
    assert link.startswith("http://127.0.0.1:5000/staff/responses?unit=xa-a1")
    assert f"counter={world.counter.id}" in link
    assert f"from={local.date().isoformat()}" in link


def test_the_link_opens_the_responses_of_that_day(client, app, world, submit, login) -> None:
    submit(world.counter, {"TC2": 4, "HARASS": 1}, comment="Phiếu có cảnh báo")
    [msg] = _messages(app)
    path = re.search(r"http://[^/]+(/staff/responses\?\S+)", msg.body).group(1)  # type: ignore[union-attr]
    login(world.leader)
    page = client.get(path).get_data(as_text=True)
    assert "1 phiếu." in page and "Phiếu có cảnh báo" in page


def test_lowest_one_tap_rating_alerts(app, world, submit, sat3_counter) -> None:
    assert submit(sat3_counter, {"OVERALL": 1}).status_code == 303
    [msg] = _messages(app)
    assert "Không hài lòng" in msg.body and "mức thấp nhất" in msg.body
    assert "Máy tính bảng" in msg.body
    assert submit(sat3_counter, {"OVERALL": 2}).status_code == 303
    assert len(_messages(app)) == 1


def test_no_alert_for_an_ordinary_response(app, world, submit) -> None:
    assert submit(world.counter, {"TC2": 1, "HARASS": 0, "INFORMAL": 0},
                  comment="Chậm").status_code == 303
    assert _messages(app) == []


def test_a_double_tap_stores_and_alerts_once(app, client, world, submit) -> None:
    sid = new_submission_id()
    for _ in range(3):
        assert submit(world.counter, {"TC2": 4, "HARASS": 1},
                      submission_id=sid).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1
    assert len(_messages(app)) == 1


def test_every_active_leader_of_the_unit_and_no_one_else(app, world, submit) -> None:
    from feedback.auth.services import hash_password

    with app.app_context():
        db.session.add_all([
            User(email="pho.chu.tich@x.vn", role="leader", unit_id=world.commune.id,
                 password_hash=hash_password("x")),
            User(email="nghi.huu@x.vn", role="leader", unit_id=world.commune.id,
                 password_hash=hash_password("x"), active=False),
            User(email="admin.xa@x.vn", role="admin", unit_id=world.commune.id,
                 password_hash=hash_password("x")),
        ])
        db.session.commit()
    submit(world.counter, {"TC2": 4, "INFORMAL": 1})
    # Not the disabled leader, not the unit's admin (there are leaders), not the province.
    assert [m.recipient for m in _messages(app)] == ["leader@x.vn", "pho.chu.tich@x.vn"]


def test_without_a_leader_the_units_admins_are_told(app, world, submit) -> None:
    from feedback.auth.services import hash_password

    with app.app_context():
        db.session.get(User, world.leader.id).active = False
        db.session.add(User(email="admin.xa@x.vn", role="admin", unit_id=world.commune.id,
                            password_hash=hash_password("x")))
        db.session.commit()
    submit(world.counter, {"TC2": 4, "HARASS": 1})
    assert [m.recipient for m in _messages(app)] == ["admin.xa@x.vn"]


def test_a_unit_with_no_one_to_tell_still_stores_the_answer(app, world, submit) -> None:
    assert submit(world.sibling_counter, {"TC2": 4, "HARASS": 1}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1
    assert _messages(app) == []


def test_paper_entries_alert_too(app, client, world, login) -> None:
    login(world.officer)
    page = client.get(f"/staff/paper?counter={world.counter.id}&questionnaire=full")
    sid = re.search(r'name="submission_id" value="([0-9a-f]{32})"',  # type: ignore[union-attr]
                    page.get_data(as_text=True)).group(1)
    day = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) - timedelta(days=2)).date()
    data = {"counter": str(world.counter.id), "questionnaire": "full", "submission_id": sid,
            "answered_on": day.isoformat(), "q_TC1": "4", "q_HARASS": "1"}
    assert client.post("/staff/paper", data=data).status_code == 303
    assert client.post("/staff/paper", data=data).status_code == 303  # retry: same row
    [msg] = _messages(app)
    assert msg.recipient == "leader@x.vn"
    assert f"Ngày ghi trên phiếu giấy: {day:%d/%m/%Y}" in msg.body




def test_an_ordinary_response_costs_no_extra_query(app, world, statements) -> None:
    short = catalogue.current("short")
    with app.app_context():
        record(NewResponse(new_submission_id(), world.counter.id, world.commune.id, short,
                           {"TC2": 5, "HARASS": 0}))
        ordinary = list(statements)
        statements.clear()
        record(NewResponse(new_submission_id(), world.counter.id, world.commune.id, short,
                           {"TC2": 5, "HARASS": 1}))
        alerted = list(statements)
    assert not any("mail_message" in s or "user_account" in s for s in ordinary)
    # The two inserts, and the aggregate's state (a response of today adds no cells),
    # after its shared lock on PostgreSQL (an advisory lock: it writes nothing).
    locks = [s for s in ordinary if "pg_advisory_xact_lock_shared" in s]
    assert len(locks) == (app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"))
    assert len([s for s in ordinary if s.lstrip().upper().startswith(("SELECT", "INSERT",
                                                                        "UPDATE"))
                and s not in locks]) == 3
    assert not any("INTO tally" in s for s in ordinary)
    assert any("INSERT INTO mail_message" in s for s in alerted)


def test_sent_by_smtp_after_the_commit_once(app, world, submit, smtp) -> None:
    sid = new_submission_id()
    submit(world.counter, {"TC2": 4, "HARASS": 1}, submission_id=sid)
    submit(world.counter, {"TC2": 4, "HARASS": 1}, submission_id=sid)
    assert len(smtp.messages) == 1
    rcpts, raw = smtp.messages[0]
    assert rcpts == ["leader@x.vn"]
    body = message_from_bytes(raw).get_payload(decode=True).decode("utf-8")
    assert "gây phiền hà" in body
    [msg] = _messages(app)
    assert msg.state == "sent" and msg.sent_at is not None
    assert msg.sent_at.astimezone(UTC).date() == datetime.now(UTC).date()
