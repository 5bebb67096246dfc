"""Reading a petition as sent: the public form, the staff's entry form and the register
import all check the sender's fields and the content here (pure), so one rule and one
message apply wherever a petition comes in.

Errors are keyed by field name; messages are Vietnamese source strings (`N_`) that the
caller translates. A missing name, address or contact is not an error: the petition is
kept as an anonymous góp ý (`rules.kind_of`), and the form says so beforehand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from feedback.links import is_dossier_code
from feedback.msgid import N_
from feedback.petitions import rules
from feedback.text_rules import TextRefused, clean_line, clean_text

NAME_MAX = 200
ADDRESS_MAX = 300
DOSSIER_MAX = 40

MSG_CONTENT_REQUIRED = N_("Xin nhập nội dung phản ánh, kiến nghị.")
MSG_CONTENT_TOO_LONG = N_("Nội dung dài quá %(limit)s ký tự, xin rút gọn.")
MSG_BAD_TEXT = N_("Ô này có ký tự không đọc được, xin gõ lại.")
MSG_LINE_TOO_LONG = N_("Ô này dài quá %(limit)s ký tự.")
MSG_PHONE = N_("Số điện thoại không đúng (9–15 chữ số, ví dụ 0912 345 678).")
MSG_EMAIL = N_("Địa chỉ thư điện tử không đúng (ví dụ ten@example.vn).")
MSG_CATEGORY = N_("Phân loại không hợp lệ, xin chọn lại.")
MSG_DOSSIER = N_("Mã hồ sơ chỉ gồm chữ, số và dấu gạch (tối đa 40 ký tự).")


@dataclass
class Sent:
    """The cleaned values; `errors` maps a field name to its message (empty: all fine).
    `limits` holds the numbers a message needs (`%(limit)s`)."""

    sender_name: str | None = None
    sender_address: str | None = None
    sender_phone: str | None = None
    sender_email: str | None = None
    content: str = ""
    category: int | None = None
    dossier_code: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def kind(self) -> str:
        return rules.kind_of(self.sender_name, self.sender_address, self.sender_phone,
                             self.sender_email)


def _line(form: Mapping[str, str], name: str, limit: int, out: Sent) -> str | None:
    try:
        return clean_line(form.get(name, ""), limit, required=False) or None
    except TextRefused as refused:
        out.errors[name] = MSG_LINE_TOO_LONG if refused.reason == "too_long" else MSG_BAD_TEXT
        out.limits[name] = limit
        return None


def parse(form: Mapping[str, str], *, content_limit: int) -> Sent:
    """Check what a petition's sender filled in. Only the content is required."""
    out = Sent()
    out.sender_name = _line(form, "sender_name", NAME_MAX, out)
    out.sender_address = _line(form, "sender_address", ADDRESS_MAX, out)
    phone = form.get("sender_phone", "").strip()
    if phone:
        out.sender_phone = rules.clean_phone(phone)
        if out.sender_phone is None:
            out.errors["sender_phone"] = MSG_PHONE
    email = form.get("sender_email", "").strip()
    if email:
        out.sender_email = rules.clean_email(email)
        if out.sender_email is None:
            out.errors["sender_email"] = MSG_EMAIL
    try:
        out.content = clean_text(form.get("content", ""), content_limit, required=True)
    except TextRefused as refused:
        out.errors["content"] = {"empty": MSG_CONTENT_REQUIRED,
                                 "too_long": MSG_CONTENT_TOO_LONG}.get(refused.reason,
                                                                        MSG_BAD_TEXT)
        out.limits["content"] = content_limit
    category = form.get("category", "").strip()
    if category:
        if category.isascii() and category.isdigit() and len(category) < 3 and (
                int(category) in rules.CATEGORIES):
            out.category = int(category)
        else:
            out.errors["category"] = MSG_CATEGORY
    dossier = form.get("dossier_code", "").strip()
    if dossier:
        if is_dossier_code(dossier):
            out.dossier_code = dossier
        else:
            out.errors["dossier_code"] = MSG_DOSSIER
    return out


def message(sent: Sent, name: str, translate: Callable[[str], str] | None = None) -> str:
    """The error for `name`, translated by `translate` (gettext) and with its limit."""
    text = sent.errors[name]
    if translate is not None:
        text = translate(text)
    return text % {"limit": sent.limits[name]} if name in sent.limits else text
