"""The citizen's survey (from a QR scan) and the officer's paper-form entry.

The public GET is the hottest path of the application: it reads the counter in one query,
builds no form object, and fills a fresh CSRF token and submission id into a blank page
each worker renders once per link (see `_blank_page`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf, validate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import ValidationError

from feedback import links
from feedback.auth.guards import roles_required, user, visible_unit_ids
from feedback.extensions import csrf, limiter
from feedback.models import Counter
from feedback.survey import answers, catalogue, services
from feedback.survey.catalogue import AGE_BANDS, RESPONDENT_TYPES, Questionnaire
from feedback.survey.forms import PaperForm

bp = Blueprint("survey", __name__)

MSG_EXPIRED = ("Trang đã mở quá lâu nên phiên làm việc hết hạn. Câu trả lời của ông/bà "
               "vẫn được giữ nguyên, xin bấm «Gửi đánh giá» một lần nữa.")
MSG_ALREADY = "Hồ sơ này đã được đánh giá tại quầy này. Cảm ơn ông/bà đã góp ý."
MSG_PROCEDURE = "Thủ tục không có trong danh sách, xin chọn lại."
NO_CHOICE = "— Không chọn —"


def _token_key() -> str:
    return "counter:" + str((request.view_args or {}).get("token", ""))


def _open(token: str) -> services.Entry:
    try:
        return services.open_link(token)
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
                             procedures=services.procedure_choices(unit_id),
                             AGE_BANDS=AGE_BANDS, RESPONDENT_TYPES=RESPONDENT_TYPES,
                             open_extra=open_extra)
    return {"q": q, "errors": errors, "questions": Markup(questions),  # noqa: S704
            "extras": Markup(extras)}  # noqa: S704


def _procedure_id(raw: str, unit_id: int, errors: dict[str, str]) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10) or not (
        services.procedure_in_unit(int(raw), unit_id)
    ):
        errors["procedure"] = MSG_PROCEDURE
        return None
    return int(raw)


def _csrf_ok(token: str) -> bool:
    """Flask-WTF's check, without building a form object on the hot path."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def _render_form(entry: services.Entry, submission_id: str, values: Mapping[str, str],
                 errors: dict[str, str], status: int = 200, *, csrf: str | None = None
                 ) -> tuple[str, int]:
    html = render_template(
        "survey/form.html", entry=entry, submission_id=submission_id,
        csrf=csrf if csrf is not None else generate_csrf(),
        **_fields_context(entry.questionnaire, entry.counter.unit_id, values, errors),
    )
    return html, status


_CSRF_MARK = "__csrf_token__"
_SUBMISSION_MARK = "__submission_id__"


def _blank_page(token: str, entry: services.Entry) -> str:
    """The blank survey differs between two visitors only in its CSRF token and submission
    id, so each worker renders it once per link and fills those two in. Counter, unit and
    procedure names may lag by PAGE_CACHE_SECONDS; validity is checked on every request,
    since the link was read from the database before this is called."""
    ttl = current_app.config["PAGE_CACHE_SECONDS"]
    cache: dict[str, tuple[float, str]] = current_app.extensions.setdefault(
        "feedback.blank_pages", {})
    now = monotonic()
    hit = cache.get(token)
    if hit is None or hit[0] <= now:
        html, _ = _render_form(entry, _SUBMISSION_MARK, {}, {}, csrf=_CSRF_MARK)
        hit = (now + ttl, html)
        if ttl > 0:
            cache[token] = hit
    # Replaced with their attribute around them: a counter named like a marker is escaped
    # text, never a `value="..."` attribute.
    return (hit[1]
            .replace(f'name="csrf_token" value="{_CSRF_MARK}"',
                     f'name="csrf_token" value="{generate_csrf()}"', 1)
            .replace(f'name="submission_id" value="{_SUBMISSION_MARK}"',
                     f'name="submission_id" value="{links.new_submission_id()}"', 1))


@bp.get("/q/<token>")
def survey(token: str) -> str:
    return _blank_page(token, _open(token))


@bp.post("/q/<token>")
@csrf.exempt  # checked by the form itself, so an expired token re-renders with answers kept
@limiter.limit(lambda: current_app.config["RATELIMIT_SUBMIT_PER_CLIENT"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SUBMIT_PER_COUNTER"],
               key_func=_token_key, scope="survey-counter")
def submit(token: str) -> tuple[str, int] | Response:
    entry = _open(token)
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
    if not _csrf_ok(values.get("csrf_token", "")):
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
    entry = _open(token)
    return render_template("survey/thanks.html", entry=entry)


@bp.get("/favicon.ico")
def favicon() -> Response:
    return current_app.send_static_file("favicon.svg")


# --- Staff: paper forms ------------------------------------------------------------------

def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


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
    if request.method == "GET":
        form.submission_id.data = links.new_submission_id()
        form.answered_on.data = form.answered_on.data or _today()
        return _render_paper(form, q, counter, {}, {})

    errors: dict[str, str] = {}
    if not form.validate() or counter is None:
        errors["_form"] = "Xin chọn quầy và kiểm tra lại ngày ghi trên phiếu."
    values = request.form.to_dict()
    parsed = answers.parse(values, q, comment_limit=current_app.config["COMMENT_MAX_CHARS"])
    errors.update(parsed.errors)
    procedure_id = (_procedure_id(values.get("procedure", ""), counter.unit_id, errors)
                    if counter else None)
    answered_on = form.answered_on.data or _today()
    oldest = _today() - timedelta(days=current_app.config["PAPER_MAX_AGE_DAYS"])
    if answered_on > _today():
        errors["answered_on"] = "Ngày ghi trên phiếu không được sau hôm nay."
    elif answered_on < oldest:
        errors["answered_on"] = (f"Chỉ nhập phiếu ghi từ ngày {oldest:%d/%m/%Y} trở lại đây: "
                                 "số liệu các tháng trước đã báo cáo.")
    if not links.is_submission_id(form.submission_id.data or ""):
        form.submission_id.data = links.new_submission_id()
    if errors or counter is None:
        return _render_paper(form, q, counter, values, errors, 422)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    try:
        stored = services.record(services.NewResponse(
            submission_id=form.submission_id.data or "", counter_id=counter.id,
            unit_id=counter.unit_id, questionnaire=q, answers=parsed.answers,
            channel="paper", procedure_id=procedure_id, dossier=parsed.dossier,
            age_band=parsed.age_band, respondent_type=parsed.respondent_type,
            comment=parsed.comment, entered_by_id=user().id,
            answered_at=datetime.combine(answered_on, time(12, 0), tzinfo=tz).astimezone(UTC),
        ))
    except services.AlreadyRated:
        errors["dossier"] = "Hồ sơ này đã có phiếu đánh giá tại quầy này."
        return _render_paper(form, q, counter, values, errors, 409)
    flash("Đã lưu phiếu giấy." if stored else "Phiếu này đã được lưu trước đó.", "success")
    return redirect(url_for(".paper", counter=counter.id, questionnaire=q.code), code=303)
