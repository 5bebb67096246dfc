"""The staff's petition forms: one action form for every workflow step, the entry of a
petition received on paper or by phone, and reply templates.

Which fields an action needs is the workflow's business (`workflow.check` names the
first one missing), so the action form only refuses what no action may hold: control
characters. The sender's fields and the content of an entered petition are read by
`intake.parse`, the one rule for every way a petition comes in; this form checks the
rest (channel, unit, receipt date and time).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from feedback.form_rules import NoControl
from feedback.reports.periods import parse_date

_TIME = re.compile(r"\A([01]?\d|2[0-3])[:hH.]([0-5]\d)\Z")


class ActionForm(FlaskForm):
    """Every field any action takes; the `action` field says which one is meant."""

    action = HiddenField(validators=[NoControl()])
    category = SelectField(_l("Phân loại nội dung"), choices=[], validate_choice=False,
                           validators=[NoControl()])
    assignee = SelectField(_l("Cán bộ xử lý"), choices=[], validate_choice=False,
                           validators=[NoControl()])
    reason = TextAreaField(_l("Lý do"), validators=[NoControl(multiline=True)])
    receiving_body = StringField(_l("Cơ quan có thẩm quyền nhận chuyển"),
                                 validators=[NoControl()])
    note = TextAreaField(_l("Nội dung"), validators=[NoControl(multiline=True)])
    answer = TextAreaField(_l("Nội dung trả lời"), validators=[NoControl(multiline=True)])
    public_text = TextAreaField(_l("Nội dung công khai"),
                                validators=[NoControl(multiline=True)])

    def fields_for_service(self) -> dict[str, Any]:
        """What `services.act` reads (blank fields left out: the workflow names them)."""
        names = ("category", "assignee", "reason", "receiving_body", "note", "answer",
                 "public_text")
        return {n: self[n].data for n in names if isinstance(self[n].data, str)
                and self[n].data.strip()}


def _day(raw: object) -> date | None:
    try:
        return parse_date(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _time(raw: object) -> time | None:
    match = _TIME.match(raw.strip()) if isinstance(raw, str) else None
    return time(int(match[1]), int(match[2])) if match else None


def _valid_day(_form: Any, field: Field) -> None:
    if _day(field.data) is None:
        raise ValidationError(str(_l("Ngày không hợp lệ, xin nhập theo dạng ngày/tháng/năm, "
                                     "ví dụ 05/11/2026.")))


def _valid_time(_form: Any, field: Field) -> None:
    if _time(field.data) is None:
        raise ValidationError(str(_l("Giờ không hợp lệ, xin nhập theo dạng giờ:phút, "
                                     "ví dụ 08:30.")))


class EntryForm(FlaskForm):
    """A petition received on paper, in the box, by phone, mail, Zalo, Facebook or the
    national portal, typed in by staff: how and when it really came, and for which unit.
    Choices are set by the view (the channels staff enter, the units in scope)."""

    submission_id = HiddenField()
    channel = SelectField(_l("Kênh tiếp nhận"), choices=[], validate_choice=False,
                          validators=[NoControl()])
    unit = SelectField(_l("Đơn vị tiếp nhận"), choices=[], validate_choice=False,
                       validators=[NoControl()])
    received_on = StringField(
        _l("Ngày tiếp nhận"),
        validators=[DataRequired(_l("Xin nhập ngày tiếp nhận.")), NoControl(), _valid_day])
    received_time = StringField(
        _l("Giờ tiếp nhận"),
        validators=[DataRequired(_l("Xin nhập giờ tiếp nhận.")), NoControl(), _valid_time])

    def validate_channel(self, field: Field) -> None:
        if field.data not in {value for value, _label in field.choices or []}:
            raise ValidationError(str(_l("Xin chọn kênh tiếp nhận.")))

    def validate_unit(self, field: Field) -> None:
        if field.data not in {value for value, _label in field.choices or []}:
            raise ValidationError(str(_l("Xin chọn đơn vị tiếp nhận trong danh sách.")))

    @property
    def day(self) -> date | None:
        return _day(self.received_on.data)

    @property
    def at(self) -> time | None:
        return _time(self.received_time.data)


class TemplateForm(FlaskForm):
    """A reply template; `do` is save (create or edit), retire or restore. Lengths and
    blanks are checked by the service, so the page and the service say the same."""

    do = HiddenField(validators=[NoControl()])
    title = StringField(_l("Tên mẫu"), validators=[NoControl()])
    body = TextAreaField(_l("Nội dung trả lời"), validators=[NoControl(multiline=True)])
