"""`/api/v1/petitions…`: the same petitions, actions and figures as the staff pages.

Routes on the `api` blueprint (`feedback.api.views`), authenticated and scoped the same
way: a petition of a unit outside the caller's scope is a 404, like an unknown code.
Actions go through `petitions.services.act`, so the state machine and the role rules are
the staff pages' own. The blueprint is CSRF-exempt for bearer tokens; a POST riding on
the session cookie must carry the page's CSRF token in the `X-CSRFToken` header.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request, session
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import org
from feedback.api.views import bp
from feedback.auth.guards import roles_required, unit_in_scope, user, visible_unit_ids
from feedback.errors import render_error
from feedback.extensions import csrf
from feedback.models import Petition, Unit
from feedback.msgid import N_
from feedback.petitions import clock, services, stats
from feedback.petitions.workflow import RULES, WorkflowError, refusal_status
from feedback.reports.periods import Period, PeriodError, parse_period

__all__ = ["bp"]

#: The body's fields an action may use (workflow.MISSING_FIELD_MESSAGES names them).
ACTION_FIELDS = ("note", "answer", "reason", "category", "assignee", "receiving_body",
                 "public_text")

INVALID = 422  # missing or bad field, unknown action, bad assignee or category

#: Roles that may take some action: any other (a viewer) is refused before the petition
#: is even looked up, as the staff pages' guard does.
ACTING_ROLES = frozenset().union(*(rule.roles for rule in RULES.values()))
#: workflow.check's own refusal for a role, same msgid.
MSG_FORBIDDEN_ROLE = N_("Vai trò của bạn không được thực hiện thao tác này.")


def _unit_arg() -> Unit | Response:
    code = request.args.get("unit", "")
    if not code:
        return render_error(400, _("Thiếu tham số"), _("Cần tham số unit=MÃ_ĐƠN_VỊ."))
    return unit_in_scope(code)


def _period_arg() -> Period | Response:
    try:
        return parse_period(request.args.get("from"), request.args.get("to"),
                            clock.today())
    except PeriodError as exc:
        return render_error(400, _("Tham số không hợp lệ"), str(exc))


@bp.get("/petitions/stats")
@roles_required()
def petition_stats() -> Response:
    """The figures `feedback stats petitions --json` prints, for the same unit and period."""
    unit = _unit_arg()
    if isinstance(unit, Response):
        return unit
    period = _period_arg()
    if isinstance(period, Response):
        return period
    return jsonify(stats.figures_for(unit, period).as_dict())


@bp.get("/petitions")
@roles_required()
def petitions() -> Response:
    """The unit's petitions (and those of the units below it), newest first."""
    unit = _unit_arg()
    if isinstance(unit, Response):
        return unit
    status = request.args.get("status") or None
    try:
        rows = stats.listing(org.descendant_ids(unit.id), status)
    except stats.BadStatus:
        return render_error(400, _("Tham số không hợp lệ"),
                            _("Trạng thái không hợp lệ. Dùng một trong: %(names)s.",
                              names=", ".join(stats.STATUSES)))
    return jsonify(rows)


def _in_scope(code: str) -> Petition:
    try:
        return services.for_staff(code, visible_unit_ids())
    except services.NotFound:
        abort(404)


@bp.get("/petitions/<code>")
@roles_required()
def petition(code: str) -> Response:
    return jsonify(stats.petition_dict(_in_scope(code), detail=True))


def _refusal(status: int, code: str, message: str) -> Response:
    resp = jsonify(error=code, message=message)
    resp.status_code = status
    return resp


def _check_csrf() -> None:
    """A session-authenticated POST needs the CSRF token (header X-CSRFToken); a bearer
    token needs none: a cross-site page cannot attach an Authorization header. Flask-
    Login loads the session's user first, so a session with a user is what was used."""
    if current_app.config.get("WTF_CSRF_ENABLED", True) and "_user_id" in session:
        csrf.protect()  # CSRFError → the app's 400, as JSON on /api/


def _fields(body: dict[str, Any]) -> dict[str, Any] | str:
    """The action's fields as the service takes them, or the name of the first bad one.
    Text fields are strings; category and assignee may be numbers, and the assignee may
    be named by email (resolved by the caller)."""
    fields: dict[str, Any] = {}
    for name in ACTION_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            return name
        if isinstance(value, int) and name not in ("category", "assignee"):
            return name
        fields[name] = str(value) if isinstance(value, int) else value
    return fields


def _assignee_by_email(p: Petition, fields: dict[str, Any]) -> None:
    """`"assignee": "officer@x.vn"` → that user's id when they may handle this petition
    (else left as given, and the service refuses it as a bad assignee)."""
    given = fields.get("assignee")
    if isinstance(given, str) and "@" in given:
        wanted = given.strip().casefold()
        for candidate in services.assignable(p):
            if candidate.email.casefold() == wanted:
                fields["assignee"] = str(candidate.id)
                return


@bp.post("/petitions/<code>/actions")
@roles_required()
def petition_action(code: str) -> Response:
    """One workflow action: `{"action": "answer", "answer": "…"}` → 200 and the petition;
    refused → `{"error": code, "message": …}` with 403, 409 or 422 (nothing changed)."""
    _check_csrf()
    if user().role not in ACTING_ROLES:
        return _refusal(403, "forbidden_role", _(MSG_FORBIDDEN_ROLE))
    p = _in_scope(code)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON decoder recurses: not an action
        body = None
    if not isinstance(body, dict):
        return _refusal(400, "bad_json", _("Nội dung gửi lên phải là một đối tượng JSON."))
    action = body.get("action")
    if not isinstance(action, str) or not action.strip():
        return _refusal(INVALID, "missing_field:action", _("Vui lòng chọn thao tác."))
    fields = _fields(body)
    if isinstance(fields, str):
        return _refusal(INVALID, f"bad_field:{fields}", _(services.MSG_TOO_LONG))
    _assignee_by_email(p, fields)
    try:
        services.act(p, action.strip(), user(), fields)
    except WorkflowError as refused:
        status = refusal_status(refused.code)
        return _refusal(status, refused.code, _(refused.message))
    return jsonify(stats.petition_dict(p, detail=True))
