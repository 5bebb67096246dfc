"""The periodic report as a PDF to print, sign and stamp: the Vietnamese administrative
layout (issuing unit, Quốc hiệu and tiêu ngữ, number and date lines left to fill, title,
body, recipients, signature block), the figures in tables, the trend chart, numbers and
dates in the reader's locale (Flask-Babel: "88,98%" in Vietnamese)."""

from __future__ import annotations

import io
from typing import IO

from fpdf import FPDF, FontFace

from feedback import pdf as pdf_document
from feedback.reports import report_sections as sections
from feedback.reports.periodic import Report, Words

SANS = pdf_document.SANS
#: NĐ 30/2020 page margins: left 30, top 20, right 15, bottom 20 mm.
LEFT, TOP, RIGHT, BOTTOM = 30.0, 20.0, 15.0, 20.0
WIDTH = 210 - LEFT - RIGHT
_HEAD = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, "I", 8)
        self.cell(WIDTH / 2, 5, self.footer_text)
        self.cell(WIDTH / 2, 5, f"Trang {self.page_no()}/{{nb}}", align="R")


def _table(pdf: FPDF, table: sections.Table) -> None:
    pdf.set_font(SANS, "", 9)
    with pdf.table(col_widths=tuple(table.widths),
                   text_align=tuple(table.align),  # type: ignore[arg-type]
                   headings_style=_HEAD, line_height=5, width=WIDTH,
                   repeat_headings=1) as rows:
        rows.row(list(table.header))
        for row in table.rows:
            rows.row(list(row))
    pdf.ln(2)


def write(report: Report, out: IO[bytes], words: Words, *, parent_name: str | None = None,
          trend_png: bytes | None = None) -> None:
    """`parent_name` heads the issuing unit (the province above a commune); the CLI
    passes the chart."""
    pdf = pdf_document.new_document(created=report.generated_at, cls=_Document,
                                    margins=(LEFT, TOP, RIGHT), page_break=BOTTOM)
    pdf.footer_text = sections.generated(report)
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
    pdf.multi_cell(half - 5, 7, sections.NUMBER_LINE, align="C", new_x="LMARGIN",
                   new_y="NEXT")
    left_end = pdf.get_y()
    pdf.set_xy(LEFT + half - 5, top)
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(half + 5, 5, sections.NATION, align="C",
                   new_x="LEFT", new_y="NEXT")
    pdf.set_font(SANS, "B", 11)
    pdf.multi_cell(half + 5, 5, sections.MOTTO, align="C", new_x="LEFT",
                   new_y="NEXT")
    line_y = pdf.get_y() + 0.5
    pdf.line(LEFT + half + 20, line_y, LEFT + WIDTH - 15, line_y)
    pdf.set_font(SANS, "I", 10)
    pdf.set_y(line_y + 2)
    pdf.set_x(LEFT + half - 5)
    pdf.multi_cell(half + 5, 6, sections.DATE_LINE,
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), left_end) + 6)
    pdf.set_font(SANS, "B", 14)
    pdf.cell(WIDTH, 8, "BÁO CÁO", align="C", new_x="LMARGIN", new_y="NEXT")
    subtitle, kind_line = sections.title(report)
    pdf.set_font(SANS, "B", 11)
    pdf.multi_cell(WIDTH, 6, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "I", 10)
    pdf.cell(WIDTH, 6, kind_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    for section in sections.sections(report, words):
        pdf.ln(3)
        pdf.set_font(SANS, "B", 12)
        pdf.multi_cell(WIDTH, 6, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(SANS, "", 10)
        if section.lead:
            pdf.multi_cell(WIDTH, 5.5, section.lead, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for i, table in enumerate(section.tables):
            _table(pdf, table)
            if i == 0 and section.chart and trend_png:
                pdf.image(io.BytesIO(trend_png), w=WIDTH)
                pdf.ln(2)

    # Recipients on the left, the signature block on the right, kept together.
    if pdf.get_y() > 297 - BOTTOM - 45:
        pdf.add_page()
    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_font(SANS, "BI", 10)
    pdf.cell(half, 5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 9)
    for line in sections.RECIPIENTS:
        pdf.cell(half, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(LEFT + half, y)
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(half, 5, sections.SIGNER, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(SANS, "I", 9)
    pdf.multi_cell(half, 5, sections.SIGN_HINT, align="C", new_x="LEFT",
                   new_y="NEXT")
    out.write(bytes(pdf.output()))
