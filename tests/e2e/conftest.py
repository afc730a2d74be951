"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every test collected under this directory is marked ``e2e`` (``./dev test`` runs them apart
from the rest of the suite). The persona fixtures come from the root ``conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


FAVICON_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"


@dataclass
class BrowserErrors:
    """Console errors and uncaught page exceptions seen during one test.

    One error is kept apart instead: Chromium's own request for ``/favicon.ico``, which it
    makes on its own for a new page (no template links an icon), answered with a 404. It is
    recorded in ``favicon_404s`` (not in ``messages``) and only when it is exactly that.
    """

    messages: list[str] = field(default_factory=list)
    favicon_404s: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "")
        if message.text == FAVICON_404 and urlsplit(location).path == "/favicon.ico":
            self.favicon_404s.append(location)
            return
        self.messages.append(f"console error: {message.text} (at {location})")

    def on_page_error(self, error: Error) -> None:
        self.messages.append(f"page error: {error.name}: {error.message}")


@pytest.fixture(scope="session", autouse=True)
def _django_allow_async_unsafe() -> Iterator[None]:
    """Playwright's sync API runs an event loop in the test thread, and Django refuses database
    access from a thread with a running loop unless told otherwise (stack notes, trap 10).

    Set from this fixture rather than at import time: an autouse fixture of this conftest is
    only used by the tests below this directory, so the rest of the suite (``-m "not e2e"``
    still imports this file) keeps Django's check.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def page(browser: Browser, browser_errors: BrowserErrors) -> Iterator[Page]:
    """A fresh context (no cookies) per test, with an Indonesian browser."""
    context = browser.new_context(locale="id-ID")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", browser_errors.on_console)
    page.on("pageerror", browser_errors.on_page_error)
    yield page
    context.close()
