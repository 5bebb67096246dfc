"""Who a staff member is: passwords, sessions, reset links and API tokens.

A session names `user id:session version`; logout, a disabled account, a new password
and a used reset link bump the version, so every cookie issued before stops working at
once on every host (nothing is kept in process memory). Scope (which units a user sees)
lives in `feedback.org`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from flask_babel import lazy_gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from feedback.audit import record_user
from feedback.extensions import db, login_manager
from feedback.links import api_token_hash, new_api_token
from feedback.models import ApiToken, User
from feedback.text_rules import has_control

# A hash to compare against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH: dict[str, str] = {}

#: Shortest password accepted anywhere (creation, reset, change).
MIN_PASSWORD = 8
#: A password-reset link works for a day, and only until it is used (see `reset_password`).
RESET_MAX_AGE = 24 * 3600
_RESET_SALT = "feedback.password-reset"


class AuthError(ValueError):
    """A refusal with an English message for the CLI and a `code` the pages translate."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_METHOD"])


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        method = current_app.config["PASSWORD_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("x", method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def user_by_email(email: str) -> User:
    user = None if has_control(email) else db.session.scalar(
        select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AuthError(f"no user with e-mail {email}", "unknown_user")
    return user


# --- Sessions -------------------------------------------------------------------------

def end_sessions(user: User) -> None:
    """Every session cookie issued to this user so far names the old version and stops
    loading anyone (see `install_login`). The caller commits."""
    user.session_version = (user.session_version or 1) + 1


def record_login(user: User) -> None:
    user.last_login_at = datetime.now(UTC)
    db.session.commit()


def sign_out(user: User) -> None:
    """Logout ends the session on the server too: a copied cookie is worthless after it."""
    end_sessions(user)
    db.session.commit()


# --- Passwords ------------------------------------------------------------------------

def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"password must have at least {MIN_PASSWORD} characters", "short")


def change_password(user: User, current: str, new: str) -> None:
    """The holder of a session proves they know the password before changing it; every
    other session of theirs ends (the caller signs this one in again)."""
    if not check_password_hash(user.password_hash, current):
        raise AuthError("the current password is wrong", "wrong_current")
    _check_new_password(new)
    user.password_hash = hash_password(new)
    end_sessions(user)
    record_user(user, "user.password", user, "own password changed")
    db.session.commit()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def reset_token(user: User) -> str:
    """Signed (user id, session version): using it bumps the version, which is what makes
    it one-time; a logout, a disabling or another reset voids it the same way."""
    return str(_reset_serializer().dumps([user.id, user.session_version]))


def reset_link(user: User) -> str:
    """Absolute, from BASE_URL, so it works in a mail and from the command line."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/dat-lai-mat-khau/{reset_token(user)}"


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for, or AuthError (`expired` / `invalid`)."""
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired as exc:
        raise AuthError("the link has expired", "expired") from exc
    except BadSignature as exc:
        raise AuthError("the link is not valid", "invalid") from exc
    if not (isinstance(data, list) and len(data) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) and 0 < x <= MAX_ID
                    for x in data)):
        raise AuthError("the link is not valid", "invalid")
    user = db.session.get(User, data[0])
    if user is None or not user.active or user.session_version != data[1]:
        raise AuthError("the link was used already or is no longer valid", "used")
    return user


def reset_password(token: str, new: str) -> User:
    user = user_for_reset_token(token)
    _check_new_password(new)
    user.password_hash = hash_password(new)
    end_sessions(user)
    record_user(user, "user.password_reset_used", user)
    db.session.commit()
    return user


# --- API tokens -----------------------------------------------------------------------

@dataclass(frozen=True)
class NewToken:
    token: str  # shown once; only its hash is kept
    row: ApiToken


def token_expiry(row: ApiToken) -> datetime:
    """Tokens made before expiry dates existed expire the default time after creation."""
    return row.expires_at or row.created_at + timedelta(
        days=int(current_app.config["API_TOKEN_DAYS"]))


def token_state(row: ApiToken, now: datetime | None = None) -> str:
    """`revoked`, `expired` or `active`."""
    if row.revoked:
        return "revoked"
    return "expired" if token_expiry(row) <= (now or datetime.now(UTC)) else "active"


def issue_api_token(user: User, label: str = "", days: int | None = None, *,
                    actor: User | None = None) -> NewToken:
    """A bearer token for `user`, valid `days` (default API_TOKEN_DAYS)."""
    days = int(current_app.config["API_TOKEN_DAYS"]) if days is None else days
    if not 1 <= days <= 3660:
        raise AuthError("days must be between 1 and 3660", "days")
    if not user.active:
        raise AuthError(f"{user.email} is disabled", "disabled")
    if has_control(label):
        raise AuthError("a label cannot contain line breaks or control characters", "label")
    token = new_api_token()
    row = ApiToken(user=user, token_hash=api_token_hash(token), label=label.strip()[:100],
                   expires_at=datetime.now(UTC) + timedelta(days=days))
    db.session.add(row)
    record_user(actor, "token.create", user, f"label={row.label!r} days={days}")
    db.session.commit()
    return NewToken(token, row)


def create_api_token(email: str, label: str = "", days: int | None = None) -> str:
    """Returns the token once; only its hash is stored."""
    return issue_api_token(user_by_email(email), label, days).token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(user: User, token_id: int, *, actor: User | None = None) -> ApiToken:
    """One token of `user` (a token id of someone else is 'unknown', never revoked)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise AuthError(f"no token {token_id} for {user.email}", "unknown_token")
    if not row.revoked:
        row.revoked = True
        record_user(actor, "token.revoke", user, f"label={row.label!r}")
        db.session.commit()
    return row


def revoke_api_tokens(email: str) -> int:
    """Revoke every token of a user (a lost laptop, a person who left); returns how many."""
    user = user_by_email(email)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))).all()
    for token in tokens:
        token.revoked = True
    if tokens:
        record_user(None, "token.revoke", user, f"all ({len(tokens)})")
    db.session.commit()
    return len(tokens)


def user_for_api_token(token: str) -> User | None:
    """A disabled account, a revoked or an expired token: nobody (the API answers 401)."""
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == api_token_hash(token),
                               ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    now = datetime.now(UTC)
    if token_expiry(row) <= now:
        return None
    row.last_used_at = now
    db.session.commit()
    return row.user


#: Integer keys are 32-bit in PostgreSQL; a larger number is nobody's id.
MAX_ID = 2**31 - 1


def _small_int(text: str) -> bool:
    """ASCII digits only (str.isdigit also accepts '１' and '²') and within MAX_ID."""
    return text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID


def install_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Xin đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """`id:session_version`: a cookie from before a logout, a password change or a
        disabling names an old version and loads nobody."""
        user_id, _, version = session_id.partition(":")
        if not (_small_int(user_id) and _small_int(version)):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user
