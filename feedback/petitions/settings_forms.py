"""Forms of the SLA clock's settings pages: a day in the calendar table, a unit's SLA
profile (forms layer: WTForms, Babel and pure rules; no models).

Numbers and dates are typed into text fields and checked here, with Vietnamese messages:
WTForms' own IntegerField/DateField would answer in English ("Not a valid integer value").
The bounds themselves come from the pure rules (`rules.Profile.problems`, the year range
of `reports.periods`), so the page, the CLI and the service refuse the same values.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from feedback.form_rules import NoControl
from feedback.petitions import rules
from feedback.reports.periods import MAX_YEAR, MIN_YEAR, parse_date

#: The calendar table's two kinds of override, as the radio buttons post them.
OFF, WORK = "off", "work"
NOTE_MAX = 200


def day_in_range(text: str) -> date:
    """A typed date (dd/mm/yyyy or yyyy-mm-dd) within the years the calendar covers;
    ValueError with a Vietnamese message otherwise."""
    try:
        day = parse_date(text)
    except ValueError:
        raise ValueError(_("Ngày không hợp lệ, xin nhập theo dạng ngày/tháng/năm, "
                           "ví dụ 05/11/2026.")) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(_("Chỉ đặt được ngày từ năm %(first)d đến năm %(last)d.",
                           first=MIN_YEAR, last=MAX_YEAR))
    return day


class ValidDay:
    """The field holds a date `day_in_range` accepts."""

    def __call__(self, form: Any, field: Field) -> None:
        try:
            day_in_range(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class CalendarDayForm(FlaskForm):
    """An extra day off or a make-up working day (installation admins only)."""

    day = StringField(_l("Ngày (ngày/tháng/năm)"),
                      validators=[DataRequired(_l("Xin nhập ngày.")), NoControl(), ValidDay()])
    kind = RadioField(_l("Loại ngày"),
                      choices=[SelectChoice(OFF, _l("Ngày nghỉ thêm")),
                               SelectChoice(WORK, _l("Ngày làm việc bù"))],
                      validate_choice=False,  # validate_kind says it in Vietnamese
                      validators=[InputRequired(_l("Xin chọn loại ngày."))])
    note = StringField(_l("Ghi chú (ví dụ: số văn bản thông báo)"),
                       validators=[NoControl(), Length(max=NOTE_MAX, message=_l(
                           "Ghi chú tối đa %(max)d ký tự."))])
    submit = SubmitField(_l("Lưu ngày này"))

    def validate_kind(self, field: Field) -> None:
        if field.data not in (OFF, WORK):
            raise ValidationError(_("Xin chọn loại ngày."))

    def chosen_day(self) -> date:
        return day_in_range(self.day.data or "")

    def working(self) -> bool:
        return self.kind.data == WORK


class CalendarRemoveForm(FlaskForm):
    """The remove button beside an override: the day rides in a hidden field (ISO)."""

    day = HiddenField(validators=[DataRequired(), NoControl(), ValidDay()])

    def chosen_day(self) -> date:
        return day_in_range(self.day.data or "")


def parse_year(raw: str | None, default: int) -> int:
    """The calendar page's `?year=` (a GET, no form): `default` when none is given;
    ValueError with a Vietnamese message when it is not a year the calendar covers."""
    text = (raw or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValueError(_("Năm không hợp lệ, xin nhập 4 chữ số, ví dụ 2026."))
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(_("Chỉ xem được từ năm %(first)d đến năm %(last)d.",
                           first=MIN_YEAR, last=MAX_YEAR))
    return year


PROFILE_FIELDS = ("classify_days", "transfer_days", "reply_days", "extension_days")


class WorkingDays:
    """A whole number of working days that `rules.Profile` accepts for this field."""

    def __call__(self, form: Any, field: Field) -> None:
        text = (field.data or "").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3):
            raise ValidationError(_("Xin nhập một số nguyên, ví dụ 10."))
        # Only this value differs from the defaults: the rule speaks about it alone.
        problems = rules.Profile(**{field.name: int(text)}).problems()
        if problems:
            raise ValidationError(_(problems[0]))


def _days_field(label: Any) -> StringField:
    return StringField(label, validators=[DataRequired(_l("Xin nhập số ngày làm việc.")),
                                          NoControl(), WorkingDays()])


class SlaProfileForm(FlaskForm):
    """A unit's own deadlines in working days (DOMAIN §4), each 1–60."""

    classify_days = _days_field(_l("Phân loại, tiếp nhận"))
    transfer_days = _days_field(_l("Chuyển đơn (ngoài thẩm quyền)"))
    reply_days = _days_field(_l("Trả lời người gửi"))
    extension_days = _days_field(_l("Gia hạn thêm (một lần)"))
    submit = SubmitField(_l("Lưu thời hạn"))

    def profile(self) -> rules.Profile:
        """The typed values, once `validate_on_submit` passed."""
        return rules.Profile(**{n: int((getattr(self, n).data or "0").strip())
                                for n in PROFILE_FIELDS})


class SlaRemoveForm(FlaskForm):
    """Empty: gives the "inherit again" button its CSRF token."""
