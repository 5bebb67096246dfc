"""Counter links: the signed token a poster carries, and revoking it."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app

from feedback import links
from feedback.extensions import db
from feedback.models import Counter, Unit
from feedback.qr import render
from feedback.survey import catalogue


def counter_token(counter: Counter) -> str:
    cfg = current_app.config
    return links.make_counter_token(cfg["SECRET_KEY"], links.CounterToken(
        key_version=cfg["QR_KEY_VERSION"], counter_id=counter.id,
        generation=counter.token_generation,
        questionnaire_id=catalogue.current(counter.questionnaire).id,
    ))


def counter_url(counter: Counter) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/q/{counter_token(counter)}"


def reissue(counter: Counter) -> str:
    """Revoke every poster printed for this counter so far and return the new link."""
    counter.token_generation += 1
    db.session.commit()
    return counter_url(counter)


def set_questionnaire(counter: Counter, code: str) -> None:
    """Changing the form changes the token, so old posters are revoked too."""
    catalogue.current(code)  # KeyError for an unknown form
    if counter.questionnaire != code:
        counter.questionnaire = code
        counter.token_generation += 1
        db.session.commit()


@lru_cache(maxsize=512)
def png_for(url: str) -> bytes:
    return render.qr_png(url)


@lru_cache(maxsize=512)
def svg_for(url: str) -> bytes:
    return render.qr_svg(url)


def poster(counter: Counter) -> render.Poster:
    q = catalogue.current(counter.questionnaire)
    return render.Poster(unit_name=counter.unit.name, counter_name=counter.name,
                         url=counter_url(counter), title=q.title if q.code == "sat3"
                         else "Đánh giá mức độ hài lòng")


def posters_pdf(counters: list[Counter]) -> bytes:
    return render.posters_pdf([poster(c) for c in counters])


def unit_counters(unit: Unit) -> list[Counter]:
    return [c for c in unit.counters if c.active]
