"""The pure answer parser: every bad input has a message and stores nothing."""

from __future__ import annotations

import pytest

from feedback.survey import answers, catalogue

SHORT = catalogue.current("short")


def test_valid_short_form() -> None:
    parsed = answers.parse({"q_TC2": "5", "q_TT1": "4", "q_HARASS": "0", "comment": " Tốt "},
                           SHORT)
    assert parsed.ok
    assert parsed.answers == {"TC2": 5, "TT1": 4, "HARASS": 0}
    assert parsed.comment == "Tốt"


@pytest.mark.parametrize(("form", "field", "message"), [
    ({}, "_form", answers.MSG_REQUIRED_ONE),
    ({"q_HARASS": "1"}, "_form", answers.MSG_REQUIRED_ONE),
    ({"q_TC2": "6"}, "TC2", answers.MSG_BAD_VALUE),
    ({"q_TC2": "0"}, "TC2", answers.MSG_BAD_VALUE),
    ({"q_TC2": "-1"}, "TC2", answers.MSG_BAD_VALUE),
    ({"q_TC2": "4.5"}, "TC2", answers.MSG_BAD_VALUE),
    ({"q_TC2": "99999999999999999999"}, "TC2", answers.MSG_BAD_VALUE),
    ({"q_TC2": "năm"}, "TC2", answers.MSG_BAD_VALUE),
    ({"q_TC2": "٥"}, "TC2", answers.MSG_BAD_VALUE),  # a non-ASCII digit
    ({"q_TC2": "5", "q_HARASS": "2"}, "HARASS", answers.MSG_BAD_VALUE),
    ({"q_TC2": "5", "q_TC1": "5"}, "_form", answers.MSG_UNKNOWN),  # not on the short form
    ({"q_TC2": "5", "q_XX9": "5"}, "_form", answers.MSG_UNKNOWN),
    ({"q_TC2": "5", "comment": "x" * 2001}, "comment", "2000"),
    ({"q_TC2": "5", "comment": "a\x00b"}, "comment", answers.MSG_BAD_TEXT),
    ({"q_TC2": "5", "comment": "h\ufffdng"}, "comment", answers.MSG_BAD_TEXT),
    ({"q_TC2": "5", "dossier": "<script>"}, "dossier", answers.MSG_DOSSIER),
    ({"q_TC2": "5", "dossier": "A" * 41}, "dossier", answers.MSG_DOSSIER),
    ({"q_TC2": "5", "age_band": "200"}, "age_band", answers.MSG_CHOICE),
    ({"q_TC2": "5", "respondent_type": "person"}, "respondent_type", answers.MSG_CHOICE),
])
def test_bad_input_has_a_message(form: dict[str, str], field: str, message: str) -> None:
    parsed = answers.parse(form, SHORT)
    assert not parsed.ok
    assert message in parsed.errors[field]


def test_blank_items_are_not_answers() -> None:
    parsed = answers.parse({"q_TC2": "", "q_TT1": "3"}, SHORT)
    assert parsed.answers == {"TT1": 3}


def test_questionnaires_are_versioned_data() -> None:
    codes = dict(catalogue.codes())
    assert set(codes) == {"short", "full", "sat3"}
    full = catalogue.current("full")
    assert len(full.items) == 19 and full.version >= 1
    assert {e for e, _ in full.elements()} == {
        "Tiếp cận dịch vụ", "Thủ tục hành chính", "Công chức", "Kết quả",
        "Tiếp nhận, xử lý phản ánh, kiến nghị"}
    short = catalogue.current("short")
    assert {i[:2] for i in short.items} == {"TC", "TT", "CC", "KQ", "PA"}  # each element
    assert catalogue.by_id(short.id) == short
    with pytest.raises(KeyError):
        catalogue.current("nope")
