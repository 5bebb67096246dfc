"""Preview, then apply: the browser face of the unit and procedure imports.

The upload is parsed into a plan and shown; nothing is written. The preview page carries
the file back in a hidden field, compressed and signed with the app's secret (bound to the
user and the kind of list, valid for an hour), together with the plan's digest. "Áp dụng"
parses that same content again against the database as it is now and applies it only if
the plan is still the one shown; otherwise the new preview is shown instead. Nothing is
kept on the server between the two requests, so any host of a cluster can answer either.

Uploads are bigger than ordinary forms, so these two views raise the request's size limits
before anything reads the body and run the CSRF check themselves (they are exempt from the
global check, which would read the body under the default limit first).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from feedback.admin.forms import ImportConfirmForm, ImportUploadForm
from feedback.admin.import_plans import Plan
from feedback.admin.imports import MAX_BYTES, ImportRefused
from feedback.admin.units import ImportResult, Refused
from feedback.auth.guards import user
from feedback.extensions import csrf
from feedback.models import User

#: Room for the largest file, base64-encoded in the confirmation form, plus the form.
REQUEST_LIMIT = 2 * MAX_BYTES + 64 * 1024
PREVIEW_MAX_AGE = 3600
#: The preview lists at most this many rows to change; the counts cover them all.
PREVIEW_ROWS = 500
_SALT = "feedback.import-preview"


@dataclass(frozen=True)
class ImportKind:
    """What differs between the unit and the procedure imports."""

    name: str  # "units" | "procedures"
    title: str
    plan: Callable[[bytes, str, User | None], Plan]
    apply: Callable[[Plan, User | None], ImportResult]
    columns: tuple[str, ...]
    required: tuple[str, ...]
    example: str
    back: str  # where to go after applying
    upload_url: str
    apply_url: str


def accept_upload() -> None:
    """Raise this request's limits, then check its CSRF token (see the module docstring)."""
    request.max_content_length = REQUEST_LIMIT
    request.max_form_memory_size = REQUEST_LIMIT
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def sign(kind: str, filename: str, content: bytes, digest: str) -> str:
    packed = base64.b64encode(zlib.compress(content, 6)).decode("ascii")
    return _serializer().dumps({"k": kind, "u": user().id, "f": filename, "c": packed,
                                "d": digest})


def unsign(kind: str, token: str) -> tuple[str, bytes, str]:
    """(file name, content, digest) of a preview this user made for this kind; ValueError
    when the token is forged, expired or someone else's."""
    try:
        data = _serializer().loads(token, max_age=PREVIEW_MAX_AGE)
        if data.get("k") != kind or data.get("u") != user().id:
            raise ValueError("preview of another list or user")
        unpack = zlib.decompressobj()
        content = unpack.decompress(base64.b64decode(data["c"]), MAX_BYTES + 1)
        return str(data["f"]), content, str(data["d"])
    except (BadSignature, KeyError, TypeError, AttributeError, zlib.error) as exc:
        raise ValueError("bad preview token") from exc


def page(kind: ImportKind, plan: Plan | None = None, token: str = "",
         filename: str = "", status: int = 200) -> tuple[str, int]:
    changes = [r for r in plan.rows if r.action != "unchanged"] if plan else []
    return render_template(
        "admin/imports.html", kind=kind, plan=plan, token=token, filename=filename,
        upload=ImportUploadForm(), confirm=ImportConfirmForm(formdata=None, token=token),
        changes=changes[:PREVIEW_ROWS], hidden_changes=max(0, len(changes) - PREVIEW_ROWS),
        max_mb=MAX_BYTES // (1024 * 1024)), status


def preview(kind: ImportKind) -> tuple[str, int]:
    """Parse the uploaded file and show what would change (or every problem found)."""
    accept_upload()
    form = ImportUploadForm()
    if not form.validate_on_submit():
        flash(_("Xin chọn một tệp CSV (UTF-8) hoặc Excel .xlsx."), "error")
        return page(kind, status=422)
    storage = form.file.data
    filename = (storage.filename or "").rsplit("/", 1)[-1][:200]
    content = storage.stream.read(MAX_BYTES + 1)
    plan = kind.plan(content, filename, user())
    if not plan.ok:
        return page(kind, plan, filename=filename, status=422)
    return page(kind, plan, sign(kind.name, filename, content, plan.digest()), filename)


def apply(kind: ImportKind) -> Response | tuple[str, int]:
    """Apply the previewed file if the database still gives the plan that was shown."""
    accept_upload()
    form = ImportConfirmForm()
    try:
        if not form.validate_on_submit():
            raise ValueError("no token")
        filename, content, digest = unsign(kind.name, form.token.data or "")
    except ValueError:
        flash(_("Bản xem trước đã hết hạn hoặc không hợp lệ. Xin tải tệp lên lại."), "error")
        return redirect(kind.upload_url, code=303)
    plan = kind.plan(content, filename, user())
    if not plan.ok:
        return page(kind, plan, filename=filename, status=409)
    if plan.digest() != digest:
        flash(_("Dữ liệu đã thay đổi kể từ lúc xem trước. Xin xem lại bản xem trước rồi bấm "
                "Áp dụng lần nữa."), "error")
        return page(kind, plan, sign(kind.name, filename, content, plan.digest()), filename,
                    status=409)
    try:
        result = kind.apply(plan, user())
    except ImportRefused as exc:
        return page(kind, Plan(plan.kind, [], exc.issues), filename=filename, status=409)
    except Refused as exc:
        flash(_(exc.template, **exc.params), "error")
        return redirect(kind.upload_url, code=303)
    flash(_("Đã áp dụng tệp %(name)s: %(created)d mới, %(updated)d cập nhật, "
            "%(unchanged)d giữ nguyên.", name=filename, created=result.created,
            updated=result.updated, unchanged=result.unchanged), "success")
    return redirect(kind.back, code=303)
