"""The blank public form, rendered once per worker and link, filled per visitor; and the
CSRF check such a form makes itself when posted back.

A blank survey or petition form differs between two visitors only in its CSRF token and
submission id, so each worker renders it once per link and language and fills those two
in (`render`). Names in it (counter, unit, procedures) may lag by PAGE_CACHE_SECONDS;
whether the link is still valid is checked by the caller on every request, before this.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from time import monotonic

from flask import current_app
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from feedback import i18n, links

CSRF_MARK = "__csrf_token__"
SUBMISSION_MARK = "__submission_id__"


def render(key: Hashable, draw: Callable[[str, str], str]) -> str:
    """The page `draw(csrf, submission_id)` renders for `key`, from the worker's cache,
    with a fresh CSRF token and submission id. The template must write them as
    `name="csrf_token" value="…"` and `name="submission_id" value="…"`."""
    ttl = current_app.config["PAGE_CACHE_SECONDS"]
    cache: dict[tuple[Hashable, str], tuple[float, str]] = current_app.extensions.setdefault(
        "feedback.blank_pages", {})
    full_key = (key, i18n.current())
    now = monotonic()
    hit = cache.get(full_key)
    if hit is None or hit[0] <= now:
        hit = (now + ttl, draw(CSRF_MARK, SUBMISSION_MARK))
        if ttl > 0:
            cache[full_key] = hit
    # Replaced with their attribute around them: a counter named like a marker is escaped
    # text, never a `value="..."` attribute.
    return (hit[1]
            .replace(f'name="csrf_token" value="{CSRF_MARK}"',
                     f'name="csrf_token" value="{generate_csrf()}"', 1)
            .replace(f'name="submission_id" value="{SUBMISSION_MARK}"',
                     f'name="submission_id" value="{links.new_submission_id()}"', 1))


def csrf_ok(token: str) -> bool:
    """Flask-WTF's check of the token a public form carried. The survey and the petition
    form check it in the view (they are exempt from the global check) so that an expired
    token re-renders the form with what the citizen typed, instead of an error page."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True
