"""Factory, configuration, migrations, errors and headers."""

from __future__ import annotations

import sqlite3
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import OperationalError

from feedback import create_app
from feedback.extensions import db


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("FEEDBACK_SECRET_KEY", raising=False)
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    with pytest.raises(RuntimeError, match="FEEDBACK_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_environment_overrides_defaults(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "from-env")
    monkeypatch.setenv("FEEDBACK_MIN_SAMPLE", "50")
    monkeypatch.setenv("FEEDBACK_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", "postgresql://u@h/db")
    app = create_app({"BASE_URL": "https://gopy.example.vn"})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["MIN_SAMPLE"] == 50
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(("key", "raw"), [
    ("FEEDBACK_SLA_REPLY_DAYS", "0"), ("FEEDBACK_SLA_CLASSIFY_DAYS", "-2"),
    ("FEEDBACK_SLA_EXTENSION_DAYS", "61"), ("FEEDBACK_OFFICE_CLOSES", "25:00"),
    ("FEEDBACK_WEEKEND", "sat,sunday"), ("FEEDBACK_WEEKEND", "mon,tue,wed,thu,fri,sat,sun"),
])
def test_impossible_petition_deadlines_refuse_to_start(monkeypatch, tmp_path, key: str,
                                                       raw: str) -> None:
    """Checked once at start-up, not on the first petition filed (which would be a 500)."""
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "k")
    monkeypatch.setenv(key, raw)
    with pytest.raises(RuntimeError, match=key):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_development_secret_is_kept_in_the_instance_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("FEEDBACK_SECRET_KEY", raising=False)
    monkeypatch.setenv("FEEDBACK_ENV", "development")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    again = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["SECRET_KEY"] and app.config["SECRET_KEY"] == again.config["SECRET_KEY"]


def test_a_worker_settles_its_heap_and_a_test_app_or_command_does_not(monkeypatch,
                                                                     tmp_path) -> None:
    """A web worker moves what it built at start out of the collector's reach; a test's
    app (built many times over) and a command (warm=False) leave the collector alone."""
    import gc

    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "k")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    gc.unfreeze()
    try:
        create_app({"DATABASE_URL": url, "TESTING": True})
        create_app({"DATABASE_URL": url}, warm=False)
        assert gc.get_freeze_count() == 0
        create_app({"DATABASE_URL": url})
        assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()


def test_migrations_match_the_models(app) -> None:
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_timestamps_default_per_row(app, world) -> None:
    from feedback.models import Unit

    with app.app_context():
        a = Unit(code="t1", name="A")
        db.session.add(a)
        db.session.commit()
        time.sleep(0.01)
        b = Unit(code="t2", name="B")
        db.session.add(b)
        db.session.commit()
        assert a.created_at.tzinfo is not None
        assert a.created_at < b.created_at


def test_unknown_page_is_vietnamese_html_and_json_for_api(client) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Không tìm thấy trang" in page.get_data(as_text=True)
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.get_json()["error"]["status"] == 404


def test_method_not_allowed(client) -> None:
    assert client.delete("/login").status_code == 405


def test_security_headers(client) -> None:
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-store"


def _busy(message: str, sqlstate: str | None = None) -> OperationalError:
    if sqlstate is None:
        return OperationalError("INSERT INTO response …", {}, sqlite3.OperationalError(message))
    orig = Exception(message)
    orig.sqlstate = sqlstate  # type: ignore[attr-defined]  (as psycopg's errors carry it)
    return OperationalError("INSERT INTO response …", {}, orig)


@pytest.mark.parametrize("error", [_busy("database is locked"),
                                   _busy("deadlock detected", "40P01"),
                                   _busy("could not obtain lock", "55P03")])
def test_a_busy_database_asks_to_send_again_and_stores_nothing(
        app, client, world, submit, monkeypatch, error) -> None:
    """SQLite's writer lock held past its busy timeout (a long rebuild), or a PostgreSQL
    lock conflict: a 503 in the citizen's language with Retry-After, not a 500; the
    answer was not stored, and sending it again stores it once."""
    from feedback.models import Response as Stored
    from feedback.survey import services

    real = services.record

    def refused(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(services, "record", refused)
    sid = "b" * 32
    resp = submit(world.full_counter, {"TC1": 5}, submission_id=sid)
    # At least our 5 s: the rate limiter's headers raise it to its window's reset.
    assert resp.status_code == 503 and int(resp.headers["Retry-After"]) >= 5
    page = resp.get_data(as_text=True)
    assert "Hệ thống đang bận" in page and "chưa được lưu" in page
    monkeypatch.setattr(services, "record", real)
    assert submit(world.full_counter, {"TC1": 5}, submission_id=sid).status_code in (200, 303)
    assert submit(world.full_counter, {"TC1": 5}, submission_id=sid).status_code in (200, 303)
    with app.app_context():
        assert db.session.query(Stored).filter_by(submission_id=sid).count() == 1


def test_other_database_errors_stay_errors() -> None:
    from feedback import errors

    assert not errors.database_busy(OperationalError("SELECT", {}, sqlite3.OperationalError(
        "no such table: response")))
    assert not errors.database_busy(ValueError("database is locked"))
    assert errors.database_busy(_busy("database is locked"))
