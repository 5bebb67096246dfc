"""The citizen's survey (from a QR scan) and the officer's paper-form entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from feedback import links
from feedback.auth.guards import roles_required, user
from feedback.auth.services import visible_unit_ids
from feedback.extensions import csrf, limiter
from feedback.models import Counter
from feedback.survey import answers, catalogue, services
from feedback.survey.catalogue import AGE_BANDS, RESPONDENT_TYPES, Questionnaire
from feedback.survey.forms import PaperForm, SurveyForm

bp = Blueprint("survey", __name__)

MSG_EXPIRED = ("Trang đã mở quá lâu nên phiên làm việc hết hạn. Câu trả lời của ông/bà "
               "vẫn được giữ nguyên, xin bấm «Gửi đánh giá» một lần nữa.")
MSG_ALREADY = "Hồ sơ này đã được đánh giá tại quầy này. Cảm ơn ông/bà đã góp ý."
MSG_PROCEDURE = "Thủ tục không có trong danh sách, xin chọn lại."


def _token_key() -> str:
    return "counter:" + str((request.view_args or {}).get("token", ""))


def _open(token: str) -> services.Entry:
    try:
        return services.open_link(token)
    except services.RevokedLink:
        abort(410)
    except services.InvalidLink:
        abort(404)


def _procedure_choices(unit_id: int) -> list[tuple[str, str]]:
    return [("", "— Không chọn —")] + [
        (str(p.id), p.name) for p in services.procedures_for(unit_id)
    ]


def _procedure_id(form: SurveyForm, errors: dict[str, str]) -> int | None:
    raw = form.procedure.data or ""
    if not raw:
        return None
    valid = {value for value, _ in form.procedure.choices if value}  # type: ignore[union-attr]
    if raw not in valid:
        errors["procedure"] = MSG_PROCEDURE
        return None
    return int(raw)


def _render_form(entry: services.Entry, form: SurveyForm, errors: dict[str, str],
                 status: int = 200) -> tuple[str, int]:
    html = render_template(
        "survey/form.html", entry=entry, q=entry.questionnaire, form=form,
        values=request.form, errors=errors, AGE_BANDS=AGE_BANDS,
        RESPONDENT_TYPES=RESPONDENT_TYPES, prefix=answers.FIELD_PREFIX,
    )
    return html, status


@bp.route("/q/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by the form itself, so an expired token re-renders with answers kept
@limiter.limit(lambda: current_app.config["RATELIMIT_SUBMIT_PER_CLIENT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SUBMIT_PER_COUNTER"], methods=["POST"],
               key_func=_token_key, scope="survey-counter")
def survey(token: str) -> tuple[str, int] | Response:
    entry = _open(token)
    form = SurveyForm()
    form.procedure.choices = _procedure_choices(entry.counter.unit_id)
    if request.method == "GET":
        form.submission_id.data = links.new_submission_id()
        return _render_form(entry, form, {})

    if form.website.data:  # a bot filled the honeypot: look successful, store nothing
        return redirect(url_for(".thanks", token=token), code=303)
    form.validate()
    errors: dict[str, str] = {}
    parsed = answers.parse(request.form, entry.questionnaire,
                           comment_limit=current_app.config["COMMENT_MAX_CHARS"])
    errors.update(parsed.errors)
    procedure_id = _procedure_id(form, errors)
    if not links.is_submission_id(form.submission_id.data or ""):
        form.submission_id.data = links.new_submission_id()
    status = 422
    if "csrf_token" in form.errors:
        errors["_form"] = MSG_EXPIRED
        status = 400
    if errors:
        return _render_form(entry, form, errors, status)
    try:
        services.record(services.NewResponse(
            submission_id=form.submission_id.data or "",
            counter=entry.counter, questionnaire=entry.questionnaire,
            answers=parsed.answers, procedure_id=procedure_id, dossier=parsed.dossier,
            age_band=parsed.age_band, respondent_type=parsed.respondent_type,
            comment=parsed.comment,
        ))
    except services.AlreadyRated:
        errors["dossier"] = MSG_ALREADY
        return _render_form(entry, form, errors, 409)
    return redirect(url_for(".thanks", token=token), code=303)


@bp.get("/q/<token>/cam-on")
def thanks(token: str) -> str:
    entry = _open(token)
    return render_template("survey/thanks.html", entry=entry)


@bp.get("/favicon.ico")
def favicon() -> Response:
    return current_app.send_static_file("favicon.svg")


# --- Staff: paper forms ------------------------------------------------------------------

def _paper_context(form: PaperForm) -> tuple[list[Counter], Questionnaire]:
    counters = services.counters_for(visible_unit_ids(user()))
    form.counter.choices = [
        (str(c.id), f"{c.unit.name} — {c.name}") for c in counters
    ]
    form.questionnaire.choices = [(code, title) for code, title in catalogue.codes()
                                  if code != "sat3"]
    code = (request.values.get("questionnaire") or "full")
    try:
        q = catalogue.current(code)
    except KeyError:
        q = catalogue.current("full")
    return counters, q


@bp.route("/staff/paper", methods=["GET", "POST"])
@roles_required("admin", "leader", "officer")
def paper() -> tuple[str, int] | Response:
    """Officers type in paper forms; the response is marked `paper` with who entered it."""
    form = PaperForm()
    counters, q = _paper_context(form)
    by_id = {str(c.id): c for c in counters}
    counter = by_id.get(request.values.get("counter", ""))
    errors: dict[str, str] = {}
    if counter is not None:
        form.procedure.choices = _procedure_choices(counter.unit_id)
    if request.method == "GET":
        form.submission_id.data = links.new_submission_id()
        if not form.answered_on.data:
            form.answered_on.data = _today()
        return _render_paper(form, q, counter, errors)

    if not form.validate() or counter is None:
        errors["_form"] = "Xin chọn quầy và kiểm tra lại ngày ghi trên phiếu."
    parsed = answers.parse(request.form, q, comment_limit=current_app.config["COMMENT_MAX_CHARS"])
    errors.update(parsed.errors)
    procedure_id = _procedure_id(form, errors) if counter else None
    answered_on = form.answered_on.data or _today()
    if answered_on > _today():
        errors["answered_on"] = "Ngày ghi trên phiếu không được sau hôm nay."
    if not links.is_submission_id(form.submission_id.data or ""):
        form.submission_id.data = links.new_submission_id()
    if errors or counter is None:
        return _render_paper(form, q, counter, errors, 422)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    answered_at = datetime.combine(answered_on, time(12, 0), tzinfo=tz).astimezone(UTC)
    try:
        stored = services.record(services.NewResponse(
            submission_id=form.submission_id.data or "", counter=counter, questionnaire=q,
            answers=parsed.answers, channel="paper", procedure_id=procedure_id,
            dossier=parsed.dossier, age_band=parsed.age_band,
            respondent_type=parsed.respondent_type, comment=parsed.comment,
            answered_at=answered_at, entered_by_id=user().id,
        ))
    except services.AlreadyRated:
        errors["dossier"] = "Hồ sơ này đã có phiếu đánh giá tại quầy này."
        return _render_paper(form, q, counter, errors, 409)
    flash("Đã lưu phiếu giấy." if stored else "Phiếu này đã được lưu trước đó.", "success")
    return redirect(url_for(".paper", counter=counter.id, questionnaire=q.code), code=303)


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _render_paper(form: PaperForm, q: Questionnaire, counter: Counter | None,
                  errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    return render_template(
        "survey/paper.html", form=form, q=q, counter=counter, values=request.form,
        errors=errors, AGE_BANDS=AGE_BANDS, RESPONDENT_TYPES=RESPONDENT_TYPES,
        prefix=answers.FIELD_PREFIX,
    ), status
