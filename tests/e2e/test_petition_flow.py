"""A petition from the counter's poster to its published answer, in a real browser.

A citizen's 390×844 phone, JavaScript off, reads the poster's QR code and opens the
counter's petition form (/q/<token>/pakn), files a petition and notes the tracking code
and the expected reply date. At their desks, the commune's leader accepts it and assigns
it to the officer, the officer answers, the leader publishes a redacted text. The citizen
then finds the answer on /tra-cuu with the code and the last 4 digits of the phone, and
the redacted text on the commune's page of published answers.
Screenshots go to e2e-pakn-*.png in tests_support.SHOTS (never committed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Response
from sqlalchemy import select
from tests_support import SHOTS, read_poster, sign_in

from feedback.extensions import db
from feedback.links import normalise_short_code
from feedback.models import Counter, Petition
from feedback.petitions import clock
from feedback.qr.services import posters_pdf

if TYPE_CHECKING:
    from tests.conftest import World

pytestmark = pytest.mark.e2e

MAX_PAGE_BYTES = 40 * 1024

NAME = "Trần Thị Bích Ngọc"
ADDRESS = "Thôn 5, xã Hoằng Ngọc, tỉnh Thanh Hóa"
PHONE = "0912 345 678"
CONTENT = ("Tôi nộp hồ sơ đăng ký khai sinh cho con ngày 10, giấy hẹn trả kết quả sau 3 ngày "
           "làm việc nhưng đến nay vẫn chưa có kết quả, cán bộ không giải thích lý do.")
ANSWER = ("Kính gửi bà Trần Thị Bích Ngọc, hồ sơ của bà bị chậm do thiếu xác nhận nơi cư trú. "
          "UBND xã đã trả kết quả và xin lỗi bà vì sự chậm trễ.")
PUBLIC_TEXT = ("Người dân phản ánh việc trả kết quả đăng ký khai sinh quá hẹn. Kết quả: hồ sơ "
               "đã được trả, UBND xã xin lỗi và chấn chỉnh công chức tiếp nhận.")


@pytest.fixture
def citizen(browser: Browser) -> Iterator[BrowserContext]:
    """The sender's phone: 390×844, JavaScript off (the pages must work without it)."""
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="vi-VN", java_script_enabled=False)
    yield context
    context.close()


@pytest.fixture
def desks(browser: Browser) -> Iterator[dict[str, BrowserContext]]:
    """The leader's and the officer's computers (separate sessions)."""
    contexts = {who: browser.new_context(viewport={"width": 1280, "height": 900},
                                         locale="vi-VN")
                for who in ("leader", "officer")}
    yield contexts
    for context in contexts.values():
        context.close()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e-pakn-{name}.png"), full_page=True)


def print_poster(app: Flask, counter: Counter) -> bytes:
    with app.app_context():
        fresh = db.session.get(Counter, counter.id)
        assert fresh is not None
        return posters_pdf([fresh])


def page_bytes(page: Page, url: str) -> int:
    """Open url and add up the bodies of everything it loaded."""
    responses: list[Response] = []

    def seen(response: Response) -> None:
        responses.append(response)

    page.on("response", seen)
    try:
        first = page.goto(url, wait_until="load")
        assert first is not None and first.ok, first and first.status
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("response", seen)
    return sum(len(r.body()) for r in responses)


def track(page: Page, base: str, code: str, phone: str) -> str:
    """/tra-cuu with the code as typed and the phone's last 4 digits; the page's text."""
    page.goto(f"{base}/tra-cuu")
    page.fill("#code", code)
    page.fill("#secret", phone.replace(" ", "")[-4:])
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_load_state("load")
    return page.locator("main").inner_text()


def flash(page: Page) -> str:
    return " ".join(page.locator("p.flash").all_inner_texts())


