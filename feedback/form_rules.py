"""Validators shared by the staff forms (forms layer: WTForms and Babel, no models).

`NoControl` applies `feedback.text_rules` to what a browser posts, so a NUL or a pasted
line break is refused on the form with a Vietnamese message under the field, before any
service or database sees it (PostgreSQL answers a NUL with an error, SQLite stores it).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError

from feedback.text_rules import has_control

ONE_LINE_MESSAGE = _l("Ô này có dấu xuống dòng hoặc ký tự không in được (tab, NUL…). Xin gõ "
                      "lại trên một dòng.")
MULTILINE_MESSAGE = _l("Ô này có ký tự không in được (NUL…). Xin gõ lại.")


class NoControl:
    """Refuses control characters: every one on a one-line field; on a multi-line field
    (`multiline=True`, a textarea) tab, CR and LF stay allowed. An empty field passes
    (`DataRequired` says that)."""

    def __init__(self, *, multiline: bool = False, message: Any = None) -> None:
        self.multiline = multiline
        self.message = message or (MULTILINE_MESSAGE if multiline else ONE_LINE_MESSAGE)

    def __call__(self, form: Any, field: Field) -> None:
        data = field.data
        if isinstance(data, str) and has_control(data, multiline=self.multiline):
            raise ValidationError(str(self.message))
