"""From the printed poster to the leader's dashboard, in a real browser.

A citizen's phone scans the QR code on the PDF poster, answers every question with
JavaScript off, and the leader of the commune then sees that one answer counted.
Screenshots and the measurements (e2e-metrics.json) go to tests_support.SHOTS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import pypdfium2 as pdfium
import pytest
import zxingcpp
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Request, Response
from tests_support import SHOTS

from feedback.extensions import db
from feedback.models import Counter
from feedback.qr.services import posters_pdf

if TYPE_CHECKING:
    from tests.conftest import World

pytestmark = pytest.mark.e2e

METRICS = SHOTS / "e2e-metrics.json"
MAX_PAGE_BYTES = 40 * 1024
MAX_REQUESTS = 3  # the HTML, its stylesheet and the favicon
THANKS = "Cảm ơn ông/bà đã đánh giá!"


def qr_url_on_poster(app: Flask, counter: Counter) -> str:
    """Print the counter's poster and read its QR code back, as a phone camera would."""
    with app.app_context():
        fresh = db.session.get(Counter, counter.id)
        assert fresh is not None
        pdf = posters_pdf([fresh])
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=150 / 72).to_pil()
    finally:
        doc.close()
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1, f"expected one QR code on the poster, found {len(codes)}"
    return codes[0].text


@dataclass
class Load:
    """What one page load cost the phone."""

    url: str
    requests: list[str] = field(default_factory=list)
    bodies: dict[str, int] = field(default_factory=dict)
    wire: dict[str, int] = field(default_factory=dict)

    @property
    def body_bytes(self) -> int:
        return sum(self.bodies.values())


def load(page: Page, url: str) -> Load:
    """Open url, wait until the network is quiet, and count requests and bytes."""
    seen = Load(url)
    responses: list[Response] = []

    def on_request(req: Request) -> None:
        seen.requests.append(req.url)

    def on_response(resp: Response) -> None:
        responses.append(resp)

    page.on("request", on_request)
    page.on("response", on_response)
    try:
        first = page.goto(url, wait_until="load")
        assert first is not None and first.ok, first and first.status
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("response", on_response)
    for resp in responses:
        seen.bodies[resp.url] = len(resp.body())
        sizes = resp.request.sizes()
        seen.wire[resp.url] = sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return seen


def favicon_bytes(context: BrowserContext, page: Page, load_: Load) -> int:
    """Headless Chromium may skip the favicon; fetch it so its weight is still counted."""
    href = page.locator('link[rel="icon"]').get_attribute("href")
    assert href, "the page declares no favicon"
    url = urljoin(page.url, href)
    if url in load_.bodies:
        return 0
    resp = context.request.get(url)
    assert resp.ok, f"favicon {url}: {resp.status}"
    size = len(resp.body())
    load_.bodies[url] = size
    return size


def record(key: str, value: object) -> None:
    data = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    data[key] = value
    METRICS.write_text(json.dumps(data, indent=2, ensure_ascii=False))


def answer_everything(page: Page) -> dict[str, str]:
    """Tap a label in every question: 4 on the first rated one, 5 on the other rated ones,
    and "Không" on the yes/no questions."""
    chosen: dict[str, str] = {}
    fieldsets = page.query_selector_all("fieldset.q")
    assert fieldsets, "the survey shows no questions"
    gave_four = False
    for fs in fieldsets:
        values = [r.get_attribute("value") for r in fs.query_selector_all("input[type=radio]")]
        name = fs.query_selector("input[type=radio]").get_attribute("name")  # type: ignore[union-attr]
        assert name and name.startswith("q_")
        if "5" in values:
            value = "5" if gave_four else "4"
            gave_four = True
        else:
            assert set(values) == {"0", "1"}, (name, values)
            value = "0"
        label = page.locator(f'label[for="{name}-{value}"]')
        assert label.is_visible(), f"label for {name}-{value} is not visible"
        label.click()
        assert page.locator(f"#{name}-{value}").is_checked(), f"{name}={value} did not stick"
        chosen[name] = value
    assert gave_four
    return chosen


