"""Fixtures for the session, reset-link, token and login-limit tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback.extensions import db
from feedback.models import User


@pytest.fixture
def fresh_client(app: Flask) -> Callable[[], FlaskClient]:
    """Another browser: its own cookie jar."""
    return app.test_client


@pytest.fixture
def login_limit(app: Flask) -> Iterator[Callable[[str], None]]:
    """Set RATELIMIT_LOGIN for one test."""
    saved = app.config["RATELIMIT_LOGIN"]

    def set_limit(value: str) -> None:
        app.config["RATELIMIT_LOGIN"] = value

    yield set_limit
    app.config["RATELIMIT_LOGIN"] = saved


@pytest.fixture
def reload_user(app: Flask) -> Callable[[User], User]:
    """The row as it is in the database now (detached, attributes loaded)."""

    def get(user: User) -> User:
        with app.app_context():
            row = db.session.get(User, user.id)
            assert row is not None
            db.session.expunge(row)
            return row

    return get
