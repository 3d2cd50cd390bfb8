"""Browser tests: Playwright driving the system's Chromium (Debian package), headless."""

import os
import shutil

import pytest

from tests.payments.alipay.standin import AlipayStandin

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_path()
    if executable is None:
        pytest.fail("Chromium is not installed; `make test` installs it (Debian package chromium).")
    # Playwright's sync API runs an event loop in this thread; the Django ORM
    # calls the tests make between browser steps are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def alipay(settings, live_server):
    """The stand-in cashier, notifying the live server, which is where the shopper comes back to."""
    settings.PAYMENT_GATEWAYS = ["payments.providers.alipay.AlipayProvider"]
    settings.SITE_URL = live_server.url
    settings.PAYMENT_NOTIFY_BASE_URL = live_server.url
    with AlipayStandin() as standin:
        standin.configure(settings)
        yield standin
