"""feedback: citizen satisfaction surveys and petitions for one-stop offices.

`create_app` reads like a table of contents: configuration, extensions, blueprints,
error pages, security headers, CLI. It has no side effects beyond building the app:
migrate with `feedback db upgrade`, seed with `feedback demo`.

The libraries that draw (matplotlib, fpdf2, qrcode) are imported by the functions that
draw, never at the top of a module the app imports, so the CLI starts fast; `create_app`
imports them at the end (`warm_up`) unless the CLI asks it not to, so a gunicorn worker
(`feedback:create_app()`) pays for them when it starts rather than on a request.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None, *, warm: bool = True,
               views: bool = True) -> Flask:
    """The app. `warm=False` (the `feedback` command) skips `warm_up`, since a command
    that draws imports what it needs itself, and sets Flask-Migrate up only when a `db`
    command runs; `views=False` (a command that serves no page) registers no blueprint."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from feedback.config import load_config

    load_config(app, overrides)
    trust_proxies(app)
    register_extensions(app)
    register_migrations(app, lazy=not warm)
    if views:
        register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    if warm:
        warm_up()
        if not app.testing:
            settle_heap()
    return app


def warm_up() -> None:
    """Import the drawing libraries and the holiday calendars now (~0.7 s and ~70 MB): a
    web worker should pay for them when it starts, not in the first chart, poster or
    deadline request it serves (with gunicorn `--preload` the workers share them)."""
    from holidays.countries import vietnam  # noqa: F401  (feedback.workdays)

    from feedback.qr import render  # noqa: F401  (fpdf2, qrcode, Pillow)
    from feedback.reports import charts  # noqa: F401  (matplotlib)


def settle_heap(*, collect: bool = True) -> None:
    """Move what the process has built so far (modules, the app, the drawing libraries:
    some 200,000 objects that live as long as it does) out of the garbage collector's
    reach. A full collection walked all of them, 0.1 s paid by whichever request
    triggered it (a province's dashboard made several); forked workers also keep
    sharing those pages. A worker collects its garbage first, so none is kept for good;
    a command about to exit need not (`collect=False`)."""
    if collect:
        gc.collect()
    gc.freeze()


def trust_proxies(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    from feedback.auth.guards import load_bearer_user
    from feedback.auth.services import install_login
    from feedback.extensions import babel, csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from feedback import i18n

    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(i18n.TRANSLATIONS))
    install_login(app)
    login_manager.request_loader(load_bearer_user)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _tune_sqlite(db.engine)


def _tune_sqlite(engine: Any) -> None:
    """WAL and synchronous=NORMAL: several times the default journal's throughput."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()


def register_migrations(app: Flask, *, lazy: bool) -> None:
    """Flask-Migrate: the `db` commands, and `app.extensions["migrate"]`, which
    migrations/env.py and `flask_migrate.upgrade` read. Importing it imports alembic
    (~70 ms); with `lazy` (the CLI) a stand-in `db` group sets it up when a `db` command
    runs, so other commands never pay for it."""
    if not lazy:
        _init_migrate(app)
        return
    import click
    from flask.cli import ScriptInfo

    class Migrations(click.Group):
        """Stands in for Flask-Migrate's `db` group in the command list, and hands the
        command line to the real group once a `db` command is asked for."""

        def make_context(self, info_name: str | None, args: list[str],
                         parent: click.Context | None = None,
                         **extra: Any) -> click.Context:
            if parent is None:
                raise RuntimeError("the db commands run under the feedback command")
            loaded = parent.ensure_object(ScriptInfo).load_app()
            if "migrate" not in loaded.extensions:
                _init_migrate(loaded)
            from flask_migrate.cli import db as real

            return real.make_context(info_name, args, parent=parent, **extra)

    # Flask-Migrate's own help text for the group.
    app.cli.add_command(Migrations("db", help="Perform database migrations."))


def _init_migrate(app: Flask) -> None:
    from flask_migrate import Migrate

    from feedback.extensions import db

    Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)


def register_blueprints(app: Flask) -> None:
    from feedback.admin.counter_views import bp as admin_bp
    from feedback.admin.procedure_views import bp as procedures_bp
    from feedback.admin.unit_views import bp as units_bp
    from feedback.api import petitions as _api_petitions  # noqa: F401  (routes on api_bp)
    from feedback.api.views import bp as api_bp
    from feedback.auth.views import bp as auth_bp
    from feedback.extensions import csrf
    from feedback.i18n import bp as i18n_bp
    from feedback.petitions.public_views import bp as pakn_bp
    from feedback.petitions.settings_views import bp as petition_settings_bp
    from feedback.petitions.staff_views import bp as petitions_bp
    from feedback.qr.views import bp as qr_bp
    from feedback.reports.periodic_views import bp as periodic_bp
    from feedback.reports.views import bp as reports_bp
    from feedback.survey.views import bp as survey_bp
    from feedback.users.views import bp as users_bp

    for bp in (survey_bp, auth_bp, reports_bp, periodic_bp, admin_bp, qr_bp, api_bp):
        app.register_blueprint(bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(units_bp)
    app.register_blueprint(procedures_bp)
    for bp in (pakn_bp, petitions_bp, petition_settings_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # bearer tokens; a session POST checks X-CSRFToken itself


def register_errorhandlers(app: Flask) -> None:
    from feedback.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from feedback.security import apply_headers

    app.after_request(apply_headers)


def register_template_helpers(app: Flask) -> None:
    from feedback.display import install

    install(app)


def register_commands(app: Flask) -> None:
    from feedback.cli import register

    register(app)
