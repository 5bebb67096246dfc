"""Reply templates (feedback.petitions.replies): per unit, offered below it, retired not
deleted, refused with a message when blank, too long or holding control characters."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import AuditEvent, ReplyTemplate, Unit, User
from feedback.petitions import replies


def _unit(unit: Unit) -> Unit:
    return db.session.get(Unit, unit.id)


def test_create_edit_retire_restore(app: Flask, world: Any) -> None:
    with app.app_context():
        leader = db.session.get(User, world.leader.id)
        t = replies.create(_unit(world.commune), "  Đã giải quyết ", "Kính gửi ông/bà,\r\nĐã xong.",
                           leader)
        assert (t.title, t.body, t.active) == ("Đã giải quyết", "Kính gửi ông/bà,\nĐã xong.", True)
        replies.update(t, "Đã giải quyết xong", "Nội dung mới", leader)
        replies.set_active(t, False, leader)
        assert replies.offered(_unit(world.commune)) == []
        assert [x.id for x in replies.of_unit(world.commune.id)] == [t.id]
        replies.set_active(t, True, leader)
        assert [x.title for x in replies.offered(_unit(world.commune))] == ["Đã giải quyết xong"]
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["reply_template.create", "reply_template.update",
                           "reply_template.retire", "reply_template.restore"]


def test_a_province_template_is_offered_to_its_communes_only(app: Flask, world: Any) -> None:
    with app.app_context():
        replies.create(_unit(world.province), "Mẫu của tỉnh", "Nội dung", None)
        replies.create(_unit(world.sibling), "Mẫu của xã bên", "Nội dung", None)
        replies.create(_unit(world.stranger), "Mẫu tỉnh khác", "Nội dung", None)
        assert [t.title for t in replies.offered(_unit(world.commune))] == ["Mẫu của tỉnh"]
        assert replies.offered(_unit(world.province))[0].title == "Mẫu của tỉnh"


def test_find_is_scoped(app: Flask, world: Any) -> None:
    with app.app_context():
        t = replies.create(_unit(world.stranger), "Mẫu", "Nội dung", None)
        assert replies.find(t.id, {world.commune.id}) is None
        assert replies.find(t.id, {world.stranger.id}) is t
        assert replies.find(999999, {world.stranger.id}) is None


@pytest.mark.parametrize(("title", "body", "field", "limit"), [
    ("", "Nội dung", "title", None),
    ("   ", "Nội dung", "title", None),
    ("Hai\ndòng", "Nội dung", "title", 200),
    ("x" * 201, "Nội dung", "title", 200),
    ("Mẫu", "", "body", None),
    ("Mẫu", "có\x00NUL", "body", 10000),
    ("Mẫu", "x" * 10001, "body", 10000),
])
def test_bad_templates_are_refused_and_nothing_is_stored(
        app: Flask, world: Any, title: str, body: str, field: str, limit: int | None) -> None:
    with app.app_context():
        with pytest.raises(replies.TemplateError) as refused:
            replies.create(_unit(world.commune), title, body, None)
        assert (refused.value.field, refused.value.limit) == (field, limit)
        db.session.rollback()
        assert db.session.scalar(select(func.count(ReplyTemplate.id))) == 0
        t = replies.create(_unit(world.commune), "Mẫu", "Nội dung", None)
        with pytest.raises(replies.TemplateError):
            replies.update(t, title, body, None)
        db.session.rollback()
        assert (db.session.get(ReplyTemplate, t.id).title,
                db.session.get(ReplyTemplate, t.id).body) == ("Mẫu", "Nội dung")
