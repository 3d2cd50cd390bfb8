"""A headless Chromium for the security tests (Playwright driving the system's Chromium)."""

import os
import shutil
import threading
from collections.abc import Callable

import pytest

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def in_chromium(steps: Callable) -> None:
    """Run ``steps(browser)`` with a headless Chromium, in a thread of its own.

    Playwright's sync API refuses to start in a thread whose event loop already runs, as the
    browser tests' session-wide Playwright leaves the main thread; a fresh thread has none.
    """
    executable = (
        os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if executable is None:
        pytest.fail("Chromium is not installed; `make test` installs it (Debian package chromium).")
    from playwright.sync_api import sync_playwright

    errors: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, headless=True, args=CHROMIUM_FLAGS
                )
                try:
                    steps(browser)
                finally:
                    browser.close()
        except BaseException as error:  # handed back to the test's thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
