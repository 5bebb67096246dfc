"""The public petition form: from a counter's poster (/q/<token>/pakn) and a unit's own page
(/u/<code>/pakn), every way a citizen or a bot can get it wrong, and what is stored."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.links import new_submission_id, normalise_short_code
from feedback.models import Counter, MailMessage, Petition, Unit

GOOD = {
    "sender_name": "Nguyễn Văn An",
    "sender_address": "Thôn 3, xã Hoằng Ngọc",
    "sender_phone": "0912 345 678",
    "sender_email": "",
    "content": "Hồ sơ đăng ký khai sinh của tôi bị trả chậm 5 ngày so với giấy hẹn.",
    "category": "1",
    "dossier_code": "",
}


def _data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = dict(GOOD, submission_id=new_submission_id())
    data.update(over)
    return data


def count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Petition.id))) or 0


def only(app: Flask) -> Petition:
    with app.app_context():
        p = db.session.scalars(select(Petition)).one()
        db.session.expunge(p)
        return p


def labelled(html: str) -> None:
    """Every visible control has a <label for> (the survey's bar)."""
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"',
                     html)
    controls = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*>', html)
    assert ids and len(ids) == len(controls)
    missing = [i for i in ids if f'<label for="{i}">' not in html]
    assert not missing


# --- The pages ----------------------------------------------------------------------------

def test_counter_form_is_small_labelled_and_says_what_it_is_not(client, world,
                                                                token_for) -> None:
    resp = client.get(f"/q/{token_for(world.counter)}/pakn")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert len(resp.data) < 40_000 and "<script" not in html and " style=" not in html
    assert "Xã Hoằng Ngọc" in html and "Quầy 1 — Tư pháp" in html
    labelled(html)
    assert 'enctype="multipart/form-data"' in html
    assert len(re.findall(r'type="file"', html)) == 3
    assert re.search(r'name="submission_id" value="[0-9a-f]{32}"', html)
    assert 'name="csrf_token"' in html and 'name="website"' in html
    # DOMAIN §4: without name, address and a contact it is a góp ý, not a PAKN.
    assert "góp ý không danh tính, không phải phản ánh, kiến nghị" in html
    assert "không nhận khiếu nại, tố cáo" in html
    assert "Luật Khiếu nại và Luật Tố cáo" in html and "Ban tiếp công dân" in html
    assert "Đăng ký khai sinh" in html  # the unit's procedures are offered
    assert "Quy định hành chính không phù hợp với thực tế" in html  # categories
    assert resp.headers["Cache-Control"] == "no-store"


def test_unit_form(client, world) -> None:
    resp = client.get("/u/xa-a1/pakn")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and len(resp.data) < 40_000
    assert "Xã Hoằng Ngọc" in html and 'action="/u/xa-a1/pakn"' in html
    labelled(html)


def test_unknown_or_inactive_unit_is_404(app, client, world) -> None:
    assert client.get("/u/khong-co/pakn").status_code == 404
    assert client.get("/u/%00/pakn").status_code == 404
    assert client.post("/u/khong-co/pakn", data=_data()).status_code == 404
    with app.app_context():
        db.session.get(Unit, world.sibling.id).active = False
        db.session.commit()
    assert client.get("/u/xa-a2/pakn").status_code == 404
    assert client.post("/u/xa-a2/pakn", data=_data()).status_code == 404
    assert count(app) == 0


def test_bad_and_revoked_tokens_behave_like_the_survey(app, client, world, token_for) -> None:
    token = token_for(world.counter)
    assert client.get("/q/AAAAAAAAAAAAAAAAAAAAAA/pakn").status_code == 404
    assert client.get(f"/q/{token[:-1]}x/pakn").status_code == 404
    with app.app_context():
        counter = db.session.get(Counter, world.counter.id)
        counter.token_generation += 1  # reissued, no grace running
        db.session.commit()
    resp = client.get(f"/q/{token}/pakn")
    assert resp.status_code == 410 and "Mã QR đã hết hiệu lực" in resp.get_data(as_text=True)
    assert client.post(f"/q/{token}/pakn", data=_data()).status_code == 410
    assert client.get(f"/q/{token_for(world.counter)}/pakn").status_code == 200
    assert count(app) == 0


