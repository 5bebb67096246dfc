"""The periodic report's workbook holds exactly the figures the API gives for the same unit
and period; its month is a local month; it compares and ranks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from tests_support import pdf_text

from feedback.reports import cells
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _month() -> tuple[date, date]:
    """Last month: folded into the aggregate, so the report reads its blocks."""
    last = cells.month_start(datetime.now(TZ).date()) - timedelta(days=1)
    return cells.month_start(last), last


@pytest.fixture
def answered(app, world):
    """Responses at both communes in last month, one at 23:30 local time on its last day
    (in the month) and one at 00:30 on the next month's first day (not in it)."""
    first, last = _month()
    items = catalogue.current("full").items
    given = [(first + timedelta(days=d), time(9 + d % 8), counter, value)
             for d in range(0, 28, 2)
             for counter, value in ((world.full_counter, 5), (world.sibling_counter, 3))]
    given += [(last, time(23, 30), world.full_counter, 1),
              (last + timedelta(days=1), time(0, 30), world.full_counter, 1)]
    with app.app_context():
        for i, (day, at, counter, value) in enumerate(given):
            record(NewResponse(f"{i:032x}", counter.id, counter.unit_id,
                               catalogue.current(counter.questionnaire),
                               {item: value for item in items} | {"HARASS": int(value < 3)},
                               procedure_id=world.procedure.id if i % 2 else None,
                               answered_at=datetime.combine(day, at, tzinfo=TZ)
                               .astimezone(UTC)))
    return first, last


def _rows(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(values_only=True) if any(v is not None for v in row)]


def _figure_rows(ws) -> dict[str, tuple]:
    return {row[0]: row for row in _rows(ws) if isinstance(row[3], int)
            and isinstance(row[0], str) and row[0].isupper()}


