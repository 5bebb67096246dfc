"""Decorators and look-ups that every staff view and API call goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, request
from flask_login import current_user

from feedback import org
from feedback.auth.services import user_for_api_token
from feedback.extensions import db, login_manager
from feedback.models import Counter, Unit, User

F = TypeVar("F", bound=Callable[..., Any])

STAFF = ("admin", "leader", "officer", "viewer")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Not logged in → login page (401 for the API); wrong role → 403."""
    allowed = roles or STAFF

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if request.path.startswith("/api/"):
                    abort(401)
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def visible_unit_ids() -> set[int]:
    """The current user's scope, read once per request."""
    if "scope_ids" not in g:
        g.scope_ids = org.scope_ids(user())
    return g.scope_ids  # type: ignore[no-any-return]


def visible_units() -> list[org.TreeRow]:
    """The scope as a tree, for unit pickers."""
    return org.tree(visible_unit_ids())


def home_unit() -> Unit | None:
    """The user's own unit; for an installation admin, the first top-level unit (None
    while the installation has no unit yet)."""
    me = user()
    if me.unit is not None:
        return me.unit
    rows = org.tree(visible_unit_ids())
    return rows[0].unit if rows else None


def unit_in_scope(code: str | None) -> Unit:
    """The unit named by `code` if the user may see it; else 404 (never reveal it exists).
    Without a code: the user's home unit (404 while there is none)."""
    if not code:
        unit = home_unit()
        if unit is None:
            abort(404)
        return unit
    unit = org.find_unit(code)  # None for anything that cannot be a unit code
    if unit is None or unit.id not in visible_unit_ids():
        abort(404)
    return unit


def counter_in_scope(counter_id: int) -> Counter:
    """A counter of a unit the user may see; else 404."""
    counter = db.session.get(Counter, counter_id)
    if counter is None or counter.unit_id not in visible_unit_ids():
        abort(404)
    return counter


def load_bearer_user(_request: object = None) -> User | None:
    """`Authorization: Bearer <token>` on API routes only, so a token never rides on a form."""
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_api_token(token.strip())
