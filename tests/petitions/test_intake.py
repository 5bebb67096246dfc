"""The one check of a petition's fields, shared by the public form, staff entry and import."""

from __future__ import annotations

import pytest

from feedback.petitions import intake, rules


def test_a_complete_sender_makes_a_pakn_and_a_missing_contact_a_gop_y() -> None:
    full = intake.parse({"sender_name": " Nguyễn  Văn An ", "sender_address": "Thôn 3",
                         "sender_phone": "0912 345 678", "content": "Chậm trả\r\nhồ sơ"},
                        content_limit=100)
    assert full.ok and full.kind == rules.PAKN
    assert (full.sender_name, full.sender_phone, full.content) == (
        "Nguyễn Văn An", "0912345678", "Chậm trả\nhồ sơ")
    assert intake.parse({"sender_name": "An", "content": "x"}, content_limit=9).kind == "gop_y"


@pytest.mark.parametrize(("field", "value"), [
    ("content", ""), ("content", "x" * 101), ("content", "a\x00b"),
    ("sender_name", "An\nBình"), ("sender_phone", "12"), ("sender_phone", "09123abc45"),
    ("sender_email", "an@"), ("sender_email", "a\x00n@x.vn"), ("category", "9"),
    ("category", "١"), ("dossier_code", "<script>"),
])
def test_bad_input_is_named_by_field(field: str, value: str) -> None:
    form = {"content": "Nội dung", field: value}
    sent = intake.parse(form, content_limit=100)
    assert field in sent.errors
    assert "%(" not in intake.message(sent, field)
