"""The petition commands other tools rely on: `petitions list`, `stats petitions`,
`calendar show|set|unset` (JSON keys as issue 7 names them)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Petition

HEADER = ("unit_code,channel,received_at,sender_name,sender_address,sender_phone,"
          "sender_email,category,content,answered_at,answer")
# March 2026: due 16 March for a receipt on Monday the 2nd before 17:00.
REGISTER = [
    "xa-a1,paper,2026-03-02 08:30,Nguyễn Văn An,Thôn 3,0912345678,,1,Trả chậm,"
    "2026-03-10 15:00,Đã trả",                                           # on time
    "xa-a2,email,2026-03-02 09:00,Trần Thị Bình,Xóm 2,,binh@example.vn,2,Không hợp lý,"
    "2026-03-20 10:00,Đã trả lời",                                        # late
    "xa-a1,hotline,2026-03-02 10:00,Lê Văn Cường,Thôn 1,0987654321,,,Chờ lâu,,",  # open
    "xa-a1,box,2026-03-03 10:00,,,,,,Góp ý ẩn danh,,",                    # góp ý
    "xa-b1,web,2026-03-02 10:00,Phạm Thị Dung,Xóm 5,0911222333,,,Tỉnh khác,,",   # stranger
]
# RECEIVED 2 March 08:30 local, as the petition fixture takes it.
MONDAY = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

LIST_KEYS = {"code", "unit", "channel", "status", "received_at", "reply_due", "answered_at",
             "on_time"}
STATS_KEYS = {"carried_over", "received", "not_accepted", "transferred", "answered_on_time",
              "answered_late", "open_in_time", "open_overdue", "on_time_rate", "meets_target",
              "late_items", "satisfaction", "gop_y"}


@pytest.fixture
def register(runner: FlaskCliRunner, world: Any, tmp_path: Path) -> dict[str, str]:
    """The register above imported: content → tracking code."""
    path = tmp_path / "register.csv"
    path.write_text("\n".join([HEADER, *REGISTER]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["petitions", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    codes = [row["code"] for row in json.loads(result.output)]
    return dict(zip(["on_time", "late", "open", "gop_y", "stranger"], codes, strict=True))


def _json(runner: FlaskCliRunner, *args: str) -> Any:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_list_gives_a_unit_and_its_descendants(runner: FlaskCliRunner,
                                               register: dict[str, str]) -> None:
    rows = _json(runner, "petitions", "list", "--unit", "tinh-a", "--json")
    assert {r["code"] for r in rows} == {register[k] for k in ("on_time", "late", "open",
                                                               "gop_y")}
    assert all(set(r) >= LIST_KEYS for r in rows)
    by_code = {r["code"]: r for r in rows}
    on_time, late, open_ = (by_code[register[k]] for k in ("on_time", "late", "open"))
    assert on_time == {**on_time, "unit": "xa-a1", "channel": "paper", "status": "answered",
                       "received_at": "2026-03-02T08:30:00+07:00", "reply_due": "2026-03-16",
                       "answered_at": "2026-03-10T15:00:00+07:00", "on_time": True}
    assert (late["unit"], late["on_time"]) == ("xa-a2", False)
    assert (open_["status"], open_["answered_at"], open_["on_time"]) == ("received", None, None)
    commune = _json(runner, "petitions", "list", "--unit", "xa-a2", "--json")
    assert [r["code"] for r in commune] == [register["late"]]
    answered = _json(runner, "petitions", "list", "--unit", "tinh-a", "--status", "answered",
                     "--json")
    assert {r["code"] for r in answered} == {register["on_time"], register["late"]}


def test_list_refuses_an_unknown_unit_or_status(runner: FlaskCliRunner, world: Any) -> None:
    unknown = runner.invoke(args=["petitions", "list", "--unit", "nope", "--json"])
    assert unknown.exit_code != 0 and "nope" in unknown.output
    status = runner.invoke(args=["petitions", "list", "--unit", "xa-a1", "--status", "late",
                                 "--json"])
    assert status.exit_code != 0 and "unknown status 'late'" in status.output


def test_stats_json_has_the_issues_keys_and_the_rate(runner: FlaskCliRunner,
                                                     register: dict[str, str]) -> None:
    data = _json(runner, "stats", "petitions", "--unit", "tinh-a", "--from", "2026-03-01",
                 "--to", "2026-03-31", "--json")
    assert set(data) >= STATS_KEYS
    assert (data["received"], data["answered_on_time"], data["answered_late"],
            data["open_overdue"], data["gop_y"]) == (3, 1, 1, 1, 1)
    assert data["on_time_rate"] == pytest.approx(33.33)
    assert data["meets_target"] is False
    assert {i["code"] for i in data["late_items"]} == {register["late"], register["open"]}
    # The stranger's province counts only its own petition.
    other = _json(runner, "stats", "petitions", "--unit", "tinh-b", "--from", "2026-03-01",
                  "--to", "2026-03-31", "--json")
    assert (other["received"], other["open_overdue"]) == (1, 1)


def test_stats_text_reads_against_100_percent(runner: FlaskCliRunner,
                                              register: dict[str, str]) -> None:
    result = runner.invoke(args=["stats", "petitions", "--unit", "tinh-a", "--from",
                                 "2026-03-01", "--to", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert "Tỷ lệ trả lời đúng hạn: 33,3% — mục tiêu 100%: chưa đạt" in result.output
    assert register["open"] in result.output and "chưa trả lời" in result.output
    empty = runner.invoke(args=["stats", "petitions", "--unit", "xa-a1", "--from",
                                "2025-01-01", "--to", "2025-01-31"])
    assert "chưa có phản ánh, kiến nghị nào được tính" in empty.output


@pytest.mark.parametrize("args", [
    ["--unit", "nope", "--from", "2026-03-01", "--to", "2026-03-31"],
    ["--unit", "xa-a1", "--from", "2026-03-31", "--to", "2026-03-01"],
    ["--unit", "xa-a1", "--from", "2026-02-30", "--to", "2026-03-01"],
])
def test_stats_refuses_bad_input(runner: FlaskCliRunner, world: Any, args: list[str]) -> None:
    result = runner.invoke(args=["stats", "petitions", *args, "--json"])
    assert result.exit_code != 0 and "Error" in result.output


def test_calendar_show_lists_holidays_and_admin_days(runner: FlaskCliRunner) -> None:
    rows = _json(runner, "calendar", "show", "--year", "2026", "--json")
    assert all(set(r) == {"date", "working", "name", "source"} for r in rows)
    assert {"date": "2026-09-02", "working": False, "source": "holiday"}.items() <= next(
        r for r in rows if r["date"] == "2026-09-02").items()
    set_ = runner.invoke(args=["calendar", "set", "--date", "2026-12-24", "--off",
                               "--note", "Quyết định của UBND tỉnh"])
    assert set_.exit_code == 0, set_.output
    rows = _json(runner, "calendar", "show", "--year", "2026", "--json")
    assert {"date": "2026-12-24", "working": False, "name": "Ngày nghỉ thêm",
            "source": "admin"} in rows
    text = runner.invoke(args=["calendar", "show", "--year", "2026"])
    assert "2026-12-24  nghỉ" in text.output


def test_calendar_set_and_unset_move_open_deadlines(
        app: Flask, runner: FlaskCliRunner, world: Any, petition: Any) -> None:
    p = petition(world.commune, received_at=MONDAY)
    assert p.reply_due == date(2026, 3, 16)

    def due() -> date:
        with app.app_context():
            return db.session.scalar(select(Petition.reply_due).where(Petition.code == p.code))

    off = runner.invoke(args=["calendar", "set", "--date", "2026-03-10", "--off"])
    assert off.exit_code == 0 and "Đã tính lại hạn của 1 phản ánh" in off.output
    assert due() == date(2026, 3, 17)
    back = runner.invoke(args=["calendar", "unset", "--date", "2026-03-10"])
    assert back.exit_code == 0 and "Đã tính lại hạn của 1 phản ánh" in back.output
    assert due() == date(2026, 3, 16)
    saturday = runner.invoke(args=["calendar", "set", "--date", "2026-03-07", "--work"])
    assert saturday.exit_code == 0
    assert due() == date(2026, 3, 13)


@pytest.mark.parametrize(("args", "message"), [
    (["set", "--date", "2026-03-10"], "--off"),
    (["set", "--date", "2026-02-30", "--off"], "not a date"),
    (["set", "--date", "2026-03-10", "--off", "--note", "a\nb"], "--note"),
    (["unset", "--date", "2026-03-11"], "no entry"),
    (["show", "--year", "1800"], "1800"),
    (["set", "--date", "0001-01-01", "--off"], "2000–2100"),
    (["set", "--date", "9999-12-31", "--work"], "2000–2100"),
])
def test_calendar_refuses_bad_input(runner: FlaskCliRunner, world: Any, args: list[str],
                                    message: str) -> None:
    result = runner.invoke(args=["calendar", *args])
    assert result.exit_code != 0 and message in result.output, result.output
