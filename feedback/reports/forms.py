"""The periodic report's two forms: marking a report as sent, and when it is due."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice


class IssueForm(FlaskForm):
    """Empty but for its CSRF token: the unit and period travel in the page's address."""

    submit = SubmitField(_l("Đánh dấu đã gửi và lưu bản này"))


class ScheduleForm(FlaskForm):
    """Checked by `issued.set_schedule`, which says what is wrong in the reader's words."""

    kind = SelectField(_l("Báo cáo"), validate_choice=False, choices=[
        SelectChoice("monthly", _l("Hằng tháng")), SelectChoice("quarterly", _l("Hằng quý")),
        SelectChoice("yearly", _l("Hằng năm"))])
    due_day = StringField(_l("Hạn nộp: ngày"), default="10")
    month_offset = SelectField(_l("của tháng"), validate_choice=False, default="1", choices=[
        SelectChoice("0", _l("cuối kỳ (tháng cuối của kỳ báo cáo)")),
        SelectChoice("1", _l("sau kỳ báo cáo"))])
    submit = SubmitField(_l("Lưu hạn nộp"))
