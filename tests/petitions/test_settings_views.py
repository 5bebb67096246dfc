"""The SLA clock's settings pages: the working-day calendar (`/staff/calendar`) and a
unit's SLA profile (`/staff/sla`). Every role reads; installation admins change the
calendar, a unit's admins (or those above it) its profile; bad input is a Vietnamese
message with nothing stored, never a 500; CSRF is checked."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from tests_support import PASSWORD

from feedback.auth.services import hash_password
from feedback.extensions import db
from feedback.models import CalendarDay, Petition, SlaProfile, Unit, User
from feedback.petitions import clock, rules

RECEIVED = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wed 2/12/2026 09:00 local: due 16/12
CSRF = r'name="csrf_token" type="hidden" value="([^"]+)"'
RECOMPUTED = "Đã tính lại hạn của {} phản ánh, kiến nghị đang mở."


def _text(resp: Any) -> str:
    return resp.get_data(as_text=True)


def _shown(body: str) -> list[int]:
    """The deadlines the page says apply (the first profile table): classify, transfer,
    reply, extension."""
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', body)[:4]]


def _days(app: Flask) -> dict[date, tuple[bool, str]]:
    with app.app_context():
        return {r.day: (r.working, r.note) for r in db.session.scalars(select(CalendarDay))}


def _profiles(app: Flask) -> dict[int, tuple[int, int, int, int]]:
    with app.app_context():
        return {r.unit_id: (r.classify_days, r.transfer_days, r.reply_days, r.extension_days)
                for r in db.session.scalars(select(SlaProfile))}


def _reply_due(app: Flask, code: str) -> date:
    with app.app_context():
        return db.session.scalar(select(Petition.reply_due).where(Petition.code == code))


@pytest.fixture
def commune_admin(app: Flask, world: Any) -> User:
    """An admin of commune xa-a1 only."""
    with app.app_context():
        user = User(email="admin@xa.vn", role="admin", unit_id=world.commune.id,
                    password_hash=hash_password(PASSWORD))
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


# ================================================================ the calendar


@pytest.mark.parametrize("who", ["admin", "viewer", "leader", "officer", "stranger_leader"])
def test_every_role_reads_the_calendar(client: FlaskClient, world: Any,
                                       login: Callable[[User], None], who: str) -> None:
    login(getattr(world, who))
    resp = client.get("/staff/calendar?year=2026")
    body = _text(resp)
    assert resp.status_code == 200
    assert "Lịch làm việc năm 2026" in body
    assert "27/04/2026" in body and "Giỗ Tổ Hùng Vương" in body, "the observed Giỗ Tổ"
    assert "17/02/2026" in body and "Tết Nguyên Đán" in body
    assert "Ngày lễ, Tết theo luật" in body
    assert "Lưu ngày này" not in body and 'name="day"' not in body, "read-only"
    assert "Chỉ quản trị hệ thống" in body


def test_the_calendar_labels_swaps_and_admin_days(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None]) -> None:
    with app.app_context():
        clock.set_day(date(2024, 5, 4), False, "Hủy hoán đổi", None)
        clock.set_day(date(2024, 12, 30), False, "Tỉnh cho nghỉ", None)
    login(world.viewer)
    body = _text(client.get("/staff/calendar?year=2024"))
    assert "29/04/2024" in body, "the package's swap: Monday off"
    assert "04/05/2024" in body and "Hủy hoán đổi" in body
    assert "Thay cho: Ngày làm việc bù (hoán đổi ngày nghỉ)" in body
    assert "30/12/2024" in body and "Tỉnh cho nghỉ" in body
    assert "Do quản trị hệ thống đặt" in body
    body = _text(client.get("/staff/calendar?year=2025"))
    assert "26/04/2025" in body and "Hoán đổi ngày làm việc" in body


def test_the_year_defaults_to_this_one(client: FlaskClient, world: Any,
                                       login: Callable[[User], None], app: Flask) -> None:
    login(world.viewer)
    with app.app_context():
        year = clock.today().year
    assert f"Lịch làm việc năm {year}" in _text(client.get("/staff/calendar"))


@pytest.mark.parametrize(("year", "message"), [
    ("1999", "Chỉ xem được từ năm 2000 đến năm 2100."),
    ("2101", "Chỉ xem được từ năm 2000 đến năm 2100."),
    ("abcd", "Năm không hợp lệ"),
    ("20266", "Năm không hợp lệ"),
    ("２０２６", "Năm không hợp lệ"),
    ("20\x0026", "Năm không hợp lệ"),
    ("-2026", "Năm không hợp lệ"),
])
def test_a_bad_year_is_a_message(client: FlaskClient, world: Any,
                                 login: Callable[[User], None], year: str, message: str) -> None:
    login(world.viewer)
    resp = client.get("/staff/calendar", query_string={"year": year})
    assert resp.status_code == 400
    assert message in _text(resp)


@pytest.mark.parametrize("year", ["2000", "2100"])
def test_the_years_at_the_edges_show(client: FlaskClient, world: Any,
                                     login: Callable[[User], None], year: str) -> None:
    login(world.viewer)
    resp = client.get(f"/staff/calendar?year={year}")
    assert resp.status_code == 200 and f"01/01/{year}" in _text(resp)


def test_the_installation_admin_adds_a_day_off_and_open_deadlines_move(
        app: Flask, client: FlaskClient, world: Any, installation_admin: User,
        login: Callable[[User], None], petition: Any) -> None:
    p = petition(world.commune, received_at=RECEIVED)
    assert p.reply_due == date(2026, 12, 16)
    login(installation_admin)
    page = _text(client.get("/staff/calendar?year=2026"))
    assert "Lưu ngày này" in page and "Ngày nghỉ thêm" in page
    resp = client.post("/staff/calendar", data={"day": "08/12/2026", "kind": "off",
                                                "note": "Công văn 123/UBND"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("year=2026")
    assert _days(app) == {date(2026, 12, 8): (False, "Công văn 123/UBND")}
    assert _reply_due(app, p.code) == date(2026, 12, 17)
    body = _text(client.get(resp.headers["Location"]))
    assert "Đã lưu ngày 08/12/2026 là ngày nghỉ thêm." in body
    assert RECOMPUTED.format(1) in body
    assert "Công văn 123/UBND" in body and "Xoá" in body


def test_a_make_up_working_day_in_iso_form(
        app: Flask, client: FlaskClient, world: Any, installation_admin: User,
        login: Callable[[User], None], petition: Any) -> None:
    p = petition(world.commune, received_at=RECEIVED)
    login(installation_admin)
    resp = client.post("/staff/calendar", data={"day": "2026-12-05", "kind": "work"},
                       follow_redirects=True)
    assert "Đã lưu ngày 05/12/2026 là ngày làm việc bù." in _text(resp)
    assert RECOMPUTED.format(1) in _text(resp)
    assert _days(app) == {date(2026, 12, 5): (True, "")}
    assert _reply_due(app, p.code) == date(2026, 12, 15)


def test_the_installation_admin_removes_a_day(
        app: Flask, client: FlaskClient, world: Any, installation_admin: User,
        login: Callable[[User], None], petition: Any) -> None:
    with app.app_context():
        clock.set_day(date(2026, 12, 8), False, "", None)
    p = petition(world.commune, received_at=RECEIVED)
    assert p.reply_due == date(2026, 12, 17)
    login(installation_admin)
    resp = client.post("/staff/calendar/remove", data={"day": "2026-12-08"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("year=2026")
    assert _days(app) == {}
    assert _reply_due(app, p.code) == date(2026, 12, 16)
    body = _text(client.get(resp.headers["Location"]))
    assert "Đã xoá thiết lập riêng của ngày 08/12/2026" in body
    assert RECOMPUTED.format(1) in body
    again = client.post("/staff/calendar/remove", data={"day": "2026-12-08"},
                        follow_redirects=True)
    assert "không có thiết lập riêng nào để xoá" in _text(again)


CALENDAR_REFUSALS = [
    ({"day": "", "kind": "off"}, "Xin nhập ngày."),
    ({"day": "31/02/2026", "kind": "off"}, "Ngày không hợp lệ"),
    ({"day": "2026/12/08", "kind": "off"}, "Ngày không hợp lệ"),
    ({"day": "mai", "kind": "off"}, "Ngày không hợp lệ"),
    ({"day": "０８/１２/２０２６", "kind": "off"}, "Ngày không hợp lệ"),
    ({"day": "08/12/1999", "kind": "off"}, "Chỉ đặt được ngày từ năm 2000 đến năm 2100."),
    ({"day": "08/12/2101", "kind": "work"}, "Chỉ đặt được ngày từ năm 2000 đến năm 2100."),
    ({"day": "08/12/2026\x00", "kind": "off"}, "ký tự không in được"),
    ({"day": "08/12/2026"}, "Xin chọn loại ngày."),
    ({"day": "08/12/2026", "kind": "holiday"}, "Xin chọn loại ngày."),
    ({"day": "08/12/2026", "kind": "off", "note": "x" * 201}, "Ghi chú tối đa 200 ký tự."),
    ({"day": "08/12/2026", "kind": "off", "note": "dòng 1\ndòng 2"}, "ký tự không in được"),
]


@pytest.mark.parametrize(("data", "message"), CALENDAR_REFUSALS,
                         ids=[m for _, m in CALENDAR_REFUSALS])
def test_bad_calendar_input_stores_nothing(
        app: Flask, client: FlaskClient, world: Any, installation_admin: User,
        login: Callable[[User], None], data: dict[str, str], message: str) -> None:
    login(installation_admin)
    resp = client.post("/staff/calendar", data=data)
    assert resp.status_code == 422
    assert message in _text(resp)
    assert _days(app) == {}


@pytest.mark.parametrize("day", ["", "31/02/2026", "1999-01-01", "x\x00"])
def test_a_bad_remove_is_a_message(app: Flask, client: FlaskClient, world: Any,
                                   installation_admin: User, login: Callable[[User], None],
                                   day: str) -> None:
    with app.app_context():
        clock.set_day(date(2026, 12, 8), False, "", None)
    login(installation_admin)
    resp = client.post("/staff/calendar/remove", data={"day": day})
    assert resp.status_code == 422 and "Ngày cần xoá không hợp lệ" in _text(resp)
    assert list(_days(app)) == [date(2026, 12, 8)]


@pytest.mark.parametrize("who", ["admin", "viewer", "leader", "officer", "stranger_leader"])
def test_only_the_installation_admin_changes_the_calendar(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None],
        who: str) -> None:
    with app.app_context():
        clock.set_day(date(2026, 12, 8), False, "", None)
    login(getattr(world, who))
    assert client.post("/staff/calendar", data={"day": "09/12/2026", "kind": "off"}
                       ).status_code == 403
    assert client.post("/staff/calendar/remove", data={"day": "2026-12-08"}
                       ).status_code == 403
    assert list(_days(app)) == [date(2026, 12, 8)]


def test_anonymous_is_sent_to_login(app: Flask, client: FlaskClient, world: Any) -> None:
    for path in ("/staff/calendar", "/staff/sla?unit=xa-a1"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    resp = client.post("/staff/calendar", data={"day": "09/12/2026", "kind": "off"})
    assert resp.status_code == 302 and _days(app) == {}


# ================================================================ SLA profiles


@pytest.mark.parametrize(("who", "unit"), [
    ("admin", "tinh-a"), ("admin", "xa-a1"), ("viewer", "xa-a2"), ("leader", "xa-a1"),
    ("officer", "xa-a1"), ("stranger_leader", "xa-b1")])
def test_every_role_reads_the_profile_of_its_units(
        client: FlaskClient, world: Any, login: Callable[[User], None], who: str,
        unit: str) -> None:
    login(getattr(world, who))
    resp = client.get(f"/staff/sla?unit={unit}")
    body = _text(resp)
    assert resp.status_code == 200
    assert "Đơn vị này dùng thời hạn mặc định của hệ thống." in body
    assert _shown(body) == [2, 5, 10, 10]
    assert ("Lưu thời hạn" in body) is (who == "admin")


def test_without_a_unit_the_page_shows_ones_own(
        client: FlaskClient, world: Any, login: Callable[[User], None]) -> None:
    login(world.leader)
    assert "Thời hạn xử lý — Xã Hoằng Ngọc" in _text(client.get("/staff/sla"))


@pytest.mark.parametrize(("who", "unit"), [
    ("admin", "xa-b1"), ("viewer", "tinh-b"), ("leader", "tinh-a"), ("leader", "xa-a2"),
    ("officer", "xa-b1"), ("stranger_leader", "xa-a1"), ("leader", "khong-co"),
    ("leader", "xa-a1\x00")])
def test_a_unit_out_of_scope_is_404(client: FlaskClient, world: Any,
                                    login: Callable[[User], None], who: str,
                                    unit: str, app: Flask) -> None:
    login(getattr(world, who))
    resp = client.get("/staff/sla", query_string={"unit": unit})
    assert resp.status_code == 404
    if who == "admin":
        resp = client.post("/staff/sla", query_string={"unit": unit},
                           data={"classify_days": "1", "transfer_days": "1",
                                 "reply_days": "1", "extension_days": "1"})
        assert resp.status_code == 404
        assert client.post("/staff/sla/remove", query_string={"unit": unit}
                           ).status_code == 404
        assert _profiles(app) == {}


def test_the_page_says_where_the_profile_comes_from(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None]) -> None:
    with app.app_context():
        clock.set_profile(db.session.get(Unit, world.province.id),
                          rules.Profile(1, 3, 7, 5), None)
        clock.set_profile(db.session.get(Unit, world.sibling.id),
                          rules.Profile(2, 5, 15, 10), None)
    login(world.viewer)
    body = _text(client.get("/staff/sla?unit=tinh-a"))
    assert "Đơn vị này có thời hạn riêng." in body and _shown(body) == [1, 3, 7, 5]
    body = _text(client.get("/staff/sla?unit=xa-a1"))
    assert "dùng thời hạn của đơn vị cấp trên Tỉnh A" in body and _shown(body) == [1, 3, 7, 5]
    body = _text(client.get("/staff/sla?unit=xa-a2"))
    assert "Đơn vị này có thời hạn riêng." in body and _shown(body) == [2, 5, 15, 10]
    assert "Bỏ thời hạn riêng" not in body, "a viewer cannot remove it"


def test_a_province_admin_sets_a_commune_profile_and_its_deadlines_move(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None],
        petition: Any) -> None:
    p = petition(world.commune, received_at=RECEIVED)
    other = petition(world.sibling, received_at=RECEIVED)
    login(world.admin)
    resp = client.post("/staff/sla?unit=xa-a1", data={
        "classify_days": "1", "transfer_days": "3", "reply_days": " 5 ",
        "extension_days": "60"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("unit=xa-a1")
    assert _profiles(app) == {world.commune.id: (1, 3, 5, 60)}
    assert _reply_due(app, p.code) == date(2026, 12, 9)
    assert _reply_due(app, other.code) == date(2026, 12, 16)
    body = _text(client.get(resp.headers["Location"]))
    assert "Đã lưu thời hạn xử lý riêng của Xã Hoằng Ngọc." in body
    assert RECOMPUTED.format(1) in body
    assert "Đơn vị này có thời hạn riêng." in body and "Bỏ thời hạn riêng" in body
    assert "dùng lại thời hạn mặc định của hệ thống" in body


def test_a_province_profile_moves_its_communes(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None],
        petition: Any) -> None:
    a1 = petition(world.commune, received_at=RECEIVED)
    a2 = petition(world.sibling, received_at=RECEIVED)
    petition(world.stranger, received_at=RECEIVED)
    login(world.admin)
    resp = client.post("/staff/sla?unit=tinh-a", data={
        "classify_days": "2", "transfer_days": "5", "reply_days": "5",
        "extension_days": "10"}, follow_redirects=True)
    assert RECOMPUTED.format(2) in _text(resp)
    assert _reply_due(app, a1.code) == _reply_due(app, a2.code) == date(2026, 12, 9)


def test_an_admin_removes_the_profile_to_inherit_again(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None],
        petition: Any) -> None:
    with app.app_context():
        clock.set_profile(db.session.get(Unit, world.province.id),
                          rules.Profile(2, 5, 5, 10), None)
        clock.set_profile(db.session.get(Unit, world.commune.id),
                          rules.Profile(2, 5, 12, 10), None)
    p = petition(world.commune, received_at=RECEIVED)
    assert p.reply_due == date(2026, 12, 18)
    login(world.admin)
    page = _text(client.get("/staff/sla?unit=xa-a1"))
    assert "Sau khi bỏ, đơn vị dùng lại thời hạn của Tỉnh A:" in page
    resp = client.post("/staff/sla/remove?unit=xa-a1")
    assert resp.status_code == 303
    assert set(_profiles(app)) == {world.province.id}
    assert _reply_due(app, p.code) == date(2026, 12, 9)
    body = _text(client.get(resp.headers["Location"]))
    assert "Đã bỏ thời hạn riêng của Xã Hoằng Ngọc" in body and RECOMPUTED.format(1) in body
    assert "dùng thời hạn của đơn vị cấp trên Tỉnh A" in body
    again = client.post("/staff/sla/remove?unit=xa-a1", follow_redirects=True)
    assert "không có thời hạn riêng nào để bỏ" in _text(again)


def test_a_commune_admin_sets_its_own_unit_not_its_province(
        app: Flask, client: FlaskClient, world: Any, commune_admin: User,
        login: Callable[[User], None]) -> None:
    login(commune_admin)
    data = {"classify_days": "3", "transfer_days": "5", "reply_days": "10",
            "extension_days": "10"}
    assert client.post("/staff/sla?unit=xa-a1", data=data).status_code == 303
    assert client.post("/staff/sla?unit=tinh-a", data=data).status_code == 404
    assert client.post("/staff/sla/remove?unit=tinh-a").status_code == 404
    assert client.post("/staff/sla?unit=xa-a2", data=data).status_code == 404
    assert _profiles(app) == {world.commune.id: (3, 5, 10, 10)}


def test_the_installation_admin_sets_any_unit(
        app: Flask, client: FlaskClient, world: Any, installation_admin: User,
        login: Callable[[User], None]) -> None:
    login(installation_admin)
    data = {"classify_days": "3", "transfer_days": "5", "reply_days": "10",
            "extension_days": "10"}
    assert client.post("/staff/sla?unit=xa-b1", data=data).status_code == 303
    assert _profiles(app) == {world.stranger.id: (3, 5, 10, 10)}


@pytest.mark.parametrize("who", ["viewer", "leader", "officer", "stranger_leader"])
def test_other_roles_cannot_change_a_profile(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None],
        who: str) -> None:
    with app.app_context():
        clock.set_profile(db.session.get(Unit, world.commune.id),
                          rules.Profile(2, 5, 12, 10), None)
    before = _profiles(app)
    login(getattr(world, who))
    data = {"classify_days": "1", "transfer_days": "1", "reply_days": "1",
            "extension_days": "1"}
    for unit in ("xa-a1", "xa-b1"):
        assert client.post(f"/staff/sla?unit={unit}", data=data).status_code == 403
        assert client.post(f"/staff/sla/remove?unit={unit}").status_code == 403
    assert _profiles(app) == before


SLA_REFUSALS = [
    ("reply_days", "0", "Số ngày làm việc phải từ 1 đến 60."),
    ("reply_days", "61", "Số ngày làm việc phải từ 1 đến 60."),
    ("classify_days", "999", "Số ngày làm việc phải từ 1 đến 60."),
    ("transfer_days", "1000", "Xin nhập một số nguyên"),
    ("extension_days", "-1", "Xin nhập một số nguyên"),
    ("reply_days", "1.5", "Xin nhập một số nguyên"),
    ("reply_days", "mười", "Xin nhập một số nguyên"),
    ("reply_days", "１０", "Xin nhập một số nguyên"),
    ("reply_days", "", "Xin nhập số ngày làm việc."),
    ("reply_days", "1\x000", "ký tự không in được"),
]


@pytest.mark.parametrize(("name", "value", "message"), SLA_REFUSALS,
                         ids=[f"{n}={v!r}" for n, v, _ in SLA_REFUSALS])
def test_bad_profile_input_stores_nothing(
        app: Flask, client: FlaskClient, world: Any, login: Callable[[User], None],
        petition: Any, name: str, value: str, message: str) -> None:
    p = petition(world.commune, received_at=RECEIVED)
    login(world.admin)
    data = {"classify_days": "2", "transfer_days": "5", "reply_days": "10",
            "extension_days": "10", name: value}
    resp = client.post("/staff/sla?unit=xa-a1", data=data)
    assert resp.status_code == 422
    assert message in _text(resp)
    assert _profiles(app) == {}
    assert _reply_due(app, p.code) == date(2026, 12, 16)


def test_a_missing_field_is_refused(app: Flask, client: FlaskClient, world: Any,
                                    login: Callable[[User], None]) -> None:
    login(world.admin)
    resp = client.post("/staff/sla?unit=xa-a1", data={"reply_days": "10"})
    assert resp.status_code == 422 and "Xin nhập số ngày làm việc." in _text(resp)
    assert _profiles(app) == {}


# ================================================================ CSRF


def _token(page: str) -> str:
    found = re.search(CSRF, page) or re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "the page carries a CSRF token"
    return found.group(1)


def test_csrf_is_checked_on_every_form(
        app: Flask, client: FlaskClient, world: Any, installation_admin: User,
        csrf_on: None) -> None:
    token = _token(_text(client.get("/login")))
    assert client.post("/login", data={"email": installation_admin.email,
                                       "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    day = {"day": "08/12/2026", "kind": "off", "note": ""}
    days = {"classify_days": "2", "transfer_days": "5", "reply_days": "12",
            "extension_days": "10"}
    assert client.post("/staff/calendar", data=day).status_code == 400
    assert client.post("/staff/sla?unit=xa-a1", data=days).status_code == 400
    assert _days(app) == {} and _profiles(app) == {}

    token = _token(_text(client.get("/staff/calendar?year=2026")))
    assert client.post("/staff/calendar", data={**day, "csrf_token": token}
                       ).status_code == 303
    assert client.post("/staff/calendar/remove", data={"day": "2026-12-08"}
                       ).status_code == 400
    assert list(_days(app)) == [date(2026, 12, 8)]
    page = _text(client.get("/staff/calendar?year=2026"))
    assert client.post("/staff/calendar/remove", data={"day": "2026-12-08",
                                                       "csrf_token": _token(page)}
                       ).status_code == 303
    assert _days(app) == {}

    token = _token(_text(client.get("/staff/sla?unit=xa-a1")))
    assert client.post("/staff/sla?unit=xa-a1", data={**days, "csrf_token": token}
                       ).status_code == 303
    assert client.post("/staff/sla/remove?unit=xa-a1").status_code == 400
    assert set(_profiles(app)) == {world.commune.id}
    page = _text(client.get("/staff/sla?unit=xa-a1"))
    assert client.post("/staff/sla/remove?unit=xa-a1", data={"csrf_token": _token(page)}
                       ).status_code == 303
    assert _profiles(app) == {}


def test_the_nav_links_to_the_calendar(client: FlaskClient, world: Any,
                                       login: Callable[[User], None]) -> None:
    login(world.officer)
    body = _text(client.get("/staff/sla"))
    assert 'href="/staff/calendar"' in body and "Lịch, thời hạn" in body


def test_pages_stay_small_in_queries(app: Flask, client: FlaskClient, world: Any,
                                     login: Callable[[User], None],
                                     statements: list[str]) -> None:
    login(world.viewer)
    statements.clear()
    assert client.get("/staff/calendar?year=2026").status_code == 200
    assert len(statements) < 12, statements
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == 0
