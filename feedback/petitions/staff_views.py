"""Staff pages for petitions: the inbox, one petition and its actions, its files, the
entry of a petition received on paper or by phone, and the units' reply templates.

Thin on purpose: scope comes from `auth.guards` (a petition of another unit is a 404 on
every page and file), what may be done from `services.allowed_for` and `services.act`
(the workflow's table, never re-encoded here), what is listed from `inbox`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from feedback import links, org
from feedback.auth.guards import (
    home_unit,
    roles_required,
    unit_in_scope,
    user,
    visible_unit_ids,
    visible_units,
)
from feedback.models import Petition, PetitionEvent, ReplyTemplate, Unit, User
from feedback.msgid import N_
from feedback.petitions import attachments, clock, inbox, intake, replies, rules, services
from feedback.petitions.forms import ActionForm, EntryForm, TemplateForm
from feedback.petitions.workflow import (
    ACTION_LABELS,
    STATE_LABELS,
    WorkflowError,
    next_action,
    refusal_status,
)

bp = Blueprint("petitions", __name__, url_prefix="/staff/petitions")

HANDLERS = ("admin", "leader", "officer")
CHANGERS = ("admin", "leader")

#: Words shown on the pages, as Vietnamese source strings (templates translate them with
#: the `translate` filter).
STATE_WORDS = {s.value: label for s, label in STATE_LABELS.items()}
ACTION_WORDS = {a.value: label for a, label in ACTION_LABELS.items()} | {
    services.RECEIVE: N_("Tiếp nhận, vào sổ"), services.RATE: N_("Người gửi đánh giá"),
    clock.RESCHEDULE: N_("Tính lại hạn trả lời (lịch hoặc thời hạn thay đổi)")}
#: Staff enter every channel but the public form's own.
ENTRY_CHANNELS = [c for c in rules.CHANNELS if c != "web"]

#: The form field a refusal points at, for the codes that do not name it.
FIELD_OF = {"bad_assignee": "assignee", "bad_category": "category"}

MSG_DONE = N_("Đã ghi nhận: %(action)s.")


def _words() -> dict[str, Any]:
    return {"STATE_WORDS": STATE_WORDS, "ACTION_WORDS": ACTION_WORDS,
            "PETITION_CHANNEL_WORDS": rules.CHANNELS, "CATEGORY_WORDS": rules.CATEGORIES,
            "BOX_WORDS": inbox.BOXES,
            "show_code": services.show_code}


def _int_arg(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _petition(code: str) -> Petition:
    try:
        return services.for_staff(code, visible_unit_ids())
    except services.NotFound:
        abort(404)


# --- Inbox --------------------------------------------------------------------------------

def _subtree(rows: list[org.TreeRow], unit: Unit) -> frozenset[int]:
    """`unit` and the units under it, read from the scope's tree already loaded (rows are
    depth first, so its descendants follow it until the depth comes back)."""
    ids: set[int] = set()
    depth: int | None = None
    for row in rows:
        if depth is not None:
            if row.depth <= depth:
                break
            ids.add(row.unit.id)
        elif row.unit.id == unit.id:
            depth = row.depth
            ids.add(unit.id)
    return frozenset(ids)


def _next_action(petition: Petition, me: User) -> str | None:
    return next_action(petition.status, me.role, petition.assignee_id == me.id,
                       petition.extended)


@bp.get("")
@roles_required()
def index() -> str:
    me = user()
    rows = visible_units()
    code = request.args.get("unit", "")
    unit = unit_in_scope(code) if code else None
    unit_ids = _subtree(rows, unit) if unit else frozenset(visible_unit_ids())
    channel = request.args.get("channel") or None
    category = _int_arg(request.args.get("category"))
    raw_assignee = request.args.get("assignee", "")
    assignee: int | str | None = (me.id if raw_assignee == "mine" else "none"
                                  if raw_assignee == "none" else _int_arg(raw_assignee))
    f = inbox.Filters(unit_ids, channel if channel in rules.CHANNELS else None,
                      category if category in rules.CATEGORIES else None, assignee)
    box = request.args.get("box", inbox.DEFAULT_BOX)
    box = box if box in inbox.BOXES else inbox.DEFAULT_BOX
    number = max(1, _int_arg(request.args.get("page")) or 1)
    marks = inbox.marks()
    counts = inbox.counts(f, marks)
    petitions = inbox.page(f, box, marks, number)
    link_args = {k: v for k in ("unit", "channel", "category", "assignee")
                 if (v := request.args.get(k, "")[:40])}
    return render_template(
        "petitions/staff_inbox.html", units=rows, unit=unit, f=f, box=box, counts=counts,
        rows=[(p, _next_action(p, me)) for p in petitions], marks=marks, page=number,
        per_page=inbox.PER_PAGE, total=counts[box], link_args=link_args,
        raw_assignee=raw_assignee, assignees=inbox.assignee_choices(set(unit_ids)),
        can_enter=me.role in HANDLERS, **_words())


# --- One petition -------------------------------------------------------------------------

def _event_details(events: list[PetitionEvent]) -> dict[int, dict[str, Any]]:
    """What each event's JSON detail says, with assignee ids turned into accounts."""
    parsed = {e.id: json.loads(e.detail or "{}") for e in events}
    names = inbox.people({d["assignee"] for d in parsed.values()
                          if isinstance(d.get("assignee"), int)})
    for detail in parsed.values():
        if isinstance(detail.get("assignee"), int):
            detail["assignee_user"] = names.get(detail["assignee"])
    return parsed


