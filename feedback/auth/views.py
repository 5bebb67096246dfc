"""Login, logout and the one-time password link. `next` is honoured only as a local path
(no open redirects).

Login limits count failed attempts only (`deduct_when`), per address and per account: an
office whose staff share one public address is never locked out by its own successful
logins, while guessing one account's password from many addresses is still slowed down.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    Response as FlaskResponse,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from feedback.auth import services
from feedback.auth.forms import LoginForm, LogoutForm, NewPasswordForm
from feedback.extensions import limiter
from feedback.msgid import N_
from feedback.security import local_path

bp = Blueprint("auth", __name__)


def _login_email_key() -> str:
    """Guessing one account's password from many addresses is limited too."""
    return "login:" + request.form.get("email", "").strip().lower()[:254]


def _login_failed(_response: FlaskResponse) -> bool:
    """Only a wrong e-mail or password costs an attempt (set by the view)."""
    return bool(g.get("login_failed"))


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed,
               key_func=_login_email_key, scope="login-account")
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            services.record_login(user)
            login_user(user)
            return redirect(local_path(request.args.get("next")) or url_for("reports.dashboard"))
        g.login_failed = True
        form.password.errors = [_("Thư điện tử hoặc mật khẩu không đúng.")]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Ends the session on the server as well: the session version is bumped, so a copy
    of this cookie (or one on another device) stops working too."""
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            services.sign_out(current_user._get_current_object())
        logout_user()
        flash(_("Đã đăng xuất trên mọi thiết bị."), "info")
    return redirect(url_for("auth.login"))


_LINK_REFUSED = {
    "expired": N_("Liên kết đã quá 24 giờ nên hết hiệu lực. Xin quản trị hệ thống gửi "
                  "liên kết mới."),
    "invalid": N_("Liên kết không đúng. Xin mở lại đúng liên kết trong thư, hoặc xin "
                  "liên kết mới."),
    "used": N_("Liên kết này đã được dùng hoặc không còn hiệu lực. Xin quản trị hệ thống "
               "gửi liên kết mới."),
}


def _refused(exc: services.AuthError) -> tuple[str, int]:
    """Gone: the page says why and who can send a new link; nothing is changed."""
    reason = _(_LINK_REFUSED.get(exc.code, _LINK_REFUSED["invalid"]))
    return render_template("auth/reset.html", form=None, refused=reason), 410


@bp.route("/dat-lai-mat-khau/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """The one-time link from a mail, the outbox or an admin: choose a new password."""
    try:
        account = services.user_for_reset_token(token)
    except services.AuthError as exc:
        return _refused(exc)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data or "")
        except services.AuthError as exc:  # used meanwhile in another tab
            return _refused(exc)
        if current_user.is_authenticated and current_user.id == account.id:
            logout_user()  # that session ended with the new version; drop the cookie too
        flash(_("Đã đặt mật khẩu mới. Xin đăng nhập."), "success")
        return redirect(url_for("auth.login"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, account=account, refused=None), status
