"""The citizen's side of petitions: file one, track it, read published answers.

Phone first and without JavaScript, like the survey: the forms are plain HTML, a CSRF
token that expired re-renders the form with what was typed, the submission id makes a
double tap one petition, a honeypot field turns bots away quietly, and every POST is
rate-limited. The POSTs check CSRF themselves (as the survey does) so the typed text is
never lost; they are exempt from the global check only for that reason.

The petition form is the one public POST that carries files, so it alone raises the
request size limit (3 attachments and the text) before the body is read.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from feedback import blank_pages, counter_links, links
from feedback.admin import procedures
from feedback.errors import render_error
from feedback.extensions import csrf, limiter
from feedback.msgid import N_
from feedback.petitions import attachments, intake, public, rules

bp = Blueprint("pakn", __name__)

#: The session key holding the code of the petition this browser filed last (done page).
DONE_KEY = "pakn_done"
UPLOAD_FIELD = "attachments"

MSG_EXPIRED = N_("Trang đã mở quá lâu nên phiên làm việc hết hạn. Nội dung ông/bà đã nhập "
                 "vẫn được giữ nguyên, xin bấm «Gửi phản ánh, kiến nghị» một lần nữa.")
MSG_PROCEDURE = N_("Thủ tục không có trong danh sách, xin chọn lại.")
MSG_FILES_AGAIN = N_("Trình duyệt không giữ được tệp đã chọn: xin chọn lại tệp đính kèm.")
MSG_TRACK_EXPIRED = N_("Trang đã mở quá lâu nên phiên làm việc hết hạn. Xin bấm «Tra cứu» "
                       "một lần nữa.")
MSG_CODE_REQUIRED = N_("Xin nhập mã tra cứu.")
MSG_CODE_TYPO = N_("Mã tra cứu chưa đúng: xin xem lại từng ký tự (mã gồm 7 chữ và số, "
                   "không có chữ O, I, L và số 0, 1).")
MSG_SECRET_REQUIRED = N_("Xin nhập 4 số cuối điện thoại hoặc địa chỉ thư điện tử đã khai.")
MSG_NOT_FOUND = N_("Không tìm thấy phản ánh, kiến nghị với mã tra cứu và số điện thoại "
                   "(hoặc thư điện tử) này. Xin kiểm tra lại.")
MSG_PROOF_EXPIRED = N_("Phiên tra cứu đã hết hạn. Xin nhập lại mã tra cứu để đánh giá.")
MSG_RATING_REQUIRED = N_("Xin chọn một mức đánh giá.")


def _upload_limit() -> int:
    """Three attachments and the text (the global limit is far lower)."""
    return (rules.MAX_ATTACHMENTS * current_app.config["ATTACHMENT_MAX_BYTES"]
            + 256 * 1024)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: HTTPException) -> Response:
    limit = attachments.megabytes(current_app.config["ATTACHMENT_MAX_BYTES"])
    return render_error(413, _("Tệp gửi kèm quá lớn"), _(
        "Tổng dung lượng gửi lên vượt quá giới hạn. Mỗi tệp đính kèm tối đa %(mb)s MB, "
        "tối đa %(n)s tệp. Xin quay lại, chụp ảnh nhỏ hơn hoặc bớt tệp rồi gửi lại.",
        mb=limit, n=rules.MAX_ATTACHMENTS))


@bp.errorhandler(429)
def too_many(_exc: HTTPException) -> Response:
    if request.path.startswith("/tra-cuu"):
        return render_error(429, _("Tra cứu quá nhiều lần"), _(
            "Ông/bà đã tra cứu quá nhiều lần trong thời gian ngắn. Xin chờ vài phút rồi "
            "thử lại."))
    return render_error(429, _("Gửi quá nhiều lần"), _(
        "Ông/bà đã gửi quá nhiều phản ánh, kiến nghị trong thời gian ngắn. Xin chờ vài "
        "phút rồi thử lại."))


# --- The petition form ---------------------------------------------------------------------

def _counter(token: str, *, submitting: bool = False) -> public.Place:
    try:
        return public.counter_place(token, submitting=submitting)
    except counter_links.RevokedLink:
        abort(410)
    except counter_links.InvalidLink:
        abort(404)


def _unit(code: str) -> public.Place:
    place = public.unit_place(code)
    if place is None:
        abort(404)
    return place


def _render_form(place: public.Place, action: str, *, values: Mapping[str, str] | None = None,
                 errors: Mapping[str, str] | None = None, submission_id: str | None = None,
                 status: int = 200, csrf: str | None = None) -> tuple[str, int]:
    cfg = current_app.config
    return render_template(
        "petitions/public_form.html", place=place, action=action, values=values or {},
        errors=errors or {}, submission_id=submission_id or links.new_submission_id(),
        csrf=csrf or generate_csrf(), categories=rules.CATEGORIES,
        procedures=procedures.choices(place.unit_id),
        max_files=rules.MAX_ATTACHMENTS, max_chars=cfg["PETITION_MAX_CHARS"],
        max_mb=attachments.megabytes(cfg["ATTACHMENT_MAX_BYTES"]),
        name_max=intake.NAME_MAX, address_max=intake.ADDRESS_MAX,
        dossier_max=intake.DOSSIER_MAX,
    ), status


def _procedure_id(raw: str, unit_id: int, errors: dict[str, str]) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10) or not (
            procedures.in_unit(int(raw), unit_id)):
        errors["procedure"] = _(MSG_PROCEDURE)
        return None
    return int(raw)


def _incoming() -> list[attachments.Incoming]:
    """The files sent, blank file inputs left out (a browser sends those as an empty part
    without a name)."""
    return [attachments.Incoming(f.filename or "", f.stream)
            for f in request.files.getlist(UPLOAD_FIELD) if f.filename]


def _submit(place: public.Place, action: str) -> tuple[str, int] | Response:
    values = request.form.to_dict()  # the raised size limit applies from here on
    if values.get("website"):  # a bot filled the honeypot: look successful, store nothing
        session.pop(DONE_KEY, None)
        return redirect(url_for(".done"), code=303)
    submission_id = values.get("submission_id", "")
    if not links.is_submission_id(submission_id):
        submission_id = links.new_submission_id()
    cfg = current_app.config
    sent = intake.parse(values, content_limit=cfg["PETITION_MAX_CHARS"])
    errors = {name: intake.message(sent, name, _) for name in sent.errors}
    procedure_id = _procedure_id(values.get("procedure", ""), place.unit_id, errors)
    incoming = _incoming()
    checked: list[attachments.Checked] = []
    try:
        checked = attachments.check_all(incoming, cfg["ATTACHMENT_MAX_BYTES"])
    except attachments.Refused as refused:
        errors[UPLOAD_FIELD] = refused.text(_)
    status = 422
    if not blank_pages.csrf_ok(values.get("csrf_token", "")):
        errors["_form"] = _(MSG_EXPIRED)
        status = 400
    if errors:
        if incoming and UPLOAD_FIELD not in errors:
            errors[UPLOAD_FIELD] = _(MSG_FILES_AGAIN)
        return _render_form(place, action, values=values, errors=errors,
                            submission_id=submission_id, status=status)
    petition, _created = public.file_from_form(
        place, sent, submission_id=submission_id, procedure_id=procedure_id, files=checked)
    session[DONE_KEY] = petition.code
    return redirect(url_for(".done"), code=303)


def _blank_form(place: public.Place, action: str) -> tuple[str, int]:
    """The blank form from the worker's cache (`feedback.blank_pages`), like the survey:
    validity of the link or unit was checked just before."""
    return blank_pages.render(("pakn", action), lambda csrf, submission_id: _render_form(
        place, action, submission_id=submission_id, csrf=csrf)[0]), 200


@bp.get("/q/<token>/pakn")
def counter_form(token: str) -> tuple[str, int]:
    """From a counter's poster or the survey's thank-you page: filed against its unit."""
    return _blank_form(_counter(token), url_for(".counter_submit", token=token))


@bp.post("/q/<token>/pakn")
@csrf.exempt  # checked by the view, so an expired token re-renders with the text kept
@limiter.shared_limit(lambda: current_app.config["RATELIMIT_PETITION_PER_CLIENT"],
                      scope="pakn-submit")
def counter_submit(token: str) -> tuple[str, int] | Response:
    request.max_content_length = _upload_limit()
    place = _counter(token, submitting=True)  # a form opened before a revocation still counts
    return _submit(place, url_for(".counter_submit", token=token))


@bp.get("/u/<code>/pakn")
def unit_form(code: str) -> tuple[str, int]:
    """The unit's own public form (its website, a letterhead, the landing page)."""
    place = _unit(code)
    return _blank_form(place, url_for(".unit_submit", code=place.unit_code))


