"""Browser tests of the console: Debian's headless Chromium (`make browser-binaries`) driven by Playwright,
against the session's app served on 127.0.0.1 by a thread, inside each test's rolled-back transaction.

The server handles one request at a time, so the browser's requests and the test's own reads and writes
take turns on the test's connection. Every page is checked the way a user would notice: axe-core
(tests/axe, run in the page) finds no critical or serious violation, the strict Content-Security-Policy
blocks nothing the page needs, and at a phone's width nothing scrolls sideways.

Screenshots go to $CONSOLE_SCREENSHOTS (default test-output/screenshots, git-ignored) as console-<name>.png;
`CONSOLE_SCREENSHOTS=docs/images pytest tests/test_console_inbox.py` refreshes the ones docs/console.md shows.

Import the fixtures into a test module: `from tests.browser import *  # noqa: F403`.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

__all__ = ["browser", "live_server", "page", "sign_in", "assert_accessible", "assert_fits", "screenshot"]

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "axe" / "axe.min.js"
ROOT = Path(__file__).resolve().parent.parent
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 860}


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app at http://127.0.0.1:<port> (its sessions follow each test's transaction)."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


# Per module: while Playwright runs, its event loop counts as running in this thread, and the other
# modules' asyncio.run() (the fake FCM server, the push workers) would refuse to start.
@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make browser-binaries` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser (no cookies) in Vietnamese at a laptop's size; fails the test if the page's
    Content-Security-Policy blocked anything or a script failed."""
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport=LAPTOP)
    context.add_init_script(path=str(AXE))  # by the browser itself: the page's CSP does not apply
    tab = context.new_page()
    problems = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    yield tab
    context.close()
    assert not problems, problems


def sign_in(page, user, password=PASSWORD, path="/console/feedback"):
    page.goto(path)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def assert_accessible(page):
    """No critical or serious WCAG 2.1 A/AA violation on the page (axe-core)."""
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert not bad, bad


def assert_fits(page, size=PHONE, screenshot_name: str | None = None):
    """At `size` (a phone by default) the page does not scroll sideways (and is photographed so)."""
    before = page.viewport_size
    page.set_viewport_size(size)
    try:
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide at {size['width']} px"
        if screenshot_name:
            screenshot(page, screenshot_name)
    finally:
        page.set_viewport_size(before)


def screenshot(page, name: str, **options) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or ROOT / "test-output" / "screenshots")
    folder = folder if folder.is_absolute() else ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"console-{re.sub(r'[^a-z0-9-]', '-', name)}.png"
    page.screenshot(path=str(path), **options)
    return path
