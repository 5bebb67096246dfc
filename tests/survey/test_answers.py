"""The pure answer parser: every bad input has a message and stores nothing. And what the
optional fields offer: age bands without overlap, procedures grouped by field."""

from __future__ import annotations

import re
from datetime import date

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
    ({"q_TC2": "5", "comment": "x" * 2001}, "comment", answers.MSG_TOO_LONG),
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


# --- Age bands -------------------------------------------------------------------------

def _band_range(code: str) -> range:
    """The ages a band covers, read from its code."""
    if code == "under18":
        return range(0, 18)
    if code.endswith("+"):
        return range(int(code[:-1]), 130)
    low, high = code.split("-")
    return range(int(low), int(high) + 1)


def test_age_bands_do_not_overlap_and_cover_every_age() -> None:
    ages = [age for code in catalogue.AGE_BANDS for age in _band_range(code)]
    assert sorted(ages) == list(range(130))  # every age once: no gap, no overlap
    assert list(catalogue.AGE_BANDS) == ["under18", "18-24", "25-34", "35-49", "50-59", "60+"]
    assert catalogue.AGE_BANDS["under18"] == "Dưới 18 tuổi"


@pytest.mark.parametrize("code", ["under18", "18-24", "50-59", "60+"])
def test_new_bands_are_accepted(code: str) -> None:
    parsed = answers.parse({"q_TC2": "5", "age_band": code}, SHORT)
    assert parsed.ok and parsed.age_band == code


@pytest.mark.parametrize("code", ["18-25", "50-60"])
def test_old_overlapping_bands_are_no_longer_offered(code: str) -> None:
    parsed = answers.parse({"q_TC2": "5", "age_band": code}, SHORT)
    assert parsed.errors["age_band"] == answers.MSG_CHOICE


@pytest.mark.parametrize(("code", "label"), [
    ("18-25", "18–25 tuổi"), ("50-60", "50–60 tuổi"),  # stored by the first form
    ("under18", "Dưới 18 tuổi"), ("35-49", "35–49 tuổi"),
    ("??", "??"), (None, ""),
])
def test_stored_codes_keep_their_labels(code: str | None, label: str) -> None:
    assert catalogue.age_label(code) == label


# --- Procedures grouped by field -------------------------------------------------------

def test_vietnamese_order() -> None:
    words = ["Xây dựng", "Đất đai", "Hộ tịch", "Chứng thực", "Ấp", "An", "Ăn", "Dê", "Đào",
             "Ô tô", "Ơn", "Ong", "Ưu", "Uy", "hộ", "Hồ", "Hổ", "Hỗ", "Hố", "Họ", "Ho"]
    assert sorted(words, key=catalogue.vi_sort_key) == [
        "An", "Ăn", "Ấp", "Chứng thực", "Dê", "Đào", "Đất đai",
        "Ho", "Họ", "Hồ", "Hổ", "Hỗ", "Hố", "hộ", "Hộ tịch",
        "Ong", "Ô tô", "Ơn", "Uy", "Ưu", "Xây dựng"]


def test_procedures_are_grouped_by_field_in_vietnamese_order() -> None:
    rows = [(1, "Đăng ký khai sinh", "Hộ tịch"), (2, "Cấp bản sao trích lục", "Hộ tịch"),
            (3, "Xác nhận nguồn gốc đất", "Đất đai"), (4, "Chứng thực bản sao", "Chứng thực"),
            (5, "Việc khác", ""), (6, "Đăng ký kết hôn", "Hộ tịch")]
    assert catalogue.group_procedures(rows) == [
        ("Chứng thực", [(4, "Chứng thực bản sao")]),
        ("Đất đai", [(3, "Xác nhận nguồn gốc đất")]),
        ("Hộ tịch", [(2, "Cấp bản sao trích lục"), (6, "Đăng ký kết hôn"),
                     (1, "Đăng ký khai sinh")]),
        ("", [(5, "Việc khác")]),
    ]
    assert catalogue.group_procedures([]) == []


FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Bảo trợ xã hội", "Cư trú",
          "Người có công", "Giáo dục", "Nông nghiệp", "Văn hóa"]


@pytest.fixture
def many_procedures(app, world) -> None:
    """A real commune's list: 60 procedures in 10 fields, long official names."""
    from feedback.extensions import db
    from feedback.models import Procedure

    with app.app_context():
        db.session.add_all(
            Procedure(unit_id=world.commune.id, code=f"P{i:02d}", field=FIELDS[i % 10],
                      name=f"Thủ tục số {i:02d}: cấp, đổi, xác nhận giấy tờ về "
                           f"{FIELDS[i % 10].lower()} cho công dân thường trú tại xã")
            for i in range(60))
        db.session.commit()


def test_the_form_groups_procedures_and_stays_small(client, world, token_for,
                                                     many_procedures) -> None:
    resp = client.get(f"/q/{token_for(world.full_counter)}")
    html = resp.get_data(as_text=True)
    assert len(resp.data) < 40_000
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert groups == sorted(FIELDS, key=catalogue.vi_sort_key)
    assert groups.index("Đất đai") == groups.index("Cư trú") + 1  # not after "Xây dựng"
    hotich = html[html.index('<optgroup label="Hộ tịch">'):]
    hotich = hotich[:hotich.index("</optgroup>")]
    names = re.findall(r'<option value="\d+">([^<]+)</option>', hotich)
    assert "Đăng ký khai sinh" in names and len(names) == 7
    assert names == sorted(names, key=catalogue.vi_sort_key)
    ages = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                      html[html.index('id="age_band"'):])[:7]
    assert ages[1:] == list(catalogue.AGE_BANDS.items())


def test_a_chosen_procedure_is_stored(app, client, world, token_for) -> None:
    from sqlalchemy import select

    from feedback.extensions import db
    from feedback.links import new_submission_id
    from feedback.models import Response

    resp = client.post(f"/q/{token_for(world.counter)}", data={
        "q_TC2": "5", "procedure": str(world.procedure.id), "age_band": "under18",
        "submission_id": new_submission_id()})
    assert resp.status_code == 303
    with app.app_context():
        stored = db.session.scalar(select(Response))
        assert stored is not None
        assert (stored.procedure_id, stored.age_band) == (world.procedure.id, "under18")


def test_the_paper_form_shares_the_groups(client, world, login, many_procedures) -> None:
    login(world.officer)
    html = client.get(f"/staff/paper?counter={world.counter.id}&questionnaire=full"
                      ).get_data(as_text=True)
    assert re.findall(r'<optgroup label="([^"]+)">', html) == sorted(
        FIELDS, key=catalogue.vi_sort_key)
    assert 'value="under18"' in html and 'value="18-25"' not in html


@pytest.mark.parametrize(("written", "expected"), [
    (date(2026, 11, 30), "2026-11-30T05:00:00+00:00"),   # local noon, 7 hours ahead of UTC
    (date(2026, 9, 29), "2026-09-29T05:00:00+00:00"),    # the oldest day still accepted
    (date(2026, 12, 1), "after today"),
    (date(2026, 9, 28), "2026-09-29 or later"),
])
def test_the_date_on_a_paper_form(app, written: date, expected: str) -> None:
    """Paper forms count at local noon of the written day, within PAPER_MAX_AGE_DAYS."""
    from feedback.survey import services

    with app.app_context():
        try:
            stored = services.paper_answered_at(written, today=date(2026, 11, 30)).isoformat()
        except services.PaperDateError as exc:
            stored = str(exc)
    assert expected in stored
