"""The periodic report as a Word document the office can still edit before signing: the
same administrative frame and sections as the PDF (report_sections), in Times New Roman
13 pt, the font and size of Vietnamese administrative documents (NĐ 30/2020)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from flask_babel import gettext as _

from feedback.reports import report_sections as sections
from feedback.reports.periodic import Report, Words

_ALIGN = {"LEFT": WD_ALIGN_PARAGRAPH.LEFT, "RIGHT": WD_ALIGN_PARAGRAPH.RIGHT,
          "CENTER": WD_ALIGN_PARAGRAPH.CENTER}
#: The text width between NĐ 30/2020 margins (30 mm left, 15 mm right).
_TEXT_MM = 165


def _line(cell_or_doc: Any, text: str, *, bold: bool = False, italic: bool = False,
          size: float | None = None, align: str = "CENTER") -> None:
    paragraph = cell_or_doc.add_paragraph()
    paragraph.alignment = _ALIGN[align]
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)


def _table(doc: Any, table: sections.Table) -> None:
    if table.caption:
        _line(doc, table.caption, italic=True, size=12, align="LEFT")
    grid = doc.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    total = sum(table.widths)
    for i, text in enumerate(table.header):
        cell = grid.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for i, text in enumerate(row):
            cells[i].text = text
            cells[i].paragraphs[0].alignment = _ALIGN[table.align[i]]
    for i, width in enumerate(table.widths):
        for row in grid.rows:
            row.cells[i].width = Mm(_TEXT_MM * width / total)
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(11)
    doc.add_paragraph()


def write(report: Report, out: IO[bytes], words: Words, *, parent_name: str | None = None,
          charts: Mapping[str, bytes] | None = None) -> None:
    charts = charts or {}
    doc = Document()
    page = doc.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.left_margin, page.right_margin = Mm(30), Mm(15)
    page.top_margin, page.bottom_margin = Mm(20), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    _line(page.footer, sections.generated(report), italic=True, size=9, align="LEFT")

    head = doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.text = right.text = ""
    if parent_name:
        _line(left, parent_name.upper(), size=12)
    _line(left, report.unit_name.upper(), bold=True, size=12)
    _line(left, _(sections.NUMBER_LINE), size=12)
    _line(right, _(sections.NATION), bold=True, size=12)
    _line(right, _(sections.MOTTO), bold=True)
    _line(right, _(sections.DATE_LINE), italic=True)
    doc.add_paragraph()
    subtitle, kind_line = sections.title(report)
    _line(doc, _(sections.REPORT), bold=True, size=14)
    _line(doc, subtitle, bold=True)
    _line(doc, kind_line, italic=True)
    doc.add_paragraph()

    for section in sections.sections(report, words):
        _line(doc, section.title, bold=True, align="LEFT")
        if section.lead:
            doc.add_paragraph(section.lead)
        for i, table in enumerate(section.tables):
            _table(doc, table)
            for name in section.charts if i == 0 else ():
                if name in charts:
                    doc.add_picture(io.BytesIO(charts[name]), width=Mm(_TEXT_MM))

    sign = doc.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    left.text = right.text = ""
    _line(left, _(sections.RECIPIENTS_HEAD), bold=True, italic=True, size=12, align="LEFT")
    for line in sections.RECIPIENTS:
        _line(left, _(line), size=11, align="LEFT")
    _line(right, _(sections.SIGNER), bold=True)
    _line(right, _(sections.SIGN_HINT), italic=True, size=12)
    doc.save(out)
