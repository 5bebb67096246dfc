"""An office goes live from an empty database, in a real browser.

Only the first account comes from the command line (the installation admin, no unit).
Everything else is done on the staff pages at a desk: a province and a commune, a counter,
an officer with an initial password; the counter's poster is downloaded and its QR code
read back. A citizen's 390-px phone with JavaScript off scans it and answers; the officer
sees the answer; the admin disables the officer, whose next request goes to the login
page. The poster's typed short code opens the same survey from the landing page.

Screenshots of every set-up page at 390 and 1366 px go to office-setup/ in
tests_support.SHOTS (for people to look at), never the repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from playwright.sync_api import Browser, BrowserContext, Page
from tests_support import SHOTS, read_poster, sign_in

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "quantri@tinh.gov.vn"
ADMIN_PASSWORD = "mat-khau-quan-tri-1"
OFFICER_EMAIL = "canbo@xa.gov.vn"
OFFICER_PASSWORD = "mat-khau-can-bo-1"
PROVINCE = ("tinh-thu", "Tỉnh Thử Nghiệm")
COMMUNE = ("xa-thu", "Xã Thử Nghiệm")
COUNTER = "Quầy 1 — Tư pháp"
WIDTHS = (390, 1366)
THANKS = "Cảm ơn ông/bà đã đánh giá!"


@pytest.fixture(scope="module")
def shots() -> Path:
    path = SHOTS / "office-setup"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def citizen(browser: Browser) -> Iterator[BrowserContext]:
    """A 390-px phone with JavaScript off: the survey must work without it."""
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="vi-VN", java_script_enabled=False)
    yield context
    context.close()


def desk(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")


def shoot(page: Page, shots: Path, name: str) -> None:
    """The page as it stands, at a phone's and a desktop's width."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def flashes(page: Page) -> str:
    return " ".join(page.locator("p.flash").all_inner_texts())




