"""The citizen's survey (from a QR scan) and the officer's paper-form entry.

The public GET is the hottest path of the application: it reads the counter in one query,
builds no form object, and fills a fresh CSRF token and submission id into a blank page
each worker renders once per link (see `_blank_page`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response

from feedback import blank_pages, links, org
from feedback.admin import procedures
from feedback.auth.guards import roles_required, user, visible_unit_ids
from feedback.extensions import csrf, limiter
from feedback.models import Counter
from feedback.msgid import N_
from feedback.qr import services as qr
from feedback.survey import answers, catalogue, services
from feedback.survey.catalogue import AGE_BANDS, RESPONDENT_TYPES, Questionnaire
from feedback.survey.forms import PaperForm

bp = Blueprint("survey", __name__)

MSG_EXPIRED = N_("Trang đã mở quá lâu nên phiên làm việc hết hạn. Câu trả lời của ông/bà "
               "vẫn được giữ nguyên, xin bấm «Gửi đánh giá» một lần nữa.")
MSG_ALREADY = N_("Hồ sơ này đã được đánh giá tại quầy này. Cảm ơn ông/bà đã góp ý.")
MSG_PROCEDURE = N_("Thủ tục không có trong danh sách, xin chọn lại.")


def _token_key() -> str:
    return "counter:" + str((request.view_args or {}).get("token", ""))


def _open(token: str, *, submitting: bool = False) -> services.Entry:
    try:
        return services.open_link(token, submitting=submitting)
    except services.RevokedLink:
        abort(410)
    except services.InvalidLink:
        abort(404)


def _fields_context(q: Questionnaire, unit_id: int, values: Mapping[str, str],
                    errors: Mapping[str, str], *, open_extra: bool = False) -> dict[str, Any]:
    """Questions and optional fields, rendered as two partials shared with the paper form.
    (Markup is safe here: it wraps the output of autoescaped templates.)"""
    questions = render_template("_partials/questions.html", q=q, values=values, errors=errors,
                                prefix=answers.FIELD_PREFIX)
    extras = render_template("_partials/extras.html", q=q, values=values, errors=errors,
                             procedures=procedures.choices(unit_id),
                             AGE_BANDS=AGE_BANDS, RESPONDENT_TYPES=RESPONDENT_TYPES,
                             open_extra=open_extra)
    return {"q": q, "errors": errors, "questions": Markup(questions),  # noqa: S704
            "extras": Markup(extras)}  # noqa: S704


def _procedure_id(raw: str, unit_id: int, errors: dict[str, str]) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10) or not (
        procedures.in_unit(int(raw), unit_id)
    ):
        errors["procedure"] = MSG_PROCEDURE
        return None
    return int(raw)


def _render_form(entry: services.Entry, submission_id: str, values: Mapping[str, str],
                 errors: dict[str, str], status: int = 200, *, csrf: str | None = None
                 ) -> tuple[str, int]:
    html = render_template(
        "survey/form.html", entry=entry, submission_id=submission_id,
        csrf=csrf if csrf is not None else generate_csrf(),
        **_fields_context(entry.questionnaire, entry.counter.unit_id, values, errors),
    )
    return html, status


def _blank_page(token: str, entry: services.Entry) -> str:
    """The blank survey, rendered once per worker and link (see `feedback.blank_pages`)."""
    return blank_pages.render(token, lambda csrf, submission_id: _render_form(
        entry, submission_id, {}, {}, csrf=csrf)[0])


@bp.get("/q/<token>")
def survey(token: str) -> str:
    return _blank_page(token, _open(token))


@bp.post("/q/<token>")
@csrf.exempt  # checked by the form itself, so an expired token re-renders with answers kept
@limiter.limit(lambda: current_app.config["RATELIMIT_SUBMIT_PER_CLIENT"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SUBMIT_PER_COUNTER"],
               key_func=_token_key, scope="survey-counter")
def submit(token: str) -> tuple[str, int] | Response:
    entry = _open(token, submitting=True)  # a form opened before a revocation still counts
    values = request.form.to_dict()
    if values.get("website"):  # a bot filled the honeypot: look successful, store nothing
        return redirect(url_for(".thanks", token=token), code=303)
    parsed = answers.parse(values, entry.questionnaire,
                           comment_limit=current_app.config["COMMENT_MAX_CHARS"])
    errors = dict(parsed.errors)
    procedure_id = _procedure_id(values.get("procedure", ""), entry.counter.unit_id, errors)
    submission_id = values.get("submission_id", "")
    if not links.is_submission_id(submission_id):
        submission_id = links.new_submission_id()
    status = 422
    if not blank_pages.csrf_ok(values.get("csrf_token", "")):
        errors["_form"] = MSG_EXPIRED
        status = 400
    if errors:
        return _render_form(entry, submission_id, values, errors, status)
    try:
        services.record(services.NewResponse(
            submission_id=submission_id, counter_id=entry.counter.id,
            unit_id=entry.counter.unit_id, questionnaire=entry.questionnaire,
            answers=parsed.answers, procedure_id=procedure_id, dossier=parsed.dossier,
            age_band=parsed.age_band, respondent_type=parsed.respondent_type,
            comment=parsed.comment,
        ))
    except services.AlreadyRated:
        errors["dossier"] = MSG_ALREADY
        return _render_form(entry, submission_id, values, errors, 409)
    return redirect(url_for(".thanks", token=token), code=303)


@bp.get("/q/<token>/cam-on")
def thanks(token: str) -> str:
    entry = _open(token, submitting=True)  # follows a POST the grace let through
    return render_template("survey/thanks.html", entry=entry)


# --- Public landing page: typed counter codes and the units' survey links ----------------

#: Above this many counters the landing page lists units, each a link to its counters,
#: so a province-wide installation still fits the public page budget.
LANDING_MAX_LINKS = 60


def _landing(unit_code: str | None = None, *, code: str = "", error: str | None = None,
             status: int = 200) -> tuple[str, int]:
    unit = None
    if unit_code:
        unit = org.find_unit(unit_code)
        if unit is None or not unit.active:
            abort(404)
    groups = qr.public_links(org.descendant_ids(unit.id) if unit else None)
    units_only = unit is None and sum(len(g.counters) for g in groups) > LANDING_MAX_LINKS
    return render_template("survey/landing.html", unit=unit, groups=groups,
                           units_only=units_only, code=code[:20], error=error), status


@bp.get("/")
def landing() -> tuple[str, int]:
    """Where a citizen lands without a poster: type the counter code, or pick a counter."""
    return _landing(request.args.get("unit"))


def _to_counter(typed: str, endpoint: str = ".survey") -> tuple[str, int] | Response:
    """A typed counter code → 303 to its current survey link (or, with `endpoint`, the
    counter's petition form); a wrong code → 404 page."""
    if not typed.strip():
        return _landing(error=_("Xin nhập mã quầy in dưới mã QR tại quầy."), status=404)
    counter = qr.counter_for_short_code(typed[:40])
    if counter is None:
        return _landing(code=typed, status=404, error=_(
            "Mã quầy %(code)s không đúng hoặc không còn dùng. Xin xem lại mã in dưới mã QR "
            "tại quầy (7 chữ và số), hoặc hỏi cán bộ một cửa.", code=typed[:20]))
    return redirect(url_for(endpoint, token=qr.counter_token(counter)), code=303)


@bp.get("/m")
def short_code_form() -> tuple[str, int] | Response:
    return _to_counter(request.args.get("code", ""))


@bp.get("/m/<code>")
def short_code(code: str) -> tuple[str, int] | Response:
    return _to_counter(code)


@bp.get("/m/<code>/pakn")
def short_code_petition(code: str) -> tuple[str, int] | Response:
    """The poster's typed address of the counter's petition form (filed against it)."""
    return _to_counter(code, "pakn.counter_form")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return current_app.send_static_file("favicon.svg")


# --- Staff: paper forms ------------------------------------------------------------------

def _paper_setup(form: PaperForm) -> tuple[Counter | None, Questionnaire]:
    counters = services.counters_for(visible_unit_ids())
    form.counter.choices = [(str(c.id), f"{c.unit.name} — {c.name}") for c in counters]
    form.questionnaire.choices = [(code, title) for code, title in catalogue.codes()
                                  if code != "sat3"]  # one tap is for tablets, not paper
    code = request.values.get("questionnaire") or "full"
    q = catalogue.current(code if code in dict(form.questionnaire.choices) else "full")
    chosen = request.values.get("counter", "")
    counter = next((c for c in counters if str(c.id) == chosen), None)
    return counter, q


def _render_paper(form: PaperForm, q: Questionnaire, counter: Counter | None,
                  values: Mapping[str, str], errors: dict[str, str],
                  status: int = 200) -> tuple[str, int]:
    context = (_fields_context(q, counter.unit_id, values, errors, open_extra=True) if counter
               else {"q": q, "errors": errors})
    return render_template("survey/paper.html", form=form, counter=counter, **context), status


@bp.route("/staff/paper", methods=["GET", "POST"])
@roles_required("admin", "leader", "officer")
def paper() -> tuple[str, int] | Response:
    """Officers type in paper forms; the response is marked `paper` with who entered it."""
    form = PaperForm()
    counter, q = _paper_setup(form)
    if request.method != "POST":  # GET, and HEAD (which Flask answers like a GET)
        form.submission_id.data = links.new_submission_id()
        form.answered_on.data = form.answered_on.data or services.local_today()
        return _render_paper(form, q, counter, {}, {})

    errors: dict[str, str] = {}
    if not form.validate() or counter is None:
        errors["_form"] = N_("Xin chọn quầy và kiểm tra lại ngày ghi trên phiếu.")
    values = request.form.to_dict()
    parsed = answers.parse(values, q, comment_limit=current_app.config["COMMENT_MAX_CHARS"])
    errors.update(parsed.errors)
    procedure_id = (_procedure_id(values.get("procedure", ""), counter.unit_id, errors)
                    if counter else None)
    answered_at = None
    try:
        answered_at = services.paper_answered_at(form.answered_on.data
                                                 or services.local_today())
    except services.PaperDateError as exc:
        errors["answered_on"] = (
            N_("Ngày ghi trên phiếu không được sau hôm nay.") if exc.oldest is None
            else _("Chỉ nhập phiếu ghi từ ngày %(day)s trở lại đây: số liệu các tháng trước "
                   "đã báo cáo.", day=f"{exc.oldest:%d/%m/%Y}"))
    if not links.is_submission_id(form.submission_id.data or ""):
        form.submission_id.data = links.new_submission_id()
    if errors or counter is None or answered_at is None:
        return _render_paper(form, q, counter, values, errors, 422)
    try:
        stored = services.record(services.NewResponse(
            submission_id=form.submission_id.data or "", counter_id=counter.id,
            unit_id=counter.unit_id, questionnaire=q, answers=parsed.answers,
            channel="paper", procedure_id=procedure_id, dossier=parsed.dossier,
            age_band=parsed.age_band, respondent_type=parsed.respondent_type,
            comment=parsed.comment, entered_by_id=user().id,
            answered_at=answered_at,
        ))
    except services.AlreadyRated:
        errors["dossier"] = N_("Hồ sơ này đã có phiếu đánh giá tại quầy này.")
        return _render_paper(form, q, counter, values, errors, 409)
    flash(_("Đã lưu phiếu giấy.") if stored else _("Phiếu này đã được lưu trước đó."), "success")
    return redirect(url_for(".paper", counter=counter.id, questionnaire=q.code), code=303)
