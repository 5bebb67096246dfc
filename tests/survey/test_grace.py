"""A form opened before an office action (revoke, change of form, deactivation) is still
accepted for REVOKE_GRACE_MINUTES: the citizen's answers are never thrown away by it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from feedback.admin import counters as desk
from feedback.extensions import db
from feedback.links import new_submission_id
from feedback.models import Counter, Response
from feedback.qr import services as qr
from feedback.survey import services

SHORT = {"q_TC2": "5", "q_CC1": "4"}


def act(app, counter: Counter, action: str, **kwargs) -> None:
    with app.app_context():
        c = db.session.get(Counter, counter.id)
        {"reissue": qr.reissue, "deactivate": desk.deactivate,
         "questionnaire": lambda c, **kw: qr.set_questionnaire(c, "full", **kw)}[action](
            c, **kwargs)


def stored(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(r.counter_id, r.questionnaire) for r in db.session.scalars(select(Response))]


def end_grace(app, counter: Counter) -> None:
    with app.app_context():
        db.session.execute(update(Counter).where(Counter.id == counter.id).values(
            grace_until=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()


@pytest.mark.parametrize("action", ["reissue", "questionnaire", "deactivate"])
def test_a_form_open_before_the_action_is_accepted_within_the_grace(app, client, world,
                                                                    token_for, action) -> None:
    old = token_for(world.counter)
    assert client.get(f"/q/{old}").status_code == 200  # the citizen opens the form
    act(app, world.counter, action)
    assert client.get(f"/q/{old}").status_code == 410  # a new scan of the old poster: refused
    resp = client.post(f"/q/{old}", data={**SHORT, "submission_id": new_submission_id()})
    assert resp.status_code == 303
    assert client.get(resp.headers["Location"]).status_code == 200  # thank-you page
    # Stored with the questionnaire the citizen saw, even after a change of form.
    assert stored(app) == [(world.counter.id, "short")]


@pytest.mark.parametrize("action", ["reissue", "questionnaire", "deactivate"])
def test_after_the_grace_the_post_is_refused_and_nothing_stored(app, client, world,
                                                               token_for, action) -> None:
    old = token_for(world.counter)
    act(app, world.counter, action)
    end_grace(app, world.counter)
    resp = client.post(f"/q/{old}", data={**SHORT, "submission_id": new_submission_id()})
    assert resp.status_code == 410
    assert "đã cũ" in resp.get_data(as_text=True)
    assert stored(app) == []


def test_the_grace_lasts_the_configured_minutes(app, world, token_for) -> None:
    old = token_for(world.counter)
    t0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    app.config["REVOKE_GRACE_MINUTES"] = 10
    try:
        act(app, world.counter, "reissue", now=t0)
    finally:
        app.config["REVOKE_GRACE_MINUTES"] = 30
    with app.test_request_context():
        inside = services.open_link(old, submitting=True, now=t0 + timedelta(minutes=9))
        assert inside.counter.id == world.counter.id
        with pytest.raises(services.RevokedLink):
            services.open_link(old, submitting=True, now=t0 + timedelta(minutes=10))
        with pytest.raises(services.RevokedLink):
            services.open_link(old, now=t0 + timedelta(minutes=1))  # GET: never


def test_the_new_link_works_at_once(app, client, world, token_for, submit) -> None:
    act(app, world.counter, "reissue")
    assert client.get(f"/q/{token_for(world.counter)}").status_code == 200
    assert submit(world.counter, {"TC2": 5}).status_code == 303
    assert stored(app) == [(world.counter.id, "short")]


def test_two_actions_within_the_window_keep_the_first_link_valid(app, client, world,
                                                                   token_for) -> None:
    """Revoke, then change the form: a form opened before either is still accepted."""
    first = token_for(world.counter)
    act(app, world.counter, "reissue")
    second = token_for(world.counter)
    act(app, world.counter, "questionnaire")
    data = {**SHORT, "submission_id": new_submission_id()}
    assert client.post(f"/q/{first}", data=data).status_code == 303
    data = {**SHORT, "submission_id": new_submission_id()}
    assert client.post(f"/q/{second}", data=data).status_code == 303
    assert stored(app) == [(world.counter.id, "short")] * 2


def test_revoke_then_deactivate_keeps_the_open_form(app, client, world, token_for) -> None:
    first = token_for(world.counter)
    act(app, world.counter, "reissue")
    act(app, world.counter, "deactivate")
    data = {**SHORT, "submission_id": new_submission_id()}
    assert client.post(f"/q/{first}", data=data).status_code == 303


def test_after_the_window_an_action_starts_a_new_one(app, client, world, token_for) -> None:
    first = token_for(world.counter)
    act(app, world.counter, "reissue")
    second = token_for(world.counter)
    end_grace(app, world.counter)
    act(app, world.counter, "reissue")
    data = {**SHORT, "submission_id": new_submission_id()}
    assert client.post(f"/q/{first}", data=data).status_code == 410
    assert client.post(f"/q/{second}", data=data).status_code == 303


def test_a_tampered_token_gets_no_grace(app, client, world, token_for) -> None:
    old = token_for(world.counter)
    act(app, world.counter, "reissue")
    bad = old[:-2] + ("AA" if old[-2:] != "AA" else "BB")
    assert client.post(f"/q/{bad}", data=SHORT).status_code == 404


def test_open_link_stays_one_query(app, world, token_for) -> None:
    old = token_for(world.counter)
    act(app, world.counter, "reissue")
    statements: list[str] = []
    with app.test_request_context():
        engine = db.engine

        def count(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            services.open_link(old, submitting=True)
            with pytest.raises(services.RevokedLink):
                services.open_link(old)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2