def _render_petition(petition: Petition, form: ActionForm | None = None, *,
                     failed: str | None = None, error: str | None = None,
                     error_field: str | None = None, status: int = 200) -> tuple[str, int]:
    me = user()
    allowed = services.allowed_for(petition, me) if me.role in HANDLERS else []
    form = form or ActionForm(formdata=None)
    people = services.assignable(petition) if {"accept", "assign"} & set(allowed) else []
    form.assignee.choices = [("", _("— Chọn cán bộ —"))] + [
        (str(u.id), f"{u.name} · {u.email}" if u.name else u.email) for u in people]
    form.category.choices = [("", _("— Chọn phân loại —"))] + [
        (str(k), f"{k}. {_(label)}") for k, label in rules.CATEGORIES.items()]
    offered: list[ReplyTemplate] = replies.offered(petition.unit) if "answer" in allowed else []
    if failed is None:
        chosen = _int_arg(request.args.get("template"))
        template = next((t for t in offered if t.id == chosen), None)
        if template is not None:
            form.answer.data = template.body
            failed = "answer"  # open the answer form with the template's text in it
        if not form.public_text.data and petition.answer:
            form.public_text.data = services.redacted(petition, petition.answer)
        if form.category.data is None and petition.category:
            form.category.data = str(petition.category)
    events = inbox.history(petition)
    # One form is open: the one that failed, or the one the inbox's "next action" link
    # asked for (?open=); the others stay folded.
    wanted = request.args.get("open")
    opened = failed or (wanted if wanted in allowed else None)
    html = render_template(
        "petitions/staff_show.html", p=petition, form=form, allowed=allowed,
        opened=opened, error=error, error_field=error_field, offered=offered,
        events=events, details=_event_details(events), marks=inbox.marks(),
        is_open=services.is_open(petition), **_words())
    return html, status


@bp.get("/<code>")
@roles_required()
def show(code: str) -> tuple[str, int] | Response:
    petition = _petition(code)
    if code != petition.code:  # typed in lower case or with a dash: one address per petition
        return redirect(url_for(".show", code=petition.code, open=request.args.get("open"),
                                template=request.args.get("template")), code=301)
    return _render_petition(petition)


def _refusal(exc: WorkflowError) -> tuple[int, str | None]:
    """The status and the form field of a refused action."""
    kind, _sep, field = exc.code.partition(":")
    status = refusal_status(exc.code)
    return status, (field or FIELD_OF.get(kind)) if status == 422 else None


