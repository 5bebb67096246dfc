"""The petition service: filing (idempotent), the due dates it stores, and one action per
workflow step recorded as an append-only event."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from staff_support import act

from feedback.extensions import db
from feedback.links import new_submission_id, normalise_short_code
from feedback.models import Petition, PetitionEvent, User
from feedback.petitions import services
from feedback.petitions.workflow import WorkflowError


def _text_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return str(message["Subject"]) + "\n" + message.get_content()  # type: ignore[attr-defined]


def _load(code: str) -> Petition:
    return db.session.scalar(select(Petition).where(Petition.code == code))


def test_filing_gives_a_checked_tracking_code_and_the_reply_date(
        app: Flask, world: Any, petition: Any) -> None:
    # Wednesday 2 Dec 2026, 09:00 local: reply due 10 working days later, Wed 16 Dec.
    p = petition(world.commune, received_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    assert normalise_short_code(p.code) == p.code
    assert p.kind == "pakn" and p.status == "received"
    assert (p.classify_due, p.transfer_due, p.reply_due) == (
        date(2026, 12, 4), date(2026, 12, 9), date(2026, 12, 16))
    with app.app_context():
        assert [e.action for e in _load(p.code).events] == ["receive"]


def test_without_name_address_and_contact_it_is_a_gop_y(world: Any, petition: Any) -> None:
    assert petition(world.commune, sender_name="", sender_phone=None).kind == "gop_y"
    assert petition(world.commune, sender_phone=None,
                    sender_email="an@example.vn").kind == "pakn"


def test_the_same_submission_files_one_petition(app: Flask, world: Any) -> None:
    sid = new_submission_id()
    with app.app_context():
        new = services.NewPetition(unit_id=world.commune.id, channel="web", content="Chậm",
                                   submission_id=sid)
        first, created = services.file(new)
        again, created_again = services.file(services.NewPetition(
            unit_id=world.commune.id, channel="web", content="Chậm", submission_id=sid))
        assert (created, created_again) == (True, False)
        assert first.code == again.code
        assert db.session.scalar(select(func.count(Petition.id))) == 1


def test_a_petition_from_receipt_to_archive(app: Flask, world: Any, petition: Any) -> None:
    p = petition(world.commune)
    p = act(app, p.code, "accept", world.leader, category="1", assignee=str(world.officer.id))
    assert (p.status, p.category, p.assignee_id) == ("in_progress", 1, world.officer.id)
    p = act(app, p.code, "wait", world.officer, note="Xin bản chụp giấy hẹn")
    assert p.status == "waiting_citizen" and p.paused_since is not None
    p = act(app, p.code, "resume", world.officer)
    assert p.status == "in_progress" and p.paused_since is None
    p = act(app, p.code, "answer", world.officer, answer="Đã trả hồ sơ ngày 3/12.")
    assert p.status == "answered" and p.on_time is True and p.closed_at is not None
    p = act(app, p.code, "publish", world.leader, public_text="Đã trả hồ sơ.")
    p = act(app, p.code, "archive", world.leader)
    assert (p.status, p.archived_from) == ("archived", "published")
    with app.app_context():
        events = db.session.scalars(select(PetitionEvent).where(
            PetitionEvent.petition_id == p.id).order_by(PetitionEvent.id)).all()
        assert [(e.action, e.from_state, e.to_state) for e in events] == [
            ("receive", None, "received"), ("accept", "received", "in_progress"),
            ("wait", "in_progress", "waiting_citizen"),
            ("resume", "waiting_citizen", "in_progress"),
            ("answer", "in_progress", "answered"), ("publish", "answered", "published"),
            ("archive", "published", "archived")]
        assert events[1].actor_id == world.leader.id


def test_a_refused_action_changes_nothing(app: Flask, world: Any, petition: Any) -> None:
    p = petition(world.commune)
    with app.app_context():
        row = _load(p.code)
        with pytest.raises(WorkflowError) as refused:
            services.act(row, "accept", db.session.get(User, world.leader.id),
                         {"category": "1", "assignee": str(world.stranger_leader.id)})
        assert refused.value.code == "bad_assignee"
        db.session.rollback()
        assert _load(p.code).status == "received"
        assert len(_load(p.code).events) == 1


def test_the_sender_gets_the_code_and_date_by_email_once(app: Flask, world: Any,
                                                          smtp: Any) -> None:
    sid = new_submission_id()
    with app.app_context():
        for _ in range(2):
            p, _created = services.file(services.NewPetition(
                unit_id=world.commune.id, channel="web", content="Chậm trả hồ sơ",
                sender_email="an@example.vn", submission_id=sid,
                received_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC)))
    assert len(smtp.messages) == 1
    rcpts, raw = smtp.messages[0]
    assert rcpts == ["an@example.vn"]
    body = _text_of(raw)
    assert services.show_code(p) in body and "16/12/2026" in body


def test_an_extension_moves_the_date_once_and_tells_the_sender(
        app: Flask, world: Any, petition: Any, smtp: Any) -> None:
    p = petition(world.commune, sender_email="an@example.vn",
                 received_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    before_due = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # an extension precedes the date
    act(app, p.code, "accept", world.leader, now=before_due, category="1",
         assignee=str(world.officer.id))
    p = act(app, p.code, "extend", world.leader, now=before_due,
             reason="Cần xác minh tại thực địa")
    assert p.extended and p.reply_due == date(2026, 12, 30)  # 10 + 10 working days
    with app.app_context(), pytest.raises(WorkflowError) as again:
        services.act(_load(p.code), "extend", db.session.get(User, world.leader.id),
                     {"reason": "Lần nữa"}, now=before_due)
    assert again.value.code == "already_extended"
    assert [m for m in smtp.messages if "30/12/2026" in _text_of(m[1])]


def test_the_sender_is_told_of_each_request_a_rejection_and_a_transfer(
        app: Flask, world: Any, petition: Any, smtp: Any) -> None:
    """Asked twice for more (two mails, each with what is asked), then a transfer; another
    petition rejected: every step that needs the sender's attention reaches their email."""
    asked = petition(world.commune, sender_email="an@example.vn")
    act(app, asked.code, "accept", world.leader, category="1", assignee=str(world.officer.id))
    for note in ("Xin bản chụp giấy hẹn", "Xin số hồ sơ"):
        act(app, asked.code, "wait", world.officer, note=note)
        act(app, asked.code, "resume", world.officer)
    act(app, asked.code, "transfer", world.leader, receiving_body="UBND huyện Hoằng Hóa",
        reason="Thuộc thẩm quyền cấp huyện")
    rejected = petition(world.commune, sender_email="binh@example.vn")
    act(app, rejected.code, "reject", world.officer, reason="Nội dung là khiếu nại")
    to_an = [_text_of(raw) for rcpts, raw in smtp.messages if rcpts == ["an@example.vn"]]
    asks = [body for body in to_an if "đề nghị ông/bà bổ sung" in body]
    assert len(asks) == 2 and "Xin bản chụp giấy hẹn" in asks[0] and "Xin số hồ sơ" in asks[1]
    assert any("UBND huyện Hoằng Hóa" in body and "Thuộc thẩm quyền cấp huyện" in body
               for body in to_an)
    to_binh = [_text_of(raw) for rcpts, raw in smtp.messages if rcpts == ["binh@example.vn"]]
    assert any("không tiếp nhận" in body and "Nội dung là khiếu nại" in body
               for body in to_binh)
    # The acknowledgement, two requests and the transfer (the rejection): each once.
    assert len(to_an) == 1 + 2 + 1 and len(to_binh) == 1 + 1