def test_the_workbook_holds_the_apis_figures(app, client, runner, world, login, answered,
                                             petition, tmp_path) -> None:
    first, last = answered
    petition(world.commune, received_at=datetime.combine(first, time(10), tzinfo=TZ))
    out = tmp_path / "report.xlsx"
    result = runner.invoke(args=["report", "monthly", "--unit", world.province.code,
                                 "--period", f"{first:%Y-%m}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    login(world.admin)
    query = f"unit={world.province.code}&from={first}&to={last}"
    api = client.get(f"/api/v1/satisfaction?{query}").get_json()
    pakn = client.get(f"/api/v1/petitions/stats?{query}").get_json()

    book = load_workbook(out)
    summary = book["Tổng hợp"]
    rows = _rows(summary)
    assert dict((r[0], r[1]) for r in rows if len(r) > 1)["Số phiếu"] == api["responses"]
    # 29 in the month: 28 by day, and the one at 23:30 on its last day; not the 00:30.
    assert api["responses"] == 29
    figures = _figure_rows(summary)
    for f in [api["service"], *api["elements"], *api["items"], *api["yesno"]]:
        _code, _label, value, n, low, high, _status = figures[f["code"]][:7]
        assert (value, n) == (f["value"], f["n"]), f["code"]
        assert [low, high] == (f["ci95"] or [None, None])
    counts = {r[0]: r[1] for r in rows if isinstance(r[0], str) and isinstance(r[1], int)}
    assert counts["Tiếp nhận trong kỳ"] == pakn["received"] == 1
    assert counts["Đang giải quyết, trong hạn"] == pakn["open_in_time"]

    children = _rows(book["Đơn vị trực thuộc"])[1:]
    by_code = {row[1]: row for row in children}
    for child in api["children"]:
        row = next(r for r in children if r[0] == child["name"])
        assert (row[2], row[3], row[5]) == (child["value"], child["n"], child["responses"])
    # The dashboard's ranking, with the units below either target moved first.
    below = [c["code"] for c in api["children"] if c["status"] == "below"
             or by_code[c["code"]][8] == "Chưa đạt"]
    assert [r[1] for r in children] == below + [c["code"] for c in api["children"]
                                                if c["code"] not in below]
    assert len(children) == 2
    groups = {row[0]: row for row in _rows(book["Theo quầy"])[1:]}
    for counter in api["by_counter"]:
        assert groups[counter["name"]][2:4] == (counter["value"], counter["n"])


def _vi_percent(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") + "%"


def test_the_pdf_holds_the_apis_figures_in_the_administrative_layout(
        app, client, runner, world, login, answered, petition, tmp_path) -> None:
    first, last = answered
    petition(world.commune, received_at=datetime.combine(first, time(10), tzinfo=TZ))
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "monthly", "--unit", world.province.code,
                                 "--period", f"{first:%Y-%m}", "--format", "pdf",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "BÁO CÁO", f"tháng {first.month} năm {first.year}", "Chỉ số hài lòng",
                  "Nơi nhận:", "THỦ TRƯỞNG ĐƠN VỊ", world.province.name.upper()):
        assert words in text, words
    login(world.admin)
    query = f"unit={world.province.code}&from={first}&to={last}"
    api = client.get(f"/api/v1/satisfaction?{query}").get_json()
    for f in [api["service"], *api["elements"]]:
        assert _vi_percent(f["value"]) in text, f["code"]
    for child in api["children"]:
        assert child["name"] in text


def test_the_docx_holds_the_same_sections_and_figures(app, client, runner, world, login,
                                                      answered, tmp_path) -> None:
    first, last = answered
    out = tmp_path / "report.docx"
    result = runner.invoke(args=["report", "monthly", "--unit", world.province.code,
                                 "--period", f"{first:%Y-%m}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = Document(str(out))
    words = [p.text for p in document.paragraphs]
    for table in document.tables:
        words += [cell.text for row in table.rows for cell in row.cells]
    text = " ".join(" ".join(words).split())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BÁO CÁO", "Nơi nhận:",
                     "I. Mức độ hài lòng", "II. Phản ánh, kiến nghị", "THỦ TRƯỞNG ĐƠN VỊ",
                     f"tháng {first.month} năm {first.year}"):
        assert expected in text, expected
    login(world.admin)
    api = client.get(f"/api/v1/satisfaction?unit={world.province.code}&from={first}"
                     f"&to={last}").get_json()
    rows = {t.rows[i].cells[0].text: [c.text for c in t.rows[i].cells]
            for t in document.tables for i in range(len(t.rows))}
    for f in [api["service"], *api["elements"], *api["items"]]:
        assert rows[f["code"]][2:4] == [_vi_percent(f["value"]), str(f["n"])], f["code"]
    assert document.inline_shapes, "the twelve-month chart"


def test_the_report_compares_with_the_year_before_and_the_year_to_date(
        app, client, login, runner, world, answered, tmp_path) -> None:
    first, _last = answered
    out = tmp_path / "q.xlsx"
    quarter = (first.month - 1) // 3 + 1
    result = runner.invoke(args=["report", "quarterly", "--unit", world.commune.code,
                                 "--period", f"{first.year}-Q{quarter}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _rows(load_workbook(out)["Tổng hợp"])
    compared = {r[0]: r for r in rows if r[0] in ("Kỳ trước", "Cùng kỳ năm trước",
                                                  "Lũy kế từ đầu năm")}
    assert set(compared) == {"Kỳ trước", "Cùng kỳ năm trước", "Lũy kế từ đầu năm"}
    assert compared["Lũy kế từ đầu năm"][1].date() == date(first.year, 1, 1)
    assert compared["Cùng kỳ năm trước"][1].date().year == first.year - 1
    login(world.admin)
    for row in compared.values():  # each as the API gives that period
        api = client.get(f"/api/v1/satisfaction?unit={world.commune.code}"
                         f"&from={row[1].date()}&to={row[2].date()}").get_json()
        assert (row[3], row[4], row[5]) == (api["service"]["value"], api["service"]["n"],
                                            api["responses"])


@pytest.mark.parametrize(("args", "message"), [
    (["report", "monthly", "--unit", "khong-co", "--period", "2026-10"], "khong-co"),
    (["report", "monthly", "--unit", "xa-a1", "--period", "2026-13"], "2026-10"),
    (["report", "quarterly", "--unit", "xa-a1", "--period", "2026-10"], "2026-Q3"),
    (["report", "monthly", "--unit", "xa-a1", "--period", "2026-10", "--format", "odt"],
     "odt"),
])
def test_a_bad_report_request_says_why_and_writes_nothing(runner, world, tmp_path, args,
                                                          message) -> None:
    out = tmp_path / "none.xlsx"
    result = runner.invoke(args=[*args, "--out", str(out)])
    assert result.exit_code != 0 and message in result.output
    assert not out.exists()


def test_a_report_without_answers_says_so(runner, world, tmp_path) -> None:
    out = tmp_path / "empty.pdf"
    result = runner.invoke(args=["report", "yearly", "--unit", world.province.code,
                                 "--period", "2020", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "tổng số 0 phiếu." in text and "Chưa có câu trả lời" in text and "()" not in text
    # No dossier imported for the period: one sentence, no empty table.
    assert "III. Hồ sơ thủ tục hành chính (mục tiêu 100% đúng hạn) Chưa có hồ sơ thủ tục " \
           "hành chính nào được nhập cho kỳ này" in text
    assert "Quá hạn chưa trả" not in text


# --- Dossiers (issue 9): the imported TTHC export's section and sheet --------------------

@pytest.fixture
def dossiers(app, world, answered, tmp_path):
    """Last month's dossiers at the commune (on time, late, overdue, due on the last day
    and returned the next, received but due next month) and one survey answer that names
    one of them; returns the province's dossier figures as the report reads them."""
    from feedback.dossiers import stats
    from feedback.dossiers.services import import_dossiers
    from feedback.extensions import db
    from feedback.models import Unit
    from feedback.reports.periods import Period

    first, last = answered
    d = lambda days: f"{first + timedelta(days=days):%d/%m/%Y}"  # noqa: E731
    rows = [f"HS-1,HT01,{d(0)} 08:00,{d(3)},{d(3)} 16:30",
            f"HS-2,HT01,{d(0)} 09:00,{d(5)},{d(6)} 08:00",
            f"HS-3,HT01,{d(1)} 09:00,{d(10)},",
            f"HS-4,HT01,{d(20)} 09:00,{last:%d/%m/%Y},{last + timedelta(days=1):%d/%m/%Y}",
            f"HS-5,HT01,{last:%d/%m/%Y} 10:00,{last + timedelta(days=5):%d/%m/%Y},"]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(["Mã hồ sơ,Mã thủ tục,Ngày tiếp nhận,Ngày hẹn trả,"
                               "Ngày trả kết quả", *rows]) + "\n", encoding="utf-8")
    with app.app_context():
        import_dossiers(str(path), world.commune.code)
        record(NewResponse("f" * 32, world.full_counter.id, world.commune.id,
                           catalogue.current("full"),
                           {item: 4 for item in catalogue.current("full").items},
                           dossier="hs 1", answered_at=datetime.combine(
                               first + timedelta(days=4), time(10), tzinfo=TZ)))
        figures = stats.figures_for(db.session.get(Unit, world.province.id),
                                    Period(first, last)).as_dict()
    assert figures["totals"]["due"] == 4 and figures["responses"]["matched"] == 1
    return figures


def test_the_dossier_figures_in_all_three_formats(runner, world, answered, dossiers,
                                                  tmp_path) -> None:
    first, _last = answered
    totals = dossiers["totals"]
    assert (totals["on_time"], totals["late"], totals["open_overdue"],
            totals["received"]) == (1, 1, 2, 5)
    assert totals["qd766_ratio"] == 25.0 and totals["on_time_rate"] == 50.0
    outputs = {}
    for fmt in ("xlsx", "docx", "pdf"):
        outputs[fmt] = tmp_path / f"report.{fmt}"
        result = runner.invoke(args=["report", "monthly", "--unit", world.province.code,
                                     "--period", f"{first:%Y-%m}", "--out",
                                     str(outputs[fmt])])
        assert result.exit_code == 0, result.output

    # The workbook: the same numbers, as numbers.
    sheet = _rows(load_workbook(outputs["xlsx"])["Hồ sơ"])
    start = next(i for i, r in enumerate(sheet) if r[0] == "Mã thủ tục")
    keys = ("code", "name", "received", "due", "on_time", "late", "open_overdue",
            "open_in_time", "on_time_rate", "qd766_ratio")
    expected = [*dossiers["procedures"], totals | {"name": "Tổng cộng"}]
    got = [r[:10] for r in sheet[start + 1:start + 1 + len(expected)]]
    words = {"code": None, "name": "Không rõ thủ tục"}  # an empty cell reads back None
    assert got == [tuple(e[k] or words[k] if k in words else e[k] for k in keys)
                   for e in expected]
    matched = {r[0]: r[1] for r in sheet if len(r) > 1 and isinstance(r[0], str)}
    assert matched["Khớp với hồ sơ đã nhập"] == dossiers["responses"]["matched"]
    assert matched["Tỷ lệ hài lòng (%)"] == dossiers["responses"]["percent"] == 100.0

    # The DOCX: the section between the petitions and the comparison, its totals row.
    document = Document(str(outputs["docx"]))
    text = " ".join(" ".join(p.text for p in document.paragraphs).split())
    assert text.index("II. Phản ánh, kiến nghị") < text.index(
        "III. Hồ sơ thủ tục hành chính") < text.index("IV. So sánh")
    assert f"theo QĐ 766 (hồ sơ quá hạn chưa trả tính là trễ hạn): " \
           f"{_vi_percent(totals['qd766_ratio'])}" in text
    rows = {t.rows[i].cells[0].text: [c.text for c in t.rows[i].cells]
            for t in document.tables for i in range(len(t.rows))}
    assert rows["Tổng cộng"] == ["Tổng cộng", *(str(totals[k]) for k in (
        "received", "due", "on_time", "late", "open_overdue")),
        _vi_percent(totals["on_time_rate"]), _vi_percent(totals["qd766_ratio"])]
    for row in dossiers["procedures"]:
        label = row["name"] or row["code"] or "Không rõ thủ tục"
        assert rows[label][1:6] == [str(row[k]) for k in ("received", "due", "on_time",
                                                          "late", "open_overdue")]

    # The PDF: the same sentence and figures.
    pdf = pdf_text(outputs["pdf"].read_bytes())
    assert "III. Hồ sơ thủ tục hành chính" in pdf and "IV. So sánh" in pdf
    assert f"{_vi_percent(totals['qd766_ratio'])}. Tỷ lệ trả đúng hạn trên số hồ sơ đã " \
           f"trả: {_vi_percent(totals['on_time_rate'])}" in pdf
    assert "1 trên 1 phiếu đánh giá có ghi mã hồ sơ khớp" in pdf
