"""The periodic report as a workbook: every figure of the report, one sheet per table, as
numbers a spreadsheet can add up (percentages as numbers with two decimals, not text).

The words are the report's Vietnamese: the workbook goes to the province as data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from feedback.reports.periodic import Report, Words

KINDS = {"monthly": "Báo cáo tháng", "quarterly": "Báo cáo quý", "yearly": "Báo cáo năm"}
COMPARED = {"previous": "Kỳ trước", "last_year": "Cùng kỳ năm trước",
            "year_to_date": "Lũy kế từ đầu năm"}
FIGURE_HEADER = ["Mã", "Nội dung", "Tỷ lệ (%)", "n", "Cận dưới 95%", "Cận trên 95%",
                 "So với mục tiêu"]
PETITION_ROWS = [
    ("carried_over", "Kỳ trước chuyển sang"), ("received", "Tiếp nhận trong kỳ"),
    ("not_accepted", "Không đủ điều kiện xử lý"), ("transferred", "Chuyển cơ quan khác"),
    ("answered_on_time", "Đã trả lời đúng hạn"), ("answered_late", "Đã trả lời quá hạn"),
    ("open_in_time", "Đang giải quyết, trong hạn"), ("open_overdue", "Đang giải quyết, quá hạn"),
    ("gop_y", "Góp ý không tính vào tỷ lệ"),
]
_BOLD = Font(bold=True)


def _figure_row(f: dict[str, Any], status: Mapping[str, str]) -> list[Any]:
    low, high = f["ci95"] if f["ci95"] else (None, None)
    return [f["code"], f["label"], f["value"], f["n"], low, high, status[f["status"]]]


def _table(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    ws.append(list(header))
    for cell in ws[ws.max_row]:
        cell.font = _BOLD
    for row in rows:
        ws.append(list(row))


def _title(ws: Worksheet, text: str) -> None:
    if ws.max_row > 1 or ws["A1"].value is not None:
        ws.append([])
    ws.append([text])
    ws.cell(ws.max_row, 1).font = _BOLD


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width


def write(report: Report, out: IO[bytes], words: Words) -> None:
    s, p, status = report.satisfaction, report.petitions, words.status
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    ws = wb.create_sheet("Tổng hợp")
    ws.append([f"{KINDS[report.kind]} — {report.unit_name}"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in [
        ("Đơn vị", f"{report.unit_name} ({report.unit_code})"),
        ("Từ ngày", report.period.first), ("Đến ngày", report.period.last),
        ("Múi giờ", s["period"]["timezone"]),
        ("Lập lúc (UTC)", report.generated_at.replace(tzinfo=None, microsecond=0)),
        ("Cách tổng hợp", s["aggregation"]), ("Số phiếu", s["responses"]),
    ]:
        ws.append([label, value])
    _title(ws, f"Mức độ hài lòng (mục tiêu {s['target_percent']:g}%)")
    _table(ws, FIGURE_HEADER, [_figure_row(f, status) for f in
                               [s["service"], *s["elements"], *s["items"]]])
    _title(ws, "Câu hỏi có/không (tỷ lệ trả lời có)")
    _table(ws, FIGURE_HEADER, [_figure_row(f, status) for f in s["yesno"]])
    _title(ws, "Đánh giá nhanh tại quầy (SAT3), tính riêng")
    _table(ws, FIGURE_HEADER, [_figure_row(s["overall_sat3"], status)])
    _title(ws, "Phân bố câu trả lời SAT5")
    _table(ws, ["Mức", "Số câu trả lời"], [(int(k), v) for k, v in
                                             sorted(s["sat5_distribution"].items())])
    _title(ws, "Số phiếu theo kênh")
    _table(ws, ["Kênh", "Số phiếu"], sorted(s["by_channel"].items()))
    _title(ws, f"Phản ánh, kiến nghị (mục tiêu {p['target']:g}% đúng hạn)")
    _table(ws, ["Chỉ tiêu", "Số lượng"],
           [(label, p[key]) for key, label in PETITION_ROWS]
           + [("Tỷ lệ đúng hạn (%)", p["on_time_rate"]),
              ("Đạt mục tiêu", {True: "Đạt", False: "Chưa đạt", None: ""}[p["meets_target"]]),
              ("Hài lòng về giải quyết PAKN (%)", p["satisfaction"]["percent"])])
    _title(ws, "So sánh")
    _table(ws, ["Kỳ", "Từ ngày", "Đến ngày", "Chỉ số hài lòng (%)", "n", "Số phiếu",
                "PAKN đúng hạn (%)", "PAKN tính tỷ lệ"],
           [(COMPARED[c.key], c.period.first, c.period.last, c.service["value"],
             c.service["n"], c.responses, c.on_time_rate, c.on_time_counted)
            for c in report.compared])
    _widths(ws, [34, 60, 14, 8, 14, 14, 20, 16])
    _groups(wb, "Theo quầy", s["by_counter"], status)
    _groups(wb, "Theo thủ tục", s["by_procedure"], status)
    if report.children:
        ws = wb.create_sheet("Đơn vị trực thuộc")
        _table(ws, ["Đơn vị", "Mã", "Chỉ số hài lòng (%)", "n", "So với 90%", "Số phiếu",
                    "PAKN đúng hạn (%)", "PAKN tính tỷ lệ", "So với 100%"],
               [(c.name, c.code, c.service["value"], c.service["n"],
                 status[c.service["status"]], c.responses, c.on_time_rate, c.on_time_counted,
                 {True: "Đạt", False: "Chưa đạt", None: ""}[c.meets_on_time])
                for c in report.children])
        _widths(ws, [34, 16, 18, 8, 20, 10, 18, 16, 12])
    ws = wb.create_sheet("PAKN")
    _table(ws, ["Kênh tiếp nhận", "Số lượng"], sorted(p["received_by_channel"].items()))
    _title(ws, "Theo lĩnh vực")
    _table(ws, ["Lĩnh vực", "Số lượng"], sorted(p["received_by_category"].items()))
    _title(ws, "Quá hạn và trễ hạn")
    _table(ws, ["Mã", "Đơn vị", "Trạng thái", "Tiếp nhận", "Hạn trả lời", "Trả lời lúc",
                "Số ngày trễ", "Lý do"],
           [(i["code"], i["unit"], i["status"], i["received_at"], i["reply_due"],
             i["answered_at"], i["days_late"], i["reason"]) for i in p["late_items"]])
    _widths(ws, [22, 16, 16, 26, 14, 26, 12, 50])
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, datetime):
                    cell.number_format = "dd/mm/yyyy hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "dd/mm/yyyy"
    wb.save(out)


def _groups(wb: Workbook, title: str, rows: list[dict[str, Any]],
            status: Mapping[str, str]) -> None:
    ws = wb.create_sheet(title)
    _table(ws, ["Tên", "Mã", "Chỉ số hài lòng (%)", "n", "Cận dưới 95%", "Cận trên 95%",
                "So với mục tiêu", "Số phiếu"],
           [(g["name"], g["code"], *_figure_row(g, status)[2:], g["responses"])
            for g in rows])
    _widths(ws, [50, 12, 18, 8, 14, 14, 20, 10])