def submit(page: Page, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")


def answer_survey(page: Page) -> int:
    """Tap "Hài lòng" (4) on every rated question and "Không" on the yes/no ones."""
    fieldsets = page.query_selector_all("fieldset.q")
    assert fieldsets, "the survey shows no questions"
    for fs in fieldsets:
        first = fs.query_selector("input[type=radio]")
        assert first is not None
        name = first.get_attribute("name")
        values = [r.get_attribute("value") for r in fs.query_selector_all("input[type=radio]")]
        value = "4" if "4" in values else "0"
        page.locator(f'label[for="{name}-{value}"]').click()
        assert page.locator(f"#{name}-{value}").is_checked()
    return len(fieldsets)


def test_an_office_goes_live_from_an_empty_database(
        runner: FlaskCliRunner, live_server: str, browser: Browser, citizen: BrowserContext,
        shots: Path) -> None:
    base = live_server
    result = runner.invoke(args=["users", "create", "--email", ADMIN_EMAIL,
                                 "--password", ADMIN_PASSWORD, "--role", "admin"])
    assert result.exit_code == 0, result.output

    admin_ctx = desk(browser)
    officer_ctx = desk(browser)
    try:
        admin = admin_ctx.new_page()
        sign_in(admin, base, ADMIN_EMAIL, ADMIN_PASSWORD)

        # Units: a province, then a commune under it.
        admin.goto(f"{base}/staff/units")
        assert "Chưa có đơn vị nào" in admin.locator("main").inner_text()
        admin.fill("#code", PROVINCE[0])
        admin.fill("#name", PROVINCE[1])
        admin.select_option("#kind", "province")
        admin.select_option("#parent", "")
        submit(admin, "Thêm đơn vị")
        assert admin.url.endswith(f"/staff/units/{PROVINCE[0]}"), admin.url
        assert PROVINCE[1] in flashes(admin)
        admin.goto(f"{base}/staff/units")
        admin.fill("#code", COMMUNE[0])
        admin.fill("#name", COMMUNE[1])
        admin.select_option("#kind", "commune")
        admin.select_option("#parent", PROVINCE[0])
        submit(admin, "Thêm đơn vị")
        assert admin.url.endswith(f"/staff/units/{COMMUNE[0]}"), admin.url
        assert PROVINCE[1] in admin.locator("main").inner_text()  # its parent is shown
        shoot(admin, shots, "unit-page")
        admin.goto(f"{base}/staff/units")
        listed = admin.locator("table.units tbody").inner_text()
        assert listed.index(PROVINCE[1]) < listed.index(COMMUNE[1])
        shoot(admin, shots, "units-list")

        # A counter in the commune.
        admin.goto(f"{base}/staff/counters?unit={COMMUNE[0]}")
        admin.fill("#new-name", COUNTER)
        submit(admin, "Thêm quầy")
        assert COUNTER in flashes(admin)
        card = admin.locator("section.counter", has_text=COUNTER)
        assert card.count() == 1
        short = card.locator("strong.short").inner_text().strip()
        assert re.fullmatch(r"[0-9A-Z]{3}-?[0-9A-Z]{3,5}", short), short
        shoot(admin, shots, "counters")

        # Its poster, downloaded as a person would, and its QR code read back.
        with admin.expect_download() as download:
            card.get_by_role("link", name="Tờ mã QR (PDF)").click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        survey_url, poster_text = read_poster(pdf)
        assert survey_url.startswith(f"{base}/q/"), survey_url
        assert short.replace("-", "") in poster_text.replace("-", "").replace(" ", ""), \
            "the poster does not print the counter's short code"

        # The revoke confirmation says what it does; looking at it changes nothing.
        card.get_by_role("link", name=re.compile("Thu hồi")).first.click()
        admin.wait_for_load_state("load")
        assert "/reissue" in admin.url
        shoot(admin, shots, "revoke-confirmation")

        # Procedures and the import pages, as an admin finds them.
        admin.goto(f"{base}/staff/procedures?unit={COMMUNE[0]}")
        admin.fill("#code", "1.001193")
        admin.fill("#name", "Đăng ký khai sinh")
        admin.fill("#field", "Hộ tịch")
        submit(admin, "Thêm thủ tục")
        assert "Đăng ký khai sinh" in admin.locator("main").inner_text()
        shoot(admin, shots, "procedures")
        admin.goto(f"{base}/staff/import/procedures?unit={COMMUNE[0]}")
        shoot(admin, shots, "import-procedures")
        admin.goto(f"{base}/staff/import/units")
        shoot(admin, shots, "import-units")

        # An officer of the commune, with an initial password.
        admin.goto(f"{base}/staff/users/new")
        shoot(admin, shots, "new-user")
        admin.fill("#email", OFFICER_EMAIL)
        admin.fill("#name", "Nguyễn Thị Cán Bộ")
        admin.select_option("#role", "officer")
        admin.select_option("#unit", COMMUNE[0])
        admin.check('input[name="how"][value="password"]')
        admin.fill("#password", OFFICER_PASSWORD)
        submit(admin, "Tạo tài khoản")
        assert OFFICER_EMAIL in flashes(admin), admin.locator("main").inner_text()
        officer_page_url = admin.url
        assert re.search(r"/staff/users/\d+$", officer_page_url), officer_page_url
        shoot(admin, shots, "user-page")

        # The citizen scans the poster with JavaScript off, answers, and is thanked.
        phone = citizen.new_page()
        phone.goto(survey_url)
        assert phone.locator("html").get_attribute("lang") == "vi"
        assert answer_survey(phone) >= 7
        submit(phone, "Gửi đánh giá")
        assert phone.url.endswith("/cam-on"), phone.url
        assert phone.locator("h1").inner_text() == THANKS

        # The officer signs in at another desk and sees that answer.
        officer = officer_ctx.new_page()
        sign_in(officer, base, OFFICER_EMAIL, OFFICER_PASSWORD)
        seen = officer.goto(f"{base}/staff/responses")
        assert seen is not None and seen.status == 200
        rows = officer.locator("table.list tbody tr")
        assert rows.count() == 1, officer.locator("main").inner_text()
        assert COUNTER in rows.first.inner_text()
        assert "1 phiếu." in officer.locator("main").inner_text()

        # The admin sees the officer's first login, then disables the account.
        admin.goto(f"{base}/staff/users")
        row = admin.locator("tbody tr", has_text=OFFICER_EMAIL)
        assert "Chưa đăng nhập" not in row.inner_text()
        shoot(admin, shots, "users-list")
        row.get_by_role("link", name=OFFICER_EMAIL).click()
        admin.wait_for_load_state("load")
        submit(admin, "Khoá tài khoản")
        assert "Đã khoá tài khoản" in flashes(admin)

        # The officer's very next request is refused: back to the login page.
        officer.goto(f"{base}/staff/responses")
        assert "/login" in officer.url, officer.url
        assert officer.locator("#password").count() == 1

        # The short code printed on the poster, typed on the landing page.
        phone.goto(f"{base}/")
        shoot(phone, shots, "landing")
        phone.fill("#code", short.lower())  # case does not matter
        submit(phone, "Mở phiếu đánh giá")
        assert "/q/" in phone.url, phone.url
        assert phone.locator("fieldset.q").count() >= 7

        # Remaining pages, for the screenshots: account, outbox, and a reset link (no
        # SMTP here, so the link is shown to the admin and kept in the outbox).
        admin.goto(f"{base}/staff/account")
        assert ADMIN_EMAIL in admin.locator("main").inner_text()
        shoot(admin, shots, "account")
        admin.goto(f"{base}/staff/users/new")
        admin.fill("#email", "lanhdao@xa.gov.vn")
        admin.select_option("#role", "leader")
        admin.select_option("#unit", COMMUNE[0])
        admin.check('input[name="how"][value="link"]')
        submit(admin, "Tạo tài khoản")
        link = re.search(r"https?://\S+/dat-lai-mat-khau/\S+", flashes(admin))
        assert link, flashes(admin)
        admin.goto(f"{base}/staff/outbox")
        assert "lanhdao@xa.gov.vn" in admin.locator("main").inner_text()
        shoot(admin, shots, "outbox")
        fresh = citizen.new_page()
        fresh.goto(link.group(0).rstrip(".,"))
        assert fresh.locator("#password").count() == 1
        assert fresh.locator("#confirm").count() == 1
        shoot(fresh, shots, "reset-password")
    finally:
        admin_ctx.close()
        officer_ctx.close()
