"""Playwright with Debian's Chromium (`apt-get install chromium fonts-noto-cjk`).

Where Chromium is not installed these tests are skipped with that reason, visibly; .ci/run
installs it and sets REQUIRE_BROWSER, so CI always runs them.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/proposal-tracker-screenshots"))

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _migration_rows(migration_rows):
    """Every browser test is transactional: put the data migrations' rows back."""


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, of=None) -> Path:
        """Save a full-page screenshot of `page`, or of another page given as `of`."""
        path = SCREENSHOTS / f"{name}.png"
        (of or page).screenshot(path=path, full_page=True)
        return path

    return take


def log_in(page, live_server, username: str, password: str = "pass-word-123") -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
