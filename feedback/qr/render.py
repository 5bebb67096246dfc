"""Render survey links as QR codes (PNG, SVG) and printable A4 counter posters (PDF).

Pure module: no Flask, no database. Callers pass plain strings and get bytes back,
so views, CLI commands and tests can all share it.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import qrcode
import qrcode.constants
import qrcode.image.pil
import qrcode.image.svg
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, WrapMode, XPos, YPos

from feedback import pdf as pdf_document

__all__ = ["Poster", "posters_pdf", "qr_png", "qr_svg"]

# Level M survives a smudged or partly glare-covered print while keeping the
# symbol coarse enough for cheap phone cameras; the version is picked by qrcode.
_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M

# A4 portrait, millimetres.
_PAGE_W = 210.0
_PAGE_H = 297.0
_MARGIN_X = 16.0
_MARGIN_TOP = 16.0
_MARGIN_BOTTOM = 14.0
_CONTENT_W = _PAGE_W - 2 * _MARGIN_X
# The fallback URL may use almost the full width inside the frame: long links stay
# on one line (easier to type) down to a 7 pt minimum.
_URL_MARGIN_X = 12.0
_URL_W = _PAGE_W - 2 * _URL_MARGIN_X

# The QR image includes its 4-module quiet zone, so the symbol itself is ~80% of this.
_QR_MAX_MM = 125.0
_QR_MIN_MM = 75.0  # symbol stays >= 6 cm even at the smallest image size
_QR_MIN_GAP = 4.0

_INSTR_PT = 14.0
_INSTR_LINE_H = 7.5
_INSTR_GAP = 7.0
_LEAD_PT = 12.0
_FOOTER_H = 8.0
_FOOTER_GAP = 8.0

_INK = (20, 20, 20)
_ACCENT = (16, 64, 128)
_MUTED = (90, 90, 90)

_INSTRUCTIONS = (
    "1. Mở camera điện thoại và quét mã QR.",
    "2. Trả lời vài câu hỏi ngắn, chưa đến một phút.",
    "3. Bấm «Gửi đánh giá». Không cần ghi họ tên hay số điện thoại.",
)
_FALLBACK_LEAD = "Nếu không quét được mã, hãy mở địa chỉ:"
_CODE_PT = 30.0
_FOOTER = "Ý kiến của ông/bà giúp chúng tôi phục vụ tốt hơn."
_PETITION_LEAD = "Gửi phản ánh, kiến nghị:"
_PETITION_PT = 11.0
_PETITION_GAP = 4.0

# Fixed so that the same posters always produce the same bytes (cacheable, testable).
_CREATION_DATE = datetime(2024, 1, 1, tzinfo=UTC)


def _qr(url: str, *, box_size: int, border: int) -> qrcode.QRCode:
    """Build the symbol once so PNG and SVG encode the same data the same way."""
    if not url:
        raise ValueError("url must be a non-empty string")
    if box_size < 1:
        raise ValueError("box_size must be >= 1")
    if border < 0:
        raise ValueError("border must be >= 0")
    code = qrcode.QRCode(
        version=None, error_correction=_ERROR_CORRECTION, box_size=box_size, border=border
    )
    code.add_data(url)
    code.make(fit=True)  # smallest version that fits: lowest density, easiest scan
    return code


def qr_png(url: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """Return PNG bytes of a QR code for *url* (level M, automatic version).

    The default 4-module border is the quiet zone the QR spec requires for reliable
    scanning; only shrink it when the caller adds its own white margin.
    """
    image = _qr(url, box_size=box_size, border=border).make_image(
        image_factory=qrcode.image.pil.PilImage
    )
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def qr_svg(url: str) -> bytes:
    """Return a standalone SVG document of a QR code for *url*.

    Vector output scales to any print size (banners, stickers) without blurring.
    """
    image = _qr(url, box_size=10, border=4).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="UTF-8", xml_declaration=True)


@dataclass(frozen=True)
class Poster:
    """One printed page: which counter it hangs at and where its QR code points."""

    unit_name: str
    counter_name: str
    url: str
    title: str = "Đánh giá mức độ hài lòng"
    #: The counter's typed code, formatted (``ABC-2DEF``). When given, the poster prints it
    #: under the symbol instead of the long link: seven characters are easy to type.
    short_code: str = ""
    #: Where to type it: the site's address without scheme (``gopy.xa.gov.vn``).
    site: str = ""
    #: The counter's petition form, without scheme (``gopy.xa.gov.vn/m/ABC-2DEF/pakn``);
    #: printed as one line under the typed fallback when given.
    petition_url: str = ""

    @property
    def petition_line(self) -> str:
        return f"{_PETITION_LEAD} {self.petition_url}" if self.petition_url else ""

    @property
    def fallback_lead(self) -> str:
        """The sentence above the typed fallback (code, or URL when there is no code)."""
        if not self.short_code:
            return _FALLBACK_LEAD
        if not self.site:
            return "Nếu không quét được mã, hãy nhập mã quầy:"
        return f"Nếu không quét được mã, mở {self.site} và nhập mã quầy:"


def _new_pdf() -> FPDF:
    # Each poster must stay on exactly one page; the layout below sizes things to fit.
    sans, mono = pdf_document.SANS, pdf_document.MONO
    return pdf_document.new_document(
        created=_CREATION_DATE, margins=(_MARGIN_X, _MARGIN_TOP, _MARGIN_X),
        fonts=[(sans, ""), (sans, "B"), (sans, "I"), (mono, "B")])


def _lines(
    pdf: FPDF,
    text: str,
    line_h: float,
    wrapmode: WrapMode = WrapMode.WORD,
    width: float = _CONTENT_W,
) -> int:
    """Count how many lines *text* wraps to in *width* with the current font."""
    lines = pdf.multi_cell(
        width,
        line_h,
        text,
        dry_run=True,
        output=MethodReturnValue.LINES,
        wrapmode=wrapmode,
    )
    assert isinstance(lines, list)  # noqa: S101 - output=LINES returns the list of lines
    return len(lines)


def _fit_font(
    pdf: FPDF, family: str, style: str, text: str, *, start: float, minimum: float, max_lines: int
) -> float:
    """Shrink the font (down to *minimum*) until *text* wraps to at most *max_lines*."""
    size = start
    while size > minimum:
        pdf.set_font(family, style, size)
        if _lines(pdf, text, size * 0.45) <= max_lines:
            return size
        size -= 1
    pdf.set_font(family, style, minimum)
    return minimum


def _centred_block(pdf: FPDF, text: str, size: float, style: str = "", gap: float = 0) -> None:
    """Write centred, word-wrapped text and move below it."""
    pdf.set_font("DejaVu", style, size)
    pdf.set_x(_MARGIN_X)
    pdf.multi_cell(_CONTENT_W, size * 0.45, text, align=Align.C, new_x=XPos.LMARGIN)
    pdf.set_y(pdf.get_y() + gap)


def _url_font(pdf: FPDF, url: str) -> tuple[float, WrapMode]:
    """Pick the largest monospace size that keeps the URL on one line.

    Monospace keeps look-alike characters (l/1/I, O/0) apart for people typing a
    token by hand; very long URLs fall back to character wrapping at the minimum size.
    """
    size = 14.0
    while size >= 7.0:
        pdf.set_font("DejaVuMono", "B", size)
        if pdf.get_string_width(url) <= _URL_W - 2 * pdf.c_margin:
            return size, WrapMode.WORD
        size -= 0.5
    pdf.set_font("DejaVuMono", "B", 7.0)
    return 7.0, WrapMode.CHAR


def _fallback_text(pdf: FPDF, poster: Poster) -> tuple[str, float, WrapMode]:
    """What is typed by hand (the short code, else the URL), its font size and wrapping;
    leaves the monospace font set."""
    if poster.short_code:
        pdf.set_font("DejaVuMono", "B", _CODE_PT)
        return poster.short_code, _CODE_PT, WrapMode.WORD
    size, wrap = _url_font(pdf, poster.url)
    return poster.url, size, wrap


def _bottom_block_height(pdf: FPDF, poster: Poster) -> float:
    """Height of instructions + typed fallback, so the QR code can take what is left."""
    pdf.set_font("DejaVu", "", _INSTR_PT)
    instructions = sum(_lines(pdf, line, _INSTR_LINE_H) for line in _INSTRUCTIONS)
    pdf.set_font("DejaVu", "", _LEAD_PT)
    lead = _lines(pdf, poster.fallback_lead, _LEAD_PT * 0.45)
    text, size, wrap = _fallback_text(pdf, poster)
    url_lines = _lines(pdf, text, size * 0.5, wrap, _URL_W)
    petition = 0.0
    if poster.petition_line:
        pdf.set_font("DejaVu", "", _PETITION_PT)
        petition = _PETITION_GAP + _lines(pdf, poster.petition_line, _PETITION_PT * 0.45) * (
            _PETITION_PT * 0.45)
    return (
        instructions * _INSTR_LINE_H
        + _INSTR_GAP
        + lead * _LEAD_PT * 0.45
        + 1
        + url_lines * size * 0.5
        + petition
    )


def _nfc(text: str) -> str:
    """Compose diacritics: without text shaping, decomposed marks render misplaced."""
    return unicodedata.normalize("NFC", text)


def _draw_poster(pdf: FPDF, poster: Poster) -> None:
    """Lay out one poster page: header, QR code, instructions, typed fallback, footer."""
    poster = Poster(
        unit_name=_nfc(poster.unit_name),
        counter_name=_nfc(poster.counter_name),
        url=poster.url,
        title=_nfc(poster.title),
        short_code=poster.short_code,
        site=poster.site,
        petition_url=poster.petition_url,
    )
    pdf.add_page()

    # Thin frame: gives the printed sheet a finished edge when taped to a counter.
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.6)
    pdf.rect(8, 8, _PAGE_W - 16, _PAGE_H - 16, round_corners=True, corner_radius=4)

    pdf.set_y(_MARGIN_TOP)
    pdf.set_text_color(*_ACCENT)
    unit_size = _fit_font(pdf, "DejaVu", "B", poster.unit_name, start=26, minimum=16, max_lines=2)
    _centred_block(pdf, poster.unit_name, unit_size, "B", gap=2)

    pdf.set_text_color(*_INK)
    counter_size = _fit_font(
        pdf, "DejaVu", "", poster.counter_name, start=18, minimum=12, max_lines=2
    )
    _centred_block(pdf, poster.counter_name, counter_size, gap=4)

    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(_PAGE_W / 2 - 30, pdf.get_y(), _PAGE_W / 2 + 30, pdf.get_y())
    pdf.set_y(pdf.get_y() + 5)

    pdf.set_text_color(*_ACCENT)
    title_size = _fit_font(pdf, "DejaVu", "B", poster.title, start=22, minimum=14, max_lines=2)
    _centred_block(pdf, poster.title, title_size, "B")

    # The text block sits just above the footer; the QR code is as large as the
    # gap between title and text allows (within bounds) and centred in that gap.
    footer_y = _PAGE_H - _MARGIN_BOTTOM - _FOOTER_H
    text_top = footer_y - _FOOTER_GAP - _bottom_block_height(pdf, poster)
    gap_top = pdf.get_y()
    free = text_top - gap_top
    qr_mm = max(_QR_MIN_MM, min(_QR_MAX_MM, free - 2 * _QR_MIN_GAP))
    qr_y = gap_top + max(0.0, (free - qr_mm) / 2)
    png = qr_png(poster.url, box_size=20)
    pdf.image(io.BytesIO(png), x=(_PAGE_W - qr_mm) / 2, y=qr_y, w=qr_mm, h=qr_mm)
    pdf.set_y(max(text_top, qr_y + qr_mm))

    # Instructions: left-aligned list, centred as a block under the code.
    pdf.set_text_color(*_INK)
    pdf.set_font("DejaVu", "", _INSTR_PT)
    block_w = min(_CONTENT_W, max(pdf.get_string_width(line) for line in _INSTRUCTIONS) + 2)
    block_x = (_PAGE_W - block_w) / 2
    for line in _INSTRUCTIONS:
        pdf.set_x(block_x)
        pdf.multi_cell(block_w, _INSTR_LINE_H, line, align=Align.L, new_x=XPos.LMARGIN)
    pdf.set_y(pdf.get_y() + _INSTR_GAP)

    pdf.set_text_color(*(_INK if poster.short_code else _MUTED))
    _centred_block(pdf, poster.fallback_lead, _LEAD_PT, gap=1)
    pdf.set_text_color(*(_ACCENT if poster.short_code else _INK))
    text, size, wrap = _fallback_text(pdf, poster)
    pdf.set_x(_URL_MARGIN_X)
    pdf.multi_cell(
        _URL_W,
        size * 0.5,
        text,
        align=Align.C,
        wrapmode=wrap,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if poster.petition_line:
        pdf.set_text_color(*_INK)
        pdf.set_y(pdf.get_y() + _PETITION_GAP)
        _centred_block(pdf, poster.petition_line, _PETITION_PT)

    pdf.set_text_color(*_ACCENT)
    pdf.set_font("DejaVu", "I", 12)
    pdf.set_xy(_MARGIN_X, footer_y)
    pdf.cell(_CONTENT_W, _FOOTER_H, _FOOTER, align=Align.C)


def posters_pdf(posters: Sequence[Poster]) -> bytes:
    """Return an A4 portrait PDF with one printable QR poster per page.

    One document for many counters lets an office print every poster in a single job.
    """
    if not posters:
        raise ValueError("posters must not be empty")
    pdf = _new_pdf()
    units = sorted({_nfc(p.unit_name) for p in posters})
    pdf.set_title(_nfc(f"{posters[0].title} — {', '.join(units)}"))
    pdf.set_subject("Mã QR khảo sát mức độ hài lòng")
    for poster in posters:
        _draw_poster(pdf, poster)
    return bytes(pdf.output())
