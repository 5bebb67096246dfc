"""Login and logout. `next` is honoured only as a local path (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from feedback.auth.forms import LoginForm, LogoutForm
from feedback.auth.services import authenticate
from feedback.extensions import limiter

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def _login_email_key() -> str:
    """Guessing one account's password from many addresses is limited too."""
    return "login:" + request.form.get("email", "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               key_func=_login_email_key, scope="login-account")
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("reports.dashboard"))
        form.password.errors = ["Thư điện tử hoặc mật khẩu không đúng."]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if LogoutForm().validate_on_submit():
        logout_user()
        flash("Đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))