# --- Filing -------------------------------------------------------------------------------

def test_filing_from_a_poster_shows_the_code_and_the_reply_date(app, client, world,
                                                                token_for) -> None:
    resp = client.post(f"/q/{token_for(world.counter)}/pakn",
                       data=_data(sender_email="an@example.vn",
                                  procedure=str(world.procedure.id), dossier_code="HS-001"))
    assert resp.status_code == 303 and resp.headers["Location"] == "/pakn/xong"
    p = only(app)
    assert (p.unit_id, p.counter_id, p.channel, p.kind) == (
        world.commune.id, world.counter.id, "web", "pakn")
    assert (p.sender_phone, p.category, p.procedure_id, p.dossier_code) == (
        "0912345678", 1, world.procedure.id, "HS-001")
    page = client.get("/pakn/xong")
    html = page.get_data(as_text=True)
    shown = re.search(r'id="code" value="([A-Z0-9-]+)"', html)
    assert shown and normalise_short_code(shown.group(1)) == p.code and "-" in shown.group(1)
    assert f"{p.reply_due:%d/%m/%Y}" in html
    assert "Tra cứu" in html and "thư điện tử" in html
    assert p.content not in html and "Nguyễn Văn An" not in html
    assert len(page.data) < 40_000
    with app.app_context():  # the acknowledgement (outbox without SMTP)
        mails = db.session.scalars(select(MailMessage)).all()
        assert [m.recipient for m in mails] == ["an@example.vn"]
        assert p.code[:3] in mails[0].subject


def test_done_page_shows_nothing_of_anyone_else(app, client, world) -> None:
    client.post("/u/xa-a1/pakn", data=_data())
    code = only(app).code
    other = app.test_client()
    html = other.get("/pakn/xong").get_data(as_text=True)
    assert code[:4] not in html.replace("-", "") and 'id="code"' not in html
    assert client.get(f"/pakn/xong/{code}").status_code == 404


def test_without_name_address_and_contact_it_is_a_gop_y(app, client, world) -> None:
    resp = client.post("/u/xa-a1/pakn", data=_data(sender_name="", sender_phone=""))
    assert resp.status_code == 303
    p = only(app)
    assert (p.kind, p.counter_id, p.category) == ("gop_y", None, 1)
    html = client.get("/pakn/xong").get_data(as_text=True)
    assert "góp ý không danh tính" in html
    assert "không tra cứu được qua mạng" in html


def test_only_content_is_required(app, client, world) -> None:
    resp = client.post("/u/xa-a1/pakn", data={"content": "Cần thêm ghế chờ.",
                                               "submission_id": new_submission_id()})
    assert resp.status_code == 303
    assert only(app).kind == "gop_y"


LONG = "x" * 5001