def test_a_late_answer_needs_its_reason_and_the_late_list_shows_it(
        app: Flask, world: Any, petition: Any) -> None:
    # Received Wed 2/12/2026, reply due Wed 16/12; answered Fri 18/12.
    p = petition(world.commune, received_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    act(app, p.code, "accept", world.leader, category="1", assignee=str(world.officer.id))
    late = datetime(2026, 12, 18, 3, 0, tzinfo=UTC)
    with app.app_context():
        with pytest.raises(WorkflowError) as refused:
            services.act(_load(p.code), "answer", db.session.get(User, world.officer.id),
                         {"answer": "Đã trả hồ sơ."}, now=late)
        assert refused.value.code == "missing_field:reason"
        assert _load(p.code).status == "in_progress"
        services.act(_load(p.code), "answer", db.session.get(User, world.officer.id),
                     {"answer": "Đã trả hồ sơ.", "reason": "Chờ ý kiến của huyện"}, now=late)
        row = _load(p.code)
        assert (row.status, row.on_time, row.reason) == ("answered", False,
                                                         "Chờ ý kiến của huyện")


def test_two_people_acting_at_once_cannot_both_succeed(app: Flask, world: Any,
                                                       petition: Any) -> None:
    """Both read the petition as received; the second to write is refused (409)."""
    p = petition(world.commune)
    with app.app_context():
        stale = _load(p.code)
        _ = stale.status  # loaded as "received" by this request
        other = db.session.get_bind().connect()
        # Another request rejects it in its own transaction meanwhile.
        with other.begin():
            other.execute(Petition.__table__.update()
                          .where(Petition.__table__.c.id == stale.id)
                          .values(status="rejected", reason="Thiếu nội dung",
                                  version=Petition.__table__.c.version + 1))
        other.close()
        with pytest.raises(WorkflowError) as refused:
            services.act(stale, "accept", db.session.get(User, world.leader.id),
                         {"category": "1", "assignee": str(world.officer.id)})
        assert refused.value.code == "conflict"
        db.session.expire_all()
        row = _load(p.code)
        assert (row.status, row.assignee_id) == ("rejected", None)
        assert [e.action for e in row.events] == ["receive"]


def test_no_extension_once_the_reply_date_has_passed(app: Flask, world: Any,
                                                     petition: Any) -> None:
    p = petition(world.commune, received_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    act(app, p.code, "accept", world.leader, category="1", assignee=str(world.officer.id))
    with app.app_context():
        with pytest.raises(WorkflowError) as refused:
            services.act(_load(p.code), "extend", db.session.get(User, world.leader.id),
                         {"reason": "Phức tạp"}, now=datetime(2026, 12, 17, 2, 0, tzinfo=UTC))
        assert refused.value.code == "deadline_passed"
        assert not _load(p.code).extended


def test_the_public_text_may_not_name_the_sender(app: Flask, world: Any,
                                                 petition: Any) -> None:
    p = petition(world.commune, sender_email="an@example.vn")
    with app.app_context():
        row = _load(p.code)
        draft = services.redacted(row, "Gửi ông Nguyễn Văn An, SĐT 0912.345.678, "
                                       "AN@example.vn: đã xong.")
        assert draft == "Gửi ông […], SĐT […], […]: đã xong."
        for text in ("nguyễn  văn an đã nhận", "gọi 0912 345 678", "an@EXAMPLE.vn",
                     "Thôn 3, xã Hoằng Ngọc"):
            assert services.personal_data_in(row, text), text
        assert not services.personal_data_in(row, "Hồ sơ đã trả ngày 03/12/2026.")


def test_a_taken_tracking_code_is_drawn_again(app: Flask, world: Any, petition: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    first = petition(world.commune)
    fresh = iter([first.code, "ABCDEFG"])
    monkeypatch.setattr(services.links, "new_short_code", lambda: next(fresh))
    with app.app_context():
        second, created = services.file(services.NewPetition(
            unit_id=world.commune.id, channel="web", content="Lần hai",
            submission_id=new_submission_id()))
        assert created and second.code == "ABCDEFG"
        assert db.session.scalar(select(func.count(Petition.id))) == 2


def _paused_petition(app: Flask, world: Any, petition: Any, paused_at: datetime) -> str:
    """Received Wed 2/12/2026 (reply due Wed 16/12), accepted, then waiting from `paused_at`."""
    p = petition(world.commune, received_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    accepted = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)
    act(app, p.code, "accept", world.leader, now=accepted, category="1",
         assignee=str(world.officer.id))
    act(app, p.code, "wait", world.officer, now=paused_at, note="Xin bản chụp giấy hẹn")
    return p.code


@pytest.mark.parametrize(("paused_at", "overdue"), [
    (datetime(2026, 12, 16, 3, 0, tzinfo=UTC), False),  # on its due day: the clock stops
    (datetime(2026, 12, 17, 3, 0, tzinfo=UTC), True),   # the day after: late it stays
])
def test_a_waiting_petition_is_overdue_only_if_it_was_when_paused(
        app: Flask, world: Any, petition: Any, paused_at: datetime, overdue: bool) -> None:
    """Read on Fri 18/12 with no `sla tick` since the pause: the stored date is still
    16/12, and every reader (inbox, listing, running figures, extension) must agree."""
    from feedback.petitions import inbox, stats
    from feedback.reports.periods import Period

    code = _paused_petition(app, world, petition, paused_at)
    friday = datetime(2026, 12, 18, 3, 0, tzinfo=UTC)
    with app.app_context():
        row = _load(code)
        assert row.reply_due == date(2026, 12, 16)
        marks = inbox.marks(today=date(2026, 12, 18))
        counts = inbox.counts(inbox.Filters(frozenset({world.commune.id})), marks)
        assert counts["overdue"] == int(overdue)
        assert counts["due_soon"] == 0  # a stopped clock is never "due soon"
        assert stats.petition_dict(row, today=date(2026, 12, 18))["overdue"] is overdue
        december = stats.figures_for(world.commune, Period(date(2026, 12, 1),
                                                           date(2026, 12, 31)), now=friday)
        assert (december.open_overdue, december.open_in_time) == (int(overdue), int(not overdue))
        if overdue:
            with pytest.raises(WorkflowError) as refused:
                services.act(row, "extend", db.session.get(User, world.leader.id),
                             {"reason": "Phức tạp"}, now=friday)
            assert refused.value.code == "deadline_passed"
        else:
            services.act(row, "extend", db.session.get(User, world.leader.id),
                         {"reason": "Cần xác minh"}, now=friday)
            assert _load(code).extended


def test_resuming_pushes_the_date_by_the_working_days_paused(
        app: Flask, world: Any, petition: Any) -> None:
    """Paused Wed 16/12 (its due day), resumed Mon 21/12: Wed, Thu, Fri were paused, so the
    reply is due three working days after 16/12, Mon 21/12; the pause marks are cleared."""
    code = _paused_petition(app, world, petition, datetime(2026, 12, 16, 3, 0, tzinfo=UTC))
    p = act(app, code, "resume", world.officer, now=datetime(2026, 12, 21, 2, 0, tzinfo=UTC))
    assert (p.status, p.paused_since, p.paused_on) == ("in_progress", None, None)
    assert p.reply_due == date(2026, 12, 21)


def test_the_history_cannot_be_rewritten(app: Flask, world: Any, petition: Any) -> None:
    """The figures are recounted from the events and the audit log is the office's record:
    the ORM refuses to change or delete either (a programming error, never a user's)."""
    from feedback.models import AuditEvent
    from feedback.models.append_only import AppendOnlyError

    p = petition(world.commune)
    with app.app_context():
        event = db.session.scalar(select(PetitionEvent).where(
            PetitionEvent.petition_id == p.id))
        event.note = "sửa lịch sử"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(PetitionEvent, event.id))
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        db.session.add(AuditEvent(action="test", target="x", detail=""))
        db.session.commit()
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "test"))
        audit.detail = "changed"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(PetitionEvent, event.id).note == ""
