"""Counter links: the signed token and short code a poster carries, revoking them (with a
grace for forms already open), and the public list of links on the landing page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select

from feedback import links
from feedback.audit import record_counter
from feedback.extensions import db
from feedback.models import Counter, Unit, User
from feedback.survey import catalogue

if TYPE_CHECKING:
    # qrcode, Pillow and fpdf2 cost ~0.2 s to import: the links, revocation and listing
    # services here (and every command that only needs them) must not pay for them, so
    # `render` is imported inside the functions that draw (the web server imports it at
    # start, see feedback.warm_up).
    from feedback.qr import render


class InactiveCounter(ValueError):
    """A deactivated counter has no live poster to revoke or change: reactivate it first."""


def _token(counter_id: int, generation: int, questionnaire: str) -> str:
    cfg = current_app.config
    return links.make_counter_token(cfg["SECRET_KEY"], links.CounterToken(
        key_version=cfg["QR_KEY_VERSION"], counter_id=counter_id, generation=generation,
        questionnaire_id=catalogue.current(questionnaire).id,
    ))


def counter_token(counter: Counter) -> str:
    return _token(counter.id, counter.token_generation, counter.questionnaire)


def counter_url(counter: Counter) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/q/{counter_token(counter)}"


def site_address() -> str:
    """BASE_URL as a person types it: no scheme, no trailing slash (`gopy.xa.gov.vn`)."""
    return current_app.config["BASE_URL"].split("://", 1)[-1].rstrip("/")


def fresh_short_code() -> str:
    """A short code no counter has. Collisions are rare (887 million codes); a few
    retries make them impossible in practice, and the unique constraint has the last word."""
    for _ in range(8):
        code = links.new_short_code()
        if db.session.scalar(select(Counter.id).where(Counter.short_code == code)) is None:
            return code
    raise RuntimeError("no free short code after 8 tries")


def start_grace(counter: Counter, now: datetime | None = None) -> datetime:
    """Remember the link the counter has now, so forms already opened from it are still
    accepted for REVOKE_GRACE_MINUTES (see feedback.counter_links). Call it before the
    change; returns the end of the grace."""
    now = now or datetime.now(UTC)
    minutes = current_app.config["REVOKE_GRACE_MINUTES"]
    still_running = (counter.grace_generation is not None and counter.grace_until is not None
                     and now < counter.grace_until)
    if not still_running:
        # A second action within the window keeps the older generation: a form opened
        # before the first action is still accepted (every generation since is ours too).
        counter.grace_generation = counter.token_generation
    counter.grace_until = now + timedelta(minutes=minutes)
    return counter.grace_until


def _new_link(counter: Counter, now: datetime | None) -> None:
    if not counter.active:
        raise InactiveCounter(f"counter {counter.id} is deactivated; reactivate it first")
    start_grace(counter, now)
    counter.token_generation += 1
    counter.short_code = fresh_short_code()


def reissue(counter: Counter, *, actor: User | None = None,
            now: datetime | None = None) -> str:
    """Revoke every poster printed for this counter so far (QR token and short code) and
    return the new link. Forms already open stay accepted during the grace."""
    _new_link(counter, now)
    record_counter(actor, counter, "counter.reissue", f"generation {counter.token_generation}")
    db.session.commit()
    return counter_url(counter)


def set_questionnaire(counter: Counter, code: str, *, actor: User | None = None,
                      now: datetime | None = None) -> bool:
    """Changing the form changes the token, so old posters are revoked too (with the same
    grace). False when the counter already uses that form."""
    catalogue.current(code)  # KeyError for an unknown form
    if counter.questionnaire == code:
        return False
    old = counter.questionnaire
    _new_link(counter, now)
    counter.questionnaire = code
    record_counter(actor, counter, "counter.questionnaire", f"{old} → {code}")
    db.session.commit()
    return True


@lru_cache(maxsize=512)
def png_for(url: str) -> bytes:
    from feedback.qr import render

    return render.qr_png(url)


@lru_cache(maxsize=512)
def svg_for(url: str) -> bytes:
    from feedback.qr import render

    return render.qr_svg(url)


def poster(counter: Counter) -> render.Poster:
    from feedback.qr import render

    q = catalogue.current(counter.questionnaire)
    return render.Poster(unit_name=counter.unit.name, counter_name=counter.name,
                         url=counter_url(counter), title=q.title if q.code == "sat3"
                         else "Đánh giá mức độ hài lòng",
                         short_code=links.format_short_code(counter.short_code or ""),
                         site=site_address(),
                         petition_url=_petition_address(counter))


def _petition_address(counter: Counter) -> str:
    """Typed from the poster: the counter's own petition form (filed against the
    counter, like `/q/<token>/pakn`) through its short code; the unit's form without one."""
    if counter.short_code:
        return f"{site_address()}/m/{links.format_short_code(counter.short_code)}/pakn"
    return f"{site_address()}/u/{counter.unit.code}/pakn"


def posters_pdf(counters: list[Counter]) -> bytes:
    from feedback.qr import render

    return render.posters_pdf([poster(c) for c in counters])


def unit_counters(unit: Unit) -> list[Counter]:
    return [c for c in unit.counters if c.active]


def communes_with_counters(unit: Unit) -> list[tuple[Unit, int]]:
    """A province has no counters of its own: its communes (with their number of active
    counters) are where posters come from."""
    rows = db.session.execute(
        select(Unit, func.count(Counter.id))
        .outerjoin(Counter, (Counter.unit_id == Unit.id) & Counter.active.is_(True))
        .where(Unit.parent_id == unit.id, Unit.active.is_(True))
        .group_by(Unit.id).order_by(Unit.name)
    )
    return [(u, n) for u, n in rows]


# --- Typed codes and the public landing page ---------------------------------------------

def counter_for_short_code(typed: str) -> Counter | None:
    """What a citizen typed → the active counter whose poster shows it, or None (a typo
    the check character caught, an old poster's code, a deactivated counter)."""
    code = links.normalise_short_code(typed)
    if code is None:
        return None
    return db.session.scalar(
        select(Counter).join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.short_code == code, Counter.active.is_(True), Unit.active.is_(True))
    )


@dataclass(frozen=True)
class PublicCounter:
    name: str
    token: str


@dataclass
class PublicUnit:
    code: str
    name: str
    counters: list[PublicCounter] = field(default_factory=list)


def public_links(unit_ids: set[int] | None = None) -> list[PublicUnit]:
    """Active counters of active units (all, or of the given units), grouped by unit in
    name order, with the token of their current link: one query."""
    stmt = (select(Unit.code, Unit.name, Counter.id, Counter.name, Counter.token_generation,
                   Counter.questionnaire)
            .join(Counter, Counter.unit_id == Unit.id)
            .where(Unit.active.is_(True), Counter.active.is_(True))
            .order_by(Unit.name, Unit.code, Counter.position, Counter.id))
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(unit_ids))
    groups: dict[str, PublicUnit] = {}
    for code, unit_name, counter_id, name, generation, questionnaire in db.session.execute(stmt):
        group = groups.setdefault(code, PublicUnit(code, unit_name))
        group.counters.append(PublicCounter(name, _token(counter_id, generation, questionnaire)))
    return list(groups.values())
