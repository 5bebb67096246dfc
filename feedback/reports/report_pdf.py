"""The periodic report as a PDF to print, sign and stamp: the Vietnamese administrative
layout (issuing unit, Quốc hiệu and tiêu ngữ, number and date lines left to fill, title,
body, recipients, signature block), the figures in tables, the trend chart, numbers and
dates in the reader's locale (Flask-Babel: "88,98%" in Vietnamese)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO

from flask_babel import gettext as _
from fpdf import FPDF, FontFace

from feedback import pdf as pdf_document
from feedback.reports import report_sections as sections
from feedback.reports.periodic import Report, Words

SANS = pdf_document.SANS
#: The styles the report writes in (each one registered is parsed and embedded).
FONTS = tuple((SANS, style) for style in ("", "B", "I", "BI"))
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
        self.cell(WIDTH / 2, 5, _("Trang %(page)s/%(pages)s", page=self.page_no(),
                                  pages="{nb}"), align="R")


def _short(table: sections.Table) -> bool:
    return len(table.rows) <= 15


def _height(table: sections.Table) -> float:
    """About how tall a table is (rows that wrap make it taller; this is for page breaks)."""
    return 6.5 * (len(table.rows) + 1) + (6 if table.caption else 0)


def _table(pdf: FPDF, table: sections.Table) -> None:
    # A short table is not split over two pages (a long one repeats its heading row).
    if _short(table) and pdf.get_y() + _height(table) > pdf.page_break_trigger:
        pdf.add_page()
    if table.caption:
        pdf.set_font(SANS, "I", 10)
        pdf.multi_cell(WIDTH, 5.5, table.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 9)
    with pdf.table(col_widths=tuple(table.widths),
                   text_align=tuple(table.align),  # type: ignore[arg-type]
                   headings_style=_HEAD, line_height=5, width=WIDTH,
                   align="LEFT",  # within the margins: centring uses the page width
                   repeat_headings=1) as rows:
        rows.row(list(table.header))
        for row in table.rows:
            rows.row(list(row))
    pdf.ln(2)


def write(report: Report, out: IO[bytes], words: Words, *, parent_name: str | None = None,
          charts: Mapping[str, bytes] | None = None) -> None:
    """`parent_name` heads the issuing unit (the province above a commune); `charts` are
    periodic.charts' PNGs, each placed where its section names it."""
    charts = charts or {}
    pdf = pdf_document.new_document(created=report.generated_at, cls=_Document,
                                    margins=(LEFT, TOP, RIGHT), page_break=BOTTOM,
                                    fonts=FONTS)
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
    pdf.multi_cell(half - 5, 7, _(sections.NUMBER_LINE), align="C", new_x="LMARGIN",
                   new_y="NEXT")
    left_end = pdf.get_y()
    pdf.set_xy(LEFT + half - 5, top)
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(half + 5, 5, _(sections.NATION), align="C",
                   new_x="LEFT", new_y="NEXT")
    pdf.set_font(SANS, "B", 11)
    pdf.multi_cell(half + 5, 5, _(sections.MOTTO), align="C", new_x="LEFT",
                   new_y="NEXT")
    line_y = pdf.get_y() + 0.5
    pdf.line(LEFT + half + 20, line_y, LEFT + WIDTH - 15, line_y)
    pdf.set_font(SANS, "I", 10)
    pdf.set_y(line_y + 2)
    pdf.set_x(LEFT + half - 5)
    pdf.multi_cell(half + 5, 6, _(sections.DATE_LINE),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), left_end) + 6)
    pdf.set_font(SANS, "B", 14)
    pdf.cell(WIDTH, 8, _(sections.REPORT), align="C", new_x="LMARGIN", new_y="NEXT")
    subtitle, kind_line = sections.title(report)
    pdf.set_font(SANS, "B", 11)
    pdf.multi_cell(WIDTH, 6, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "I", 10)
    pdf.cell(WIDTH, 6, kind_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    for section in sections.sections(report, words):
        # A heading never ends a page: it goes with its lead and the start of its table
        # (all of a short one, which is never split).
        first = section.tables[0] if section.tables else None
        need = 12 + (len(section.lead) / 90 * 5.5 if section.lead else 0) + (
            _height(first) if first is not None and _short(first) else 30)
        if pdf.get_y() + need > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font(SANS, "B", 12)
        pdf.multi_cell(WIDTH, 6, section.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(SANS, "", 10)
        if section.lead:
            pdf.multi_cell(WIDTH, 5.5, section.lead, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for i, table in enumerate(section.tables):
            _table(pdf, table)
            for name in section.charts if i == 0 else ():
                if name in charts:
                    pdf.image(io.BytesIO(charts[name]), w=WIDTH)
                    pdf.ln(2)

    # Recipients on the left, the signature block on the right, kept together.
    if pdf.get_y() > 297 - BOTTOM - 45:
        pdf.add_page()
    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_font(SANS, "BI", 10)
    pdf.cell(half, 5, _(sections.RECIPIENTS_HEAD), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 9)
    for line in sections.RECIPIENTS:
        pdf.cell(half, 4.5, _(line), new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(LEFT + half, y)
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(half, 5, _(sections.SIGNER), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(SANS, "I", 9)
    pdf.multi_cell(half, 5, _(sections.SIGN_HINT), align="C", new_x="LEFT",
                   new_y="NEXT")
    out.write(bytes(pdf.output()))
