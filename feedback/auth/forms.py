"""Login, logout and new-password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from feedback.form_rules import NoControl

#: Something@something without spaces or control characters: enough to catch a typo; the
#: mailbox itself is proved by the set-password link.
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$"
#: Kept equal to `feedback.auth.services.MIN_PASSWORD` (forms may not import services).
MIN_PASSWORD = 8


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Thư điện tử"),
        validators=[
            DataRequired(_l("Xin nhập thư điện tử.")),
            NoControl(),
            Regexp(EMAIL_PATTERN, message=_l("Thư điện tử không hợp lệ.")),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Mật khẩu"), validators=[DataRequired(_l("Xin nhập mật khẩu.")), Length(max=200)]
    )
    submit = SubmitField(_l("Đăng nhập"))


class LogoutForm(FlaskForm):
    """Empty: gives the POST-only logout button its CSRF token."""

    submit = SubmitField(_l("Đăng xuất"))


class NewPasswordForm(FlaskForm):
    """A new password typed twice (the reset link page; the own-account page adds the
    current password)."""

    password = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự)"), validators=[
        DataRequired(_l("Xin nhập mật khẩu mới.")),
        Length(min=MIN_PASSWORD, max=200,
               message=_l("Mật khẩu cần từ 8 đến 200 ký tự.")),
    ])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(_l("Xin nhập lại mật khẩu mới.")),
        EqualTo("password", message=_l("Hai lần nhập mật khẩu không giống nhau.")),
    ])
