"""Playwright driving Debian's Chromium (/usr/bin/chromium): `.ci/run` installs it.

These tests never skip: a missing browser is a failure, so CI cannot pass without them.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the tests' own
    # database calls are synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (a reader, another reader, JavaScript off). Nothing
    a page loads may leave the machine."""
    contexts, outside = [], []

    def note_outside(request):
        if not request.url.startswith(("http://localhost", "http://127.0.0.1", "data:")):
            outside.append(request.url)

    def make(**options):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("request", note_outside)
        return page

    yield make
    for context in contexts:
        context.close()
    assert outside == [], f"requests left the machine: {outside}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot_dir(tmp_path):
    """`make screenshot` points this at docs/ to refresh the README's picture."""
    folder = os.environ.get("LIAISON_SCREENSHOT_DIR")
    return os.path.abspath(folder) if folder else str(tmp_path)
