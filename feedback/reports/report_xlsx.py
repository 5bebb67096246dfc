"""The periodic report as a workbook: every figure of the report, one sheet per table, as
numbers a spreadsheet can add up (percentages as numbers with two decimals, not text).

The words are the report's Vietnamese whatever the reader's language: the workbook goes
to the province as data, and its sheet and column names are that data's format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from feedback.msgid import N_
from feedback.reports.exports import defuse
from feedback.reports.periodic import Report, Words

#: Words the documents share with the workbook: msgids, Vietnamese as they stand here (the
#: workbook's format), read through gettext by report_sections for a document in English.
KINDS = {"monthly": N_("Báo cáo tháng"), "quarterly": N_("Báo cáo quý"),
         "yearly": N_("Báo cáo năm")}
COMPARED = {"previous": N_("Kỳ trước"), "last_year": N_("Cùng kỳ năm trước"),
            "year_to_date": N_("Lũy kế từ đầu năm")}
FIGURE_HEADER = ["Mã", "Nội dung", "Tỷ lệ (%)", "n", "Cận dưới 95%", "Cận trên 95%",
                 "So với mục tiêu"]
PETITION_ROWS = [
    ("carried_over", N_("Kỳ trước chuyển sang")), ("received", N_("Tiếp nhận trong kỳ")),
    ("not_accepted", N_("Không đủ điều kiện xử lý")),
    ("transferred", N_("Chuyển cơ quan khác")),
    ("answered_on_time", N_("Đã trả lời đúng hạn")),
    ("answered_late", N_("Đã trả lời quá hạn")),
    ("open_in_time", N_("Đang giải quyết, trong hạn")),
    ("open_overdue", N_("Đang giải quyết, quá hạn")),
    ("gop_y", N_("Góp ý không tính vào tỷ lệ")),
]
#: The imported dossiers' table (documents and the "Hồ sơ" sheet) and its words.
DOSSIER_HEADER = [N_("Thủ tục"), N_("Tiếp nhận"), N_("Đến hạn"), N_("Đúng hạn"),
                  N_("Trễ hạn"), N_("Quá hạn chưa trả"), N_("Tỷ lệ đúng hạn"), N_("QĐ 766")]
DOSSIER_TOTAL = N_("Tổng cộng")
DOSSIER_QD766 = N_("Tỷ lệ hồ sơ giải quyết đúng hạn theo QĐ 766 (hồ sơ quá hạn chưa trả "
                   "tính là trễ hạn)")
NO_DOSSIERS = N_("Chưa có hồ sơ thủ tục hành chính nào được nhập cho kỳ này (lệnh feedback "
                 "dossiers import), nên chưa có số liệu hồ sơ đúng hạn, trễ hạn.")
_BOLD = Font(bold=True)


def procedure_label(row: Mapping[str, Any]) -> str:
    """A dossier row's procedure: its name, else its code; dossiers of an export without
    a procedure column are "Không rõ thủ tục"."""
    return str(row.get("name") or row.get("code") or "Không rõ thủ tục")


def _figure_row(f: dict[str, Any], status: Mapping[str, str]) -> list[Any]:
    low, high = f["ci95"] if f["ci95"] else (None, None)
    return [f["code"], f["label"], f["value"], f["n"], low, high, status[f["status"]]]


def _table(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    ws.append(list(header))
    for cell in ws[ws.max_row]:
        cell.font = _BOLD
    for row in rows:
        # Names, reasons and comments are typed by people: none may run as a formula.
        ws.append([defuse(v) if isinstance(v, str) else v for v in row])


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
        ws.append([label, defuse(value) if isinstance(value, str) else value])
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
    _dossier_sheet(wb, report.dossiers)
    ws = wb.create_sheet("Ý kiến")
    _table(ws, ["Lúc", "Quầy", "Ý kiến"],
           [(c["at"], c["counter"], c["text"]) for c in report.comments])
    _widths(ws, [18, 30, 100])
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, datetime):
                    cell.number_format = "dd/mm/yyyy hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "dd/mm/yyyy"
    wb.save(out)


def _dossier_sheet(wb: Workbook, d: Mapping[str, Any]) -> None:
    """"Hồ sơ": per procedure the dossiers received and due in the period, on time, late,
    overdue and not returned, still in time, both rates; the total; the matched survey
    answers. One sentence instead when none was imported for the period."""
    ws = wb.create_sheet("Hồ sơ")
    t = d.get("totals")
    if not t or not (t["received"] or t["due"]):
        ws.append([NO_DOSSIERS])
        return
    ws.append(["Trạng thái tính đến hết ngày", date.fromisoformat(d["returned_by"])])
    _title(ws, f"Hồ sơ theo thủ tục (mục tiêu {d['target']:g}% đúng hạn)")
    _table(ws, ["Mã thủ tục", "Thủ tục", "Tiếp nhận", "Đến hạn", "Đúng hạn", "Trễ hạn",
                "Quá hạn chưa trả", "Chưa đến hạn", "Tỷ lệ đúng hạn (%)", "QĐ 766 (%)"],
           [(r["code"], procedure_label(r), r["received"], r["due"], r["on_time"], r["late"],
             r["open_overdue"], r["open_in_time"], r["on_time_rate"], r["qd766_ratio"])
            for r in [*d["procedures"], t | {"name": DOSSIER_TOTAL}]])
    matched = d["responses"]
    _title(ws, "Phiếu đánh giá có ghi mã hồ sơ")
    _table(ws, ["Chỉ tiêu", "Số lượng"], [
        ("Phiếu có ghi mã hồ sơ", matched["with_code"]),
        ("Khớp với hồ sơ đã nhập", matched["matched"]),
        ("Câu trả lời thang 5 mức của các phiếu khớp", matched["answers"]),
        ("Trong đó hài lòng (4–5)", matched["satisfied"]),
        ("Tỷ lệ hài lòng (%)", matched["percent"])])
    _widths(ws, [30, 50, 12, 12, 12, 12, 18, 14, 18, 12])


def _groups(wb: Workbook, title: str, rows: list[dict[str, Any]],
            status: Mapping[str, str]) -> None:
    ws = wb.create_sheet(title)
    _table(ws, ["Tên", "Mã", "Chỉ số hài lòng (%)", "n", "Cận dưới 95%", "Cận trên 95%",
                "So với mục tiêu", "Số phiếu"],
           [(g["name"], g["code"], *_figure_row(g, status)[2:], g["responses"])
            for g in rows])
    _widths(ws, [50, 12, 18, 8, 14, 14, 20, 10])
