"""An office deactivating a procedure while a citizen fills in the form must not cost the
citizen their answers: the procedure they picked is still accepted on submit, while new
forms no longer offer it."""

from __future__ import annotations

from sqlalchemy import select

from feedback.admin import procedures
from feedback.extensions import db
from feedback.models import Procedure, Response

ANSWERS = {"TC2": 5, "TT1": 4, "TT4": 3, "CC1": 5, "CC3": 5, "KQ1": 4, "PA1": 2,
           "HARASS": 0, "INFORMAL": 0}


def _deactivate(app, procedure_id: int) -> None:
    with app.app_context():
        proc = db.session.get(Procedure, procedure_id)
        assert proc is not None
        procedures.set_procedure_active(None, proc, False)


def test_a_procedure_deactivated_while_the_form_was_open_is_accepted(
        app, client, world, token_for, submit) -> None:
    form = client.get(f"/q/{token_for(world.counter)}").get_data(as_text=True)
    assert "Đăng ký khai sinh" in form  # offered while active
    _deactivate(app, world.procedure.id)

    resp = submit(world.counter, ANSWERS, procedure=str(world.procedure.id))

    assert resp.status_code in (200, 303), resp.get_data(as_text=True)[:500]
    with app.app_context():
        stored = db.session.scalars(select(Response)).all()
        assert [r.procedure_id for r in stored] == [world.procedure.id]


def test_a_deactivated_procedure_is_no_longer_offered(app, client, world, token_for) -> None:
    _deactivate(app, world.procedure.id)
    form = client.get(f"/q/{token_for(world.counter)}").get_data(as_text=True)
    assert "Đăng ký khai sinh" not in form


def test_a_procedure_of_another_unit_is_still_refused(app, world, submit) -> None:
    with app.app_context():
        other = Procedure(unit_id=world.sibling.id, code="X1", name="Khác", field="Khác",
                          active=False)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    resp = submit(world.counter, ANSWERS, procedure=str(other_id))
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(Response)).all() == []
