"""Forms of the users pages and the own-account page. Choices (roles, units) come from
the view, which knows the admin's scope; the rules themselves live in the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    ValidationError,
)

from feedback.auth.forms import EMAIL_PATTERN, MIN_PASSWORD, NewPasswordForm
from feedback.form_rules import NoControl

LINK, PASSWORD = "link", "password"


class PlacementForm(FlaskForm):
    """Role and unit; the unit "" is the installation (an admin who sees every unit)."""

    role = SelectField(_l("Vai trò"), choices=[], validate_choice=False,
                       validators=[DataRequired(_l("Xin chọn vai trò.")), NoControl()])
    unit = SelectField(_l("Đơn vị"), choices=[], validate_choice=False,
                       validators=[NoControl()])


class NewUserForm(PlacementForm):
    email = EmailField(_l("Thư điện tử"), validators=[
        DataRequired(_l("Xin nhập thư điện tử.")),
        NoControl(),
        Regexp(EMAIL_PATTERN, message=_l("Thư điện tử không hợp lệ.")),
        Length(max=254, message=_l("Thư điện tử dài quá 254 ký tự.")),
    ])
    name = StringField(_l("Họ và tên"), validators=[
        NoControl(), Length(max=200, message=_l("Họ và tên dài quá 200 ký tự."))])
    how = RadioField(_l("Mật khẩu"), default=LINK, choices=[
        SelectChoice(LINK, _l("Gửi liên kết để người dùng tự đặt mật khẩu")),
        SelectChoice(PASSWORD, _l("Đặt mật khẩu ban đầu ngay bây giờ")),
    ], validators=[InputRequired(_l("Xin chọn cách đặt mật khẩu."))],
        invalid_choice_message=_l("Xin chọn cách đặt mật khẩu."))
    password = PasswordField(_l("Mật khẩu ban đầu (ít nhất 8 ký tự)"),
                             validators=[Length(max=200)])

    def validate_password(self, field: PasswordField) -> None:
        if self.how.data == PASSWORD and len(field.data or "") < MIN_PASSWORD:
            raise ValidationError(_l("Mật khẩu cần ít nhất 8 ký tự."))


class ConfirmForm(FlaskForm):
    """Empty: gives a POST-only button (disable, reset, revoke) its CSRF token."""


class TokenForm(FlaskForm):
    label = StringField(_l("Tên gợi nhớ (máy, phần mềm dùng token)"), validators=[
        NoControl(), Length(max=100, message=_l("Tên gợi nhớ dài quá 100 ký tự."))])
    days = IntegerField(_l("Hiệu lực (ngày)"), validators=[
        InputRequired(_l("Xin nhập số ngày.")),
        NumberRange(1, 3660, message=_l("Số ngày từ 1 đến 3660."))])


class PasswordChangeForm(NewPasswordForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[
        DataRequired(_l("Xin nhập mật khẩu hiện tại.")), Length(max=200)])