@bp.post("/u/<code>/pakn")
@csrf.exempt  # checked by the view, so an expired token re-renders with the text kept
@limiter.shared_limit(lambda: current_app.config["RATELIMIT_PETITION_PER_CLIENT"],
                      scope="pakn-submit")
def unit_submit(code: str) -> tuple[str, int] | Response:
    request.max_content_length = _upload_limit()
    place = _unit(code)
    return _submit(place, url_for(".unit_submit", code=place.unit_code))


@bp.get("/pakn/xong")
def done() -> str:
    """After filing: the tracking code and the expected reply date, for this browser's
    last petition only (kept in its session), so nobody can read another one here."""
    code = session.get(DONE_KEY)
    receipt = public.receipt(code) if isinstance(code, str) else None
    return render_template("petitions/public_done.html", receipt=receipt)


# --- Tracking and the rating ---------------------------------------------------------------

def _code_key() -> str:
    """The per-code limit's key: the code as it would be looked up, so dashes and case do
    not buy more attempts; what cannot be a code is keyed by what was typed."""
    typed = request.form.get("code", "")[:40]
    canonical = links.normalise_short_code(typed)
    return "code:" + (canonical or "".join(typed.split()).upper()[:30])


def _render_track(*, code: str = "", error: str | None = None, status: int = 200,
                  result: public.Tracked | None = None, proof: str = "",
                  notice: str | None = None) -> tuple[str, int]:
    return render_template("petitions/public_track.html", code=code, error=error,
                           result=result, proof=proof, notice=notice, csrf=generate_csrf(),
                           ratings=public.RATINGS), status


