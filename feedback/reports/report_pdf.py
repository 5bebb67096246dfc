"""The periodic report as a PDF to print, sign and stamp: the Vietnamese administrative
layout (issuing unit, Quốc hiệu and tiêu ngữ, number and date lines left to fill, title,
body, recipients, signature block), the figures in tables, the trend chart, numbers and
dates in the reader's locale (Flask-Babel: "88,98%" in Vietnamese)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import IO, Any

from flask_babel import format_decimal
from fpdf import FPDF, FontFace

from feedback import pdf as pdf_document
from feedback.reports.periodic import Report
from feedback.reports.report_xlsx import COMPARED, KINDS, PETITION_ROWS, STATUS

SANS = pdf_document.SANS
#: NĐ 30/2020 page margins: left 30, top 20, right 15, bottom 20 mm.
LEFT, TOP, RIGHT, BOTTOM = 30.0, 20.0, 15.0, 20.0
WIDTH = 210 - LEFT - RIGHT
_HEAD = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
_PERIOD_WORDS = {"monthly": "tháng", "quarterly": "quý", "yearly": "năm"}


def _pct(value: float | None) -> str:
    return "—" if value is None else format_decimal(round(value, 2), format="0.00") + "%"


def _num(value: int | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0")


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _period_words(report: Report) -> str:
    first = report.period.first
    if report.kind == "monthly":
        return f"tháng {first.month} năm {first.year}"
    if report.kind == "quarterly":
        return f"quý {(first.month - 1) // 3 + 1} năm {first.year}"
    return f"năm {first.year}"


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, "I", 8)
        self.cell(WIDTH / 2, 5, self.footer_text)
        self.cell(WIDTH / 2, 5, f"Trang {self.page_no()}/{{nb}}", align="R")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(SANS, "B", 12)
    pdf.multi_cell(WIDTH, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 10)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float], align: Sequence[str]) -> None:
    pdf.set_font(SANS, "", 9)
    with pdf.table(col_widths=tuple(widths), text_align=tuple(align),  # type: ignore[arg-type]
                   headings_style=_HEAD, line_height=5, width=WIDTH,
                   repeat_headings=1) as table:
        table.row(list(header))
        for row in rows:
            table.row(list(row))
    pdf.ln(2)


def _figures(rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [[f["code"], f["label"], _pct(f["value"]), _num(f["n"]),
             "" if not f["ci95"] else f"{_pct(f['ci95'][0])} – {_pct(f['ci95'][1])}",
             STATUS[f["status"]]] for f in rows]


def write(report: Report, out: IO[bytes], *, parent_name: str | None = None,
          trend_png: bytes | None = None, channel_words: Mapping[str, str] | None = None
          ) -> None:
    """`parent_name` heads the issuing unit (the province above a commune); the CLI
    passes the chart and the channels' words, which live with the pages."""
    channel_words = channel_words or {}
    s, p = report.satisfaction, report.petitions
    pdf = pdf_document.new_document(created=report.generated_at, cls=_Document,
                                    margins=(LEFT, TOP, RIGHT), page_break=BOTTOM)
    pdf.footer_text = ("Lập tự động lúc " + report.generated_at.strftime("%H:%M %d/%m/%Y")
                       + " (UTC) từ hệ thống Góp ý")
    pdf.alias_nb_pages()
    pdf.add_page()
    # The header: issuing unit on the left, Quốc hiệu and tiêu ngữ on the right.
    half = WIDTH / 2
    top = pdf.get_y()
    pdf.set_font(SANS, "", 10)
    if parent_name:
        pdf.multi_cell(half - 5, 5, parent_name.upper(), align="C", new_x="LMARGIN",
                       new_y="NEXT")
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(half - 5, 5, report.unit_name.upper(), align="C", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font(SANS, "", 10)
    pdf.multi_cell(half - 5, 7, "Số: ........ /BC-........", align="C", new_x="LMARGIN",
                   new_y="NEXT")
    left_end = pdf.get_y()
    pdf.set_xy(LEFT + half - 5, top)
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(half + 5, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C",
                   new_x="LEFT", new_y="NEXT")
    pdf.set_font(SANS, "B", 11)
    pdf.multi_cell(half + 5, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LEFT",
                   new_y="NEXT")
    line_y = pdf.get_y() + 0.5
    pdf.line(LEFT + half + 20, line_y, LEFT + WIDTH - 15, line_y)
    pdf.set_font(SANS, "I", 10)
    pdf.set_y(line_y + 2)
    pdf.set_x(LEFT + half - 5)
    pdf.multi_cell(half + 5, 6, "............, ngày ..... tháng ..... năm ..........",
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), left_end) + 6)
    pdf.set_font(SANS, "B", 14)
    pdf.cell(WIDTH, 8, "BÁO CÁO", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "B", 11)
    pdf.multi_cell(WIDTH, 6, "Kết quả đo lường sự hài lòng và giải quyết phản ánh, kiến "
                   f"nghị {_period_words(report)}", align="C", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font(SANS, "I", 10)
    pdf.cell(WIDTH, 6, f"({KINDS[report.kind]}, từ {report.period.label()})", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    _heading(pdf, f"I. Mức độ hài lòng (mục tiêu {s['target_percent']:g}%)")
    service = s["service"]
    pdf.multi_cell(WIDTH, 5.5, (
        f"Chỉ số hài lòng về cung ứng dịch vụ hành chính công: {_pct(service['value'])} "
        f"({STATUS[service['status']].lower() or 'không đánh giá'}), trên "
        f"{_num(service['n'])} người trả lời; tổng số {_num(s['responses'])} phiếu "
        f"(" + ", ".join(f"{channel_words.get(k, k).lower()}: {_num(v)}"
                         for k, v in sorted(s["by_channel"].items()))
        + f"). Dưới {s['min_sample']} câu trả lời: chưa đủ để kết luận."),
        new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _table(pdf, ["Mã", "Nội dung", "Tỷ lệ", "n", "Khoảng tin cậy 95%", "So với mục tiêu"],
           _figures([service, *s["elements"], *s["items"], *s["yesno"], s["overall_sat3"]]),
           (17, 58, 17, 11, 37, 25), ("LEFT", "LEFT", "RIGHT", "RIGHT", "CENTER", "LEFT"))
    if trend_png:
        pdf.image(io.BytesIO(trend_png), w=WIDTH)
        pdf.ln(2)

    _heading(pdf, f"II. Phản ánh, kiến nghị (mục tiêu {p['target']:g}% đúng hạn)")
    rows = [[label, _num(p[key])] for key, label in PETITION_ROWS]
    rows.append(["Tỷ lệ giải quyết đúng hạn", _pct(p["on_time_rate"])])
    rows.append(["Hài lòng về giải quyết PAKN (QĐ 766)", _pct(p["satisfaction"]["percent"])])
    _table(pdf, ["Chỉ tiêu", "Số lượng"], rows, (130, 35), ("LEFT", "RIGHT"))
    if p["late_items"]:
        _table(pdf, ["Mã", "Đơn vị", "Hạn trả lời", "Trễ (ngày)", "Lý do"],
               [[i["code"], i["unit"], _day(i["reply_due"]), _num(i["days_late"]),
                 i["reason"] or ""] for i in p["late_items"]],
               (25, 30, 25, 20, 65), ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"))

    _heading(pdf, "III. So sánh")
    _table(pdf, ["Kỳ", "Thời gian", "Chỉ số hài lòng", "n", "PAKN đúng hạn"],
           [[COMPARED[c.key], c.period.label(), _pct(c.service["value"]),
             _num(c.service["n"]), _pct(c.on_time_rate)] for c in report.compared],
           (40, 50, 30, 15, 30), ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"))
    if report.children:
        _heading(pdf, "IV. Các đơn vị trực thuộc (chưa đạt mục tiêu xếp trước)")
        _table(pdf, ["Đơn vị", "Chỉ số hài lòng", "n", "So với 90%", "PAKN đúng hạn"],
               [[c.name, _pct(c.service["value"]), _num(c.service["n"]),
                 STATUS[c.service["status"]], _pct(c.on_time_rate)]
                for c in report.children],
               (55, 28, 14, 38, 30), ("LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT"))

    # Recipients on the left, the signature block on the right, kept together.
    if pdf.get_y() > 297 - BOTTOM - 45:
        pdf.add_page()
    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_font(SANS, "BI", 10)
    pdf.cell(half, 5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 9)
    for line in ("- Như trên;", "- Lưu: VT."):
        pdf.cell(half, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(LEFT + half, y)
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(half, 5, "THỦ TRƯỞNG ĐƠN VỊ", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(SANS, "I", 9)
    pdf.multi_cell(half, 5, "(Ký, ghi rõ họ tên, đóng dấu)", align="C", new_x="LEFT",
                   new_y="NEXT")
    out.write(bytes(pdf.output()))
