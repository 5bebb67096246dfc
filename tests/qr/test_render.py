"""Round-trip tests for feedback.qr.render: what we print must scan back to the same URL."""

from __future__ import annotations

import io
import math
import unicodedata
import xml.etree.ElementTree as ET

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from feedback.qr.render import Poster, posters_pdf, qr_png, qr_svg

TOKEN = "AQAAAAEAAQEc3Jx2rT8kQw"  # 22-char base64url token, as issued by feedback.links
SHORT_URL = f"http://127.0.0.1:5000/q/{TOKEN}"
PORT_URL = f"https://hanhchinhcong.hoangngoc.gov.vn:8443/q/{TOKEN}"
LONG_URL = (
    "https://dichvucong.hoangngoc.hoanghoa.thanhhoa.gov.vn/phan-anh/khao-sat-hai-long"
    f"/quay-1/q/{TOKEN}?src=poster"
)
URLS = [
    pytest.param(SHORT_URL, id="short"),
    pytest.param(PORT_URL, id="https-port"),
    pytest.param(LONG_URL, id="long"),
    pytest.param("http://x.vn/q/a", id="tiny"),
]

DPI = 150
MIN_QR_CM = 6.0


def _decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def _squash(text: str) -> str:
    """Drop whitespace so a URL wrapped across lines still matches."""
    return "".join(text.split())


def test_long_url_fixture_is_realistically_long() -> None:
    assert 110 <= len(LONG_URL) <= 130


@pytest.mark.parametrize("url", URLS)
def test_qr_png_decodes_to_url(url: str) -> None:
    png = qr_png(url)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    codes = _decode(Image.open(io.BytesIO(png)))
    assert [c.text for c in codes] == [url]


@pytest.mark.parametrize(
    ("box_size", "border"),
    [(10, 4), (4, 4), (20, 1), (3, 0)],
)
def test_qr_png_size_follows_box_size_and_border(box_size: int, border: int) -> None:
    with Image.open(io.BytesIO(qr_png(SHORT_URL, box_size=box_size, border=border))) as img:
        width, height = img.size
    assert width == height
    assert width % box_size == 0
    modules = width // box_size - 2 * border
    assert modules >= 21  # version 1 is 21x21
    assert (modules - 17) % 4 == 0  # a real QR version: 4v + 17 modules


def test_qr_png_keeps_low_density_for_short_link() -> None:
    # Version <= 4 (33 modules) keeps modules big enough for cheap phone cameras.
    with Image.open(io.BytesIO(qr_png(SHORT_URL, box_size=1, border=0))) as img:
        assert img.size[0] <= 33


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("", {}),
        (SHORT_URL, {"box_size": 0}),
        (SHORT_URL, {"border": -1}),
    ],
)
def test_qr_png_rejects_bad_input(url: str, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        qr_png(url, **kwargs)


@pytest.mark.parametrize("url", URLS)
def test_qr_svg_is_standalone_xml(url: str) -> None:
    svg = qr_svg(url)
    assert svg.startswith(b"<?xml")
    root = ET.fromstring(svg)  # noqa: S314 - parsing our own output, not untrusted input
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")


def test_qr_svg_rejects_empty_url() -> None:
    with pytest.raises(ValueError):
        qr_svg("")


POSTERS = [
    Poster("Xã Hoằng Ngọc", "Quầy số 1 — Tư pháp, hộ tịch", SHORT_URL),
    Poster(
        "Ủy ban nhân dân phường Điện Biên, thành phố Thanh Hóa, tỉnh Thanh Hóa",
        "Bộ phận Tiếp nhận và Trả kết quả — Quầy số 12: Đất đai, xây dựng, môi trường",
        PORT_URL,
    ),
    Poster("Xã Hoằng Ngọc", "Quầy số 3 — Đất đai", LONG_URL, title="Góp ý về thái độ phục vụ"),
]


@pytest.fixture(scope="module")
def rendered() -> list[tuple[Poster, Image.Image, str]]:
    """Render the multi-poster PDF once; each page as (poster, bitmap, text)."""
    data = posters_pdf(POSTERS)
    assert data.startswith(b"%PDF")
    doc = pdfium.PdfDocument(data)
    try:
        assert len(doc) == len(POSTERS)
        pages = []
        for poster, page in zip(POSTERS, doc, strict=True):
            width, height = page.get_size()
            assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)  # A4
            image = page.render(scale=DPI / 72).to_pil()
            text = page.get_textpage().get_text_range()
            pages.append((poster, image, text))
        return pages
    finally:
        doc.close()


@pytest.mark.parametrize("index", range(len(POSTERS)))
def test_poster_page_qr_scans_to_url_and_is_big_enough(
    rendered: list[tuple[Poster, Image.Image, str]], index: int
) -> None:
    poster, image, _ = rendered[index]
    codes = _decode(image)
    assert [c.text for c in codes] == [poster.url]
    pos = codes[0].position
    width_px = math.hypot(pos.top_right.x - pos.top_left.x, pos.top_right.y - pos.top_left.y)
    width_cm = width_px / DPI * 2.54
    assert width_cm >= MIN_QR_CM
    # Centred horizontally: symbol midpoint within 5 mm of the page midpoint.
    mid_x = (pos.top_left.x + pos.top_right.x) / 2
    assert abs(mid_x - image.width / 2) / DPI * 25.4 < 5


