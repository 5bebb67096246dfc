"""`/staff/users` (admins: the accounts of their scope) and `/staff/account` (everyone:
their own password and API tokens).

An account outside the admin's scope answers 404, like a foreign unit. Each view
validates its form, calls one service and turns the service's refusal code into a
Vietnamese message; nothing is changed by a refusal.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user
from werkzeug.wrappers import Response

from feedback import org
from feedback.auth import services as auth
from feedback.auth.guards import home_unit, roles_required, user, visible_unit_ids
from feedback.display import ROLE_WORDS
from feedback.models import User
from feedback.models.users import ROLES
from feedback.msgid import N_
from feedback.users import services
from feedback.users.forms import (
    PASSWORD,
    ConfirmForm,
    NewUserForm,
    PasswordChangeForm,
    PlacementForm,
    TokenForm,
)

bp = Blueprint("users", __name__, url_prefix="/staff")

ID = "int(max=2147483647)"

#: Service refusal code → (form field it belongs to, message).
REFUSALS: dict[str, tuple[str, str]] = {
    "email": ("email", N_("Thư điện tử không hợp lệ.")),
    "email_taken": ("email", N_("Đã có tài khoản dùng thư điện tử này.")),
    "name": ("name", N_("Họ và tên có dấu xuống dòng hoặc ký tự không in được, hoặc dài quá "
                        "200 ký tự. Xin gõ lại trên một dòng.")),
    "label": ("label", N_("Tên gợi nhớ có dấu xuống dòng hoặc ký tự không in được. Xin gõ "
                          "lại trên một dòng.")),
    "short": ("password", N_("Mật khẩu cần ít nhất 8 ký tự.")),
    "role": ("role", N_("Vai trò không hợp lệ.")),
    "unknown_unit": ("unit", N_("Đơn vị không hợp lệ.")),
    "needs_unit": ("unit", N_("Vai trò này cần một đơn vị. Chỉ quản trị toàn hệ thống mới "
                              "không thuộc đơn vị nào.")),
    "installation_only": ("unit", N_("Chỉ quản trị toàn hệ thống mới được giao quyền quản "
                                     "trị toàn hệ thống. Xin chọn một đơn vị.")),
    "inactive_unit": ("unit", N_("Đơn vị này đã ngừng hoạt động. Xin chọn đơn vị khác.")),
    "self_placement": ("role", N_("Không thể tự đổi vai trò hoặc đơn vị của chính mình. "
                                  "Xin nhờ một quản trị khác.")),
    "self_disable": ("", N_("Không thể tự khoá tài khoản của chính mình.")),
    "last_installation_admin": ("role", N_(
        "Đây là quản trị toàn hệ thống cuối cùng còn hoạt động. Xin tạo hoặc mở lại một "
        "quản trị toàn hệ thống khác trước.")),
    "disabled": ("", N_("Tài khoản đang bị khoá. Xin mở lại tài khoản trước.")),
    "wrong_current": ("current", N_("Mật khẩu hiện tại không đúng.")),
    "days": ("days", N_("Số ngày từ 1 đến 3660.")),
}


def _refusal(exc: auth.AuthError) -> tuple[str, str]:
    field, message = REFUSALS.get(exc.code, ("", N_("Không thực hiện được thao tác này.")))
    return field, _(message)


def _flash_refusal(exc: auth.AuthError) -> None:
    flash(_refusal(exc)[1], "error")


def _target(user_id: int) -> User:
    target = services.user_by_id(user(), user_id)
    if target is None:
        abort(404)
    return target


def _choices(form: PlacementForm) -> None:
    """Roles, and the units of the admin's scope as a tree; the installation (no unit)
    only for an installation admin, the only one who may give it."""
    form.role.choices = [(r, ROLE_WORDS[r]) for r in ROLES]
    units = org.unit_choices(visible_unit_ids(), _(" (ngừng hoạt động)"))
    if services.is_installation_admin(user()):
        # Last, not first: the most powerful placement is never the one chosen by default.
        units = [*units, ("", _("— Toàn hệ thống (quản trị toàn hệ thống) —"))]
    form.unit.choices = units


def _flash_link(email: str, link: services.ResetLink) -> None:
    if link.mailed:
        flash(_("Đã gửi liên kết đặt mật khẩu tới %(email)s.", email=email), "success")
    else:
        flash(_("Chưa cấu hình máy chủ thư, nên xin chuyển liên kết này cho %(email)s (chỉ hiện "
                "một lần ở đây; thư cũng nằm trong Hộp thư đi): %(url)s",
                email=email, url=link.url), "success")


# --- The users of an admin's scope ----------------------------------------------------

@bp.get("/users")
@roles_required("admin")
def index() -> str:
    return render_template("users/index.html", users=services.users_in_scope(user()))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def create() -> str | Response | tuple[str, int]:
    form = NewUserForm()
    _choices(form)
    if not form.is_submitted():
        # The least powerful role in the admin's own unit: a careless click must not
        # create another administrator.
        home = home_unit()
        form.role.data = "officer"
        form.unit.data = home.code if home is not None else ""
    if form.validate_on_submit():
        new = services.NewAccount(
            email=form.email.data or "", name=form.name.data or "", role=form.role.data or "",
            unit_code=form.unit.data or None,
            password=form.password.data if form.how.data == PASSWORD else None)
        try:
            created = services.create_account(user(), new)
        except auth.AuthError as exc:
            field, message = _refusal(exc)
            getattr(form, field or "email").errors = [message]
        else:
            flash(_("Đã tạo tài khoản %(email)s.", email=created.user.email), "success")
            if created.link is not None:
                _flash_link(created.user.email, created.link)
            return redirect(url_for(".show", user_id=created.user.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("users/new.html", form=form), status


def _fresh_token_form() -> TokenForm:
    """Unbound (this page may answer a POST of another of its forms)."""
    return TokenForm(formdata=None, data={"days": current_app.config["API_TOKEN_DAYS"]})


def _show(target: User, placement: PlacementForm | None = None,
          token_form: TokenForm | None = None, status: int = 200) -> tuple[str, int]:
    if placement is None:
        placement = PlacementForm(formdata=None, data={"role": target.role,
                                        "unit": target.unit.code if target.unit else ""})
        _choices(placement)
    return render_template(
        "users/show.html", target=target, placement=placement, confirm=ConfirmForm(),
        token_form=token_form or _fresh_token_form(),
        tokens=auth.tokens_of(target), token_state=auth.token_state,
        token_expiry=auth.token_expiry), status


@bp.get(f"/users/<{ID}:user_id>")
@roles_required("admin")
def show(user_id: int) -> tuple[str, int]:
    return _show(_target(user_id))


@bp.post(f"/users/<{ID}:user_id>/placement")
@roles_required("admin")
def placement(user_id: int) -> Response | tuple[str, int]:
    target = _target(user_id)
    form = PlacementForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            services.change_placement(user(), target, form.role.data or "",
                                      form.unit.data or None)
        except auth.AuthError as exc:
            field, message = _refusal(exc)
            getattr(form, field if field in ("role", "unit") else "role").errors = [message]
        else:
            flash(_("Đã đổi vai trò, đơn vị của %(email)s.", email=target.email), "success")
            return redirect(url_for(".show", user_id=target.id), code=303)
    return _show(target, placement=form, status=422)


@bp.post(f"/users/<{ID}:user_id>/disable")
@roles_required("admin")
def disable(user_id: int) -> Response:
    target = _target(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_active(user(), target, False)
        except auth.AuthError as exc:
            _flash_refusal(exc)
        else:
            flash(_("Đã khoá tài khoản %(email)s: mọi phiên đăng nhập và token API của tài "
                    "khoản này ngừng hoạt động ngay.", email=target.email), "success")
    return redirect(url_for(".show", user_id=target.id), code=303)


@bp.post(f"/users/<{ID}:user_id>/enable")
@roles_required("admin")
def enable(user_id: int) -> Response:
    target = _target(user_id)
    if ConfirmForm().validate_on_submit():
        services.set_active(user(), target, True)
        flash(_("Đã mở lại tài khoản %(email)s.", email=target.email), "success")
    return redirect(url_for(".show", user_id=target.id), code=303)


@bp.post(f"/users/<{ID}:user_id>/reset")
@roles_required("admin")
def reset(user_id: int) -> Response:
    target = _target(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            link = services.request_password_reset(user(), target)
        except auth.AuthError as exc:
            _flash_refusal(exc)
        else:
            _flash_link(target.email, link)
    return redirect(url_for(".show", user_id=target.id), code=303)


@bp.post(f"/users/<{ID}:user_id>/tokens")
@roles_required("admin")
def create_token(user_id: int) -> Response | tuple[str, int]:
    target = _target(user_id)
    form = TokenForm()
    if form.validate_on_submit() and _issue(target, form):
        return redirect(url_for(".show", user_id=target.id), code=303)
    return _show(target, token_form=form, status=422)


@bp.post(f"/users/<{ID}:user_id>/tokens/<{ID}:token_id>/revoke")
@roles_required("admin")
def revoke_token(user_id: int, token_id: int) -> Response:
    target = _target(user_id)
    _revoke(target, token_id)
    return redirect(url_for(".show", user_id=target.id), code=303)


def _issue(owner: User, form: TokenForm) -> bool:
    try:
        new = auth.issue_api_token(owner, form.label.data or "", form.days.data, actor=user())
    except auth.AuthError as exc:
        field, message = _refusal(exc)
        getattr(form, field if field in ("label", "days") else "label").errors = [message]
        return False
    flash(_("Token API mới (chỉ hiện một lần, xin sao chép ngay): %(token)s",
            token=new.token), "success")
    return True


def _revoke(owner: User, token_id: int) -> None:
    if not ConfirmForm().validate_on_submit():
        return
    try:
        row = auth.revoke_api_token(owner, token_id, actor=user())
    except auth.AuthError:
        abort(404)
    flash(_("Đã thu hồi token “%(label)s”.", label=row.label or "—"), "success")


# --- One's own account ----------------------------------------------------------------

def _account(password_form: PasswordChangeForm | None = None,
             token_form: TokenForm | None = None, status: int = 200) -> tuple[str, int]:
    me = user()
    return render_template(
        "users/account.html", me=me,
        password_form=password_form or PasswordChangeForm(formdata=None),
        token_form=token_form or _fresh_token_form(),
        confirm=ConfirmForm(), tokens=auth.tokens_of(me), token_state=auth.token_state,
        token_expiry=auth.token_expiry), status


@bp.get("/account")
@roles_required()
def account() -> tuple[str, int]:
    return _account()


@bp.post("/account/password")
@roles_required()
def change_password() -> Response | tuple[str, int]:
    """Every other session of this account ends; this one is signed in again."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        me = user()
        try:
            auth.change_password(me, form.current.data or "", form.password.data or "")
        except auth.AuthError as exc:
            field, message = _refusal(exc)
            getattr(form, field if field in ("current", "password") else "current").errors = [
                message]
        else:
            login_user(me)
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập trên máy khác đã kết thúc."),
                  "success")
            return redirect(url_for(".account"), code=303)
    return _account(password_form=form, status=422)


@bp.post("/account/tokens")
@roles_required()
def create_own_token() -> Response | tuple[str, int]:
    form = TokenForm()
    if form.validate_on_submit() and _issue(user(), form):
        return redirect(url_for(".account"), code=303)
    return _account(token_form=form, status=422)


@bp.post(f"/account/tokens/<{ID}:token_id>/revoke")
@roles_required()
def revoke_own_token(token_id: int) -> Response:
    _revoke(user(), token_id)
    return redirect(url_for(".account"), code=303)
