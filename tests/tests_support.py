"""Constants and helpers shared by test modules (conftest fixtures cannot be imported)."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import Any

PASSWORD = "correct horse battery"

#: Where the browser tests leave their screenshots and measurements for people to look at,
#: never the repository: FEEDBACK_E2E_SHOTS, or the system's temporary directory.
SHOTS = Path(os.environ.get("FEEDBACK_E2E_SHOTS") or tempfile.gettempdir())


class Inbox:
    """What a real SMTP server on loopback received: (recipients, raw message) each, and
    the envelope senders. `refuse` makes it answer 451 (try again later)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.senders: list[str] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 Try again later"
        self.senders.append(envelope.mail_from)
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_poster(pdf: bytes) -> tuple[str, str]:
    """A poster's QR code, read as a phone camera would (its URL), and its printed text."""
    import pypdfium2 as pdfium
    import zxingcpp

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        image = page.render(scale=150 / 72).to_pil()
        text = page.get_textpage().get_text_range()
    finally:
        doc.close()
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1, f"expected one QR code on the poster, found {len(codes)}"
    return codes[0].text, text


def pdf_text(data: bytes) -> str:
    """Every page's text, whitespace collapsed (a title may wrap anywhere)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    texts = []
    for i in range(len(document)):
        page = document[i]  # kept alive while its text page is read
        texts.append(page.get_textpage().get_text_range())
    return " ".join(" ".join(texts).split())


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    """Sign in through the login form of a live server (browser tests)."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("load")
    assert "/login" not in page.url, page.locator("main").inner_text()
