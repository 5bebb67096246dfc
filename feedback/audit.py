"""The append-only history of office set-up: who changed which unit, counter, procedure,
account or token, and when. One writer for every service, in the caller's transaction
(the change and its history line commit together). No actor: the command line, run by
someone with the server's shell."""

from __future__ import annotations

from feedback.extensions import db
from feedback.models import AuditEvent, Counter, User


def record(actor: User | None, unit_id: int | None, action: str, target: str,
           detail: str = "") -> None:
    db.session.add(AuditEvent(actor_id=actor.id if actor else None, unit_id=unit_id,
                              action=action, target=target[:200], detail=detail[:2000]))


def record_counter(actor: User | None, counter: Counter, action: str, detail: str = "") -> None:
    record(actor, counter.unit_id, action, f"counter:{counter.id}", detail)


def record_user(actor: User | None, action: str, target: User, detail: str = "") -> None:
    record(actor, target.unit_id, action, target.email, detail)
