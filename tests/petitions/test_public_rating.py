"""The sender's one SAT3 rating, offered on the tracking page once answered; the rating
POST re-proves the lookup (a short-lived signed proof), never the code alone."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from sqlalchemy import select
from staff_support import act

from feedback.extensions import db
from feedback.models import Petition, PetitionEvent
from feedback.petitions import public, services


def answer(app: Flask, world: Any, code: str) -> None:
    act(app, code, "accept", world.leader, category="1", assignee=str(world.officer.id))
    act(app, code, "answer", world.officer, answer="Hồ sơ đã được trả.")


def proof_from(client: Any, code: str) -> str:
    html = client.post("/tra-cuu", data={"code": code, "secret": "5678"}).get_data(as_text=True)
    found = re.search(r'name="proof" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def load(app: Flask, code: str) -> tuple[Petition, list[PetitionEvent]]:
    with app.app_context():
        p = db.session.scalar(select(Petition).where(Petition.code == code))
        events = list(p.events)
        db.session.expunge_all()
        return p, events


def test_the_sender_rates_once(app, client, world, petition) -> None:
    p = petition(world.commune)
    answer(app, world, p.code)
    html = client.post("/tra-cuu", data={"code": p.code, "secret": "5678"}).get_data(
        as_text=True)
    radios = re.findall(r'<input type="radio" name="rating" id="([^"]+)" value="(\d)">', html)
    assert [v for _, v in radios] == ["1", "2", "3"]
    assert all(f'<label for="{i}">' in html for i, _ in radios)
    for label in ("Không hài lòng", "Hài lòng", "Rất hài lòng"):
        assert f">{label}</label>" in html
    proof = re.search(r'name="proof" value="([^"]+)"', html).group(1)
    resp = client.post("/tra-cuu/danh-gia", data={"proof": proof, "rating": "3"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Cảm ơn ông/bà đã đánh giá" in page
    assert 'name="rating"' not in page and "Ông/bà đã đánh giá:" in page
    stored, events = load(app, p.code)
    assert stored.rating == 3 and stored.rated_at is not None
    rate = [e for e in events if e.action == services.RATE]
    assert len(rate) == 1
    assert (rate[0].from_state, rate[0].to_state, rate[0].actor_id) == (
        "answered", "answered", None)
    assert json.loads(rate[0].detail) == {"rating": 3}

    again = client.post("/tra-cuu/danh-gia", data={"proof": proof, "rating": "1"})
    assert again.status_code == 409
    assert "đã đánh giá phản ánh, kiến nghị này rồi" in again.get_data(as_text=True)
    stored, events = load(app, p.code)
    assert stored.rating == 3 and [e.action for e in events].count(services.RATE) == 1
    # A new lookup shows the rating given, and no form.
    html = client.post("/tra-cuu", data={"code": p.code, "secret": "5678"}).get_data(
        as_text=True)
    assert 'name="rating"' not in html and "Rất hài lòng" in html


def test_an_open_petition_cannot_be_rated(app, client, world, petition) -> None:
    p = petition(world.commune)
    with app.test_request_context():
        proof = public.proof_for(db.session.scalar(select(Petition).where(
            Petition.code == p.code)))
    resp = client.post("/tra-cuu/danh-gia", data={"proof": proof, "rating": "2"})
    assert resp.status_code == 409 and "chưa được trả lời" in resp.get_data(as_text=True)
    assert load(app, p.code)[0].rating is None


def test_rating_needs_the_proof_never_the_code_alone(app, client, world, petition) -> None:
    p = petition(world.commune)
    answer(app, world, p.code)
    for data in ({"code": p.code, "rating": "1"}, {"proof": p.code, "rating": "1"},
                 {"proof": "eyJwIjoxLCJjIjoiQUJDIn0.forged.sig", "rating": "1"},
                 {"proof": "x" * 5000, "rating": "1"}):
        resp = client.post("/tra-cuu/danh-gia", data=data)
        assert resp.status_code == 400
        assert "Phiên tra cứu đã hết hạn" in resp.get_data(as_text=True)
    assert load(app, p.code)[0].rating is None


def test_a_proof_is_for_one_petition_and_expires(app, world, petition) -> None:
    p = petition(world.commune)
    with app.test_request_context():
        row = db.session.scalar(select(Petition).where(Petition.code == p.code))
        proof = public.proof_for(row)
        assert public.proven(proof) is not None
        assert public.proven(proof, max_age=-1) is None  # older than allowed
    with app.test_request_context():
        app.config["SECRET_KEY"], saved = "another-key", app.config["SECRET_KEY"]
        try:
            assert public.proven(proof) is None
        finally:
            app.config["SECRET_KEY"] = saved
    with app.test_request_context():  # signed, but no id a database could hold
        for impossible in (2**31, 2**70, -1, 0):
            forged = public._serializer().dumps({"p": impossible, "c": p.code})
            assert public.proven(forged) is None


def test_a_bad_rating_value_is_refused(app, client, world, petition) -> None:
    p = petition(world.commune)
    answer(app, world, p.code)
    proof = proof_from(client, p.code)
    for value in ("", "0", "4", "x", "11", "\x00"):
        resp = client.post("/tra-cuu/danh-gia", data={"proof": proof, "rating": value})
        assert resp.status_code == 422 and "Xin chọn một mức đánh giá." in resp.get_data(
            as_text=True)
    assert load(app, p.code)[0].rating is None


def test_an_archived_published_petition_can_still_be_rated(app, client, world,
                                                            petition) -> None:
    p = petition(world.commune)
    answer(app, world, p.code)
    act(app, p.code, "publish", world.leader, public_text="Đã trả hồ sơ.")
    act(app, p.code, "archive", world.leader)
    proof = proof_from(client, p.code)
    assert client.post("/tra-cuu/danh-gia", data={"proof": proof, "rating": "1"}
                       ).status_code == 200
    stored, events = load(app, p.code)
    assert stored.rating == 1
    assert (events[-1].action, events[-1].from_state, events[-1].to_state) == (
        services.RATE, "archived", "archived")


def test_rating_checks_csrf_and_keeps_the_page(app, client, world, petition,
                                               csrf_on) -> None:
    p = petition(world.commune)
    answer(app, world, p.code)
    page = client.get("/tra-cuu").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    html = client.post("/tra-cuu", data={"code": p.code, "secret": "5678", "csrf_token": token}
                       ).get_data(as_text=True)
    proof = re.search(r'name="proof" value="([^"]+)"', html).group(1)
    resp = client.post("/tra-cuu/danh-gia", data={"proof": proof, "rating": "2",
                                                  "csrf_token": "stale"})
    assert resp.status_code == 400 and 'name="rating"' in resp.get_data(as_text=True)
    assert load(app, p.code)[0].rating is None
    resp = client.post("/tra-cuu/danh-gia", data={"proof": proof, "rating": "2",
                                                  "csrf_token": token})
    assert resp.status_code == 200 and load(app, p.code)[0].rating == 2


def test_two_ratings_at_once_store_one(app, world, petition) -> None:
    p = petition(world.commune)
    answer(app, world, p.code)
    with app.app_context():
        stale = db.session.scalar(select(Petition).where(Petition.code == p.code))
        assert stale.rating is None
        with app.app_context():  # another request rates it meanwhile
            other = db.session.scalar(select(Petition).where(Petition.code == p.code))
            assert public.rate(other, 2) == public.RATED
        assert stale.rating is None  # this request still sees it unrated
        assert public.rate(stale, 1) == public.ALREADY_RATED
    stored, events = load(app, p.code)
    assert stored.rating == 2 and [e.action for e in events].count(services.RATE) == 1
