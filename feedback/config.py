"""Configuration: defaults → instance/config.py → FEEDBACK_* environment → overrides.

Settings are read when the app is created, never at import time, so tests and several
hosts can build differently configured apps from the same code.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "ENV": "production",
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # None → SQLite file in the instance folder
    "BASE_URL": "http://127.0.0.1:5000",
    "REDIS_URL": None,
    # Rate limits (Flask-Limiter syntax). A busy office behind one NAT address raises them.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_SUBMIT_PER_CLIENT": "20 per minute;200 per hour",
    "RATELIMIT_SUBMIT_PER_COUNTER": "60 per minute",
    "RATELIMIT_LOGIN": "10 per minute;50 per hour",
    # Behind a reverse proxy, how many proxies' X-Forwarded-* headers to trust (0 = none).
    # Without it every citizen has the proxy's address and shares one rate limit.
    "TRUSTED_PROXIES": 0,
    # Satisfaction figures: see DOMAIN.md §3.
    "TARGET_PERCENT": 90.0,
    "MIN_SAMPLE": 30,
    "AGGREGATION": "mean",  # "mean" of item rates, or "pooled" answers
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    # Counter tokens: the key version new posters get, and the oldest still accepted.
    "QR_KEY_VERSION": 1,
    "QR_KEY_MIN_VERSION": 1,
    # A form opened before its poster was revoked (or its counter deactivated, or its form
    # changed) is still accepted this many minutes: an office action never loses answers.
    "REVOKE_GRACE_MINUTES": 30,
    "PASSWORD_METHOD": "scrypt",
    # API bearer tokens expire this many days after creation (`feedback tokens create
    # --days N` or the account page choose otherwise per token).
    "API_TOKEN_DAYS": 90,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "COMMENT_MAX_CHARS": 2000,
    # Paper forms older than this many days are refused (their month was reported).
    "PAPER_MAX_AGE_DAYS": 62,
    # How long a worker reuses the blank survey's procedure list before reading it again.
    "PAGE_CACHE_SECONDS": 60,
    # Mail (feedback.mail). Without SMTP_HOST every message waits in the admins' outbox.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_FROM": "gopy@localhost",
    "SMTP_STARTTLS": True,
    "SMTP_TIMEOUT": 10,
    # Petitions (DOMAIN §4–5). Receipt at or after closing time (local) counts from the
    # next working day. Deadlines in working days; a unit's SLA profile overrides them.
    "OFFICE_CLOSES": "17:00",
    # The weekly days off for deadlines (DOMAIN §5 [U]): English day names, comma-separated.
    "WEEKEND": "sat,sun",
    "SLA_CLASSIFY_DAYS": 2,
    "SLA_TRANSFER_DAYS": 5,
    "SLA_REPLY_DAYS": 10,
    "SLA_EXTENSION_DAYS": 10,
    "PETITION_MAX_CHARS": 5000,
    # The periodic report: `feedback sla tick` mails the draft to a unit's leaders this
    # many working days before the due date its schedule sets.
    "REPORT_REMIND_DAYS": 3,
    # Attachments: at most 3 per petition, each at most this size; stored here (None →
    # the instance folder's `attachments/`), never under static/.
    "ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "ATTACHMENT_DIR": None,
    "RATELIMIT_PETITION_PER_CLIENT": "5 per minute;30 per hour",
    "RATELIMIT_TRACKING_PER_CLIENT": "10 per minute;60 per hour",
    "RATELIMIT_TRACKING_PER_CODE": "5 per minute;20 per hour",
}

_BOOL_TRUE = {"1", "true", "yes", "on"}


def _coerce(default: Any, raw: str) -> Any:
    """Environment values are strings; give them the type of their default."""
    if isinstance(default, bool):
        return raw.strip().lower() in _BOOL_TRUE
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill app.config from the four layers, then derive Flask's own keys."""
    cfg: dict[str, Any] = dict(DEFAULTS)
    instance_file = Path(app.instance_path) / "config.py"
    if instance_file.exists():
        app.config.from_pyfile(str(instance_file))
        cfg.update({k: app.config[k] for k in DEFAULTS if k in app.config})
    for key, default in DEFAULTS.items():
        raw = os.environ.get(f"FEEDBACK_{key}")
        if raw is not None and raw != "":
            cfg[key] = _coerce(default, raw) if default is not None else raw
    cfg.update(overrides or {})

    if not cfg["SECRET_KEY"]:
        if cfg["ENV"] == "production":
            raise RuntimeError(
                "FEEDBACK_SECRET_KEY is not set. Production refuses to start without a "
                "secret key: QR tokens and sessions are signed with it."
            )
        cfg["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    if not cfg["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'feedback.sqlite3'}"
    if not cfg["ATTACHMENT_DIR"]:
        cfg["ATTACHMENT_DIR"] = str(Path(app.instance_path) / "attachments")
    _check_closing_time(cfg["OFFICE_CLOSES"])
    _check_sla_days(cfg)
    _check_weekend(cfg["WEEKEND"])
    if cfg["AGGREGATION"] not in ("mean", "pooled"):
        raise RuntimeError("FEEDBACK_AGGREGATION must be 'mean' or 'pooled'")

    app.config.update(cfg)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=_normalise_db_url(cfg["DATABASE_URL"]),
        # A ping before each checkout guards against dropped network connections; a
        # SQLite file has none, and the ping would cost every request a query.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": not cfg["DATABASE_URL"].startswith("sqlite")},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg["BASE_URL"].startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=3600,
        RATELIMIT_STORAGE_URI=cfg["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE=cfg["TIMEZONE"],
    )


def _check_closing_time(text: str) -> None:
    from feedback.workdays import parse_closing_time

    try:
        parse_closing_time(text)
    except ValueError as exc:
        raise RuntimeError(f"FEEDBACK_OFFICE_CLOSES must be HH:MM local time: {exc}") from None


def _check_weekend(text: str) -> None:
    from feedback.workdays import parse_weekend

    try:
        parse_weekend(text)
    except ValueError as exc:
        raise RuntimeError(f"FEEDBACK_WEEKEND must list days such as 'sat,sun': {exc}") from None


SLA_KEYS = ("SLA_CLASSIFY_DAYS", "SLA_TRANSFER_DAYS", "SLA_REPLY_DAYS", "SLA_EXTENSION_DAYS")


def _check_sla_days(cfg: dict[str, Any]) -> None:
    """The rule the SLA page applies (`rules.Profile.problems`, 1–60 working days): a zero
    would make every petition due the day it arrives, a negative one fail every filing."""
    from feedback.petitions.rules import Profile

    for key in SLA_KEYS:
        value = cfg[key]
        if isinstance(value, bool) or not isinstance(value, int) or (
                Profile(**{key.removeprefix("SLA_").lower(): value}).problems()):
            raise RuntimeError(f"FEEDBACK_{key} must be a whole number of working days "
                               f"from 1 to 60, not {value!r}")


def _normalise_db_url(url: str) -> str:
    """Accept the common `postgresql://` spelling and use the psycopg 3 driver for it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _development_secret(instance: Path) -> str:
    """A key kept in the instance folder so QR posters printed in development stay valid."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
