"""Every workflow action through the petition page's one POST endpoint: the allowed ones
(303 and a flash), the refused ones with their status (403 role or assignee, 409 state or
second extension, 422 a missing or bad field) and nothing changed, and the reply
template picker."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from staff_support import events, load, set_columns, snapshot, text
from tests_support import PASSWORD

from feedback.extensions import db
from feedback.models import Unit
from feedback.petitions import replies


def _post(client: FlaskClient, code: str, action: str, **fields: str) -> Any:
    return client.post(f"/staff/petitions/{code}/actions", data={"action": action, **fields})


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _switch(client: FlaskClient, login: Any, who: Any) -> None:
    client.post("/logout")
    login(who)


def test_a_petition_handled_from_receipt_to_archive_through_the_page(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any) -> None:
    p = petition(world.commune)
    login(world.leader)
    steps: list[tuple[Any, str, dict[str, str], str]] = [
        (world.leader, "accept", {"category": "1", "assignee": str(world.officer.id)},
         "in_progress"),
        (world.officer, "wait", {"note": "Xin bản chụp giấy hẹn"}, "waiting_citizen"),
        (world.officer, "resume", {}, "in_progress"),
        (world.leader, "extend", {"reason": "Phải xác minh"}, "in_progress"),
        (world.leader, "assign", {"assignee": str(world.leader.id)}, "in_progress"),
        (world.leader, "note", {"note": "Đã gọi điện cho người gửi"}, "in_progress"),
        (world.leader, "answer", {"answer": "Đã trả hồ sơ cho ông ngày 3/12."}, "answered"),
        (world.leader, "publish", {"public_text": "Đã trả hồ sơ."}, "published"),
        (world.leader, "archive", {}, "archived"),
    ]
    current = world.leader
    for who, action, fields, state in steps:
        if who is not current:
            _switch(client, login, who)
            current = who
        resp = _post(client, p.code, action, **fields)
        assert resp.status_code == 303, (action, text(resp)[:2000])
        assert resp.headers["Location"].endswith(f"/staff/petitions/{p.code}")
        assert load(app, p.code).status == state, action
        assert "Đã ghi nhận" in text(client.get(resp.headers["Location"]))
    stored = load(app, p.code)
    assert stored.extended and stored.answer == "Đã trả hồ sơ cho ông ngày 3/12."
    assert stored.public_text == "Đã trả hồ sơ." and stored.assignee_id == world.leader.id
    assert [e[0] for e in events(app, p.code)] == ["receive"] + [s[1] for s in steps]
    page = text(client.get(f"/staff/petitions/{p.code}"))
    assert "/actions" not in page  # archived: nothing left to do, not even a note


def test_reject_and_transfer_close_a_new_petition(app: Flask, client: FlaskClient,
                                                  world: Any, login: Any,
                                                  petition: Any) -> None:
    rejected, transferred = petition(world.commune), petition(world.commune)
    login(world.officer)
    assert _post(client, rejected.code, "reject",
                 reason="Là đơn khiếu nại, hướng dẫn nộp theo thủ tục").status_code == 303
    _switch(client, login, world.leader)
    assert _post(client, transferred.code, "transfer", receiving_body="UBND huyện",
                 reason="Thuộc thẩm quyền huyện").status_code == 303
    assert load(app, rejected.code).status == "rejected"
    moved = load(app, transferred.code)
    assert (moved.status, moved.receiving_body) == ("transferred", "UBND huyện")
    assert "UBND huyện" in text(client.get(f"/staff/petitions/{transferred.code}"))


REFUSALS = [
    # (who, state set first, assignee, action, fields, status, message)
    ("officer", "received", None, "transfer", {"receiving_body": "Huyện", "reason": "x"}, 403,
     "Vai trò của bạn không được thực hiện thao tác này."),
    ("officer", "in_progress", "leader", "answer", {"answer": "Trả lời"}, 403,
     "Chỉ cán bộ được phân công mới thực hiện được thao tác này."),
    ("officer", "in_progress", "leader", "wait", {"note": "Bổ sung"}, 403,
     "Chỉ cán bộ được phân công"),
    ("leader", "in_progress", "officer", "resume", {}, 409, "Không thể thực hiện thao tác này"),
    ("leader", "received", None, "answer", {"answer": "Trả lời"}, 409,
     "Không thể thực hiện thao tác này"),
    ("leader", "archived", None, "note", {"note": "Ghi chú"}, 409,
     "Không thể thực hiện thao tác này"),
    ("leader", "extended", "officer", "extend", {"reason": "Lần hai"}, 409,
     "đã được gia hạn một lần"),
    ("leader", "received", None, "accept", {"assignee": "officer"}, 422,
     "Vui lòng chọn phân loại nội dung"),
    ("leader", "received", None, "accept", {"category": "1"}, 422, "Vui lòng chọn cán bộ xử lý."),
    ("leader", "received", None, "accept", {"category": "9", "assignee": "officer"}, 422,
     "Phân loại nội dung không hợp lệ."),
    ("leader", "received", None, "accept", {"category": "1", "assignee": "stranger_leader"},
     422, "Cán bộ được chọn không xử lý được"),
    ("leader", "received", None, "accept", {"category": "1", "assignee": "viewer"}, 422,
     "Cán bộ được chọn không xử lý được"),
    ("leader", "received", None, "accept", {"category": "1", "assignee": "12x"}, 422,
     "Cán bộ được chọn không xử lý được"),
    ("officer", "received", None, "reject", {"reason": "   "}, 422, "Vui lòng nhập lý do."),
    ("leader", "received", None, "transfer", {"reason": "Thẩm quyền huyện"}, 422,
     "Vui lòng nhập cơ quan có thẩm quyền nhận chuyển."),
    ("leader", "in_progress", "officer", "extend", {}, 422, "Vui lòng nhập lý do."),
    ("officer", "in_progress", "officer", "answer", {"answer": ""}, 422,
     "Vui lòng nhập nội dung trả lời."),
    ("officer", "in_progress", "officer", "answer", {"answer": "x" * 10001}, 422,
     "Nội dung quá dài"),
    ("leader", "in_progress", "officer", "transfer",
     {"receiving_body": "H" * 301, "reason": "x"}, 422, "Nội dung quá dài"),
    ("officer", "in_progress", "officer", "note", {"note": "có\x00NUL"}, 422,
     "ký tự không in được"),
    ("leader", "received", None, "reject", {"reason": "a\x1bb"}, 422, "ký tự không in được"),
    ("leader", "answered", "officer", "publish", {"public_text": ""}, 422,
     "Vui lòng nhập nội dung công khai"),
    ("leader", "received", None, "explode", {}, 422, "Thao tác không hợp lệ."),
    ("leader", "received", None, "", {}, 422, "Thao tác không hợp lệ."),
]


@pytest.mark.parametrize(("who", "state", "assignee", "action", "fields", "status", "message"),
                         REFUSALS, ids=[f"{r[0]}-{r[3] or 'blank'}-{r[1]}-{r[5]}"
                                        for r in REFUSALS])
def test_refused_actions_say_why_and_change_nothing(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any, who: str,
        state: str, assignee: str | None, action: str, fields: dict[str, str], status: int,
        message: str) -> None:
    p = petition(world.commune)
    columns: dict[str, Any] = {"status": "in_progress" if state == "extended" else state,
                               "extended": state == "extended"}
    if assignee:
        columns |= {"assignee_id": getattr(world, assignee).id, "category": 1}
    if state == "archived":
        columns["archived_from"] = "rejected"
    set_columns(app, p.code, **columns)
    fields = {k: (str(getattr(world, v).id) if k == "assignee" and hasattr(world, v) else v)
              for k, v in fields.items()}
    login(getattr(world, who))
    before = snapshot(app)
    resp = _post(client, p.code, action, **fields)
    page = text(resp)
    assert resp.status_code == status, page[:3000]
    assert message in page
    assert 'role="alert"' in page and "Nguyễn Văn An" in page  # the page again, not an error
    assert snapshot(app) == before


@pytest.mark.parametrize("who", ["viewer", "stranger_leader"])
def test_a_viewer_is_403_and_a_stranger_404_on_actions(app: Flask, client: FlaskClient,
                                                      world: Any, login: Any, petition: Any,
                                                      who: str) -> None:
    p = petition(world.commune)
    login(getattr(world, who))
    before = snapshot(app)
    resp = _post(client, p.code, "reject", reason="Không rõ nội dung")
    assert resp.status_code == (403 if who == "viewer" else 404)
    assert "Nguyễn Văn An" not in text(resp)
    assert snapshot(app) == before


def test_a_refused_form_keeps_what_was_typed_only_in_its_own_form(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any) -> None:
    p = petition(world.commune)
    login(world.leader)
    page = text(_post(client, p.code, "transfer", reason="Thuộc thẩm quyền của huyện"))
    assert page.count("Thuộc thẩm quyền của huyện") == 1
    assert '<details class="edit" id="act-transfer" open>' in page
    assert 'aria-invalid="true" aria-describedby="transfer-receiving_body-err"' in page


def test_action_forms_need_a_csrf_token(app: Flask, client: FlaskClient, world: Any,
                                        login: Any, petition: Any, csrf_on: None) -> None:
    p = petition(world.commune)
    token = _token(text(client.get("/login")))
    client.post("/login", data={"email": world.officer.email, "password": PASSWORD,
                                "csrf_token": token})
    before = snapshot(app)
    resp = _post(client, p.code, "reject", reason="Không rõ")
    assert resp.status_code == 400 and snapshot(app) == before
    token = _token(text(client.get(f"/staff/petitions/{p.code}")))
    resp = _post(client, p.code, "reject", reason="Không rõ", csrf_token=token)
    assert resp.status_code == 303 and load(app, p.code).status == "rejected"


# --- Reply templates on the answer form -------------------------------------------------

def test_the_answer_form_offers_the_units_templates(app: Flask, client: FlaskClient,
                                                    world: Any, login: Any,
                                                    petition: Any) -> None:
    p = petition(world.commune)
    set_columns(app, p.code, status="in_progress", category=1, assignee_id=world.officer.id)
    with app.app_context():
        ours = replies.create(db.session.get(Unit, world.province.id), "Đã giải quyết",
                              "Kính gửi ông/bà,\nHồ sơ đã được trả <ngay>.", None).id
        theirs = replies.create(db.session.get(Unit, world.stranger.id), "Mẫu tỉnh khác",
                                "Nội dung của tỉnh khác", None).id
    login(world.officer)
    page = text(client.get(f"/staff/petitions/{p.code}"))
    assert f'<option value="{ours}">Đã giải quyết</option>' in page
    assert "Mẫu tỉnh khác" not in page
    page = text(client.get(f"/staff/petitions/{p.code}?template={ours}"))
    assert "Kính gửi ông/bà,\nHồ sơ đã được trả &lt;ngay&gt;.</textarea>" in page
    assert '<details class="edit" id="act-answer" open>' in page
    page = text(client.get(f"/staff/petitions/{p.code}?template={theirs}"))
    assert "Nội dung của tỉnh khác" not in page
    assert client.get(f"/staff/petitions/{p.code}?template=abc").status_code == 200


def test_publish_starts_from_the_answer_without_the_senders_data(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any) -> None:
    p = petition(world.commune)
    set_columns(app, p.code, status="answered", category=1, assignee_id=world.officer.id,
                answer="Ông Nguyễn Văn An (0912 345 678): hồ sơ đã trả.")
    login(world.leader)
    page = text(client.get(f"/staff/petitions/{p.code}"))
    assert ">Ông […] ([…]): hồ sơ đã trả.</textarea>" in page
    assert "xin xoá họ tên, địa chỉ, số điện thoại" in page
    # Published unedited, the private answer is refused: it names the sender.
    resp = client.post(f"/staff/petitions/{p.code}/actions", data={
        "action": "publish", "public_text": "Gửi ông nguyễn văn an: hồ sơ đã trả."})
    assert resp.status_code == 422 and "còn thông tin cá nhân" in text(resp)
    resp = client.post(f"/staff/petitions/{p.code}/actions", data={
        "action": "publish", "public_text": "Hồ sơ đã trả, liên hệ 0912.345.678."})
    assert resp.status_code == 422
    resp = client.post(f"/staff/petitions/{p.code}/actions", data={
        "action": "publish", "public_text": "Hồ sơ đã trả cho công dân ngày 3/12."})
    assert resp.status_code == 303


def test_an_overdue_answer_asks_why_and_extension_is_gone(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any) -> None:
    from datetime import date

    p = petition(world.commune)
    set_columns(app, p.code, status="in_progress", category=1, assignee_id=world.officer.id,
                reply_due=date(2026, 1, 5))
    login(world.leader)
    page = text(client.get(f"/staff/petitions/{p.code}"))
    assert 'name="reason"' in page[page.index('id="act-answer"'):]
    assert 'id="act-extend"' not in page  # an extension comes before the reply date
    resp = client.post(f"/staff/petitions/{p.code}/actions",
                       data={"action": "extend", "reason": "Phức tạp"})
    assert resp.status_code == 409 and "không gia hạn được nữa" in text(resp)
    resp = client.post(f"/staff/petitions/{p.code}/actions",
                       data={"action": "answer", "answer": "Đã trả hồ sơ."})
    assert resp.status_code == 422 and "lý do trễ hạn" in text(resp)
    resp = client.post(f"/staff/petitions/{p.code}/actions", data={
        "action": "answer", "answer": "Đã trả hồ sơ.", "reason": "Chờ ý kiến cấp huyện"})
    assert resp.status_code == 303
