"""Staff entry of a petition received on paper, in the box, by phone, mail, Zalo,
Facebook or the portal: the real receipt time, who entered it, one petition per
submission, and every bad input refused with a Vietnamese message and nothing stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from staff_support import load, snapshot, text
from tests_support import PASSWORD

from feedback.extensions import db
from feedback.links import new_submission_id
from feedback.models import Petition, PetitionEvent

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _form(**changes: str) -> dict[str, str]:
    at = datetime.now(HANOI) - timedelta(minutes=30)
    data = {"channel": "paper", "unit": "xa-a1", "received_on": f"{at:%d/%m/%Y}",
            "received_time": f"{at:%H:%M}", "sender_name": "Phạm Thị Dung",
            "sender_address": "Thôn 5, xã Hoằng Ngọc", "sender_phone": "0987 654 321",
            "sender_email": "", "content": "Hồ sơ đất đai nộp từ tháng trước chưa có kết quả.",
            "category": "1", "dossier_code": "DD-2026-15", "submission_id": new_submission_id()}
    data.update(changes)
    return data


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Petition.id))) or 0


@pytest.mark.parametrize("role", ["admin", "leader", "officer"])
def test_handlers_open_the_entry_form(client: FlaskClient, world: Any, login: Any,
                                      role: str) -> None:
    login(getattr(world, role))
    page = text(client.get("/staff/petitions/new"))
    assert 'name="submission_id" value="' in page
    for channel in ("Văn bản giấy", "Hòm thư góp ý", "Đường dây nóng", "Thư điện tử", "Zalo",
                    "Facebook", "Cổng Dịch vụ công quốc gia"):
        assert channel in page
    assert 'value="web"' not in page
    today = datetime.now(HANOI).strftime("%d/%m/%Y")
    assert f'value="{today}"' in page
    assert "Xã Tuệ Tĩnh" not in page  # another province's unit is never offered


def test_a_viewer_may_not_enter(client: FlaskClient, world: Any, login: Any) -> None:
    login(world.viewer)
    assert client.get("/staff/petitions/new").status_code == 403
    assert client.post("/staff/petitions/new", data=_form()).status_code == 403


def test_a_phone_call_is_entered_with_its_real_time_and_who_typed_it(
        app: Flask, client: FlaskClient, world: Any, login: Any) -> None:
    login(world.officer)
    data = _form(channel="hotline", received_on="01/12/2026", received_time="16:59")
    typed_at = datetime(2026, 12, 1, 16, 59, tzinfo=HANOI)
    if typed_at > datetime.now(HANOI) or (datetime.now(HANOI) - typed_at).days > 60:
        data = _form(channel="hotline")
        typed_at = datetime.strptime(f"{data['received_on']} {data['received_time']}",
                                     "%d/%m/%Y %H:%M").replace(tzinfo=HANOI)
    resp = client.post("/staff/petitions/new", data=data)
    assert resp.status_code == 303, text(resp)[:3000]
    code = resp.headers["Location"].rsplit("/", 1)[1]
    page = text(client.get(resp.headers["Location"]))
    shown = f"{code[:3]}-{code[3:]}"
    assert f"Mã tra cứu: {shown}" in page and "báo mã này cho người gửi" in page
    p = load(app, code)
    assert (p.channel, p.entered_by_id, p.kind, p.category, p.dossier_code) == (
        "hotline", world.officer.id, "pakn", 1, "DD-2026-15")
    assert p.received_at == typed_at.astimezone(UTC)
    assert (p.sender_phone, p.unit_id) == ("0987654321", world.commune.id)
    with app.app_context():
        first = db.session.scalar(select(PetitionEvent).where(PetitionEvent.petition_id == p.id))
        assert (first.action, first.actor_id) == ("receive", world.officer.id)
    assert "officer@x.vn" in page  # "Người nhập" on the petition page


def test_a_double_submit_files_one_petition(app: Flask, client: FlaskClient, world: Any,
                                            login: Any) -> None:
    login(world.officer)
    data = _form()
    first = client.post("/staff/petitions/new", data=data)
    again = client.post("/staff/petitions/new", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert "đã được lưu trước đó" in text(client.get(again.headers["Location"]))
    assert _count(app) == 1


def test_a_box_letter_without_a_name_is_kept_as_gop_y(app: Flask, client: FlaskClient,
                                                      world: Any, login: Any) -> None:
    login(world.leader)
    resp = client.post("/staff/petitions/new", data=_form(
        channel="box", sender_name="", sender_address="", sender_phone="", category=""))
    assert resp.status_code == 303
    p = load(app, resp.headers["Location"].rsplit("/", 1)[1])
    assert (p.kind, p.channel, p.category, p.sender_name) == ("gop_y", "box", None, None)


def test_a_province_admin_enters_for_a_commune_of_the_province(
        app: Flask, client: FlaskClient, world: Any, login: Any) -> None:
    login(world.admin)
    resp = client.post("/staff/petitions/new", data=_form(unit="xa-a2", channel="email",
                                                          sender_email="dung@example.vn"))
    assert resp.status_code == 303
    assert load(app, resp.headers["Location"].rsplit("/", 1)[1]).unit_id == world.sibling.id


def _days_ago(n: int) -> str:
    return (datetime.now(HANOI) - timedelta(days=n)).strftime("%d/%m/%Y")


BAD = [
    ({"channel": "web"}, "Xin chọn kênh tiếp nhận."),
    ({"channel": ""}, "Xin chọn kênh tiếp nhận."),
    ({"unit": "xa-b1"}, "Xin chọn đơn vị tiếp nhận trong danh sách."),
    ({"unit": "khong-co"}, "Xin chọn đơn vị tiếp nhận trong danh sách."),
    ({"unit": "xa-a1\x00"}, "ký tự không in được"),
    ({"received_on": ""}, "Xin nhập ngày tiếp nhận."),
    ({"received_on": "31/02/2026"}, "Ngày không hợp lệ"),
    ({"received_on": "hôm qua"}, "Ngày không hợp lệ"),
    ({"received_on": "01/01/99999"}, "Ngày không hợp lệ"),
    ({"received_on": _days_ago(-1)}, "không được sau thời điểm hiện tại"),
    ({"received_on": _days_ago(63)}, "Chỉ nhập phản ánh, kiến nghị tiếp nhận từ ngày"),
    ({"received_time": ""}, "Xin nhập giờ tiếp nhận."),
    ({"received_time": "25:00"}, "Giờ không hợp lệ"),
    ({"received_time": "8 giờ"}, "Giờ không hợp lệ"),
    ({"received_on": f"{datetime.now(HANOI):%d/%m/%Y}", "received_time": "23:59"}
     if datetime.now(HANOI).hour < 23 else {"received_on": _days_ago(-1)},
     "không được sau thời điểm hiện tại"),
    ({"content": ""}, "Xin nhập nội dung phản ánh, kiến nghị."),
    ({"content": "   \n  "}, "Xin nhập nội dung phản ánh, kiến nghị."),
    ({"content": "có\x00NUL"}, "Ô này có ký tự không đọc được"),
    ({"content": "x" * 5001}, "Nội dung dài quá"),
    ({"sender_name": "Hai\ndòng"}, "Ô này có ký tự không đọc được"),
    ({"sender_name": "x" * 201}, "Ô này dài quá 200 ký tự."),
    ({"sender_phone": "không có"}, "Số điện thoại không đúng"),
    ({"sender_email": "dung@"}, "Địa chỉ thư điện tử không đúng"),
    ({"category": "9"}, "Phân loại không hợp lệ"),
    ({"category": "１"}, "Phân loại không hợp lệ"),
    ({"dossier_code": "<script>"}, "Mã hồ sơ chỉ gồm chữ, số"),
]


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[
    f"{next(iter(c))}-{i}" for i, (c, _m) in enumerate(BAD)])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(
        app: Flask, client: FlaskClient, world: Any, login: Any, changes: dict[str, str],
        message: str) -> None:
    login(world.officer)
    before = snapshot(app)
    data = _form(**changes)
    resp = client.post("/staff/petitions/new", data=data)
    page = text(resp)
    assert resp.status_code == 422, page[:2000]
    assert message in page
    assert "Chưa lưu. Xin sửa các ô được đánh dấu." in page and 'aria-invalid="true"' in page
    assert "Xã Tuệ Tĩnh" not in page
    assert snapshot(app) == before
    # What was typed stays, with the same submission id, to correct and send again.
    if changes.get("content", "x").strip() and "\x00" not in data["content"] and len(
            data["content"]) < 5000:
        assert data["content"] in page
    assert f'name="submission_id" value="{data["submission_id"]}"' in page


def test_a_missing_submission_id_gets_a_fresh_one(app: Flask, client: FlaskClient,
                                                  world: Any, login: Any) -> None:
    login(world.officer)
    resp = client.post("/staff/petitions/new", data=_form(submission_id="không hợp lệ"))
    assert resp.status_code == 303 and _count(app) == 1


def test_the_entry_form_needs_a_csrf_token(app: Flask, client: FlaskClient, world: Any,
                                           csrf_on: None) -> None:
    pattern = r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"'
    login_page = text(client.get("/login"))
    token = re.search(pattern, login_page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"email": world.officer.email, "password": PASSWORD,
                                "csrf_token": token})
    assert client.post("/staff/petitions/new", data=_form()).status_code == 400
    assert _count(app) == 0
    token = re.search(pattern, text(client.get("/staff/petitions/new"))).group(1)  # type: ignore[union-attr]
    assert client.post("/staff/petitions/new",
                       data=_form(csrf_token=token)).status_code == 303
    assert _count(app) == 1


def test_a_submission_id_of_another_units_petition_reveals_nothing(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any) -> None:
    theirs = petition(world.stranger)
    with app.app_context():
        sid = db.session.scalar(select(Petition.submission_id).where(
            Petition.code == theirs.code))
    login(world.officer)
    resp = client.post("/staff/petitions/new", data=_form(submission_id=sid))
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/staff/petitions")
    page = text(client.get(resp.headers["Location"]))
    assert theirs.code not in page and f"{theirs.code[:3]}-" not in page
    assert _count(app) == 1
