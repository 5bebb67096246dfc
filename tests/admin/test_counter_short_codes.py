"""Two clashes end a counter's creation or renaming, and they are told apart: the same
name in the unit is the office's to fix; the same short code drawn by two requests at the
same moment is nobody's fault, so another code is drawn and the counter is created."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback.admin import counters as desk
from feedback.extensions import db
from feedback.models import Counter, Unit
from feedback.qr import services as qr


def _taken_then_fresh(monkeypatch: pytest.MonkeyPatch, taken: str) -> list[str]:
    """The first draw returns a code another counter already has (what a concurrent
    request's commit would leave), later draws a free one."""
    drawn: list[str] = []
    real = qr.fresh_short_code

    def draw() -> str:
        drawn.append(taken if not drawn else real())
        return drawn[-1]

    monkeypatch.setattr(qr, "fresh_short_code", draw)
    return drawn


def test_a_short_code_clash_draws_again_instead_of_saying_duplicate(
        app, world, monkeypatch) -> None:
    with app.app_context():
        existing = db.session.get(Counter, world.sibling_counter.id)
        assert existing is not None and existing.short_code
        drawn = _taken_then_fresh(monkeypatch, existing.short_code)
        commune = db.session.get(Unit, world.commune.id)
        assert commune is not None
        counter = desk.create(commune, "Quầy 3 — Đất đai")
        assert len(drawn) == 2
        assert counter.short_code == drawn[1] != existing.short_code
        assert counter.name == "Quầy 3 — Đất đai"


def test_a_clash_that_keeps_happening_is_not_reported_as_a_duplicate_name(
        app, world, monkeypatch) -> None:
    with app.app_context():
        existing = db.session.get(Counter, world.sibling_counter.id)
        assert existing is not None and existing.short_code
        monkeypatch.setattr(qr, "fresh_short_code", lambda: existing.short_code)
        commune = db.session.get(Unit, world.commune.id)
        assert commune is not None
        with pytest.raises(Exception) as exc:
            desk.create(commune, "Quầy 3 — Đất đai")
        assert not isinstance(exc.value, desk.CounterError)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Counter)) == 4


@pytest.mark.parametrize("how", ["create", "rename"])
def test_the_same_name_is_still_a_duplicate(app, world, how: str) -> None:
    with app.app_context():
        commune = db.session.get(Unit, world.commune.id)
        assert commune is not None
        with pytest.raises(desk.CounterError) as exc:
            if how == "create":
                desk.create(commune, "Quầy 1 — Tư pháp")
            else:
                other = db.session.get(Counter, world.full_counter.id)
                assert other is not None
                desk.rename(other, "Quầy 1 — Tư pháp")
        assert exc.value.reason == "duplicate"
        assert db.session.scalar(select(func.count()).select_from(Counter)
                                 .where(Counter.name == "Quầy 1 — Tư pháp",
                                        Counter.unit_id == commune.id)) == 1
