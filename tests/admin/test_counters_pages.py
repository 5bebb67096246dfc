"""The counters page: create, rename, reorder, deactivate/reactivate, the revoke confirmation,
who may do what, and the audit trail every change leaves."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.models import AuditEvent, Counter


def counters(app, unit_id: int) -> list[Counter]:
    with app.app_context():
        rows = list(db.session.scalars(select(Counter).where(Counter.unit_id == unit_id)
                                       .order_by(Counter.position, Counter.id)))
        db.session.expunge_all()
        return rows


def audit(app) -> list[tuple[str, int | None, str]]:
    with app.app_context():
        return [(e.action, e.actor_id, e.detail)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def count_counters(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Counter.id))) or 0


# --- Create --------------------------------------------------------------------------------

def test_leader_creates_a_counter_with_a_short_code_and_an_audit_row(app, client, world,
                                                                    login) -> None:
    login(world.leader)
    resp = client.post("/staff/counters?unit=xa-a1",
                       data={"name": "  Quầy 3 —  Đất đai ", "questionnaire": "full"})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/staff/counters?unit=xa-a1#quay-"
                                             + str(counters(app, world.commune.id)[-1].id))
    new = counters(app, world.commune.id)[-1]
    assert (new.name, new.questionnaire, new.position, new.active) == (
        "Quầy 3 — Đất đai", "full", 3, True)
    assert new.short_code and re.fullmatch(r"[2-9A-HJKMNP-Z]{7}", new.short_code)
    assert audit(app) == [("counter.create", world.leader.id, "Quầy 3 — Đất đai (full)")]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã thêm Quầy 3 — Đất đai" in page


@pytest.mark.parametrize(("name", "message"), [
    ("Quầy 1 — Tư pháp", "Đơn vị đã có một quầy mang tên này"),
    ("Quầy " + "đ" * 196, "Tên quầy dài quá 200 ký tự"),
    ("Quầy\x00 4", "ký tự không in được"),
    ("   ", "Xin nhập tên quầy."),
])
def test_refused_names_change_nothing_and_say_why(app, client, world, login, name: str,
                                                  message: str) -> None:
    login(world.leader)
    resp = client.post("/staff/counters?unit=xa-a1", data={"name": name,
                                                           "questionnaire": "short"})
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert count_counters(app) == 4 and audit(app) == []


def test_a_name_may_repeat_in_another_unit(app, client, world, login) -> None:
    login(world.admin)
    assert client.post("/staff/counters?unit=xa-a2", data={
        "name": "Quầy 1 — Tư pháp", "questionnaire": "short"}).status_code == 303
    assert count_counters(app) == 5


def test_unknown_questionnaire_is_refused(app, client, world, login) -> None:
    login(world.leader)
    resp = client.post("/staff/counters?unit=xa-a1", data={"name": "Quầy 9",
                                                           "questionnaire": "nope"})
    assert resp.status_code == 422 and "Mẫu phiếu không hợp lệ" in resp.get_data(as_text=True)
    assert count_counters(app) == 4


def test_a_province_has_no_counters_of_its_own(app, client, world, login) -> None:
    login(world.admin)
    page = client.get("/staff/counters?unit=tinh-a").get_data(as_text=True)
    assert "Tỉnh A không có quầy riêng" in page
    assert "Xã Hoằng Ngọc" in page and "/staff/units/xa-a1/posters.pdf" in page
    assert "Xã Tuệ Tĩnh" not in page  # another province's commune
    assert 'id="them-quay"' not in page
    resp = client.post("/staff/counters?unit=tinh-a", data={"name": "Quầy tỉnh",
                                                            "questionnaire": "short"})
    assert resp.status_code == 422 and "Tỉnh không có quầy riêng" in resp.get_data(as_text=True)
    assert count_counters(app) == 4


# --- Rename, reorder -----------------------------------------------------------------------

def test_rename_and_duplicate_rename(app, client, world, login) -> None:
    login(world.leader)
    url = f"/staff/counters/{world.counter.id}/rename"
    assert client.post(url, data={"name": "Quầy 1 — Hộ tịch"}).status_code == 303
    assert counters(app, world.commune.id)[0].name == "Quầy 1 — Hộ tịch"
    dup = client.post(url, data={"name": "Quầy 2 — Đất đai"})
    assert dup.status_code == 422 and "Đơn vị đã có một quầy mang tên này" in dup.get_data(
        as_text=True)
    assert counters(app, world.commune.id)[0].name == "Quầy 1 — Hộ tịch"
    assert [a[0] for a in audit(app)] == ["counter.rename"]
    assert audit(app)[0][2] == "Quầy 1 — Tư pháp → Quầy 1 — Hộ tịch"


def test_move_down_then_up_and_the_ends_are_no_ops(app, client, world, login) -> None:
    login(world.leader)
    first, second = world.counter.id, world.full_counter.id
    assert client.post(f"/staff/counters/{first}/move", data={"direction": "down"}
                       ).status_code == 303
    assert [c.id for c in counters(app, world.commune.id)] == [second, first]
    end = client.post(f"/staff/counters/{first}/move", data={"direction": "down"},
                      follow_redirects=True)
    assert "đã ở cuối danh sách" in end.get_data(as_text=True)
    client.post(f"/staff/counters/{first}/move", data={"direction": "up"})
    assert [c.id for c in counters(app, world.commune.id)] == [first, second]
    assert [a[2] for a in audit(app)] == ["down", "up"]
    bad = client.post(f"/staff/counters/{first}/move", data={"direction": "sideways"})
    assert bad.status_code == 422


def test_page_orders_counters_and_offers_buttons_to_changers_only(client, world,
                                                                  login) -> None:
    login(world.leader)
    page = client.get("/staff/counters?unit=xa-a1").get_data(as_text=True)
    assert page.index("Quầy 1 — Tư pháp") < page.index("Quầy 2 — Đất đai")
    for action in ("move", "deactivate", "rename", "questionnaire"):
        assert f"/staff/counters/{world.counter.id}/{action}" in page
    assert f'href="/staff/counters/{world.counter.id}/reissue"' in page
    assert 'id="them-quay"' in page
    client.post("/logout")
    login(world.officer)
    page = client.get("/staff/counters").get_data(as_text=True)
    assert "Quầy 1 — Tư pháp" in page and "poster.pdf" in page
    assert "/move" not in page and "/reissue" not in page and 'id="them-quay"' not in page


# --- Deactivate, reactivate ---------------------------------------------------------------

def test_deactivate_moves_the_counter_apart_and_reactivate_brings_it_back(
        app, client, world, login, token_for) -> None:
    login(world.leader)
    token = token_for(world.counter)
    resp = client.post(f"/staff/counters/{world.counter.id}/deactivate", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Đã ngừng Quầy 1 — Tư pháp" in html and "vẫn được nhận đến" in html
    stopped = html[html.index('id="ngung"'):]
    assert "Quầy 1 — Tư pháp" in stopped and "Mở lại" in stopped
    assert client.get(f"/q/{token}").status_code == 410
    assert client.post(f"/staff/counters/{world.counter.id}/reissue").status_code == 422
    assert client.post(f"/staff/counters/{world.counter.id}/reactivate").status_code == 303
    assert client.get(f"/q/{token}").status_code == 200  # the printed poster works again
    again = counters(app, world.commune.id)
    assert [c.id for c in again] == [world.full_counter.id, world.counter.id]  # at the end
    assert [a[0] for a in audit(app)] == ["counter.deactivate", "counter.reactivate"]


# --- Revoke with confirmation ---------------------------------------------------------------

def test_revoke_asks_first_and_says_what_happens(app, client, world, login,
                                                 token_for) -> None:
    login(world.leader)
    old = token_for(world.counter)
    old_code = counters(app, world.commune.id)[0].short_code
    page = client.get(f"/staff/counters/{world.counter.id}/reissue")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ngừng hoạt động ngay" in html and "30 phút" in html and "in và dán" in html
    assert client.get(f"/q/{old}").status_code == 200  # asking changed nothing
    assert client.post(f"/staff/counters/{world.counter.id}/reissue").status_code == 303
    assert client.get(f"/q/{old}").status_code == 410
    fresh = counters(app, world.commune.id)[0]
    assert fresh.short_code != old_code and fresh.token_generation == 2
    assert audit(app)[0][:2] == ("counter.reissue", world.leader.id)


def test_questionnaire_change_gives_a_new_code_and_is_audited(app, client, world, login) -> None:
    login(world.leader)
    before = counters(app, world.commune.id)[0].short_code
    client.post(f"/staff/counters/{world.counter.id}/questionnaire",
                data={"questionnaire": "sat3"})
    after = counters(app, world.commune.id)[0]
    assert after.questionnaire == "sat3" and after.short_code != before
    assert audit(app) == [("counter.questionnaire", world.leader.id, "short → sat3")]
    same = client.post(f"/staff/counters/{world.counter.id}/questionnaire",
                       data={"questionnaire": "sat3"}, follow_redirects=True)
    assert "vẫn dùng mẫu phiếu này" in same.get_data(as_text=True)
    assert len(audit(app)) == 1


# --- Who may do what ----------------------------------------------------------------------

CHANGES = [
    ("post", "/staff/counters?unit=xa-a1", {"name": "Quầy mới", "questionnaire": "short"}),
    ("post", "/staff/counters/{id}/rename", {"name": "Tên khác"}),
    ("post", "/staff/counters/{id}/move", {"direction": "down"}),
    ("post", "/staff/counters/{id}/deactivate", {}),
    ("post", "/staff/counters/{id}/reactivate", {}),
    ("get", "/staff/counters/{id}/reissue", {}),
    ("post", "/staff/counters/{id}/reissue", {}),
    ("post", "/staff/counters/{id}/questionnaire", {"questionnaire": "full"}),
]


@pytest.mark.parametrize(("method", "path", "data"), CHANGES)
@pytest.mark.parametrize(("role", "allowed"), [
    ("admin", True), ("leader", True), ("officer", False), ("viewer", False)])
def test_role_matrix_on_counter_changes(app, client, world, login, method: str, path: str,
                                        data: dict[str, str], role: str, allowed: bool) -> None:
    login(getattr(world, role))
    url = path.format(id=world.counter.id)
    resp = getattr(client, method)(url, data=data)
    if allowed:
        assert resp.status_code in (200, 303)
    else:
        assert resp.status_code == 403
        assert audit(app) == []


@pytest.mark.parametrize(("method", "path", "data"), CHANGES)
def test_a_foreign_counter_or_unit_is_not_found(app, client, world, login, method: str,
                                                path: str, data: dict[str, str]) -> None:
    login(world.stranger_leader)
    url = path.format(id=world.counter.id)
    resp = getattr(client, method)(url, data=data)
    assert resp.status_code == 404
    assert "Quầy 1 — Tư pháp" not in resp.get_data(as_text=True)
    assert audit(app) == [] and count_counters(app) == 4


def test_a_sibling_leader_cannot_see_the_counters_page(client, world, login) -> None:
    login(world.leader)
    assert client.get("/staff/counters?unit=xa-a2").status_code == 404
    assert client.get("/staff/counters?unit=tinh-a").status_code == 404  # above their unit


@pytest.fixture
def leader_with_csrf(app, client, world, login):
    """Signed in first (the login form has its own CSRF test), then CSRF on."""
    login(world.leader)
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_csrf_is_checked_on_counter_changes(app, client, world, leader_with_csrf) -> None:
    resp = client.post(f"/staff/counters/{world.counter.id}/deactivate")
    assert resp.status_code == 400 and "phiên làm việc hết hạn" in resp.get_data(as_text=True)
    resp = client.post("/staff/counters?unit=xa-a1", data={"name": "Quầy 3",
                                                           "questionnaire": "short"})
    assert resp.status_code == 400
    assert count_counters(app) == 4 and audit(app) == []
    page = client.get(f"/staff/counters/{world.counter.id}/reissue").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    ok = client.post(f"/staff/counters/{world.counter.id}/reissue",
                     data={"csrf_token": token.group(1)})
    assert ok.status_code == 303
    assert counters(app, world.commune.id)[0].token_generation == 2


# --- Posters of a unit without counters ----------------------------------------------------

def test_province_posters_url_explains_where_the_posters_are(client, world, login) -> None:
    login(world.viewer)
    resp = client.get("/staff/units/tinh-a/posters.pdf")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "không có quầy riêng" in html
    assert "/staff/units/xa-a1/posters.pdf" in html and "/staff/units/xa-a2/posters.pdf" in html


def test_a_commune_without_counters_says_how_to_add_one(app, client, world, login) -> None:
    login(world.leader)
    for c in (world.counter, world.full_counter):
        client.post(f"/staff/counters/{c.id}/deactivate")
    resp = client.get("/staff/units/xa-a1/posters.pdf")
    assert resp.status_code == 404
    assert "chưa có quầy đang hoạt động" in resp.get_data(as_text=True)


@pytest.mark.parametrize("action", ["rename", "move", "deactivate", "reactivate", "reissue",
                                    "questionnaire"])
def test_out_of_range_counter_ids_are_not_found(client, world, login, action: str) -> None:
    login(world.admin)
    for counter_id in ("2147483648", "99999999999999999999"):
        assert client.post(f"/staff/counters/{counter_id}/{action}").status_code == 404
    assert client.get("/staff/counters/2147483648/reissue").status_code == 404
    assert client.post("/staff/counters/424242/" + action).status_code == 404