@bp.post("/<code>/actions")
@roles_required(*HANDLERS)
def act(code: str) -> tuple[str, int] | Response:
    petition = _petition(code)
    form = ActionForm()
    action = (form.action.data or "").strip()
    if not form.validate():
        field, messages = next(iter(form.errors.items()))
        return _render_petition(petition, form, failed=action, status=422,
                                error=str(messages[0]), error_field=field)
    try:
        services.act(petition, action, user(), form.fields_for_service())
    except WorkflowError as exc:
        status, field = _refusal(exc)
        petition = _petition(code)  # the session was rolled back: read it again
        return _render_petition(petition, form, failed=action, status=status,
                                error=_(exc.message), error_field=field)
    flash(_(MSG_DONE, action=_(ACTION_WORDS[action])), "success")
    return redirect(url_for(".show", code=petition.code), code=303)


@bp.get("/<code>/files/<int(max=2147483647):attachment_id>")
@roles_required()
def download(code: str, attachment_id: int) -> Response:
    """An attachment, only to staff who may see the petition; always as a download (never
    rendered by the browser), with the type read from its content when it was stored."""
    petition = _petition(code)
    found = next((a for a in petition.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    try:
        path = attachments.file_path(found.storage_name)
    except LookupError:
        abort(404)
    try:
        data = path.read_bytes()  # size-capped when stored; no file handle left open
    except OSError:
        abort(404)
    resp = send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                     download_name=found.filename, etag=False, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# --- Entry of a petition received on paper, in the box, by phone… -------------------------

def _entry_setup(form: EntryForm) -> None:
    form.channel.choices = [(c, _(rules.CHANNELS[c])) for c in ENTRY_CHANNELS]
    form.unit.choices = [(code, label) for code, label in org.unit_choices(
        visible_unit_ids(), _(" (ngừng hoạt động)"))]


def _render_entry(form: EntryForm, values: Mapping[str, str], errors: Mapping[str, str],
                  status: int = 200) -> tuple[str, int]:
    return render_template(
        "petitions/staff_new.html", form=form, values=values, errors=errors,
        categories=[(k, _(label)) for k, label in rules.CATEGORIES.items()],
        content_limit=current_app.config["PETITION_MAX_CHARS"]), status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*HANDLERS)
def new() -> tuple[str, int] | Response:
    """Staff type in a petition received another way than the public form, with the
    real time it came in; the sender gets the tracking code from them (by phone)."""
    form = EntryForm()
    _entry_setup(form)
    if request.method != "POST":
        now = clock.now().astimezone(clock.tz())
        home = home_unit()
        form.submission_id.data = links.new_submission_id()
        form.channel.data = form.channel.data or "paper"
        form.received_on.data = now.strftime("%d/%m/%Y")
        form.received_time.data = now.strftime("%H:%M")
        if home is not None and home.id in visible_unit_ids():
            form.unit.data = home.code
        return _render_entry(form, {}, {})

    values = request.form.to_dict()
    errors: dict[str, str] = {}
    if not form.validate():
        errors.update({name: str(msgs[0]) for name, msgs in form.errors.items()})
    sent = intake.parse(values, content_limit=current_app.config["PETITION_MAX_CHARS"])
    for name in sent.errors:
        errors[name] = intake.message(sent, name, _)
    received_at = None
    if form.day is not None and form.at is not None:
        try:
            received_at = inbox.entry_received_at(form.day, form.at)
        except inbox.ReceiptTimeError as exc:
            errors["received_on"] = (_(exc.message, day=f"{exc.oldest:%d/%m/%Y}")
                                     if exc.oldest else _(exc.message))
    if not links.is_submission_id(form.submission_id.data or ""):
        form.submission_id.data = links.new_submission_id()
    unit = org.find_unit(form.unit.data or "") if "unit" not in errors else None
    if errors or received_at is None or unit is None:
        return _render_entry(form, values, errors, 422)
    petition, created = services.file(services.NewPetition(
        unit_id=unit.id, channel=form.channel.data or "", content=sent.content,
        submission_id=form.submission_id.data, sender_name=sent.sender_name,
        sender_address=sent.sender_address, sender_phone=sent.sender_phone,
        sender_email=sent.sender_email, category=sent.category,
        dossier_code=sent.dossier_code, received_at=received_at, entered_by_id=user().id))
    if petition.unit_id not in visible_unit_ids():  # an id reused from elsewhere: say nothing
        flash(_("Phản ánh, kiến nghị này đã được lưu trước đó."), "info")
        return redirect(url_for(".index"), code=303)
    code = services.show_code(petition)
    flash(_("Đã lưu phản ánh, kiến nghị. Mã tra cứu: %(code)s — xin báo mã này cho người "
            "gửi.", code=code) if created else
          _("Phản ánh, kiến nghị này đã được lưu trước đó. Mã tra cứu: %(code)s.",
            code=code), "success")
    return redirect(url_for(".show", code=petition.code), code=303)


# --- Reply templates ----------------------------------------------------------------------

def _render_templates(unit: Unit, form: TemplateForm | None = None, *,
                      editing: int | None = None, error: replies.TemplateError | None = None,
                      status: int = 200) -> tuple[str, int]:
    message = None
    if error is not None:
        message = (_(error.message, limit=error.limit) if error.limit is not None
                   else _(error.message))
    return render_template(
        "petitions/staff_templates.html", unit=unit, units=visible_units(),
        templates=replies.of_unit(unit.id), form=form or TemplateForm(formdata=None),
        editing=editing, error=message, error_field=error.field if error else None,
        can_change=user().role in CHANGERS), status


def _form_error(form: TemplateForm) -> replies.TemplateError:
    field = next(iter(form.errors), "title")
    return replies.TemplateError(field if field in ("title", "body") else "title",
                                 str(form.errors[field][0]) if field in form.errors else "")


@bp.get("/templates")
@roles_required()
def templates() -> tuple[str, int]:
    return _render_templates(unit_in_scope(request.args.get("unit")))


@bp.post("/templates")
@roles_required(*CHANGERS)
def create_template() -> tuple[str, int] | Response:
    unit = unit_in_scope(request.args.get("unit"))
    form = TemplateForm()
    if not form.validate():
        return _render_templates(unit, form, error=_form_error(form), status=422)
    try:
        replies.create(unit, form.title.data or "", form.body.data or "", user())
    except replies.TemplateError as exc:
        return _render_templates(unit, form, error=exc, status=422)
    flash(_("Đã thêm mẫu trả lời."), "success")
    return redirect(url_for(".templates", unit=unit.code), code=303)


@bp.post("/templates/<int(max=2147483647):template_id>")
@roles_required(*CHANGERS)
def change_template(template_id: int) -> tuple[str, int] | Response:
    """Save an edit, retire (`do=retire`) or bring back (`do=restore`) one template."""
    template = replies.find(template_id, visible_unit_ids())
    if template is None:
        abort(404)
    unit = template.unit_id
    form = TemplateForm()
    back = url_for(".templates", unit=_unit_code(unit))
    if form.do.data in ("retire", "restore"):
        replies.set_active(template, form.do.data == "restore", user())
        flash(_("Đã ngừng dùng mẫu trả lời.") if form.do.data == "retire"
              else _("Đã dùng lại mẫu trả lời."), "success")
        return redirect(back, code=303)
    owner = _unit(unit)
    if not form.validate():
        return _render_templates(owner, form, editing=template_id, error=_form_error(form),
                                 status=422)
    try:
        replies.update(template, form.title.data or "", form.body.data or "", user())
    except replies.TemplateError as exc:
        return _render_templates(_unit(unit), form, editing=template_id, error=exc,
                                 status=422)
    flash(_("Đã lưu mẫu trả lời."), "success")
    return redirect(back, code=303)


def _unit(unit_id: int) -> Unit:
    row = next((r.unit for r in visible_units() if r.unit.id == unit_id), None)
    if row is None:
        abort(404)
    return row


def _unit_code(unit_id: int) -> str:
    return _unit(unit_id).code