@pytest.mark.parametrize("index", range(len(POSTERS)))
def test_poster_page_text(rendered: list[tuple[Poster, Image.Image, str]], index: int) -> None:
    poster, _, text = rendered[index]
    flat = " ".join(text.split())  # long names may wrap at a space
    assert poster.unit_name in flat
    assert poster.counter_name in flat
    assert poster.title in flat
    assert poster.url in text  # up to ~125 chars the URL stays on one line, unbroken
    for phrase in (
        "1. Mở camera điện thoại và quét mã QR.",
        "2. Trả lời vài câu hỏi ngắn, chưa đến một phút.",
        "3. Bấm «Gửi đánh giá». Không cần ghi họ tên hay số điện thoại.",
        "Nếu không quét được mã, hãy mở địa chỉ:",
        "Ý kiến của ông/bà giúp chúng tôi phục vụ tốt hơn.",
    ):
        assert phrase in flat


def test_short_names_are_on_single_lines(
    rendered: list[tuple[Poster, Image.Image, str]],
) -> None:
    _, _, text = rendered[0]
    assert "Xã Hoằng Ngọc" in text
    assert "Quầy số 1 — Tư pháp, hộ tịch" in text


def test_posters_pdf_metadata_and_determinism() -> None:
    data = posters_pdf(POSTERS[:1])
    assert data == posters_pdf(POSTERS[:1])
    doc = pdfium.PdfDocument(data)
    try:
        title = doc.get_metadata_dict()["Title"]
    finally:
        doc.close()
    assert "Đánh giá mức độ hài lòng" in title
    assert "Xã Hoằng Ngọc" in title


def test_posters_pdf_normalises_decomposed_diacritics() -> None:
    nfd = Poster(
        unicodedata.normalize("NFD", "Xã Hoằng Ngọc"),
        unicodedata.normalize("NFD", "Quầy số 2"),
        SHORT_URL,
    )
    doc = pdfium.PdfDocument(posters_pdf([nfd]))
    try:
        text = doc[0].get_textpage().get_text_range()
    finally:
        doc.close()
    assert "Xã Hoằng Ngọc" in text
    assert "Quầy số 2" in text


def test_very_long_url_wraps_instead_of_overflowing() -> None:
    url = f"https://example.gov.vn/q/{TOKEN}?" + "&".join(f"k{i}=v{i}" for i in range(40))
    doc = pdfium.PdfDocument(posters_pdf([Poster("Xã A", "Quầy 1", url)]))
    try:
        page = doc[0]
        text = page.get_textpage().get_text_range()
        image = page.render(scale=DPI / 72).to_pil()
    finally:
        doc.close()
    assert url in _squash(text)
    assert [c.text for c in _decode(image)] == [url]


@pytest.mark.parametrize("posters", [[], ()])
def test_posters_pdf_rejects_empty(posters: list[Poster] | tuple[Poster, ...]) -> None:
    with pytest.raises(ValueError):
        posters_pdf(posters)


def test_poster_is_frozen_with_default_title() -> None:
    poster = Poster("Xã A", "Quầy 1", SHORT_URL)
    assert poster.title == "Đánh giá mức độ hài lòng"
    with pytest.raises(AttributeError):
        poster.url = "http://evil.example/"  # type: ignore[misc]


# --- The typed fallback: a short counter code instead of the long link --------------------

CODED = [
    Poster("Xã Hoằng Ngọc", "Quầy số 1 — Tư pháp", SHORT_URL, short_code="ABC-2DEF",
           site="127.0.0.1:5000"),
    Poster("Xã Hoằng Ngọc", "Quầy số 3 — Đất đai", LONG_URL, short_code="XYZ-9KMN",
           site="dichvucong.hoangngoc.hoanghoa.thanhhoa.gov.vn/gop-y"),
]


@pytest.mark.parametrize("poster", CODED)
def test_poster_prints_the_short_code_instead_of_the_link(poster: Poster) -> None:
    doc = pdfium.PdfDocument(posters_pdf([poster]))
    try:
        page = doc[0]
        text = page.get_textpage().get_text_range()
        image = page.render(scale=DPI / 72).to_pil()
    finally:
        doc.close()
    flat = " ".join(text.split())
    assert f"Nếu không quét được mã, mở {poster.site} và nhập mã quầy:" in flat
    assert poster.short_code in text
    assert poster.url not in _squash(text)  # the long token is not printed any more
    assert "hãy mở địa chỉ" not in flat
    codes = _decode(image)
    assert [c.text for c in codes] == [poster.url]  # the symbol still carries the link
    pos = codes[0].position
    width_cm = math.hypot(pos.top_right.x - pos.top_left.x,
                          pos.top_right.y - pos.top_left.y) / DPI * 2.54
    assert width_cm >= MIN_QR_CM


def test_fallback_lead_without_a_site() -> None:
    assert Poster("Xã A", "Quầy 1", SHORT_URL, short_code="ABC-2DEF").fallback_lead == (
        "Nếu không quét được mã, hãy nhập mã quầy:")
    assert Poster("Xã A", "Quầy 1", SHORT_URL).fallback_lead == (
        "Nếu không quét được mã, hãy mở địa chỉ:")
