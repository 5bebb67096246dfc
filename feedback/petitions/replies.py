"""A unit's reply templates: reusable answer texts, written by its leaders, offered on
the answer form of the unit's petitions (and of the units below it).

A template is retired, never deleted: the answers written from it stay as they were sent,
and a retired one can be brought back. Each change is a line of the set-up history.
"""

from __future__ import annotations

from sqlalchemy import select

from feedback import audit, org
from feedback.extensions import db
from feedback.models import ReplyTemplate, Unit, User
from feedback.msgid import N_
from feedback.text_rules import TextRefused, clean_line, clean_text

TITLE_MAX = 200
BODY_MAX = 10000

MSG_TITLE_EMPTY = N_("Xin nhập tên mẫu trả lời.")
MSG_TITLE_BAD = N_("Tên mẫu chỉ gồm một dòng, tối đa %(limit)s ký tự.")
MSG_BODY_EMPTY = N_("Xin nhập nội dung mẫu trả lời.")
MSG_BODY_BAD = N_("Nội dung mẫu quá dài (tối đa %(limit)s ký tự) hoặc có ký tự không đọc "
                  "được.")


class TemplateError(ValueError):
    """A refused template: `field` is the form field, `message` a Vietnamese source
    string, `limit` the number it names (or None)."""

    def __init__(self, field: str, message: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.field, self.message, self.limit = field, message, limit


def _cleaned(title: str, body: str) -> tuple[str, str]:
    try:
        clean_title = clean_line(title or "", TITLE_MAX, required=True)
    except TextRefused as refused:
        if refused.reason == "empty":
            raise TemplateError("title", MSG_TITLE_EMPTY) from None
        raise TemplateError("title", MSG_TITLE_BAD, TITLE_MAX) from None
    try:
        clean_body = clean_text(body or "", BODY_MAX, required=True)
    except TextRefused as refused:
        if refused.reason == "empty":
            raise TemplateError("body", MSG_BODY_EMPTY) from None
        raise TemplateError("body", MSG_BODY_BAD, BODY_MAX) from None
    return clean_title, clean_body


def of_unit(unit_id: int) -> list[ReplyTemplate]:
    """A unit's own templates, in use first, then by title (the settings list)."""
    return list(db.session.scalars(
        select(ReplyTemplate).where(ReplyTemplate.unit_id == unit_id)
        .order_by(ReplyTemplate.active.desc(), ReplyTemplate.title, ReplyTemplate.id)))


def offered(unit: Unit) -> list[ReplyTemplate]:
    """The templates in use for a petition of `unit`: its own and those of the units above
    it (a province writes one for all its communes)."""
    ids = [unit.id, *(u.id for u in org.ancestors(unit))]
    return list(db.session.scalars(
        select(ReplyTemplate).where(ReplyTemplate.unit_id.in_(ids),
                                    ReplyTemplate.active.is_(True))
        .order_by(ReplyTemplate.title, ReplyTemplate.id)))


def find(template_id: int, unit_ids: set[int]) -> ReplyTemplate | None:
    """A template of one of these units (None otherwise: the caller answers 404)."""
    template = db.session.get(ReplyTemplate, template_id)
    return template if template is not None and template.unit_id in unit_ids else None


def create(unit: Unit, title: str, body: str, actor: User | None) -> ReplyTemplate:
    clean_title, clean_body = _cleaned(title, body)
    template = ReplyTemplate(unit_id=unit.id, title=clean_title, body=clean_body, active=True)
    db.session.add(template)
    db.session.flush()
    audit.record(actor, unit.id, "reply_template.create", f"reply_template:{template.id}",
                 clean_title)
    db.session.commit()
    return template


def update(template: ReplyTemplate, title: str, body: str, actor: User | None) -> None:
    template.title, template.body = _cleaned(title, body)
    audit.record(actor, template.unit_id, "reply_template.update",
                 f"reply_template:{template.id}", template.title)
    db.session.commit()


def set_active(template: ReplyTemplate, active: bool, actor: User | None) -> None:
    """Retire a template (no longer offered) or bring it back."""
    template.active = active
    audit.record(actor, template.unit_id,
                 "reply_template.restore" if active else "reply_template.retire",
                 f"reply_template:{template.id}", template.title)
    db.session.commit()
