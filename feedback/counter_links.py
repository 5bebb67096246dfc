"""Whether a counter's signed link (its poster's QR code) still opens a form: one check
for the survey and the petition form, which must not import each other.

Tampered or unknown → `InvalidLink` (404); an old poster → `RevokedLink` (410). A form
rendered just before an office revoked the poster, changed the counter's form or
deactivated the counter is still accepted when `submitting`, until the counter's
`grace_until`, for every token generation from `grace_generation` up to the current one:
an office action never throws a citizen's answers away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, select

from feedback import links
from feedback.extensions import db
from feedback.models import Counter, Unit


class LinkError(LookupError):
    """The scanned link does not lead to a live counter."""


class InvalidLink(LinkError):
    pass


class RevokedLink(LinkError):
    pass


@dataclass(frozen=True)
class OpenLink:
    """The counter a valid link names, and what the token says (read in one query)."""

    token: links.CounterToken
    counter_id: int
    counter_name: str
    questionnaire: str  # the counter's current form (the token may name an older one)
    unit_id: int
    unit_code: str
    unit_name: str
    live: bool  # the current poster of an active counter
    in_grace: bool  # a POST from a form opened before a recent office action


# Built once: constructing a select() costs more than running it on the survey's hot path.
_COUNTER_BY_ID = (
    select(Counter.id, Counter.name, Counter.active, Counter.token_generation,
           Counter.questionnaire, Counter.grace_generation, Counter.grace_until,
           Unit.id, Unit.code, Unit.name)
    .join(Unit, Counter.unit_id == Unit.id)
    .where(Counter.id == bindparam("counter_id"))
)


def open_counter(token: str, *, submitting: bool = False,
                 now: datetime | None = None) -> OpenLink:
    cfg = current_app.config
    try:
        data = links.read_counter_token(
            cfg["SECRET_KEY"], token, min_key_version=cfg["QR_KEY_MIN_VERSION"])
    except links.InvalidToken as exc:
        raise InvalidLink(token) from exc
    # A plain connection, not the ORM session: this read needs no identity map, and the
    # public GET then never opens a session transaction at all.
    with db.engine.connect() as conn:
        row = conn.execute(_COUNTER_BY_ID, {"counter_id": data.counter_id}).one_or_none()
    if row is None:
        raise InvalidLink(token)
    (counter_id, counter_name, active, generation, questionnaire, grace_generation,
     grace_until, unit_id, unit_code, unit_name) = row
    live = bool(active) and data.generation == generation
    in_grace = (submitting and grace_until is not None and grace_generation is not None
                and grace_generation <= data.generation <= generation
                and (now or datetime.now(UTC)) < grace_until)
    if not (live or in_grace):
        raise RevokedLink(token)
    return OpenLink(data, counter_id, counter_name, questionnaire, unit_id, unit_code,
                    unit_name, live, in_grace)