def test_poster_to_survey_to_dashboard(app: Flask, world: World, live_server: str,
                                       password: str, phone: BrowserContext,
                                       desktop: BrowserContext) -> None:
    url = qr_url_on_poster(app, world.counter)
    assert url.startswith(f"{live_server}/q/"), url

    # The citizen's phone, JavaScript off.
    page = phone.new_page()
    survey = load(page, url)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Đánh giá nhanh mức độ hài lòng"
    assert len(survey.requests) <= MAX_REQUESTS, survey.requests
    page.screenshot(path=str(SHOTS / "e2e-survey.png"), full_page=True)

    chosen = answer_everything(page)
    assert len(chosen) == 9  # short form: 7 rated items and 2 yes/no questions
    page.locator("details.more summary").click()  # open the optional fields, no JS needed
    assert page.locator("#dossier").is_visible()
    page.screenshot(path=str(SHOTS / "e2e-survey-answered.png"), full_page=True)
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/cam-on"), page.url
    assert page.locator("h1").inner_text() == THANKS
    page.screenshot(path=str(SHOTS / "e2e-thanks.png"), full_page=True)
    record("short_survey_requests", survey.requests)

    # The commune leader at a desk.
    staff = desktop.new_page()
    staff.goto(f"{live_server}/login")
    staff.fill("#email", world.leader.email)
    staff.fill("#password", password)
    staff.get_by_role("button", name="Đăng nhập").click()
    staff.wait_for_load_state("load")
    assert "/login" not in staff.url, staff.locator("main").inner_text()
    staff.goto(f"{live_server}/staff/dashboard?unit={world.commune.code}")
    assert staff.locator('[data-figure="service-n"]').inner_text() == "1"
    assert staff.locator('[data-figure="service"]').inner_text() == "100,00%"
    assert "100,00%" in staff.locator("main").inner_text()
    staff.screenshot(path=str(SHOTS / "e2e-dashboard.png"), full_page=True)


def test_survey_is_usable_with_keyboard_and_labels(live_server: str, world: World,
                                                   token_for, phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto(f"{live_server}/q/{token_for(world.counter)}")

    radios = page.locator("input[type=radio]")
    assert radios.count() > 0
    for i in range(radios.count()):
        rid = radios.nth(i).get_attribute("id")
        assert rid, "a radio without an id cannot have a label"
        assert page.locator(f'label[for="{rid}"]').count() == 1, f"no label for #{rid}"

    first_question = page.locator("fieldset.q").first
    first_radio_names = {
        first_question.locator("input[type=radio]").nth(i).get_attribute("id")
        for i in range(first_question.locator("input[type=radio]").count())
    }
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        if focused.count() == 0:
            reached.append("")
            continue
        tag = focused.evaluate("e => e.tagName + '#' + (e.id || '') + '.' + e.className")
        reached.append(tag)
        if "send" in tag:
            break
    first_radio_at = next((i for i, t in enumerate(reached)
                           if t.split("#", 1)[1].split(".", 1)[0] in first_radio_names), None)
    submit_at = next((i for i, t in enumerate(reached) if t.startswith("BUTTON")), None)
    assert first_radio_at is not None, reached
    assert submit_at is not None, reached
    assert first_radio_at < submit_at, reached
    record("tab_order", reached)


@pytest.mark.parametrize("which", ["counter", "full_counter"])
def test_survey_page_weighs_under_40_kb(live_server: str, world: World, token_for,
                                        phone: BrowserContext, which: str) -> None:
    page = phone.new_page()
    survey = load(page, f"{live_server}/q/{token_for(getattr(world, which))}")
    assert len(survey.requests) <= MAX_REQUESTS, survey.requests
    fetched_icon = favicon_bytes(phone, page, survey)
    record(f"weight_{which}", {
        "requests": survey.requests,
        "bodies": survey.bodies,
        "wire_bytes_incl_headers": survey.wire,
        "favicon_fetched_separately": fetched_icon,
        "total_body_bytes": survey.body_bytes,
    })
    assert survey.body_bytes < MAX_PAGE_BYTES, survey.bodies
    if which == "full_counter":
        page.screenshot(path=str(SHOTS / "e2e-survey-full.png"), full_page=True)
