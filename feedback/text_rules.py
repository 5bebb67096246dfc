"""What text typed by staff may contain: one pure rule for the forms, the services, the CLI
and the import parser alike.

PostgreSQL refuses a NUL in a text column (SQLite stores it), so a stray control character
used to be a 500 on one database and a stored name on the other. A line break in a name
is just as bad in other ways: names go into mail subjects, posters and CSV exports, where
a second line becomes a new header, a broken poster or a broken row. So a one-line value
(a name, a code, a label) holds no control character at all (Unicode category Cc, which
includes tab, CR and LF) and no Unicode line or paragraph separator; a multi-line value (a
note) may hold tab, CR and LF, nothing else of Cc.

Neither may hold a lone surrogate (category Cs): no database driver can encode one, so it
would fail at the insert. Forms never produce one (their bodies are decoded with
replacement characters), but a JSON `"\ud800"` escape or a command-line argument that
is not UTF-8 does.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

#: What a multi-line value may contain of Unicode category Cc.
MULTILINE_ALLOWED = frozenset("\t\n\r")
#: Not Cc, but line breaks to `str.splitlines`, mail headers and CSV readers alike.
LINE_SEPARATORS = frozenset("\u2028\u2029")

Reason = Literal["control", "empty", "too_long"]


def forbidden_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The characters of `text` that the rule refuses, in order (empty when it is fine)."""
    return [c for c in text
            if (unicodedata.category(c) == "Cc" and not (multiline and c in MULTILINE_ALLOWED))
            or (not multiline and c in LINE_SEPARATORS)
            or "\ud800" <= c <= "\udfff"]


def has_control(text: str, *, multiline: bool = False) -> bool:
    return bool(forbidden_characters(text, multiline=multiline))


class TextRefused(ValueError):
    """A value the rule refuses. `reason` is control, empty or too_long; `length` and
    `limit` say by how much a value is too long. Callers turn it into their own refusal
    (a counter's, a unit's, an import line's) with their own words."""

    def __init__(self, reason: Reason, *, length: int = 0, limit: int = 0) -> None:
        super().__init__({"control": "contains a line break or a control character",
                          "empty": "is empty",
                          "too_long": f"has {length} characters, more than {limit}"}[reason])
        self.reason: Reason = reason
        self.length, self.limit = length, limit


def clean_line(raw: str, limit: int | None = None, *, required: bool = True) -> str:
    """A one-line value as it will be stored and printed: NFC, inner runs of spaces
    collapsed, no surrounding spaces. Refuses control characters and line breaks (checked
    before anything is collapsed, so a pasted "Quầy\\n2" is refused rather than silently
    joined), an empty value when `required`, and more than `limit` characters."""
    if has_control(raw):
        raise TextRefused("control")
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if required and not value:
        raise TextRefused("empty")
    if limit is not None and len(value) > limit:
        raise TextRefused("too_long", length=len(value), limit=limit)
    return value


def clean_text(raw: str, limit: int | None = None, *, required: bool = False) -> str:
    """A multi-line value (a petition's content, an answer, a note) as it will be stored:
    NFC, line ends as LF, no surrounding blank space. Refuses control characters other
    than tab and line breaks, an empty value when `required`, and more than `limit`
    characters."""
    if has_control(raw, multiline=True):
        raise TextRefused("control")
    value = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise TextRefused("empty")
    if limit is not None and len(value) > limit:
        raise TextRefused("too_long", length=len(value), limit=limit)
    return value
