"""Browser tests: the real app on a free port, driven by the Debian Chromium.

Playwright's own browser download is never used; the tests skip when `chromium` is missing.
The server runs for the whole session, but BASE_URL (which QR links are built from) points
at it only while an e2e test runs, so tests collected after these still see their default.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP in a daemon thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _base_url_is_live(request: pytest.FixtureRequest) -> Iterator[None]:
    """Posters printed during an e2e test must point at the live server."""
    if "live_server" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    url: str = request.getfixturevalue("live_server")
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = url
    try:
        yield
    finally:
        app.config["BASE_URL"] = previous


@pytest.fixture(scope="session")
def password(pytestconfig: pytest.Config) -> str:
    """The staff password set by the `world` fixture, read from tests/conftest.py (which,
    being a conftest outside any package, cannot simply be imported)."""
    root = (Path(__file__).parent.parent / "conftest.py").resolve()
    for plugin in pytestconfig.pluginmanager.get_plugins():
        source = getattr(plugin, "__file__", None)
        if source and Path(source).resolve() == root:
            return str(plugin.PASSWORD)
    raise LookupError(f"{root} is not loaded")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("FEEDBACK_REQUIRE_E2E"):
            pytest.fail("FEEDBACK_REQUIRE_E2E is set but Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A cheap Android phone, as a citizen scanning the poster holds, with JavaScript off:
    the survey must work without it."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="vi-VN", java_script_enabled=False,
    )
    yield context
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    yield context
    context.close()
