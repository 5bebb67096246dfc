"""Attachments: checked by content (a renamed program is refused), size-capped, stored
outside static/ under random names, removed again when nothing was filed, never served."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from fpdf import FPDF
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from feedback import ROOT
from feedback.extensions import db
from feedback.links import new_submission_id
from feedback.models import Petition, PetitionAttachment
from feedback.petitions import attachments
from feedback.petitions.attachments import Incoming, Refused

FORM = {
    "sender_name": "Nguyễn Văn An", "sender_address": "Thôn 3, xã Hoằng Ngọc",
    "sender_phone": "0912345678", "content": "Hồ sơ bị trả chậm, xin xem giấy hẹn kèm theo.",
}


def real_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Giay hen tra ket qua")
    return bytes(pdf.output())


def image(kind: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format=kind)
    return buf.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def stored_files(app: Flask) -> list[Path]:
    folder = Path(app.config["ATTACHMENT_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture(autouse=True)
def _empty_folder(app: Flask) -> None:
    for path in stored_files(app):
        path.unlink()


def post(client: Any, files: list[tuple[bytes, str]], **over: str) -> Any:
    data: dict[str, Any] = dict(FORM, submission_id=new_submission_id())
    data.update(over)
    data["attachments"] = [(io.BytesIO(body), name) for body, name in files]
    return client.post("/u/xa-a1/pakn", data=data, content_type="multipart/form-data")


def count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Petition.id))) or 0


# --- Through the form ---------------------------------------------------------------------

def test_a_real_pdf_and_images_are_stored_with_their_checksums(app, client, world) -> None:
    pdf, jpeg, png = real_pdf(), image("JPEG"), image("PNG")
    resp = post(client, [(pdf, "giấy hẹn.PDF"), (jpeg, "IMG_0001.JPG"), (png, "ảnh.png")])
    assert resp.status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(PetitionAttachment).order_by(PetitionAttachment.id)
                                  ).all()
        assert [(r.filename, r.content_type) for r in rows] == [
            ("giấy hẹn.pdf", "application/pdf"), ("IMG_0001.jpg", "image/jpeg"),
            ("ảnh.png", "image/png")]
        for row, body in zip(rows, (pdf, jpeg, png), strict=True):
            path = attachments.file_path(row.storage_name)
            assert path.read_bytes() == body and row.size == len(body)
            assert row.sha256 == hashlib.sha256(body).hexdigest()
            assert attachments.is_storage_name(row.storage_name)
            assert path.stat().st_mode & 0o077 == 0  # readable by the app only
    assert len(stored_files(app)) == 3
    folder = Path(app.config["ATTACHMENT_DIR"]).resolve()
    assert not folder.is_relative_to((ROOT / "static").resolve())


def test_a_renamed_executable_is_refused(app, client, world) -> None:
    resp = post(client, [(EXE, "don-khieu-nai.pdf")])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Tệp «don-khieu-nai» không phải ảnh JPEG, PNG hoặc tệp PDF." in html
    assert "Hồ sơ bị trả chậm" in html  # the text is kept
    assert count(app) == 0 and stored_files(app) == []


def test_an_oversized_file_is_refused(app, client, world) -> None:
    saved = app.config["ATTACHMENT_MAX_BYTES"]
    app.config["ATTACHMENT_MAX_BYTES"] = 50_000
    try:
        resp = post(client, [(b"%PDF-1.7\n" + b"0" * 50_000, "scan.pdf")])
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = saved
    assert resp.status_code == 422
    assert "Tệp «scan» lớn quá 0.05 MB" in resp.get_data(as_text=True)
    assert count(app) == 0 and stored_files(app) == []


def test_the_default_cap_is_five_megabytes(app, client, world) -> None:
    big = b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024)
    builder = EnvironBuilder(path="/u/xa-a1/pakn", method="POST", data=dict(
        FORM, submission_id=new_submission_id(), attachments=(io.BytesIO(big), "anh.jpg")))
    environ = builder.get_environ()
    try:
        resp = client.open(environ)
    finally:  # a body this big is spooled by the test client to a file of its own
        environ["wsgi.input"].close()
        builder.close()
    assert resp.status_code == 422
    assert "lớn quá 5 MB" in resp.get_data(as_text=True)
    assert count(app) == 0 and stored_files(app) == []


def test_four_files_are_refused(app, client, world) -> None:
    png = image("PNG")
    resp = post(client, [(png, f"{i}.png") for i in range(4)])
    assert resp.status_code == 422
    assert "Chỉ gửi kèm được tối đa 3 tệp." in resp.get_data(as_text=True)
    assert count(app) == 0 and stored_files(app) == []


def test_an_empty_file_is_refused_but_blank_inputs_are_ignored(app, client, world) -> None:
    resp = post(client, [(b"", "rong.pdf")])
    assert resp.status_code == 422 and "Tệp «rong» rỗng" in resp.get_data(as_text=True)
    resp = post(client, [(b"", "")])  # a file input left blank
    assert resp.status_code == 303 and stored_files(app) == []


def test_one_bad_file_among_good_ones_stores_none(app, client, world) -> None:
    resp = post(client, [(real_pdf(), "a.pdf"), (b"GIF89a....", "b.gif")])
    assert resp.status_code == 422 and count(app) == 0 and stored_files(app) == []


def test_good_files_with_a_bad_field_are_not_stored_and_must_be_chosen_again(
        app, client, world) -> None:
    resp = post(client, [(real_pdf(), "a.pdf")], sender_phone="12")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "xin chọn lại tệp đính kèm" in html
    assert count(app) == 0 and stored_files(app) == []


def test_a_double_tap_with_files_keeps_one_copy(app, client, world) -> None:
    sid = new_submission_id()
    assert post(client, [(real_pdf(), "a.pdf")], submission_id=sid).status_code == 303
    assert post(client, [(real_pdf(), "a.pdf")], submission_id=sid).status_code == 303
    assert count(app) == 1 and len(stored_files(app)) == 1


def test_files_are_removed_when_filing_fails(app, world, monkeypatch) -> None:
    from feedback.petitions import intake, public, services

    def broken(_new: Any) -> Any:
        raise RuntimeError("database down")

    monkeypatch.setattr(services, "file", broken)
    sent = intake.parse({"content": "Chậm"}, content_limit=100)
    checked = [attachments.check(Incoming("a.pdf", io.BytesIO(real_pdf())), 10**6)]
    with app.test_request_context(), pytest.raises(RuntimeError):
        public.file_from_form(public.Place(world.commune.id, "xa-a1", "Xã"), sent,
                              submission_id=new_submission_id(), procedure_id=None,
                              files=checked)
    assert stored_files(app) == []


def test_attachments_are_never_served_publicly(app, client, world) -> None:
    post(client, [(real_pdf(), "a.pdf")])
    name = stored_files(app)[0].name
    for path in (f"/static/{name}", f"/attachments/{name}", f"/static/attachments/{name}",
                 f"/pakn/{name}"):
        assert client.get(path).status_code == 404


# --- The pure checks ------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "kind"), [
    (b"\xff\xd8\xff\xe0rest", ("image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\nrest", ("image/png", "png")),
    (b"%PDF-1.4\n", ("application/pdf", "pdf")),
    (b"MZ\x90\x00", None),
    (b"\x7fELF", None),
    (b"<html>", None),
    (b"\x89PNG\r\n", None),  # cut short
    (b"PK\x03\x04", None),  # a zip (docx) is not accepted
])
def test_kind_is_read_from_the_first_bytes(body: bytes, kind: Any) -> None:
    assert attachments.kind_of(body) == kind


@pytest.mark.parametrize(("raw", "ext", "shown"), [
    ("giấy hẹn.PDF", "pdf", "giấy hẹn.pdf"),
    ("../../etc/passwd", "pdf", "passwd.pdf"),
    ("C:\\Users\\An\\ảnh hồ sơ.JPEG", "jpg", "ảnh hồ sơ.jpg"),
    ("x.pdf", "png", "x.png"),  # named after what it is
    ("a\x00b\u202ec.jpg", "jpg", "a b c.jpg"),
    ("   ", "pdf", "tep-dinh-kem.pdf"),
    ("....pdf", "pdf", "tep-dinh-kem.pdf"),
    ("a" * 300 + ".pdf", "pdf", "a" * 116 + ".pdf"),
])
def test_display_names_are_cleaned(raw: str, ext: str, shown: str) -> None:
    assert attachments.display_name(raw, ext) == shown


def test_check_reads_no_more_than_the_cap() -> None:
    stream = io.BytesIO(b"%PDF-" + b"0" * 10_000)
    with pytest.raises(Refused):
        attachments.check(Incoming("a.pdf", stream), 100)
    assert stream.tell() == 101


def test_file_path_refuses_anything_it_did_not_generate(app) -> None:
    with app.app_context():
        good = "0123456789abcdef0123456789abcdef.pdf"
        assert attachments.file_path(good) == Path(app.config["ATTACHMENT_DIR"]) / good
        for bad in ("../secret.pdf", "/etc/passwd", "0123456789abcdef0123456789abcdef.exe",
                    "0123456789ABCDEF0123456789ABCDEF.pdf", good + "/..", "", "a.pdf",
                    "0123456789abcdef0123456789abcdef.pdf\n"):
            with pytest.raises(LookupError):
                attachments.file_path(bad)
