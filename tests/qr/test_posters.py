"""Posters as staff download them: the QR symbol carries the current link, and the typed
fallback under it is the counter's short code on this site's address."""

from __future__ import annotations

import pypdfium2 as pdfium
import zxingcpp

from feedback.extensions import db
from feedback.links import format_short_code
from feedback.models import Counter


def test_downloaded_poster_has_the_counters_code_and_link(app, client, world, login,
                                                         token_for) -> None:
    login(world.officer)
    resp = client.get(f"/staff/counters/{world.counter.id}/poster.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    doc = pdfium.PdfDocument(resp.data)
    try:
        text = " ".join(doc[0].get_textpage().get_text_range().split())
        image = doc[0].render(scale=150 / 72).to_pil()
    finally:
        doc.close()
    with app.app_context():
        code = db.session.get(Counter, world.counter.id).short_code
    assert code and format_short_code(code) in text
    assert "mở 127.0.0.1:5000 và nhập mã quầy:" in text
    assert [c.text for c in zxingcpp.read_barcodes(image)] == [
        f"http://127.0.0.1:5000/q/{token_for(world.counter)}"]


def test_counters_page_shows_the_typed_code(app, client, world, login) -> None:
    login(world.viewer)
    html = client.get("/staff/counters?unit=xa-a1").get_data(as_text=True)
    with app.app_context():
        code = db.session.get(Counter, world.counter.id).short_code
    assert code and format_short_code(code) in html
