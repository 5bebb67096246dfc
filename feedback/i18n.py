"""Languages: Vietnamese (the source language) and English, chosen by a `lang` cookie.

Public pages default to Vietnamese and deliberately ignore `Accept-Language`: a citizen
scanning a poster in a Vietnamese office should see the office's language, whatever their
phone is set to; English is one tap away and remembered for a year. Outside a request (the
CLI, scheduled jobs) there is no locale choice: the default applies and CLI messages are
written in English in the code.

The switch is a GET link (`/ngon-ngu/en?next=/q/...`) rather than a POST form because the
survey page is rendered once per link and cached with exactly one CSRF token in it (see
`feedback.blank_pages`); a second form would break that. Setting a language cookie is
harmless, and `next` is only ever followed to a path on this site.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import get_locale
from werkzeug.wrappers import Response

from feedback.msgid import N_ as N_  # re-exported: views mark messages with i18n.N_
from feedback.security import local_path

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT = "vi"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
#: Each language named in itself, so the link is readable by the person who needs it.
NAMES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}
TRANSLATIONS = Path(__file__).parent / "translations"

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The `lang` cookie if it names a language we have, else Vietnamese."""
    if not has_request_context():
        return DEFAULT
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT


def current() -> str:
    """The language of this request ('vi' or 'en'), for cache keys and `<html lang>`."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def other_language() -> str:
    """The language the switch offers: the one this page is not in."""
    return "en" if current() == "vi" else "vi"


def here() -> str:
    """The current page as a local path with its query string, for the switch's `next`."""
    path = request.full_path if request.query_string else request.path
    return path


@bp.get("/ngon-ngu/<code>")
def switch(code: str) -> Response:
    """Remember the language for a year and go back to the page the link was on."""
    response = redirect(local_path(request.args.get("next")) or "/", code=303)
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def extract_toml(fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: Any
                 ) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extractor for the questionnaires: their `title` and `intro` are shown to
    citizens, so they are msgids like any template string (see babel.cfg)."""
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    for key in ("title", "intro"):
        if data.get(key):
            lineno = next((n for n, line in enumerate(lines, 1)
                           if line.split("=", 1)[0].strip() == key), 1)
            yield lineno, None, data[key], [f"questionnaire {data.get('code')}: {key}"]
