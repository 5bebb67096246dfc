from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    email = EmailField(
        "Thư điện tử",
        validators=[
            DataRequired("Xin nhập thư điện tử."),
            Regexp(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$",
                   message="Thư điện tử không hợp lệ."),
            Length(max=254),
        ],
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Xin nhập mật khẩu."), Length(max=200)]
    )
    submit = SubmitField("Đăng nhập")


class LogoutForm(FlaskForm):
    """Empty: gives the POST-only logout button its CSRF token."""

    submit = SubmitField("Đăng xuất")
