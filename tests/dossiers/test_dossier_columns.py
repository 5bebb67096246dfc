"""The header table and the export's dates (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from feedback.dossiers import columns

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(("header", "field"), [
    ("Mã hồ sơ", "code"), ("MÃ HỒ SƠ", "code"), ("ma ho so", "code"), ("Ma_Ho_So", "code"),
    ("\ufeffMã hồ sơ", "code"), ("Số biên nhận", "code"), ("Dossier code", "code"),
    ("Mã đơn vị", "unit"), ("ma don vi", "unit"), ("unit_code", "unit"),
    ("Mã TTHC", "procedure_code"), ("ma thu tuc", "procedure_code"),
    ("Tên thủ tục", "procedure_name"), ("Thủ tục", "procedure_name"),
    ("Procedure name", "procedure_name"),
    ("Ngày tiếp nhận", "received"), ("  NGAY  TIEP   NHAN ", "received"),
    ("Date received", "received"), ("Ngày hẹn trả", "due"), ("ngay-hen-tra", "due"),
    ("Hạn giải quyết", "due"), ("Due date", "due"), ("Ngày trả kết quả", "returned"),
    ("Ngày hoàn thành", "returned"), ("returned_at", "returned"),
    ("STT", None), ("Họ tên người nộp", None), ("Đơn vị", None), ("", None),
])
def test_a_header_names_its_field_whatever_its_case_diacritics_or_spacing(
        header: str, field: str | None) -> None:
    assert columns.field_of(header) == field


def test_every_listed_header_names_a_known_field_and_each_field_has_a_vietnamese_one(
        ) -> None:
    assert set(columns.HEADERS.values()) == set(columns.FIELDS)
    folded = [columns.fold_header(h) for h in columns.HEADERS]
    assert len(folded) == len(set(folded)), "two headers fold to one"
    for name in columns.FIELDS:
        assert any(not h.isascii() or h[0].isupper() for h in columns.accepted_headers(name))


@pytest.mark.parametrize(("value", "expected"), [
    ("05/03/2026", datetime(2026, 3, 5, tzinfo=TZ)),
    ("5/3/2026", datetime(2026, 3, 5, tzinfo=TZ)),
    ("05-03-2026", datetime(2026, 3, 5, tzinfo=TZ)),
    ("05.03.2026", datetime(2026, 3, 5, tzinfo=TZ)),
    ("05/03/2026 16:30", datetime(2026, 3, 5, 16, 30, tzinfo=TZ)),
    ("05/03/2026 16:30:15", datetime(2026, 3, 5, 16, 30, 15, tzinfo=TZ)),
    ("16:30 05/03/2026", datetime(2026, 3, 5, 16, 30, tzinfo=TZ)),
    (" 05/03/2026   8:05 ", datetime(2026, 3, 5, 8, 5, tzinfo=TZ)),
    ("2026-03-05", datetime(2026, 3, 5, tzinfo=TZ)),
    ("2026-03-05 16:30", datetime(2026, 3, 5, 16, 30, tzinfo=TZ)),
    ("2026-03-05T16:30:15", datetime(2026, 3, 5, 16, 30, 15, tzinfo=TZ)),
    ("2026-03-05T16:30:15.250", datetime(2026, 3, 5, 16, 30, 15, tzinfo=TZ)),
    ("2026-03-05T09:30:00Z", datetime(2026, 3, 5, 9, 30, tzinfo=UTC)),
    ("2026-03-05T16:30:00+07:00", datetime(2026, 3, 5, 16, 30, tzinfo=TZ)),
    # Excel's cells (naive, local): a datetime with day-fraction noise, a date, a day number.
    (datetime(2026, 3, 5, 16, 29, 59, 900_000),  # noqa: DTZ001
     datetime(2026, 3, 5, 16, 30, tzinfo=TZ)),
    (date(2026, 3, 5), datetime(2026, 3, 5, tzinfo=TZ)),
    (46086, datetime(2026, 3, 5, tzinfo=TZ)),
    (46086.75, datetime(2026, 3, 5, 18, 0, tzinfo=TZ)),
    (datetime(2026, 3, 5, 9, 0, tzinfo=timezone(timedelta(hours=0))),
     datetime(2026, 3, 5, 16, 0, tzinfo=TZ)),
])
def test_the_date_forms_exports_carry(value: object, expected: datetime) -> None:
    assert columns.parse_moment(value, TZ) == expected


@pytest.mark.parametrize(("value", "key"), [
    ("31/02/2026", "impossible_date"), ("05/03/2026 25:00", "impossible_date"),
    ("2026-13-01", "impossible_date"), ("tháng 3", "bad_date"), ("05/03/26", "bad_date"),
    ("03/2026", "bad_date"), ("05/03/2026 8h30", "bad_date"), ("12", "bad_date"),
    (12.5, "bad_date"), (True, "bad_date"), ("", "bad_date"),
    ("０５/03/2026", "bad_date"),  # full-width digits
])
def test_what_is_not_a_date(value: object, key: str) -> None:
    with pytest.raises(columns.BadDate) as refused:
        columns.parse_moment(value, TZ)
    assert refused.value.key == key


def test_the_readme_lists_exactly_the_header_table() -> None:
    """The documented table is the code's: a header added to one is added to the other."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = re.split(r"\n##+ ", readme.split("### Dossiers (hồ sơ TTHC)", 1)[1])[0]
    rows = [line for line in section.splitlines() if line.strip().startswith("| ")
            and "`" in line.split("|")[2]]
    documented = [h for row in rows for h in re.findall(r"`([^`]+)`", row.split("|")[2])]
    assert documented == list(columns.HEADERS)