@bp.get("/tra-cuu")
def track_form() -> tuple[str, int]:
    return _render_track()


@bp.post("/tra-cuu")
@csrf.exempt  # checked by the view, so an expired token keeps the typed code
@limiter.shared_limit(lambda: current_app.config["RATELIMIT_TRACKING_PER_CLIENT"],
                      scope="pakn-track")
@limiter.limit(lambda: current_app.config["RATELIMIT_TRACKING_PER_CODE"],
               key_func=_code_key, scope="pakn-track-code")
def track() -> tuple[str, int]:
    """A POST, so tracking codes never land in an address bar, a history or a log."""
    code = " ".join(request.form.get("code", "").split())[:20]
    secret = request.form.get("secret", "")[:254]
    if not blank_pages.csrf_ok(request.form.get("csrf_token", "")):
        return _render_track(code=code, error=_(MSG_TRACK_EXPIRED), status=400)
    if not code:
        return _render_track(code=code, error=_(MSG_CODE_REQUIRED), status=422)
    if links.normalise_short_code(code) is None:
        return _render_track(code=code, error=_(MSG_CODE_TYPO), status=422)
    if not secret.strip():
        return _render_track(code=code, error=_(MSG_SECRET_REQUIRED), status=422)
    petition = public.find(code, secret)
    if petition is None:  # an unknown code and a wrong pair: the same answer
        return _render_track(code=code, error=_(MSG_NOT_FOUND), status=404)
    return _render_track(result=public.tracked(petition), proof=public.proof_for(petition))


@bp.post("/tra-cuu/danh-gia")
@csrf.exempt  # checked by the view, so an expired token keeps the page
@limiter.shared_limit(lambda: current_app.config["RATELIMIT_TRACKING_PER_CLIENT"],
                      scope="pakn-track")
def rate() -> tuple[str, int]:
    """The sender's one rating. The page carries a short-lived proof of the lookup (never
    the code alone), so only someone who gave the right pair can rate."""
    proof = request.form.get("proof", "")
    petition = public.proven(proof)
    if petition is None:
        return _render_track(error=_(MSG_PROOF_EXPIRED), status=400)
    raw = request.form.get("rating", "")
    if not blank_pages.csrf_ok(request.form.get("csrf_token", "")):
        return _render_track(result=public.tracked(petition), proof=proof,
                             error=_(MSG_TRACK_EXPIRED), status=400)
    if not (raw.isascii() and raw.isdigit() and len(raw) == 1 and int(raw) in public.RATINGS):
        return _render_track(result=public.tracked(petition), proof=proof,
                             error=_(MSG_RATING_REQUIRED), status=422)
    outcome = public.rate(petition, int(raw))
    messages: dict[str, tuple[str, int]] = {
        public.RATED: (public.MSG_RATED, 200),
        public.ALREADY_RATED: (public.MSG_ALREADY_RATED, 409),
        public.NOT_ANSWERED: (public.MSG_NOT_ANSWERED, 409),
    }
    text, status = messages[outcome]
    return _render_track(result=public.tracked(petition), proof=proof, status=status,
                         notice=_(text) if outcome == public.RATED else None,
                         error=None if outcome == public.RATED else _(text))


# --- Published answers ---------------------------------------------------------------------

def _page_number(raw: str | None) -> int:
    """?page=N; anything that is not a small positive number reads as the first page."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 7 and int(raw) > 0:
        return int(raw)
    return 1


@bp.get("/u/<code>/tra-loi")
def answers(code: str) -> str:
    place = _unit(code)
    page = public.published_answers(place.unit_id, _page_number(request.args.get("page")))
    if page is None:
        abort(404)
    return render_template("petitions/public_answers.html", place=place, page=page,
                           categories=rules.CATEGORIES)