@pytest.mark.parametrize(("field", "value", "message"), [
    ("content", "", "Xin nhập nội dung phản ánh, kiến nghị."),
    ("content", "   \n ", "Xin nhập nội dung phản ánh, kiến nghị."),
    ("content", LONG, "Nội dung dài quá 5000 ký tự"),
    ("content", "Chậm\x00trễ", "Ô này có ký tự không đọc được"),
    ("sender_name", "An\x07", "Ô này có ký tự không đọc được"),
    ("sender_name", "A" * 201, "Ô này dài quá 200 ký tự."),
    ("sender_address", "Thôn 3\nxã A", "Ô này có ký tự không đọc được"),
    ("sender_address", "A" * 301, "Ô này dài quá 300 ký tự."),
    ("sender_phone", "12345", "Số điện thoại không đúng"),
    ("sender_phone", "0912abc678", "Số điện thoại không đúng"),
    ("sender_phone", "0912\x00345678", "Số điện thoại không đúng"),
    ("sender_email", "an@", "Địa chỉ thư điện tử không đúng"),
    ("sender_email", "an\x00@example.vn", "Địa chỉ thư điện tử không đúng"),
    ("category", "9", "Phân loại không hợp lệ"),
    ("category", "x", "Phân loại không hợp lệ"),
    ("category", "1" * 30, "Phân loại không hợp lệ"),
    ("dossier_code", "<script>", "Mã hồ sơ chỉ gồm chữ, số"),
    ("dossier_code", "A" * 41, "Mã hồ sơ chỉ gồm chữ, số"),
    ("procedure", "abc", "Thủ tục không có trong danh sách"),
    ("procedure", "99999999999", "Thủ tục không có trong danh sách"),
    ("procedure", "\x00", "Thủ tục không có trong danh sách"),
])
def test_bad_input_is_refused_in_vietnamese_and_keeps_the_text(
        app, client, world, field, value, message) -> None:
    resp = client.post("/u/xa-a1/pakn", data=_data(**{field: value}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html and "Xin kiểm tra lại các ô được đánh dấu." in html
    if field != "content":
        assert "bị trả chậm 5 ngày" in html  # what was typed is kept
    assert count(app) == 0


def test_another_units_procedure_is_refused(app, client, world) -> None:
    with app.app_context():
        from feedback.models import Procedure
        other = Procedure(unit_id=world.sibling.id, code="X1", name="Thủ tục xã khác")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    resp = client.post("/u/xa-a1/pakn", data=_data(procedure=str(other_id)))
    assert resp.status_code == 422 and "Thủ tục không có trong danh sách" in resp.get_data(
        as_text=True)
    assert count(app) == 0


def test_the_honeypot_looks_successful_and_stores_nothing(app, client, world) -> None:
    resp = client.post("/u/xa-a1/pakn", data=_data(website="http://spam.example"))
    assert resp.status_code == 303 and resp.headers["Location"] == "/pakn/xong"
    assert "Đã gửi phản ánh, kiến nghị" in client.get("/pakn/xong").get_data(as_text=True)
    assert count(app) == 0


def test_an_expired_csrf_token_keeps_the_text(app, client, world, csrf_on) -> None:
    html = client.get("/u/xa-a1/pakn").get_data(as_text=True)
    assert re.search(r'name="csrf_token" value="[^"]+"', html)
    resp = client.post("/u/xa-a1/pakn", data=_data(csrf_token="expired"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "phiên làm việc hết hạn" in page and "bị trả chậm 5 ngày" in page
    assert "Nguyễn Văn An" in page
    assert count(app) == 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sid = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)
    again = client.post("/u/xa-a1/pakn", data=_data(csrf_token=token, submission_id=sid))
    assert again.status_code == 303 and count(app) == 1


def test_without_any_csrf_token_nothing_is_stored(app, client, world, csrf_on) -> None:
    resp = client.post("/u/xa-a1/pakn", data=_data())
    assert resp.status_code == 400 and count(app) == 0


def test_a_double_tap_files_one_petition_with_one_code(app, client, world) -> None:
    data = _data(sender_email="an@example.vn")
    first = client.post("/u/xa-a1/pakn", data=data)
    code_1 = re.search(r'id="code" value="([^"]+)"', client.get("/pakn/xong").get_data(
        as_text=True)).group(1)
    second = app.test_client().post("/u/xa-a1/pakn", data=data)  # a retry, another session
    assert first.status_code == second.status_code == 303
    assert count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(MailMessage.id))) == 1
    again = client.post("/u/xa-a1/pakn", data=data)
    assert again.status_code == 303
    code_2 = re.search(r'id="code" value="([^"]+)"', client.get("/pakn/xong").get_data(
        as_text=True)).group(1)
    assert code_1 == code_2 and count(app) == 1


def test_a_forged_submission_id_gets_a_fresh_one(app, client, world) -> None:
    resp = client.post("/u/xa-a1/pakn", data=_data(submission_id="'; drop table"))
    assert resp.status_code == 303 and count(app) == 1


def test_too_many_submissions_are_refused_in_vietnamese(app, client, world) -> None:
    saved = app.config["RATELIMIT_PETITION_PER_CLIENT"]
    app.config["RATELIMIT_PETITION_PER_CLIENT"] = "2 per minute"
    try:
        codes = [client.post("/u/xa-a1/pakn", data=_data()).status_code for _ in range(2)]
        # Shared by both forms: the poster's route counts against the same limit.
        resp = client.post("/u/xa-a1/pakn", data=_data())
    finally:
        app.config["RATELIMIT_PETITION_PER_CLIENT"] = saved
    assert codes == [303, 303]
    assert resp.status_code == 429
    html = resp.get_data(as_text=True)
    assert "Gửi quá nhiều lần" in html and "Xin chờ vài phút rồi thử lại." in html
    assert '<html lang="vi">' in html
    assert count(app) == 2


def test_the_limit_is_shared_by_the_poster_and_the_unit_form(app, client, world,
                                                             token_for) -> None:
    saved = app.config["RATELIMIT_PETITION_PER_CLIENT"]
    app.config["RATELIMIT_PETITION_PER_CLIENT"] = "1 per minute"
    try:
        assert client.post("/u/xa-a1/pakn", data=_data()).status_code == 303
        resp = client.post(f"/q/{token_for(world.counter)}/pakn", data=_data())
    finally:
        app.config["RATELIMIT_PETITION_PER_CLIENT"] = saved
    assert resp.status_code == 429


def test_a_request_too_large_is_a_vietnamese_413(app, client, world) -> None:
    saved = app.config["ATTACHMENT_MAX_BYTES"]
    app.config["ATTACHMENT_MAX_BYTES"] = 10_000  # limit: 3 × 10 kB + 256 KiB
    try:
        big = io.BytesIO(b"%PDF-1.4\n" + b"0" * 300_000)
        resp = client.post("/u/xa-a1/pakn", data=_data(attachments=[(big, "to.pdf")]),
                           content_type="multipart/form-data")
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = saved
    html = resp.get_data(as_text=True)
    assert resp.status_code == 413
    assert "Tệp gửi kèm quá lớn" in html and "tối đa 3 tệp" in html
    assert count(app) == 0


def test_the_raised_limit_is_only_for_the_petition_form(client, world) -> None:
    """Above the global 256 KiB, but within the petition form's own limit: accepted there,
    refused on any other public POST (the survey's)."""
    padding = "x" * 300_000
    assert client.post("/tra-cuu", data={"code": padding, "secret": "1234"}
                       ).status_code == 413
    resp = client.post("/u/xa-a1/pakn",
                       data=_data(attachments=[(io.BytesIO(b"%PDF-1.4\n" + b"0" * 300_000),
                                                "don.pdf")]),
                       content_type="multipart/form-data")
    assert resp.status_code == 303


# --- Links to the form --------------------------------------------------------------------

def test_the_survey_thank_you_page_offers_the_form(client, world, token_for, submit) -> None:
    token = token_for(world.counter)
    resp = submit(world.counter, {"TC2": 5})
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f'href="/q/{token}/pakn"' in html and "Gửi phản ánh, kiến nghị" in html


def test_the_unit_landing_offers_the_form_the_answers_and_tracking(client, world) -> None:
    html = client.get("/?unit=xa-a1").get_data(as_text=True)
    assert 'href="/u/xa-a1/pakn"' in html and 'href="/u/xa-a1/tra-loi"' in html
    assert 'href="/tra-cuu"' in html
    assert 'href="/tra-cuu"' in client.get("/").get_data(as_text=True)


def test_the_poster_prints_the_counters_petition_address(app, client, world, login) -> None:
    """Typed from the poster, it leads to the counter's own form (filed against the
    counter, like its QR code); a counter without a short code falls back to the unit's."""
    import pypdfium2 as pdfium

    from feedback.links import format_short_code

    def printed() -> str:
        resp = client.get(f"/staff/counters/{world.counter.id}/poster.pdf")
        doc = pdfium.PdfDocument(resp.data)
        try:
            return " ".join(doc[0].get_textpage().get_text_range().split())
        finally:
            doc.close()

    login(world.officer)
    with app.app_context():
        short = format_short_code(db.session.get(Counter, world.counter.id).short_code)
    assert f"Gửi phản ánh, kiến nghị: 127.0.0.1:5000/m/{short}/pakn" in printed()
    with app.app_context():
        db.session.get(Counter, world.counter.id).short_code = None
        db.session.commit()
    assert "Gửi phản ánh, kiến nghị: 127.0.0.1:5000/u/xa-a1/pakn" in printed()
