"""Fixtures that read like documentation.

The schema is built once per session by the real migrations (SQLite by default, or the
PostgreSQL at FEEDBACK_TEST_DATABASE_URL) and every table is emptied after each test.
Rows are deleted rather than rolled back because the browser tests drive a live server
in another thread, which cannot share a test's open transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import event, text
from tests_support import PASSWORD, Inbox, free_port

from feedback import create_app
from feedback.extensions import db, limiter
from feedback.links import new_submission_id
from feedback.models import Counter, Procedure, TallyState, Unit, User


def _database_url(tmp: Path) -> str:
    return os.environ.get("FEEDBACK_TEST_DATABASE_URL") or f"sqlite:///{tmp / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("instance")
    app = create_app({
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": _database_url(tmp),
        "BASE_URL": "http://127.0.0.1:5000",
        "PASSWORD_METHOD": "pbkdf2:sha256:1000",
        "PAGE_CACHE_SECONDS": 0,  # tables are emptied between tests; ids are reused
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_SUBMIT_PER_CLIENT": "10000 per minute",
        "RATELIMIT_SUBMIT_PER_COUNTER": "10000 per minute",
        "RATELIMIT_LOGIN": "10000 per minute",
        "RATELIMIT_PETITION_PER_CLIENT": "10000 per minute",
        "RATELIMIT_TRACKING_PER_CLIENT": "10000 per minute",
        "RATELIMIT_TRACKING_PER_CODE": "10000 per minute",
        "ATTACHMENT_DIR": str(tmp / "attachments"),
    })
    with app.app_context():
        _drop_everything()
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _drop_everything() -> None:
    """A fresh schema per session, even on a PostgreSQL database reused between runs."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    limiter.reset()
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            # As the migration leaves it: the aggregate's state row, nothing folded.
            conn.execute(TallyState.__table__.insert().values(
                id=1, timezone="", generation=0, updated_at=datetime.now(UTC)))


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def csrf_on(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@dataclass
class World:
    """Two provinces, three communes, counters and staff: the smallest tree that shows
    scoping. Attribute names say who is who."""

    province: Unit
    commune: Unit
    sibling: Unit
    other_province: Unit
    stranger: Unit
    counter: Counter
    full_counter: Counter
    sibling_counter: Counter
    stranger_counter: Counter
    procedure: Procedure
    admin: User
    viewer: User
    leader: User
    officer: User
    stranger_leader: User


@pytest.fixture
def world(app: Flask) -> World:
    from feedback.auth.services import hash_password

    with app.app_context():
        province = Unit(code="tinh-a", name="Tỉnh A", kind="province")
        commune = Unit(code="xa-a1", name="Xã Hoằng Ngọc", parent=province)
        sibling = Unit(code="xa-a2", name="Xã Hà Tiến", parent=province)
        other = Unit(code="tinh-b", name="Tỉnh B", kind="province")
        stranger = Unit(code="xa-b1", name="Xã Tuệ Tĩnh", parent=other)
        counter = Counter(unit=commune, name="Quầy 1 — Tư pháp", position=1)
        full = Counter(unit=commune, name="Quầy 2 — Đất đai", position=2, questionnaire="full")
        sib_counter = Counter(unit=sibling, name="Quầy 1", position=1)
        str_counter = Counter(unit=stranger, name="Quầy 1", position=1)
        procedure = Procedure(unit=commune, code="HT01", name="Đăng ký khai sinh", field="Hộ tịch")
        pw = hash_password(PASSWORD)
        users = {
            "admin": User(email="admin@x.vn", role="admin", unit=province, password_hash=pw),
            "viewer": User(email="viewer@x.vn", role="viewer", unit=province, password_hash=pw),
            "leader": User(email="leader@x.vn", role="leader", unit=commune, password_hash=pw),
            "officer": User(email="officer@x.vn", role="officer", unit=commune, password_hash=pw),
            "stranger_leader": User(email="leader@b.vn", role="leader", unit=stranger,
                                    password_hash=pw),
        }
        db.session.add_all([province, commune, sibling, other, stranger, counter, full,
                            sib_counter, str_counter, procedure, *users.values()])
        db.session.commit()
        w = World(province, commune, sibling, other, stranger, counter, full, sib_counter,
                  str_counter, procedure, **users)
        for obj in vars(w).values():
            db.session.refresh(obj)
        db.session.expunge_all()
        return w


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement run while the test body runs (to count a hot path's queries)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def installation_admin(app: Flask) -> User:
    """An admin with no unit: sees and manages every unit and account."""
    from feedback.auth.services import hash_password

    with app.app_context():
        user = User(email="root@x.vn", role="admin", unit_id=None,
                    password_hash=hash_password(PASSWORD))
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], None]:
    def do(user: User) -> None:
        resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)

    return do


@pytest.fixture
def token_for(app: Flask) -> Callable[[Counter], str]:
    from feedback.qr.services import counter_token

    def make(counter: Counter) -> str:
        with app.app_context():
            return counter_token(db.session.get(Counter, counter.id))

    return make


@pytest.fixture
def submit(client: FlaskClient, token_for: Callable[[Counter], str]) -> Callable[..., Any]:
    """POST a survey answer for a counter; answers as {item: value}."""

    def post(counter: Counter, answers: dict[str, int | str], **extra: str) -> Any:
        data = {f"q_{k}": str(v) for k, v in answers.items()}
        data.setdefault("submission_id", new_submission_id())
        data.update(extra)
        return client.post(f"/q/{token_for(counter)}", data=data)

    return post


@pytest.fixture
def petition(app: Flask) -> Callable[..., Any]:
    """File a petition through the service (as the public form would) and return it
    detached, with its tracking `code`. Keyword arguments override `NewPetition` fields;
    `unit` is a Unit (required)."""
    from feedback.petitions import services

    def make(unit: Unit, **fields: Any) -> Any:
        values: dict[str, Any] = {
            "channel": "web", "content": "Hồ sơ của tôi bị trả chậm 5 ngày.",
            "sender_name": "Nguyễn Văn An", "sender_address": "Thôn 3, xã Hoằng Ngọc",
            "sender_phone": "0912345678", "submission_id": new_submission_id(),
        }
        values.update(fields)
        with app.app_context():
            stored, _ = services.file(services.NewPetition(unit_id=unit.id, **values))
            db.session.refresh(stored)
            db.session.expunge(stored)
            return stored

    return make


@pytest.fixture
def smtp(app: Flask) -> Iterator[Inbox]:
    """An aiosmtpd server on 127.0.0.1, with the app's SMTP settings pointing at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    keys = ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS", "SMTP_FROM")
    saved = {k: app.config[k] for k in keys}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False,
                      SMTP_FROM="gopy@xa.example.vn")
    try:
        yield inbox
    finally:
        app.config.update(saved)
        controller.stop()
