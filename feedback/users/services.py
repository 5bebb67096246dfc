"""Staff accounts as an admin manages them: list, create, change role or unit, disable,
reset a password. The pages and the `feedback users` commands call these same functions.

`actor` is the admin doing it; None means the command line, which is trusted with the
whole installation (whoever has the server's shell has the database anyway). Every rule
below holds for both faces, and every change writes an `AuditEvent` in the same
transaction. Refusals raise `AuthError` with an English message (the CLI prints it) and a
`code` the pages turn into Vietnamese.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from feedback import mail, org
from feedback.audit import record_user
from feedback.auth.services import (
    MIN_PASSWORD,
    AuthError,
    end_sessions,
    hash_password,
    reset_link,
)
from feedback.extensions import db
from feedback.models import Unit, User
from feedback.models.users import ROLES
from feedback.text_rules import TextRefused, clean_line, has_control


@dataclass(frozen=True)
class NewAccount:
    email: str
    role: str
    unit_code: str | None  # None: the installation's administrator
    name: str = ""
    password: str | None = None  # None: the person sets it through a mailed link


@dataclass(frozen=True)
class Created:
    user: User
    link: ResetLink | None  # when no initial password was given


@dataclass(frozen=True)
class ResetLink:
    url: str
    mailed: bool  # False: no SMTP; the admin passes the link on (it is also in the outbox)


def is_installation_admin(user: User) -> bool:
    return user.role == "admin" and user.unit_id is None


def manages(actor: User | None, target: User) -> bool:
    """An installation admin (or the CLI) manages everyone; an admin of a unit manages the
    accounts of that unit and the units below it. Anyone else: nobody."""
    if actor is None or is_installation_admin(actor):
        return True
    if actor.role != "admin" or target.unit_id is None:
        return False
    return target.unit_id in org.scope_ids(actor)


def users_in_scope(actor: User | None) -> list[User]:
    """Ordered by unit then e-mail; installation admins first."""
    stmt = (select(User).outerjoin(User.unit).options(contains_eager(User.unit))
            .order_by(Unit.name.is_not(None), Unit.name, User.email))
    if actor is not None and not is_installation_admin(actor):
        scope = org.scope_ids(actor) if actor.role == "admin" else set()
        stmt = stmt.where(User.unit_id.in_(scope))
    return list(db.session.scalars(stmt))


def user_by_id(actor: User | None, user_id: int) -> User | None:
    """The account if `actor` manages it; None otherwise (the page answers 404)."""
    user = db.session.get(User, user_id)
    return user if user is not None and manages(actor, user) else None


def user_by_email(actor: User | None, email: str) -> User:
    user = None if has_control(email) else db.session.scalar(
        select(User).where(User.email == email.strip().lower()))
    if user is None or not manages(actor, user):
        raise AuthError(f"no user with e-mail {email}", "unknown_user")
    return user


def _placement(actor: User | None, role: str, unit_code: str | None,
               current: Unit | None = None) -> Unit | None:
    """Check a (role, unit) an actor wants to give; returns the unit."""
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; one of {', '.join(ROLES)}", "role")
    unit = org.find_unit(unit_code) if unit_code else None
    if unit_code and unit is None:
        raise AuthError(f"no unit with code {unit_code!r}", "unknown_unit")
    if unit is not None and actor is not None and not is_installation_admin(actor) \
            and unit.id not in org.scope_ids(actor):
        # Said exactly like an unknown unit: the page must not reveal it exists.
        raise AuthError(f"no unit with code {unit_code!r}", "unknown_unit")
    if unit is None and role != "admin":
        raise AuthError("every role but admin needs a unit (--unit CODE)", "needs_unit")
    if unit is None and actor is not None and not is_installation_admin(actor):
        raise AuthError("only the installation's admin may create another one",
                        "installation_only")
    if unit is not None and not unit.active and (current is None or unit.id != current.id):
        raise AuthError(f"unit {unit.code} is deactivated", "inactive_unit")
    return unit


def _active_installation_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.unit_id.is_(None), User.active.is_(True))) or 0


def _keeps_an_installation_admin(target: User) -> None:
    """The installation must keep one active admin who sees every unit."""
    if is_installation_admin(target) and target.active and _active_installation_admins() <= 1:
        raise AuthError("this is the last active installation admin", "last_installation_admin")


def create_account(actor: User | None, new: NewAccount) -> Created:
    email = new.email.strip().lower()
    if "@" not in email or len(email) > 254 or has_control(email):
        raise AuthError("not an e-mail address", "email")
    try:
        name = clean_line(new.name, 200, required=False)
    except TextRefused as exc:
        raise AuthError(f"the name {exc}", "name") from None
    if new.password is not None and len(new.password) < MIN_PASSWORD:
        raise AuthError(f"password must have at least {MIN_PASSWORD} characters", "short")
    unit = _placement(actor, new.role, new.unit_code)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AuthError(f"a user with e-mail {email} exists", "email_taken")
    # Without a password the account gets a random one nobody knows until the link is used.
    password = new.password if new.password is not None else secrets.token_urlsafe(32)
    user = User(email=email, name=name, role=new.role, unit=unit,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record_user(actor, "user.create", user, f"role={user.role} unit={unit.code if unit else '-'}")
    link = None
    if new.password is None:
        link = _queue_link(user, "Đặt mật khẩu cho tài khoản góp ý, đánh giá")
    db.session.commit()
    if link is not None:
        mail.deliver_pending()
    return Created(user, link)


def change_placement(actor: User | None, target: User, role: str,
                     unit_code: str | None) -> User:
    """A new role and/or unit. Nobody changes their own (an admin cannot lock themselves
    out by mistake), and the last installation admin keeps that place."""
    if actor is not None and actor.id == target.id:
        raise AuthError("you cannot change your own role or unit", "self_placement")
    unit = _placement(actor, role, unit_code, current=target.unit)
    before = f"{target.role}@{target.unit.code if target.unit else '-'}"
    if role != target.role or unit is not target.unit:
        if not (role == "admin" and unit is None):
            _keeps_an_installation_admin(target)
        target.role, target.unit = role, unit
        after = f"{role}@{unit.code if unit else '-'}"
        record_user(actor, "user.placement", target, f"{before} → {after}")
    db.session.commit()
    return target


def set_active(actor: User | None, target: User, active: bool) -> User:
    """Disabling ends every session and stops the API tokens at once (both check
    `active`); enabling again does not bring old sessions back."""
    if target.active == active:
        return target
    if not active:
        if actor is not None and actor.id == target.id:
            raise AuthError("you cannot disable your own account", "self_disable")
        _keeps_an_installation_admin(target)
        end_sessions(target)
    target.active = active
    record_user(actor, "user.enable" if active else "user.disable", target)
    db.session.commit()
    return target


def request_password_reset(actor: User | None, target: User) -> ResetLink:
    """A one-time link to a new password (24 hours). Mailed when SMTP is configured;
    otherwise it waits in the outbox and is returned for the admin to pass on."""
    if not target.active:
        raise AuthError(f"{target.email} is disabled; enable the account first", "disabled")
    link = _queue_link(target, "Đặt lại mật khẩu tài khoản góp ý, đánh giá")
    record_user(actor, "user.password_reset", target)
    db.session.commit()
    mail.deliver_pending()
    return link


def _queue_link(user: User, subject: str) -> ResetLink:
    url = reset_link(user)
    body = (f"Xin chào {user.name or user.email},\n\n"
            f"Để đặt mật khẩu mới, xin mở liên kết sau (dùng được một lần, trong 24 giờ):\n"
            f"{url}\n\n"
            "Nếu ông/bà không đề nghị việc này, xin báo cho quản trị hệ thống.")
    key = "password-link:" + hashlib.sha256(url.encode()).hexdigest()[:32]
    mail.queue(key, user.email, subject, body, unit_id=user.unit_id)
    return ResetLink(url, mailed=mail.smtp_configured())
