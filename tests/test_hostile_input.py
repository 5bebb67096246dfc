"""Odd, oversized or hostile input gets a clear answer, never a 500 (review findings)."""

from __future__ import annotations

import pytest

from feedback import create_app
from feedback.extensions import db, limiter
from feedback.models import Counter

STAFF_URLS = [
    "/staff/responses?page=²", "/staff/responses?counter=²", "/staff/responses.csv?procedure=¹",
    "/staff/dashboard?from=9999-12-31&to=9999-12-31",
    "/staff/responses?from=0001-01-01&to=0001-01-02",
    "/staff/charts/trend.png?from=9999-12-31&to=9999-12-31",
    "/staff/responses?fmt=x&endpoint=y&page=2", "/staff/responses?unit=%00",
    "/staff/dashboard?unit=ho%E1%BA%B1ng", "/staff/counters/99999999999999999999/qr.png",
    "/staff/counters/2147483648/poster.pdf", "/staff/responses?page=99999999999",
    "/api/v1/satisfaction?unit=%00", "/api/v1/satisfaction?unit=xa-a1&from=0001-01-01",
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_urls_never_500(client, world, login, url: str) -> None:
    login(world.admin)
    resp = client.get(url)
    assert resp.status_code in (200, 400, 404), resp.status_code


def test_period_out_of_range_is_explained(client, world, login) -> None:
    login(world.leader)
    html = client.get("/staff/dashboard?from=9999-12-31&to=9999-12-31").get_data(as_text=True)
    assert "Chỉ xem được từ năm 2000" in html


def test_control_characters_in_login(client, world) -> None:
    resp = client.post("/login", data={"email": "a\x00@x.vn", "password": "x"})
    assert resp.status_code == 200 and "không hợp lệ" in resp.get_data(as_text=True)


def test_large_counter_ids_in_posts(client, world, login) -> None:
    login(world.admin)
    assert client.post("/staff/counters/99999999999999999999/reissue").status_code == 404


def test_login_is_limited_per_account_too(app, client, world) -> None:
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    try:
        codes = [client.post("/login", data={"email": world.leader.email, "password": "x"},
                             environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
                 for i in range(3)]
    finally:
        app.config["RATELIMIT_LOGIN"] = "10000 per minute"
    assert codes == [200, 200, 429]


def test_trusted_proxy_gives_each_citizen_their_own_limit(app) -> None:
    overrides = {**{k: app.config[k] for k in ("SECRET_KEY", "DATABASE_URL")},
                 "ENV": "testing", "TRUSTED_PROXIES": 1, "RATELIMIT_LOGIN": "1 per minute",
                 "WTF_CSRF_ENABLED": False}
    proxied = create_app(overrides)
    try:
        client = proxied.test_client()

        def post(addr: str) -> int:
            return client.post("/login", data={"email": f"{addr}@x.vn", "password": "x"},
                               headers={"X-Forwarded-For": addr}).status_code

        codes = [post("203.0.113.1"), post("203.0.113.2"), post("203.0.113.1")]
    finally:
        with proxied.app_context():
            db.engine.dispose()
        limiter.init_app(app)
    assert codes == [200, 200, 429]


def test_a_counter_named_like_a_marker_cannot_break_the_form(app, client, world,
                                                              token_for) -> None:
    with app.app_context():
        db.session.get(Counter, world.counter.id).name = "__csrf_token__ __submission_id__"
        db.session.commit()
    app.config["PAGE_CACHE_SECONDS"] = 60
    try:
        html = client.get(f"/q/{token_for(world.counter)}").get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        app.extensions.pop("feedback.blank_pages", None)
    assert 'name="csrf_token" value="__csrf_token__"' not in html
    assert 'name="submission_id" value="__submission_id__"' not in html
    assert "<p class=\"counter\">__csrf_token__ __submission_id__</p>" in html


def test_demo_refuses_production(app, runner) -> None:
    app.config["ENV"] = "production"
    try:
        result = runner.invoke(args=["demo"])
    finally:
        app.config["ENV"] = "testing"
    assert result.exit_code != 0 and "refusing" in result.output


@pytest.mark.parametrize(("content", "message"), [
    ("code,name,parent_code,kind\np,P,c1,province\nc1,C,p,commune\n", "lead back to itself"),
    ("code,name\nHoằng Ngọc,X\n", "a code is"),
    ("code,name\nA B,X\n", "a code is"),
])
def test_unit_import_rejects_loops_and_bad_codes(runner, tmp_path, content: str,
                                                 message: str) -> None:
    f = tmp_path / "u.csv"
    f.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(f)])
    assert result.exit_code != 0 and message in result.output
