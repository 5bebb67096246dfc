"""`/api/v1/petitions…`: figures, listings, one petition and its actions, for every role,
scoped like the pages (another unit's petition is a 404), with the workflow's refusals as
stable JSON codes, and CSRF required when a POST rides on the session cookie."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from tests_support import PASSWORD

from feedback import org
from feedback.extensions import db
from feedback.models import Petition, PetitionEvent
from feedback.petitions import stats
from feedback.reports.periods import Period

CSRF = r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"'
RECEIVED = datetime(2026, 11, 4, 2, 0, tzinfo=UTC)  # Wed 4/11/2026 09:00 local


def _row(app: Flask, code: str) -> tuple[str, int]:
    with app.app_context():
        p = db.session.scalar(select(Petition).where(Petition.code == code))
        assert p is not None
        return p.status, db.session.scalar(
            select(func.count(PetitionEvent.id)).where(PetitionEvent.petition_id == p.id))


def _bearer(runner: Any, email: str) -> dict[str, str]:
    result = runner.invoke(args=["tokens", "create", "--email", email])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip()}"}


# --- Figures -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["admin", "viewer", "leader", "officer"])
def test_stats_are_the_services_figures_for_every_role(app: Flask, client: FlaskClient,
                                                       world: Any, login: Any, petition: Any,
                                                       who: str) -> None:
    petition(world.commune, received_at=RECEIVED)
    petition(world.sibling, received_at=RECEIVED)
    petition(world.stranger, received_at=RECEIVED)
    login(getattr(world, who))
    resp = client.get("/api/v1/petitions/stats?unit=xa-a1&from=2026-11-01&to=30/11/2026")
    assert resp.status_code == 200 and resp.is_json
    with app.app_context():
        expected = stats.figures_for(org.unit_by_code("xa-a1"), Period(
            date(2026, 11, 1), date(2026, 11, 30))).as_dict()
    assert resp.get_json() == expected
    assert expected["received"] == 1
    if who in ("admin", "viewer"):  # the province's staff see the whole province
        whole = client.get("/api/v1/petitions/stats?unit=tinh-a&from=2026-11-01&to=2026-11-30")
        assert whole.get_json()["received"] == 2


@pytest.mark.parametrize(("query", "status"), [
    ("", 400), ("unit=xa-a1&from=bad", 400), ("unit=xa-a1&from=2026-02-01&to=2026-01-01", 400),
    ("unit=xa-a1&from=01/01/1990", 400), ("unit=nope", 404), ("unit=xa-b1", 404),
    ("unit=tinh-a", 404), ("unit=xa-a1", 200), ("unit=xa-a1&from=2026-01-01&to=2026-01-31", 200),
])
def test_stats_parameters(client: FlaskClient, world: Any, login: Any, query: str,
                          status: int) -> None:
    login(world.leader)
    resp = client.get(f"/api/v1/petitions/stats?{query}")
    assert resp.status_code == status
    assert resp.is_json
    if status == 400:
        assert resp.get_json()["error"]["detail"]


def test_anonymous_is_401_and_a_bearer_token_works(client: FlaskClient, runner: Any,
                                                   world: Any, petition: Any) -> None:
    p = petition(world.commune)
    for path in ("/api/v1/petitions/stats?unit=xa-a1", "/api/v1/petitions?unit=xa-a1",
                 f"/api/v1/petitions/{p.code}"):
        assert client.get(path).status_code == 401
    assert client.post(f"/api/v1/petitions/{p.code}/actions",
                       json={"action": "note", "note": "x"}).status_code == 401
    headers = _bearer(runner, world.viewer.email)
    assert client.get("/api/v1/petitions/stats?unit=tinh-a", headers=headers).status_code == 200
    assert client.get(f"/api/v1/petitions/{p.code}", headers=headers).status_code == 200
    assert client.get("/api/v1/petitions?unit=xa-b1", headers=headers).status_code == 404


# --- Listing and detail --------------------------------------------------------------------

def test_listing_by_unit_and_status(app: Flask, client: FlaskClient, world: Any, login: Any,
                                    petition: Any) -> None:
    mine = petition(world.commune, received_at=RECEIVED)
    sibling = petition(world.sibling, received_at=RECEIVED)
    petition(world.stranger, received_at=RECEIVED)
    login(world.admin)
    rows = client.get("/api/v1/petitions?unit=tinh-a").get_json()
    assert {r["code"] for r in rows} == {mine.code, sibling.code}
    assert {r["unit"] for r in rows} == {"xa-a1", "xa-a2"}
    row = next(r for r in rows if r["code"] == mine.code)
    assert row["received_at"] == "2026-11-04T09:00:00+07:00"
    assert row["reply_due"] == "2026-11-18" and row["on_time"] is None
    assert row["status"] == "received" and row["channel"] == "web"
    with app.app_context():
        assert rows == stats.listing(org.descendant_ids(org.unit_by_code("tinh-a").id))
    assert client.get("/api/v1/petitions?unit=xa-a1&status=received").get_json()[0][
        "code"] == mine.code
    assert client.get("/api/v1/petitions?unit=xa-a1&status=answered").get_json() == []


@pytest.mark.parametrize(("query", "status"), [
    ("unit=xa-a1&status=closed", 400), ("unit=xa-a1&status=%27%3B--", 400), ("", 400),
    ("unit=xa-b1", 404), ("unit=tinh-a", 404), ("unit=xa-a1&status=", 200),
])
def test_listing_parameters(client: FlaskClient, world: Any, login: Any, query: str,
                            status: int) -> None:
    login(world.officer)
    resp = client.get(f"/api/v1/petitions?{query}")
    assert resp.status_code == status and resp.is_json


@pytest.mark.parametrize("who", ["admin", "viewer", "leader", "officer"])
def test_detail_for_every_role_in_scope(client: FlaskClient, world: Any, login: Any,
                                        petition: Any, who: str) -> None:
    p = petition(world.commune, sender_email="an@example.vn")
    login(getattr(world, who))
    for typed in (p.code, p.code.lower(), f"{p.code[:3]}-{p.code[3:]}"):
        resp = client.get(f"/api/v1/petitions/{typed}")
        assert resp.status_code == 200, typed
    out = resp.get_json()
    assert out["code"] == p.code and out["sender"]["email"] == "an@example.vn"
    assert [e["action"] for e in out["events"]] == ["receive"]


@pytest.mark.parametrize("code", ["stranger", "ZZZZZZZ", "x" * 200, "%00"])
def test_another_units_petition_is_404_like_an_unknown_one(client: FlaskClient, world: Any,
                                                           login: Any, petition: Any,
                                                           code: str) -> None:
    theirs = petition(world.stranger, sender_name="Trần Thị Bí Mật")
    login(world.leader)
    path = theirs.code if code == "stranger" else code
    resp = client.get(f"/api/v1/petitions/{path}")
    assert resp.status_code == 404 and resp.is_json
    assert "Bí Mật" not in resp.get_data(as_text=True)
    act = client.post(f"/api/v1/petitions/{path}/actions",
                      json={"action": "reject", "reason": "x"})
    assert act.status_code == 404


def test_a_commune_leader_cannot_see_the_sibling_commune(app: Flask, client: FlaskClient,
                                                         world: Any, login: Any,
                                                         petition: Any) -> None:
    sibling = petition(world.sibling)
    login(world.leader)
    assert client.get(f"/api/v1/petitions/{sibling.code}").status_code == 404
    assert client.post(f"/api/v1/petitions/{sibling.code}/actions",
                       json={"action": "reject", "reason": "x"}).status_code == 404
    assert _row(app, sibling.code) == ("received", 1)


# --- Actions -------------------------------------------------------------------------------

def test_a_petition_handled_through_the_api(app: Flask, client: FlaskClient, world: Any,
                                            login: Any, petition: Any) -> None:
    p = petition(world.commune)
    login(world.leader)
    resp = client.post(f"/api/v1/petitions/{p.code}/actions", json={
        "action": "accept", "category": 1, "assignee": "officer@x.vn", "note": "Giao anh Bình"})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert (out["status"], out["category"], out["assignee"]) == ("in_progress", 1,
                                                                 "officer@x.vn")
    assert out["events"][-1]["actor"] == "leader@x.vn"
    client.post("/logout")
    login(world.officer)
    resp = client.post(f"/api/v1/petitions/{p.code}/actions",
                       json={"action": "answer", "answer": "Đã trả hồ sơ ngày 3/12."})
    assert resp.status_code == 200
    out = resp.get_json()
    assert out["status"] == "answered" and out["on_time"] is True
    assert out["answer"] == "Đã trả hồ sơ ngày 3/12."
    client.post("/logout")
    login(world.leader)
    for body in ({"action": "publish", "public_text": "Đã trả hồ sơ."}, {"action": "archive"}):
        assert client.post(f"/api/v1/petitions/{p.code}/actions", json=body).status_code == 200
    assert _row(app, p.code) == ("archived", 5)


def _ready(app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any,
           who: str = "leader") -> str:
    """A petition accepted by the leader and assigned to the officer; signed in as `who`."""
    p = petition(world.commune)
    login(world.leader)
    assert client.post(f"/api/v1/petitions/{p.code}/actions", json={
        "action": "accept", "category": "1", "assignee": str(world.officer.id)}
    ).status_code == 200
    if who != "leader":
        client.post("/logout")
        login(getattr(world, who))
    return str(p.code)


@pytest.mark.parametrize(("who", "body", "status", "error"), [
    ("viewer", {"action": "note", "note": "x"}, 403, "forbidden_role"),
    ("officer", {"action": "transfer", "receiving_body": "Sở", "reason": "x"}, 403,
     "forbidden_role"),
    ("leader", {"action": "resume"}, 409, "not_allowed_from_state"),
    ("leader", {"action": "publish", "public_text": "x"}, 409, "not_allowed_from_state"),
    ("leader", {"action": "extend"}, 422, "missing_field:reason"),
    ("leader", {"action": "wait", "note": "  "}, 422, "missing_field:note"),
    ("leader", {"action": "assign", "assignee": "leader@b.vn"}, 422, "bad_assignee"),
    ("leader", {"action": "assign", "assignee": 99999}, 422, "bad_assignee"),
    ("leader", {"action": "fly"}, 422, "unknown_action"),
    ("leader", {"note": "x"}, 422, "missing_field:action"),
    ("leader", {"action": "note", "note": ["x"]}, 422, "bad_field:note"),
    ("leader", {"action": "note", "note": 5}, 422, "bad_field:note"),
    ("leader", {"action": "assign", "assignee": True}, 422, "bad_field:assignee"),
    ("leader", {"action": "note", "note": "x" * 20000}, 422, "bad_field:note"),
    ("leader", {"action": "note", "note": "a\x00b"}, 422, "bad_field:note"),
    ("leader", {"action": "note", "note": "a\ud800b"}, 422, "bad_field:note"),
    ("leader", {"action": "wait", "note": "\udc80"}, 422, "bad_field:note"),
    ("leader", {"action": "transfer", "receiving_body": "Sở\udfff", "reason": "x"}, 422,
     "bad_field:receiving_body"),
])
def test_refusals_are_stable_json_codes_and_change_nothing(
        app: Flask, client: FlaskClient, world: Any, login: Any, petition: Any, who: str,
        body: dict[str, Any], status: int, error: str) -> None:
    code = _ready(app, client, world, login, petition, who)
    before = _row(app, code)
    resp = client.post(f"/api/v1/petitions/{code}/actions", json=body)
    assert resp.status_code == status, resp.get_json()
    out = resp.get_json()
    assert out["error"] == error and out["message"]
    assert _row(app, code) == before


def test_an_officer_not_assigned_is_refused(app: Flask, client: FlaskClient, world: Any,
                                            login: Any, petition: Any) -> None:
    p = petition(world.commune)
    login(world.leader)
    client.post(f"/api/v1/petitions/{p.code}/actions", json={
        "action": "accept", "category": 1, "assignee": str(world.leader.id)})
    client.post("/logout")
    login(world.officer)
    resp = client.post(f"/api/v1/petitions/{p.code}/actions",
                       json={"action": "answer", "answer": "x"})
    assert resp.status_code == 403 and resp.get_json()["error"] == "not_assignee"
    assert "phân công" in resp.get_json()["message"]


def test_one_extension_only(app: Flask, client: FlaskClient, world: Any, login: Any,
                            petition: Any) -> None:
    code = _ready(app, client, world, login, petition)
    first = client.post(f"/api/v1/petitions/{code}/actions",
                        json={"action": "extend", "reason": "Cần xác minh"})
    assert first.status_code == 200 and first.get_json()["extended"] is True
    again = client.post(f"/api/v1/petitions/{code}/actions",
                        json={"action": "extend", "reason": "Lần nữa"})
    assert again.status_code == 409 and again.get_json()["error"] == "already_extended"


def test_messages_follow_the_language(client: FlaskClient, world: Any, login: Any,
                                      petition: Any) -> None:
    p = petition(world.commune)
    login(world.viewer)
    resp = client.post(f"/api/v1/petitions/{p.code}/actions",
                       json={"action": "note", "note": "x"})
    assert resp.get_json()["message"] == "Vai trò của bạn không được thực hiện thao tác này."


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"accept"', "", "null",
                                  "[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000])
def test_malformed_json_is_400(app: Flask, client: FlaskClient, world: Any, login: Any,
                               petition: Any, data: str) -> None:
    p = petition(world.commune)
    login(world.leader)
    resp = client.post(f"/api/v1/petitions/{p.code}/actions", data=data,
                       content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"] == "bad_json"
    form = client.post(f"/api/v1/petitions/{p.code}/actions",
                       data={"action": "reject", "reason": "x"})
    assert form.status_code == 400
    assert _row(app, p.code) == ("received", 1)


def test_get_on_actions_is_not_allowed(client: FlaskClient, world: Any, login: Any,
                                       petition: Any) -> None:
    p = petition(world.commune)
    login(world.leader)
    assert client.get(f"/api/v1/petitions/{p.code}/actions").status_code == 405


# --- CSRF on session-authenticated POSTs ----------------------------------------------------

def _login_with_csrf(client: FlaskClient, email: str) -> str:
    token = re.search(CSRF, client.get("/login").get_data(as_text=True))
    assert token is not None
    resp = client.post("/login", data={"email": email, "password": PASSWORD,
                                       "csrf_token": token.group(1)})
    assert resp.status_code == 302
    page = re.search(CSRF, client.get("/staff/dashboard").get_data(as_text=True))
    assert page is not None
    return page.group(1)


def test_a_session_post_needs_the_csrf_header(app: Flask, client: FlaskClient, world: Any,
                                              petition: Any, csrf_on: None) -> None:
    p = petition(world.commune)
    token = _login_with_csrf(client, world.leader.email)
    path = f"/api/v1/petitions/{p.code}/actions"
    body = {"action": "reject", "reason": "Không đủ thông tin."}
    for headers in ({}, {"X-CSRFToken": "forged"}):
        resp = client.post(path, json=body, headers=headers)
        assert resp.status_code == 400 and resp.is_json
        assert _row(app, p.code) == ("received", 1)
    resp = client.post(path, json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    # Reading needs no token.
    assert client.get(f"/api/v1/petitions/{p.code}").status_code == 200


def test_a_bearer_token_post_needs_no_csrf(app: Flask, client: FlaskClient, runner: Any,
                                           world: Any, petition: Any, csrf_on: None) -> None:
    p = petition(world.commune)
    headers = _bearer(runner, world.leader.email)
    resp = client.post(f"/api/v1/petitions/{p.code}/actions", headers=headers,
                       json={"action": "reject", "reason": "Không đủ thông tin."})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert _row(app, p.code) == ("rejected", 2)
    # The token is scoped like its user.
    theirs = petition(world.stranger)
    assert client.post(f"/api/v1/petitions/{theirs.code}/actions", headers=headers,
                       json={"action": "reject", "reason": "x"}).status_code == 404
