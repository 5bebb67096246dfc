"""The reply templates page: everyone in scope reads a unit's templates; leaders and
admins add, edit, retire and bring them back; bad input is refused with a message and
nothing stored; another unit's templates are a 404."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from staff_support import snapshot, text

from feedback.extensions import db
from feedback.models import ReplyTemplate, Unit
from feedback.petitions import replies


def _make(app: Flask, unit: Any, title: str = "Đã giải quyết",
          body: str = "Kính gửi ông/bà, hồ sơ đã được trả.") -> int:
    with app.app_context():
        return replies.create(db.session.get(Unit, unit.id), title, body, None).id


def _get(app: Flask, template_id: int) -> ReplyTemplate:
    with app.app_context():
        t = db.session.get(ReplyTemplate, template_id)
        db.session.expunge(t)
        return t


@pytest.mark.parametrize("role", ["admin", "viewer", "leader", "officer"])
def test_everyone_reads_changers_change(app: Flask, client: FlaskClient, world: Any,
                                        login: Any, role: str) -> None:
    _make(app, world.commune)
    login(getattr(world, role))
    page = text(client.get("/staff/petitions/templates?unit=xa-a1"))
    assert "Đã giải quyết" in page and "Kính gửi ông/bà, hồ sơ đã được trả." in page
    assert ("Thêm mẫu trả lời" in page) == (role in ("admin", "leader"))
    assert ("Ngừng dùng mẫu này" in page) == (role in ("admin", "leader"))


def test_a_leader_adds_edits_retires_and_restores(app: Flask, client: FlaskClient,
                                                  world: Any, login: Any) -> None:
    login(world.leader)
    resp = client.post("/staff/petitions/templates?unit=xa-a1",
                       data={"title": "Hẹn bổ sung", "body": "Xin ông/bà bổ sung giấy tờ."})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("unit=xa-a1")
    assert "Đã thêm mẫu trả lời." in text(client.get(resp.headers["Location"]))
    with app.app_context():
        t = db.session.scalar(select(ReplyTemplate))
        assert (t.unit_id, t.title) == (world.commune.id, "Hẹn bổ sung")
        template_id = t.id
    path = f"/staff/petitions/templates/{template_id}"
    assert client.post(path, data={"do": "save", "title": "Hẹn bổ sung hồ sơ",
                                   "body": "Nội dung mới"}).status_code == 303
    assert _get(app, template_id).title == "Hẹn bổ sung hồ sơ"
    assert client.post(path, data={"do": "retire"}).status_code == 303
    assert _get(app, template_id).active is False
    assert "Ngừng dùng" in text(client.get("/staff/petitions/templates"))
    assert client.post(path, data={"do": "restore"}).status_code == 303
    assert _get(app, template_id).active is True


@pytest.mark.parametrize(("title", "body", "message"), [
    ("", "Nội dung", "Xin nhập tên mẫu trả lời."),
    ("Mẫu", "", "Xin nhập nội dung mẫu trả lời."),
    ("x" * 201, "Nội dung", "Tên mẫu chỉ gồm một dòng, tối đa 200 ký tự."),
    ("Hai\ndòng", "Nội dung", "ký tự không in được"),
    ("Mẫu", "có\x00NUL", "ký tự không in được"),
    ("Mẫu", "x" * 10001, "Nội dung mẫu quá dài"),
])
def test_bad_templates_are_refused(app: Flask, client: FlaskClient, world: Any, login: Any,
                                   title: str, body: str, message: str) -> None:
    template_id = _make(app, world.commune)
    login(world.leader)
    before = snapshot(app)
    resp = client.post("/staff/petitions/templates?unit=xa-a1",
                       data={"title": title, "body": body})
    assert resp.status_code == 422 and message in text(resp)
    assert 'aria-invalid="true"' in text(resp)
    resp = client.post(f"/staff/petitions/templates/{template_id}",
                       data={"do": "save", "title": title, "body": body})
    assert resp.status_code == 422 and message in text(resp)
    assert snapshot(app) == before


def test_officers_and_viewers_may_not_change(app: Flask, client: FlaskClient, world: Any,
                                             login: Any) -> None:
    template_id = _make(app, world.commune)
    for who in (world.officer, world.viewer):
        login(who)
        before = snapshot(app)
        assert client.post("/staff/petitions/templates?unit=xa-a1",
                           data={"title": "T", "body": "B"}).status_code == 403
        assert client.post(f"/staff/petitions/templates/{template_id}",
                           data={"do": "retire"}).status_code == 403
        assert snapshot(app) == before
        client.post("/logout")


def test_another_units_templates_are_404(app: Flask, client: FlaskClient, world: Any,
                                         login: Any) -> None:
    template_id = _make(app, world.commune)
    login(world.stranger_leader)
    before = snapshot(app)
    for resp in (client.get("/staff/petitions/templates?unit=xa-a1"),
                 client.post("/staff/petitions/templates?unit=xa-a1",
                             data={"title": "T", "body": "B"}),
                 client.post(f"/staff/petitions/templates/{template_id}",
                             data={"do": "retire"}),
                 client.post("/staff/petitions/templates/999999", data={"do": "retire"}),
                 # beyond any database's integer key: 404, never a 500
                 client.post(f"/staff/petitions/templates/{2**31}", data={"do": "retire"}),
                 client.post(f"/staff/petitions/templates/{2**70}", data={"do": "retire"}),
                 client.get(f"/staff/petitions/x/files/{2**63}")):
        assert resp.status_code == 404 and "Hoằng Ngọc" not in text(resp)
    assert snapshot(app) == before
