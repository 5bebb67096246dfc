"""The dashboard's short tables keep their figures inside their cards, on a phone and on
desktop screens (the "Có" and n columns used to spill out of the yes/no and SAT5 cards),
and the page itself never scrolls sideways. The date inputs' pattern is checked by the
browser itself, whose regular-expression rules (the `v` flag) differ from Python's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Browser
from tests_support import SHOTS, sign_in

from feedback.extensions import db
from feedback.links import new_submission_id
from feedback.models import Counter
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

if TYPE_CHECKING:
    from tests.conftest import World

pytestmark = pytest.mark.e2e

WIDTHS = (390, 1366, 1920)


@pytest.fixture
def answered(app: Flask, world: World) -> World:
    """Enough answers at two communes for four-digit counts and a ranking."""
    full = catalogue.current("full")
    now = datetime.now(UTC)
    with app.app_context():
        for counter_id in (world.full_counter.id, world.sibling_counter.id):
            counter = db.session.get(Counter, counter_id)
            assert counter is not None
            q = full if counter.questionnaire == "full" else catalogue.current("short")
            for i in range(60):
                answers = {item: 5 - (i % 5) for item in q.items}
                answers.update(HARASS=int(i % 7 == 0), INFORMAL=int(i % 9 == 0))
                record(NewResponse(new_submission_id(), counter.id, counter.unit_id, q,
                                   answers, answered_at=now - timedelta(minutes=i)))
    return world




@pytest.mark.parametrize("width", WIDTHS)
def test_short_tables_keep_their_figures_inside_the_card(
        browser: Browser, live_server: str, answered: World, password: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, live_server, answered.viewer.email, password)
        first, last = datetime.now(UTC) - timedelta(days=2), datetime.now(UTC) + timedelta(days=1)
        page.goto(f"{live_server}/staff/dashboard?unit={answered.province.code}"
                  f"&from={first:%d/%m/%Y}&to={last:%d/%m/%Y}")
        assert page.locator('[data-figure="service-n"]').inner_text() == "120"
        for section in ("#yesno", "#sat5"):
            card = page.locator(section).bounding_box()
            assert card is not None
            cells = page.locator(f"{section} td.num")
            assert cells.count() >= 4
            for i in range(cells.count()):
                box = cells.nth(i).bounding_box()
                assert box is not None
                assert box["width"] > 0
                assert card["x"] - 0.5 <= box["x"], (section, i, box, card)
                assert box["x"] + box["width"] <= card["x"] + card["width"] + 0.5, (
                    section, i, box, card)
        # The page itself never scrolls sideways (long tables scroll inside their card).
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"e2e-dashboard-{width}.png"), full_page=True)
    finally:
        context.close()


def test_date_inputs_pattern_works_in_the_browser(
        browser: Browser, live_server: str, world: World, password: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, live_server, world.leader.email, password)
        page.goto(f"{live_server}/staff/responses")
        field = page.locator('input[name="from"]')
        assert field.get_attribute("inputmode") == "numeric"
        for text, valid in [("05/11/2026", True), ("5.11.2026", True), ("2026-11-05", True),
                            ("11/2026", False), ("abc", False)]:
            field.fill(text)
            assert field.evaluate("el => el.checkValidity()") is valid, text
        # A reversed range: the message, and no list.
        page.goto(f"{live_server}/staff/responses?from=30/11/2026&to=01/11/2026")
        assert "phải trước ngày kết thúc" in page.locator('[role="alert"]').inner_text()
        assert page.locator("table.list").count() == 0
    finally:
        context.close()
