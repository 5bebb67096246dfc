"""The periodic report in a real browser: a leader on a phone sets when the report is due,
previews it with its four charts, downloads the PDF, and marks it as sent; the page then
shows the stored files' digests, and the page never scrolls sideways."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Browser
from sqlalchemy import select
from tests_support import SHOTS, pdf_text, sign_in

from feedback.extensions import db
from feedback.links import new_submission_id
from feedback.models import IssuedReport, ReportSchedule
from feedback.survey import catalogue
from feedback.survey.services import NewResponse, record

if TYPE_CHECKING:
    from tests.conftest import World

pytestmark = pytest.mark.e2e


def test_a_leader_sets_the_due_date_previews_downloads_and_marks_as_sent(
        app: Flask, browser: Browser, live_server: str, world: World, password: str) -> None:
    full = catalogue.current("full")
    with app.app_context():
        for i in range(12):
            record(NewResponse(new_submission_id(), world.full_counter.id, world.commune.id,
                               full, {item: 4 + i % 2 for item in full.items},
                               answered_at=datetime.now(UTC) - timedelta(minutes=i)))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  accept_downloads=True)
    try:
        page = context.new_page()
        sign_in(page, live_server, world.leader.email, password)
        page.goto(f"{live_server}/staff/reports/schedule?unit={world.commune.code}")
        page.select_option("select[name=kind]", "monthly")
        page.fill("input[name=due_day]", "10")
        page.select_option("select[name=month_offset]", "1")
        page.click("text=Lưu hạn nộp")
        # Back on the report: the month that falls due next, with its due date.
        page.wait_for_url("**/staff/reports/?unit=*")
        assert "đến hạn ngày 10/" in page.inner_text("#h-due + p")
        page.goto(f"{live_server}/staff/reports/?unit={world.commune.code}&kind=monthly"
                  f"&period={datetime.now(UTC):%Y-%m}")
        assert "I. Mức độ hài lòng" in page.inner_text("article")
        charts = page.locator("article img.chart")
        assert charts.count() == 4
        for i in range(4):
            charts.nth(i).scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=charts.nth(i).element_handle())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        with page.expect_download() as download:
            page.click("a[href*='/staff/reports/report.pdf']")
        data = Path(download.value.path()).read_bytes()
        assert "BÁO CÁO" in pdf_text(data)

        page.click("text=Đánh dấu đã gửi và lưu bản này")
        page.wait_for_selector("#issued")
        page.screenshot(path=str(SHOTS / "periodic-report-390.png"), full_page=True)
        with app.app_context():
            issued = db.session.scalars(select(IssuedReport)).one()
            digests = {f.format: f.sha256 for f in issued.files}
            assert db.session.get(ReportSchedule, world.commune.id) is not None
        issued_text = page.inner_text("#issued")
        for digest in digests.values():
            assert digest in issued_text
        with page.expect_download() as stored:
            page.click("#issued a[href$='.pdf']")
        content = Path(stored.value.path()).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digests["pdf"]
    finally:
        context.close()
