"""Template filters and words: numbers and dates through Babel, labels in the page's language.

Numbers and dates go through Flask-Babel's formatters so a Vietnamese page reads "85,9%"
and "30/11/2026 14:05" and an English one "85.9%" and "30 Nov 2026, 14:05". Machine formats
(CSV, XLSX, the JSON API) never come through here: they keep plain numbers and ISO dates.

The word tables stay keyed by code and hold the Vietnamese source text; `Words` translates
on each lookup, so a module-level table still follows the locale of the request reading
it (and the CLI, which has no locale, gets the Vietnamese it always printed).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_datetime, format_decimal, gettext

from feedback import i18n, sipas
from feedback.msgid import N_
from feedback.reports.periods import DATETIME_PATTERNS
from feedback.survey import catalogue

K = TypeVar("K")



class Words(Mapping[K, str]):
    """A read-only {code: Vietnamese text} table whose values are translated when read."""

    def __init__(self, source: Mapping[K, str]) -> None:
        self._source = dict(source)

    def __getitem__(self, key: K) -> str:
        text = self._source[key]
        # gettext("") would return the catalogue's header, not an empty string.
        return gettext(text) if text else text

    def __iter__(self) -> Iterator[K]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)


STATUS_WORDS = Words(sipas.STATUS_LABELS)
CHANNEL_WORDS = Words(catalogue.CHANNEL_LABELS)
MAIL_STATE_WORDS = Words({
    "outbox": N_("chờ chuyển tay"),
    "pending": N_("chờ gửi"),
    "sending": N_("đang gửi"),
    "sent": N_("đã gửi"),
    "failed": N_("gửi không được"),
})
ROLE_WORDS = Words({
    "admin": N_("Quản trị hệ thống"),
    "leader": N_("Lãnh đạo"),
    "officer": N_("Công chức một cửa"),
    "viewer": N_("Theo dõi báo cáo"),
})


def translate(text: str | None) -> str:
    """`{{ label|translate }}`: the translation of a message held in a variable (a SIPAS
    label, a questionnaire title, an error message from the code). Plain gettext, so the
    result is escaped like any text and a "%" in it is never read as a placeholder; Jinja's
    `_()` marks its result safe and always %-formats it, which suits only literal msgids."""
    return gettext(text) if text else ""


def percent(value: float | None, digits: int = 1) -> str:
    """85.94 → '85,9%' in Vietnamese, '85.9%' in English."""
    if value is None:
        return "—"
    pattern = "0." + "0" * digits if digits > 0 else "0"
    return format_decimal(round(value, digits), format=pattern) + "%"


def number(value: int | float | None) -> str:
    """Counts with the locale's thousands separator: '12.345' (vi), '12,345' (en)."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##")


def local_time(value: datetime | None, fmt: str | None = None) -> str:
    """A stored UTC instant shown in FEEDBACK_TIMEZONE: '30/11/2026 14:05' (vi).
    `fmt` is a Babel pattern (e.g. "dd/MM/yyyy"); by default the language's date-time."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    pattern = fmt or DATETIME_PATTERNS.get(i18n.current(), DATETIME_PATTERNS["vi"])
    return format_datetime(local, pattern, rebase=False)


def install(app: Flask) -> None:
    app.add_template_filter(translate, "translate")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(number, "number")
    app.add_template_filter(local_time, "local_time")
    app.jinja_env.globals.update(
        STATUS_WORDS=STATUS_WORDS, CHANNEL_WORDS=CHANNEL_WORDS, ROLE_WORDS=ROLE_WORDS,
        MAIL_STATE_WORDS=MAIL_STATE_WORDS,
        SAT5=Words(sipas.SAT5), SAT5_ITEMS=list(sipas.ITEMS),
        FORM_TITLES=Words(dict(catalogue.codes())),
        LANGUAGE_NAMES=i18n.NAMES, current_language=i18n.current,
        other_language=i18n.other_language, here=i18n.here,
    )
