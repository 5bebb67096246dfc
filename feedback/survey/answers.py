"""Reading a submitted survey: strict, pure, and with messages a citizen understands."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from feedback.links import is_dossier_code
from feedback.msgid import N_
from feedback.survey.catalogue import AGE_BANDS, RESPONDENT_TYPES, Questionnaire

FIELD_PREFIX = "q_"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ufeff]")

MSG_REQUIRED_ONE = N_("Xin ông/bà chọn ít nhất một câu trả lời trước khi gửi.")
MSG_BAD_VALUE = N_("Lựa chọn không hợp lệ, xin chọn lại.")
MSG_UNKNOWN = N_("Phiếu có câu hỏi không thuộc mẫu này. Xin tải lại trang và gửi lại.")
# Formatted where it is shown (with the configured limit), after translation.
MSG_TOO_LONG = N_("Ý kiến dài quá %(limit)s ký tự, xin rút gọn.")
MSG_BAD_TEXT = N_("Nội dung có ký tự không đọc được, xin gõ lại.")
MSG_DOSSIER = N_("Mã hồ sơ chỉ gồm chữ, số và dấu gạch (tối đa 40 ký tự).")
MSG_CHOICE = N_("Lựa chọn không hợp lệ.")


@dataclass
class Parsed:
    answers: dict[str, int] = field(default_factory=dict)
    age_band: str | None = None
    respondent_type: str | None = None
    comment: str | None = None
    dossier: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_text(raw: str, limit: int) -> tuple[str | None, str | None]:
    """(text or None, error). Control characters and U+FFFD mark a broken encoding."""
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        return None, None
    if _CONTROL.search(text):
        return None, MSG_BAD_TEXT
    if len(text) > limit:
        return None, MSG_TOO_LONG
    return text, None


def _choice(form: Mapping[str, str], name: str, q: Questionnaire, options: Mapping[str, str],
            errors: dict[str, str]) -> str | None:
    """An optional profile answer: blank, or one of `options` on a form that asks it."""
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if name in q.profile and raw in options:
        return raw
    errors[name] = MSG_CHOICE
    return None


def parse(form: Mapping[str, str], q: Questionnaire, *, comment_limit: int = 2000) -> Parsed:
    """Validate every answer against the questionnaire; unknown or stray fields fail."""
    out = Parsed()
    allowed = {*q.items, *q.yesno}
    for key in form:
        if key.startswith(FIELD_PREFIX) and key[len(FIELD_PREFIX) :] not in allowed:
            out.errors["_form"] = MSG_UNKNOWN
    # Compare as text: int() would also accept "٥", " 5" or "05".
    scale = {str(v) for v in q.scale_labels}
    for item, accepted in [*((i, scale) for i in q.items), *((i, {"0", "1"}) for i in q.yesno)]:
        raw = form.get(FIELD_PREFIX + item, "").strip()
        if not raw:
            continue  # a blank item is not an answer
        if raw not in accepted:
            out.errors[item] = MSG_BAD_VALUE
            continue
        out.answers[item] = int(raw)
    if not any(i in out.answers for i in q.items) and not out.errors:
        out.errors["_form"] = MSG_REQUIRED_ONE

    out.age_band = _choice(form, "age_band", q, AGE_BANDS, out.errors)
    out.respondent_type = _choice(form, "respondent_type", q, RESPONDENT_TYPES, out.errors)
    comment, err = clean_text(form.get("comment", ""), comment_limit)
    if err:
        out.errors["comment"] = err
    out.comment = comment
    dossier = form.get("dossier", "").strip()
    if dossier:
        if is_dossier_code(dossier):
            out.dossier = dossier
        else:
            out.errors["dossier"] = MSG_DOSSIER
    return out
