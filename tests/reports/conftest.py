"""Fixtures for the report tests: store responses the way the survey does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from flask import Flask

from feedback.extensions import db
from feedback.models import Counter, Unit
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

_ids = count(1)


@pytest.fixture
def respond(app: Flask) -> Callable[..., None]:
    """respond(counter_id, {item: value}, times=1, **NewResponse fields): store answers
    through the survey's own service, a minute apart, ending now."""

    def store(counter_id: int, answers: dict[str, int], times: int = 1,
              questionnaire: str = "full", answered_at: datetime | None = None,
              **extra: Any) -> None:
        with app.app_context():
            counter = db.session.get(Counter, counter_id)
            assert counter is not None
            last = answered_at or datetime.now(UTC)
            for i in range(times):
                record(NewResponse(f"{next(_ids):032x}", counter.id, counter.unit_id,
                                   catalogue.current(questionnaire), answers,
                                   answered_at=last - timedelta(minutes=i), **extra))

    return store


@pytest.fixture
def add_unit(app: Flask) -> Callable[..., tuple[int, int]]:
    """add_unit(code, name, parent_code, active=True) → (unit id, its counter's id)."""

    def make(code: str, name: str, parent_code: str, active: bool = True) -> tuple[int, int]:
        from feedback.org import unit_by_code

        with app.app_context():
            unit = Unit(code=code, name=name, parent=unit_by_code(parent_code),
                        active=active)
            counter = Counter(unit=unit, name="Quầy 1", position=1, questionnaire="full")
            db.session.add_all([unit, counter])
            db.session.commit()
            return unit.id, counter.id

    return make
