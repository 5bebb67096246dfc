"""/tra-cuu: the tracking code and the last 4 digits of the phone (or the email) show the
sender's petition; a wrong pair and an unknown code look the same; attempts are limited
per client and per code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from staff_support import act

from feedback.links import SHORT_ALPHABET, format_short_code, new_short_code


def answer(app: Flask, world: Any, code: str, *, publish: bool = False,
           archive: bool = False) -> None:
    act(app, code, "accept", world.leader, category="1", assignee=str(world.officer.id))
    act(app, code, "answer", world.officer, answer="Hồ sơ đã được trả ngày 3/12.\nXin lỗi ông.")
    if publish:
        act(app, code, "publish", world.leader, public_text="Đơn vị đã trả hồ sơ.")
    if archive:
        act(app, code, "archive", world.leader)


def look(client: Any, code: str, secret: str, addr: str = "203.0.113.5") -> Any:
    return client.post("/tra-cuu", data={"code": code, "secret": secret},
                       environ_base={"REMOTE_ADDR": addr})


def without_tokens(html: str) -> str:
    return re.sub(r'name="(csrf_token|proof)" value="[^"]*"', "", html)


def test_the_page_is_small_labelled_and_posts(client) -> None:
    resp = client.get("/tra-cuu")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and len(resp.data) < 40_000 and "<script" not in html
    assert '<form method="post" action="/tra-cuu"' in html
    assert '<label for="code">' in html and '<label for="secret">' in html
    assert 'name="csrf_token"' in html


def test_right_pair_by_phone_shows_status_and_dates(app, client, world, petition) -> None:
    p = petition(world.commune, sender_phone="0912 345 678")
    typed = format_short_code(p.code).lower()  # dashes and lower case are fine
    resp = look(client, typed, "5678")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert format_short_code(p.code) in html
    assert "Mới tiếp nhận" in html and "Xã Hoằng Ngọc" in html
    assert f"{p.reply_due:%d/%m/%Y}" in html and "Hạn trả lời" in html
    assert "Ngày tiếp nhận" in html
    # The page is the sender's status, not a copy of what they sent.
    assert p.content not in html and "Nguyễn Văn An" not in html
    assert 'name="rating"' not in html  # not answered yet
    assert len(resp.data) < 40_000
    assert look(client, p.code, "0912.34-5678").status_code == 200  # the whole number too


def test_right_pair_by_email_ignores_case(client, world, petition) -> None:
    p = petition(world.commune, sender_phone=None, sender_email="An.Nguyen@Example.vn")
    assert look(client, p.code, "an.nguyen@example.VN").status_code == 200
    assert look(client, p.code, "other@example.vn").status_code == 404
    assert look(client, p.code, "5678").status_code == 404


def test_a_wrong_pair_and_an_unknown_code_get_the_same_answer(client, world,
                                                              petition) -> None:
    p = petition(world.commune)
    unknown = new_short_code()
    while unknown == p.code:
        unknown = new_short_code()
    wrong = look(client, p.code, "0000")
    missing = look(client, unknown, "5678")
    assert wrong.status_code == missing.status_code == 404
    strip = lambda r, c: without_tokens(r.get_data(as_text=True)).replace(c, "CODE")  # noqa: E731
    typed_wrong, typed_missing = p.code, unknown
    assert strip(wrong, typed_wrong) == strip(missing, typed_missing)
    assert "Không tìm thấy phản ánh, kiến nghị" in wrong.get_data(as_text=True)


def test_a_gop_y_without_contact_can_never_be_tracked(client, world, petition) -> None:
    p = petition(world.commune, sender_name="", sender_phone=None)
    for secret in ("", "0000", "@", "@@@@", "    "):
        assert look(client, p.code, secret).status_code in (404, 422)


@pytest.mark.parametrize(("code", "secret", "message"), [
    ("", "5678", "Xin nhập mã tra cứu."),
    ("ABC", "5678", "Mã tra cứu chưa đúng"),
    ("ABC-DEF0", "5678", "Mã tra cứu chưa đúng"),
    ("\x00\x01", "5678", "Mã tra cứu chưa đúng"),
    ("X" * 500, "5678", "Mã tra cứu chưa đúng"),
])
def test_typos_are_told_apart_from_wrong_pairs(client, world, code, secret, message) -> None:
    resp = look(client, code, secret)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)


def test_the_second_factor_is_required(client, world, petition) -> None:
    p = petition(world.commune)
    resp = look(client, p.code, " ")
    assert resp.status_code == 422
    assert "Xin nhập 4 số cuối điện thoại" in resp.get_data(as_text=True)


def test_codes_never_travel_in_the_address(client) -> None:
    assert client.get("/tra-cuu?code=ABC").status_code == 200  # ignored, never looked up
    html = client.get("/tra-cuu").get_data(as_text=True)
    assert 'method="get"' not in html


def test_an_expired_csrf_token_keeps_the_code(client, world, petition, csrf_on) -> None:
    p = petition(world.commune)
    resp = client.post("/tra-cuu", data={"code": p.code, "secret": "5678",
                                         "csrf_token": "old"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "phiên làm việc hết hạn" in html
    assert f'value="{p.code}"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    again = client.post("/tra-cuu", data={"code": p.code, "secret": "5678", "csrf_token": token})
    assert again.status_code == 200


def test_states_the_sender_sees(app, client, world, petition) -> None:
    p = petition(world.commune)
    act(app, p.code, "accept", world.leader, category="1", assignee=str(world.officer.id))
    act(app, p.code, "wait", world.officer, note="Xin bản chụp giấy hẹn")
    html = look(client, p.code, "5678").get_data(as_text=True)
    assert "Chờ người gửi bổ sung" in html and "Xin bản chụp giấy hẹn" in html
    assert "Thời hạn tạm dừng" in html and "(đã gia hạn)" not in html
    act(app, p.code, "resume", world.officer)
    act(app, p.code, "extend", world.leader, reason="Cần xác minh với cấp huyện")
    html = look(client, p.code, "5678").get_data(as_text=True)
    assert "(đã gia hạn)" in html and "Thời hạn tạm dừng" not in html
    act(app, p.code, "answer", world.officer, answer="Hồ sơ đã được trả ngày 3/12.")
    html = look(client, p.code, "5678").get_data(as_text=True)
    # The private answer went to the sender; the page shows only what gets published.
    assert "Đã trả lời" in html and "Hồ sơ đã được trả ngày 3/12." not in html
    assert "khi đơn vị công khai kết quả" in html
    assert "Ngày trả lời" in html and "Hạn trả lời" not in html
    assert 'name="rating"' in html
    act(app, p.code, "publish", world.leader, public_text="Đơn vị đã trả hồ sơ.")
    html = look(client, p.code, "5678").get_data(as_text=True)
    assert "Đã công khai kết quả" in html and 'href="/u/xa-a1/tra-loi"' in html
    assert "Đơn vị đã trả hồ sơ." in html and "Hồ sơ đã được trả ngày 3/12." not in html
    act(app, p.code, "archive", world.leader)
    html = look(client, p.code, "5678").get_data(as_text=True)
    assert "Đã công khai kết quả" in html and "Đơn vị đã trả hồ sơ." in html


def test_a_transfer_says_where_to(app, client, world, petition) -> None:
    p = petition(world.commune)
    act(app, p.code, "transfer", world.leader, receiving_body="UBND huyện Hoằng Hóa",
        reason="Thuộc thẩm quyền cấp huyện")
    html = look(client, p.code, "5678").get_data(as_text=True)
    assert "Đã chuyển cơ quan có thẩm quyền" in html and "UBND huyện Hoằng Hóa" in html
    assert 'name="rating"' not in html


def test_too_many_lookups_from_one_client(app, client, world, petition) -> None:
    p = petition(world.commune)
    saved = app.config["RATELIMIT_TRACKING_PER_CLIENT"]
    app.config["RATELIMIT_TRACKING_PER_CLIENT"] = "3 per minute"
    try:
        codes = [look(client, new_short_code(), "1234").status_code for _ in range(3)]
        resp = look(client, p.code, "5678")  # even the right pair waits now
    finally:
        app.config["RATELIMIT_TRACKING_PER_CLIENT"] = saved
    assert codes == [404, 404, 404]
    assert resp.status_code == 429
    html = resp.get_data(as_text=True)
    assert "Tra cứu quá nhiều lần" in html and "Xin chờ vài phút rồi thử lại." in html
    assert '<html lang="vi">' in html and "Retry-After" in resp.headers


def test_too_many_lookups_of_one_code_from_many_clients(app, client, world, petition) -> None:
    p = petition(world.commune)
    other = petition(world.commune)
    saved = app.config["RATELIMIT_TRACKING_PER_CODE"]
    app.config["RATELIMIT_TRACKING_PER_CODE"] = "3 per minute"
    try:
        shown = format_short_code(p.code)
        spellings = [p.code, shown.lower(), shown]  # one code, however it is typed
        codes = [look(app.test_client(), typed, f"{i:04d}", addr=f"198.51.100.{i}").status_code
                 for i, typed in enumerate(spellings)]
        refused = look(app.test_client(), p.code, "5678", addr="192.0.2.77")
        fine = look(app.test_client(), other.code, "5678", addr="192.0.2.77")
    finally:
        app.config["RATELIMIT_TRACKING_PER_CODE"] = saved
    assert codes == [404, 404, 404]
    assert refused.status_code == 429 and "Tra cứu quá nhiều lần" in refused.get_data(
        as_text=True)
    assert fine.status_code == 200


def test_typos_of_one_code_share_a_limit_too(app, world) -> None:
    saved = app.config["RATELIMIT_TRACKING_PER_CODE"]
    app.config["RATELIMIT_TRACKING_PER_CODE"] = "2 per minute"
    bad = SHORT_ALPHABET[:7]  # its check character is wrong
    try:
        codes = [look(app.test_client(), bad, "1234", addr=f"198.51.100.{i}").status_code
                 for i in range(3)]
    finally:
        app.config["RATELIMIT_TRACKING_PER_CODE"] = saved
    assert codes[-1] == 429
