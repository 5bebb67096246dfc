"""The shared PDF document: A4, the project's fonts, Vietnamese text that reads back."""

from __future__ import annotations

from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest

from feedback import pdf

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _text_of(data: bytes) -> str:
    page = pdfium.PdfDocument(data)[0]
    return page.get_textpage().get_text_range()


@pytest.mark.parametrize("style", ["", "B", "I", "BI"])
def test_every_sans_style_writes_vietnamese_that_reads_back(style: str) -> None:
    """The monospace family has no glyph for "ỉ" or "ố": it is for codes and addresses."""
    doc = pdf.new_document(created=CREATED, margins=(20, 20, 20), page_break=20)
    doc.add_page()
    doc.set_font(pdf.SANS, style, 12)
    doc.cell(text="Chỉ số hài lòng — Đạt", new_x="LMARGIN", new_y="NEXT")
    doc.set_font(pdf.MONO, "B", 12)
    doc.cell(text="AB12-CD34")
    data = bytes(doc.output())
    text = _text_of(data)
    assert "Chỉ số hài lòng — Đạt" in text and "AB12-CD34" in text
    width, height = pdfium.PdfDocument(data)[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


def test_only_the_fonts_asked_for_are_embedded() -> None:
    def size(fonts: list[pdf.FontStyle]) -> int:
        doc = pdf.new_document(created=CREATED, margins=(20, 20, 20), fonts=fonts)
        doc.add_page()
        doc.set_font(pdf.SANS, "", 12)
        doc.cell(text="Phiếu khảo sát")
        return len(bytes(doc.output()))

    assert size([(pdf.SANS, "")]) < size(list(pdf.font_paths()))
