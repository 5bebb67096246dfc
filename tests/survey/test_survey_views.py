"""The citizen's survey through the test client: happy path, abuse and accidents."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.links import CounterToken, make_counter_token, new_submission_id
from feedback.models import Answer, Counter, Response

GOOD = {"TC2": 5, "TT1": 4, "TT4": 3, "CC1": 5, "CC3": 5, "KQ1": 4, "PA1": 2,
        "HARASS": 0, "INFORMAL": 0}


def count_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Response.id))) or 0


def test_survey_page_is_vietnamese_small_and_labelled(client, world, token_for) -> None:
    resp = client.get(f"/q/{token_for(world.counter)}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert '<html lang="vi">' in html
    assert "Đánh giá nhanh mức độ hài lòng" in html
    assert "Xã Hoằng Ngọc" in html and "Quầy 1 — Tư pháp" in html
    assert len(resp.data) < 40_000
    assert "<script" not in html
    radios = re.findall(r'<input type="radio" name="[^"]+" id="([^"]+)"', html)
    assert radios and all(f'<label for="{r}">' in html for r in radios)
    assert len(radios) == 7 * 5 + 2 * 2
    assert re.search(r'name="submission_id" value="[0-9a-f]{32}"', html)
    assert "Content-Security-Policy" in resp.headers
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_full_form_has_all_19_items(client, world, token_for) -> None:
    html = client.get(f"/q/{token_for(world.full_counter)}").get_data(as_text=True)
    assert len(set(re.findall(r'name="q_([A-Z]{2}\d)"', html))) == 19
    assert 'name="respondent_type"' in html


def test_submit_stores_answers_and_thanks(app, client, world, submit) -> None:
    resp = submit(world.counter, GOOD, comment="Cán bộ tận tình", procedure=str(world.procedure.id))
    assert resp.status_code == 303
    thanks = client.get(resp.headers["Location"])
    assert "Cảm ơn ông/bà đã đánh giá!" in thanks.get_data(as_text=True)
    with app.app_context():
        r = db.session.scalars(select(Response)).one()
        assert r.channel == "qr" and r.counter_id == world.counter.id
        assert r.procedure_id == world.procedure.id
        assert (r.questionnaire, r.questionnaire_version) == ("short", 1)
        assert r.comment == "Cán bộ tận tình"
        assert {a.item: a.value for a in r.answers} == GOOD
        assert r.created_at.tzinfo is not None


def test_double_tap_stores_one_response(app, client, world, submit) -> None:
    sid = new_submission_id()
    first = submit(world.counter, GOOD, submission_id=sid)
    second = submit(world.counter, GOOD, submission_id=sid)
    assert first.status_code == second.status_code == 303
    assert count_responses(app) == 1


def test_one_rating_per_dossier_per_counter_keeps_no_code(app, world, submit) -> None:
    assert submit(world.counter, GOOD, dossier="HS-2026-0001").status_code == 303
    again = submit(world.counter, GOOD, dossier="hs 2026 0001")
    assert again.status_code == 409
    assert "đã được đánh giá" in again.get_data(as_text=True)
    assert submit(world.full_counter, {"TC1": 5}, dossier="HS-2026-0001").status_code == 303
    assert count_responses(app) == 2
    with app.app_context():
        hashes = db.session.scalars(select(Response.dossier_hash)).all()
        assert all(h and "2026" not in h and len(h) == 64 for h in hashes)


def test_honeypot_looks_successful_but_stores_nothing(app, world, submit) -> None:
    resp = submit(world.counter, GOOD, website="http://spam.example")
    assert resp.status_code == 303
    assert count_responses(app) == 0


@pytest.mark.parametrize(("answers", "extra", "message"), [
    ({}, {}, "ít nhất một câu trả lời"),
    ({"TC2": 7}, {}, "Lựa chọn không hợp lệ"),
    ({"TC2": "abc"}, {}, "Lựa chọn không hợp lệ"),
    ({"TC2": 5, "ZZ1": 5}, {}, "không thuộc mẫu này"),
    ({"TC2": 5}, {"comment": "x" * 5000}, "dài quá 2000 ký tự"),
    ({"TC2": 5}, {"comment": "bad\x00byte"}, "không đọc được"),
    ({"TC2": 5}, {"procedure": "999999"}, "Thủ tục không có"),
    ({"TC2": 5}, {"procedure": "1 OR 1=1"}, "Thủ tục không có"),
    ({"TC2": 5}, {"age_band": "x"}, "Lựa chọn không hợp lệ"),
])
def test_invalid_input_gets_a_message_and_stores_nothing(app, world, submit, answers, extra,
                                                          message) -> None:
    resp = submit(world.counter, answers, **extra)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert message in html
    assert count_responses(app) == 0


def test_invalid_form_keeps_the_answers(world, submit) -> None:
    html = submit(world.counter, {"TC2": 4, "TT1": 9}, comment="giữ lại").get_data(as_text=True)
    assert 'id="q_TC2-4" value="4" checked' in html
    assert "giữ lại</textarea>" in html


def test_broken_encoding_and_wrong_types_never_500(app, client, world, token_for) -> None:
    url = f"/q/{token_for(world.counter)}"
    bodies = [
        b"q_TC2=%FF%FE&submission_id=zz",
        b"\xff\xfe\x00garbage",
        b"q_TC2=5&q_TC2=1&submission_id=" + b"a" * 5000,
    ]
    for body in bodies:
        resp = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        assert resp.status_code in (303, 400, 409, 422), body
    resp = client.post(url, json={"q_TC2": 5})
    assert resp.status_code == 422
    resp = client.post(url, data=b"x" * 400_000, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 413
    assert count_responses(app) <= 1


def test_bad_submission_id_gets_a_fresh_one(app, world, submit) -> None:
    resp = submit(world.counter, GOOD, submission_id="not-an-id")
    assert resp.status_code == 303
    assert count_responses(app) == 1


def test_tampered_token_is_404_in_vietnamese(client, world, token_for) -> None:
    token = token_for(world.counter)
    bad = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    resp = client.get(f"/q/{bad}")
    assert resp.status_code == 404
    assert "Mã QR này không hợp lệ" in resp.get_data(as_text=True)
    assert client.post(f"/q/{bad}", data={"q_TC2": "5"}).status_code == 404


def test_revoked_poster_says_it_is_out_of_date(app, client, world, token_for) -> None:
    old = token_for(world.counter)
    with app.app_context():
        from feedback.qr.services import reissue

        reissue(db.session.get(Counter, world.counter.id))
    resp = client.get(f"/q/{old}")
    assert resp.status_code == 410
    assert "đã cũ" in resp.get_data(as_text=True)
    assert client.get(f"/q/{token_for(world.counter)}").status_code == 200


def test_token_for_unknown_counter_or_form(app, client) -> None:
    secret = app.config["SECRET_KEY"]
    for token in (CounterToken(1, 999, 1, 1), CounterToken(1, 1, 1, 99)):
        assert client.get("/q/" + make_counter_token(secret, token)).status_code == 404


def test_sat3_one_tap_form(app, client, world, token_for, submit) -> None:
    with app.app_context():
        from feedback.qr.services import set_questionnaire

        set_questionnaire(db.session.get(Counter, world.counter.id), "sat3")
    html = client.get(f"/q/{token_for(world.counter)}").get_data(as_text=True)
    assert "Rất hài lòng" in html and 'name="q_OVERALL"' in html
    assert submit(world.counter, {"OVERALL": 3}).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Answer.item)).all() == ["OVERALL"]


def test_expired_csrf_keeps_answers_and_asks_to_send_again(app, client, world, token_for,
                                                            csrf_on) -> None:
    url = f"/q/{token_for(world.counter)}"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    sid = re.search(r'name="submission_id" value="([0-9a-f]{32})"', page)
    form = {"q_TC2": "5", "q_CC1": "4", "comment": "Tôi hài lòng",
            "submission_id": sid.group(1)}  # type: ignore[union-attr]
    # Expired or missing token: re-rendered with the answers and a fresh token.
    resp = client.post(url, data={**form, "csrf_token": "expired-token"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "phiên làm việc hết hạn" in html and "Gửi đánh giá" in html
    assert 'id="q_TC2-5" value="5" checked' in html and "Tôi hài lòng</textarea>" in html
    assert count_responses(app) == 0
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    resp = client.post(url, data={**form, "csrf_token": fresh.group(1)})  # type: ignore[union-attr]
    assert resp.status_code == 303
    assert count_responses(app) == 1


def test_public_posts_are_rate_limited_per_client_and_per_counter(app, world, submit) -> None:
    app.config["RATELIMIT_SUBMIT_PER_CLIENT"] = "3 per minute"
    try:
        codes = [submit(world.counter, GOOD).status_code for _ in range(4)]
    finally:
        app.config["RATELIMIT_SUBMIT_PER_CLIENT"] = "10000 per minute"
    assert codes == [303, 303, 303, 429]
    from feedback.extensions import limiter

    limiter.reset()
    app.config["RATELIMIT_SUBMIT_PER_COUNTER"] = "2 per minute"
    try:
        codes = [submit(world.counter, GOOD).status_code for _ in range(3)]
        other = submit(world.full_counter, {"TC1": 5}).status_code
    finally:
        app.config["RATELIMIT_SUBMIT_PER_COUNTER"] = "10000 per minute"
    assert codes == [303, 303, 429] and other == 303


def test_rate_limit_message_is_vietnamese(app, world, submit) -> None:
    app.config["RATELIMIT_SUBMIT_PER_CLIENT"] = "1 per minute"
    try:
        submit(world.counter, GOOD)
        resp = submit(world.counter, GOOD)
    finally:
        app.config["RATELIMIT_SUBMIT_PER_CLIENT"] = "10000 per minute"
    assert resp.status_code == 429
    assert "quá nhiều lần" in resp.get_data(as_text=True)


@pytest.mark.parametrize(("path", "mimetype"), [
    ("/favicon.ico", "image/svg+xml"), ("/static/css/public.css", "text/css"),
])
def test_favicon_and_static_are_served(client, path: str, mimetype: str) -> None:
    with client.get(path) as resp:
        assert resp.status_code == 200
        assert resp.mimetype == mimetype


def test_cached_blank_page_still_gets_fresh_ids_and_checks_revocation(app, client, world,
                                                                      token_for) -> None:
    app.config["PAGE_CACHE_SECONDS"] = 60
    try:
        url = f"/q/{token_for(world.counter)}"
        pages = [client.get(url).get_data(as_text=True) for _ in range(2)]
        ids = [re.search(r'name="submission_id" value="([0-9a-f]{32})"', p).group(1)  # type: ignore[union-attr]
               for p in pages]
        assert ids[0] != ids[1]
        assert all("__csrf_token__" not in p and "__submission_id__" not in p for p in pages)
        with app.app_context():
            from feedback.qr.services import reissue

            reissue(db.session.get(Counter, world.counter.id))
        assert client.get(url).status_code == 410  # the cache never outlives a revocation
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        app.extensions.pop("feedback.blank_pages", None)
