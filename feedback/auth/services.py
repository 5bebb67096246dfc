"""Who a staff member is and which units they may see.

Scope is a unit and all its descendants (`feedback.org.scope_ids`); an admin without a
unit sees the whole installation. A unit outside the scope answers 404, not 403, so its
existence does not leak.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from feedback.extensions import db, login_manager
from feedback.links import api_token_hash, new_api_token
from feedback.models import ApiToken, User
from feedback.models.users import ROLES
from feedback.org import find_unit

# A hash to compare against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH: dict[str, str] = {}


class AuthError(ValueError):
    pass


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


def create_user(email: str, password: str, role: str, unit_code: str | None,
                name: str = "") -> User:
    """Without a unit only an admin can be created: the installation's administrator,
    the first account of an empty database."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if "@" not in email:
        raise AuthError("not an e-mail address")
    if len(password) < 8:
        raise AuthError("password must have at least 8 characters")
    unit = find_unit(unit_code) if unit_code else None
    if unit_code and unit is None:
        raise AuthError(f"no unit with code {unit_code!r}")
    if unit is None and role != "admin":
        raise AuthError("every role but admin needs a unit (--unit CODE)")
    if db.session.scalar(select(User).where(User.email == email)):
        raise AuthError(f"a user with e-mail {email} exists")
    user = User(email=email, password_hash=hash_password(password), role=role, unit=unit,
                name=name)
    db.session.add(user)
    db.session.commit()
    return user


def create_api_token(email: str, label: str = "") -> str:
    """Returns the token once; only its hash is stored."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AuthError(f"no user with e-mail {email}")
    token = new_api_token()
    db.session.add(ApiToken(user=user, token_hash=api_token_hash(token), label=label))
    db.session.commit()
    return token


def revoke_api_tokens(email: str) -> int:
    """Revoke every token of a user (a lost laptop, a person who left); returns how many."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AuthError(f"no user with e-mail {email}")
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))).all()
    for token in tokens:
        token.revoked = True
    db.session.commit()
    return len(tokens)


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == api_token_hash(token),
                               ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = datetime.now(UTC)
    db.session.commit()
    return row.user


def install_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Xin đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """`id:session_version`: a cookie from before a logout, a password change or a
        disabling names an old version and loads nobody."""
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user