def act(page: Page, action: str, fields: dict[str, str], selects: dict[str, str] | None = None
        ) -> None:
    """Open the action's panel on a petition's page, fill its form and send it."""
    panel = page.locator(f"details#act-{action}")
    assert panel.count() == 1, f"no {action!r} action on {page.url}"
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    form = panel.locator("form.act-form")
    for name, value in (selects or {}).items():
        form.locator(f"select[name={name}]").select_option(value)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def test_poster_to_petition_to_published_answer(
        app: Flask, world: World, live_server: str, password: str,
        citizen: BrowserContext, desks: dict[str, BrowserContext]) -> None:
    survey_url, printed = read_poster(print_poster(app, world.counter))
    assert survey_url.startswith(f"{live_server}/q/"), survey_url
    # The poster also prints the counter's petition form, by its short code, for typing.
    with app.app_context():
        short = db.session.get(Counter, world.counter.id).short_code  # type: ignore[union-attr]
    typed = f"/m/{short[:3]}-{short[3:]}/pakn"
    assert typed in printed.replace("\r", "").replace("\n", ""), printed

    # --- The citizen opens the survey from the QR code and follows its petition link -------
    phone = citizen.new_page()
    phone.goto(survey_url)
    phone.get_by_role("link", name="Gửi phản ánh, kiến nghị").click()
    phone.wait_for_load_state("load")
    assert phone.url == f"{survey_url}/pakn", phone.url
    weight = page_bytes(citizen.new_page(), phone.url)
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert phone.locator("h1").inner_text() == "Gửi phản ánh, kiến nghị"
    assert world.commune.name in phone.locator("header").inner_text()
    assert weight < MAX_PAGE_BYTES, weight
    for field in ("content", "sender_name", "sender_address", "sender_phone", "sender_email"):
        assert phone.locator(f'label[for="{field}"]').count() == 1, f"#{field} has no label"
    assert "khiếu nại, tố cáo" in phone.locator("main").inner_text()
    shoot(phone, "form")
    phone.fill("#content", CONTENT)
    phone.fill("#sender_name", NAME)
    phone.fill("#sender_address", ADDRESS)
    phone.fill("#sender_phone", PHONE)
    shoot(phone, "form-filled")
    phone.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    phone.wait_for_load_state("load")
    assert phone.url.endswith("/pakn/xong"), phone.url
    shoot(phone, "done")
    shown_code = phone.locator("input#code").input_value()
    code = normalise_short_code(shown_code)
    assert code is not None, shown_code
    due_text = re.search(r"Ngày dự kiến trả lời:\s*(\d{2}/\d{2}/\d{4})",
                         phone.locator("main").inner_text())
    assert due_text is not None, phone.locator("main").inner_text()
    reply_due = date(*reversed([int(x) for x in due_text.group(1).split("/")]))
    with app.app_context():
        stored = db.session.scalar(select(Petition).where(Petition.code == code))
        assert stored is not None
        assert (stored.unit_id, stored.counter_id, stored.channel, stored.kind) == (
            world.commune.id, world.counter.id, "web", "pakn")
        assert stored.reply_due == reply_due
        assert stored.sender_phone and stored.sender_phone.endswith("5678")
    # Tracked at once: received, with the same reply date.
    found = track(phone, live_server, shown_code, PHONE)
    assert "Tình trạng: Mới tiếp nhận" in found, found
    assert f"Hạn trả lời: {due_text.group(1)}" in found, found

    # --- The leader accepts it and assigns it to the officer ---------------------------------
    leader = desks["leader"].new_page()
    sign_in(leader, live_server, world.leader.email, password)
    leader.goto(f"{live_server}/staff/petitions")
    row = leader.locator(f'tr[data-code="{code}"]')
    assert row.count() == 1, leader.locator("main").inner_text()
    assert NAME in row.inner_text()
    assert row.locator("[data-next]").get_attribute("data-next") == "accept"
    shoot(leader, "inbox")
    row.locator("a.short").click()
    leader.wait_for_load_state("load")
    assert CONTENT in leader.locator("main").inner_text()
    act(leader, "accept", {}, {"category": "1", "assignee": str(world.officer.id)})
    assert leader.locator("h1 .badge").inner_text() == "Đang xử lý", flash(leader)
    shoot(leader, "accepted")

    # --- The officer answers --------------------------------------------------------------
    officer = desks["officer"].new_page()
    sign_in(officer, live_server, world.officer.email, password)
    officer.goto(f"{live_server}/staff/petitions?assignee=mine")
    mine = officer.locator(f'tr[data-code="{code}"]')
    assert mine.count() == 1, officer.locator("main").inner_text()
    mine.locator("a.short").click()
    officer.wait_for_load_state("load")
    act(officer, "answer", {"answer": ANSWER})
    assert officer.locator("h1 .badge").inner_text() == "Đã trả lời", flash(officer)
    shoot(officer, "answered")

    # --- The leader publishes a redacted text ---------------------------------------------
    leader.goto(f"{live_server}/staff/petitions/{code}")
    act(leader, "publish", {"public_text": PUBLIC_TEXT})
    assert leader.locator("h1 .badge").inner_text() == "Đã công khai kết quả", flash(leader)
    history = leader.locator("table.history").inner_text()
    for step in ("Tiếp nhận và phân công", "Trả lời", "Công khai kết quả"):
        assert step in history, history
    shoot(leader, "published")

    # --- The citizen tracks it with the code and the phone's last 4 digits ---------------
    found = track(phone, live_server, shown_code.lower(), PHONE)  # case ignored
    assert "Tình trạng: Đã công khai kết quả" in found, found
    # Four digits are a weak key: the page shows the published text, not the private answer.
    assert PUBLIC_TEXT in found and ANSWER not in found, found
    with app.app_context():
        answered_at = db.session.scalar(select(Petition.answered_at)
                                        .where(Petition.code == code))
        assert answered_at is not None
        answered_on = answered_at.astimezone(clock.tz()).date()
    assert f"Ngày trả lời: {answered_on:%d/%m/%Y}" in found, found
    shoot(phone, "tracked")
    # ...and rates the handling, once.
    phone.locator('label[for="rating-2"]').click()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_load_state("load")
    assert "Cảm ơn ông/bà đã đánh giá" in phone.locator("main").inner_text()
    assert phone.get_by_role("button", name="Gửi đánh giá").count() == 0
    shoot(phone, "rated")
    with app.app_context():
        assert db.session.scalar(select(Petition.rating).where(Petition.code == code)) == 2

    # --- ...and the redacted answer among the commune's published answers ------------------
    phone.goto(f"{live_server}/u/{world.commune.code}/tra-loi")
    published = phone.locator("main").inner_text()
    assert PUBLIC_TEXT in published, published
    for private in (NAME, PHONE, PHONE.replace(" ", ""), ADDRESS):
        assert private not in published
    shoot(phone, "answers")
