"""The public landing page `/`, typed counter codes (`/m/<code>`, `/m?code=`) and the way
back from the thank-you page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.links import format_short_code, new_short_code
from feedback.models import Counter, Unit
from feedback.qr import services as qr
from feedback.survey import views


def short_code(app, counter: Counter) -> str:
    with app.app_context():
        code = db.session.get(Counter, counter.id).short_code
        assert code
        return code


def test_landing_page_is_public_small_and_accessible(client, world, token_for) -> None:
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert len(resp.data) < 40_000 and "<script" not in html and " style=" not in html
    assert '<label for="code">Mã quầy</label>' in html and 'id="code" name="code"' in html
    assert re.search(r"<h1>[^<]+</h1>", html)
    assert 'href="/login"' in html and "Cán bộ đăng nhập" in html
    # Active units' counters, grouped under their unit, each a link to its current form.
    assert html.index("Xã Hoằng Ngọc") < html.index("Quầy 1 — Tư pháp")
    assert f'href="/q/{token_for(world.counter)}"' in html
    assert f'href="/q/{token_for(world.stranger_counter)}"' in html
    # Only the HTML and its stylesheet: a citizen's phone fetches little.
    assert html.count('rel="stylesheet"') == 1


def test_inactive_counters_and_units_are_not_listed(app, client, world, token_for) -> None:
    with app.app_context():
        db.session.get(Counter, world.counter.id).active = False
        db.session.get(Unit, world.stranger.id).active = False
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Quầy 1 — Tư pháp" not in html and "Quầy 2 — Đất đai" in html
    assert "Xã Tuệ Tĩnh" not in html


def test_one_unit_or_a_province_by_code(client, world) -> None:
    one = client.get("/?unit=xa-a2").get_data(as_text=True)
    assert "Xã Hà Tiến" in one and "Xã Hoằng Ngọc" not in one and "Xem mọi đơn vị" in one
    province = client.get("/?unit=tinh-a").get_data(as_text=True)
    assert "Xã Hà Tiến" in province and "Xã Hoằng Ngọc" in province
    assert "Xã Tuệ Tĩnh" not in province
    assert client.get("/?unit=nope").status_code == 404
    assert client.get("/?unit=%00bad").status_code == 404


def test_a_large_installation_lists_units_not_every_counter(app, client, world,
                                                           monkeypatch) -> None:
    monkeypatch.setattr(views, "LANDING_MAX_LINKS", 2)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/?unit=xa-a1"' in html and "/q/" not in html
    assert "/q/" in client.get("/?unit=xa-a1").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{dashed}", " {spaced} "])
def test_a_typed_code_leads_to_the_counter_form(app, client, world, token_for,
                                                typed: str) -> None:
    code = short_code(app, world.counter)
    text = typed.format(code=code, lower=code.lower(), dashed=format_short_code(code),
                        spaced=" ".join(code))
    answers = [client.get("/m", query_string={"code": text})]
    if " " not in text:
        answers.append(client.get(f"/m/{text}"))
    for resp in answers:
        assert resp.status_code == 303
        assert resp.headers["Location"].endswith(f"/q/{token_for(world.counter)}")


def test_a_wrong_code_says_so_in_vietnamese(app, client, world) -> None:
    code = short_code(app, world.counter)
    typo = code[:-1] + ("2" if code[-1] != "2" else "3")  # the check character catches it
    for url in (f"/m/{typo}", f"/m?code={typo}", "/m/" + new_short_code(),
                "/m/%3Cscript%3E", "/m?code=" + "A" * 500):
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 404, url
        assert "không đúng hoặc không còn dùng" in html
        assert 'aria-invalid="true"' in html and "<script>" not in html
    empty = client.get("/m?code=")
    assert empty.status_code == 404 and "Xin nhập mã quầy" in empty.get_data(as_text=True)


def test_an_old_posters_code_stops_working_after_a_reissue(app, client, world) -> None:
    old = short_code(app, world.counter)
    with app.app_context():
        qr.reissue(db.session.get(Counter, world.counter.id))
    assert client.get(f"/m/{old}").status_code == 404
    assert client.get(f"/m/{short_code(app, world.counter)}").status_code == 303


def test_a_deactivated_counters_code_is_refused(app, client, world) -> None:
    code = short_code(app, world.counter)
    with app.app_context():
        db.session.get(Counter, world.counter.id).active = False
        db.session.commit()
    assert client.get(f"/m/{code}").status_code == 404


def test_every_counter_has_a_distinct_checked_code(app, world) -> None:
    with app.app_context():
        codes = list(db.session.scalars(select(Counter.short_code)))
    assert len(codes) == len(set(codes)) == 4
    assert all(c and re.fullmatch(r"[2-9A-HJKMNP-Z]{7}", c) for c in codes)


def test_thank_you_page_links_back_to_the_landing_page(client, world, submit) -> None:
    resp = submit(world.counter, {"TC2": 5})
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'href="/"' in html



def test_the_posters_typed_petition_address_opens_the_counters_petition_form(
        app, client, world, token_for) -> None:
    """The poster prints `<site>/m/ABC-2DEF/pakn`: the petition is filed against the
    counter, as from its QR code. A wrong code is the same 404 page as for the survey."""
    code = format_short_code(short_code(app, world.counter))
    resp = client.get(f"/m/{code}/pakn")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/q/{token_for(world.counter)}/pakn")
    wrong = client.get("/m/" + new_short_code() + "/pakn")
    assert wrong.status_code == 404
    assert "không đúng hoặc không còn dùng" in wrong.get_data(as_text=True)


def test_the_survey_page_offers_the_counters_petition_form(client, world, token_for) -> None:
    html = client.get(f"/q/{token_for(world.counter)}").get_data(as_text=True)
    assert f'href="/q/{token_for(world.counter)}/pakn"' in html
