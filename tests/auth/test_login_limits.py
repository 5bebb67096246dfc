"""Login limits count failed attempts only, per address and per account."""

from __future__ import annotations

from tests_support import PASSWORD

OFFICE = {"REMOTE_ADDR": "203.0.113.7"}


def _post(client, email: str, password: str, addr: str = "203.0.113.7", **kw):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr}, **kw)


def test_successful_logins_from_one_address_never_lock_it(client, world, login_limit) -> None:
    login_limit("3 per minute")
    staff = [world.leader, world.officer, world.viewer, world.admin, world.stranger_leader]
    codes = [_post(client, staff[i % len(staff)].email, PASSWORD).status_code
             for i in range(10)]
    assert codes == [302] * 10


def test_the_fourth_failure_is_refused_with_the_wait(client, world, login_limit) -> None:
    login_limit("3 per minute")
    codes = [_post(client, world.leader.email, "wrong password").status_code
             for _ in range(3)]
    assert codes == [200, 200, 200]
    resp = _post(client, world.leader.email, "wrong password")
    assert resp.status_code == 429
    page = resp.get_data(as_text=True)
    assert "Đăng nhập sai quá nhiều lần. Xin thử lại sau 1 phút." in page
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    # Refused means refused: the right password does not get through until the wait ends.
    assert _post(client, world.leader.email, PASSWORD).status_code == 429


def test_the_wait_is_told_in_minutes(client, world, login_limit) -> None:
    login_limit("1 per hour")
    _post(client, world.leader.email, "wrong password")
    page = _post(client, world.leader.email, "wrong password").get_data(as_text=True)
    assert "Xin thử lại sau 60 phút." in page


def test_successes_between_failures_do_not_count(client, world, login_limit) -> None:
    login_limit("3 per minute")
    for _ in range(2):
        assert _post(client, "nobody@x.vn", "wrong password").status_code == 200
    for _ in range(5):
        assert _post(client, world.officer.email, PASSWORD).status_code == 302
    assert _post(client, "nobody@x.vn", "wrong password").status_code == 200
    assert _post(client, "nobody@x.vn", "wrong password").status_code == 429


def test_one_account_is_limited_across_addresses(client, world, login_limit) -> None:
    login_limit("3 per minute")
    for i in range(3):
        assert _post(client, world.leader.email, "guess", addr=f"198.51.100.{i}"
                     ).status_code == 200
    assert _post(client, world.leader.email, "guess", addr="198.51.100.99").status_code == 429
    # Another account from that fresh address is not affected.
    assert _post(client, world.officer.email, PASSWORD, addr="198.51.100.99").status_code == 302


def test_one_address_is_limited_across_accounts(client, world, login_limit) -> None:
    login_limit("3 per minute")
    for i in range(3):
        assert _post(client, f"guess{i}@x.vn", "guess").status_code == 200
    assert _post(client, world.leader.email, PASSWORD).status_code == 429
    assert _post(client, world.leader.email, PASSWORD, addr="192.0.2.1").status_code == 302


def test_json_429_is_unchanged(client, world, login_limit) -> None:
    login_limit("1 per minute")
    _post(client, "a@b.vn", "x")
    resp = _post(client, "a@b.vn", "x", headers={"Accept": "application/json"})
    assert resp.status_code == 429
    assert resp.get_json() == {"error": {
        "status": 429, "title": "Gửi quá nhiều lần",
        "detail": "Ông/bà đã gửi quá nhiều lần trong thời gian ngắn. Xin chờ một lát rồi thử lại."}}


def test_citizen_429_keeps_the_general_wording(app, client, world, submit) -> None:
    saved = app.config["RATELIMIT_SUBMIT_PER_CLIENT"]
    app.config["RATELIMIT_SUBMIT_PER_CLIENT"] = "1 per minute"
    try:
        submit(world.counter, {"TC2": 5})
        resp = submit(world.counter, {"TC2": 5})
    finally:
        app.config["RATELIMIT_SUBMIT_PER_CLIENT"] = saved
    assert resp.status_code == 429
    page = resp.get_data(as_text=True)
    assert "Xin chờ một lát rồi thử lại." in page and "Đăng nhập" not in page
