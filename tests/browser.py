"""Debian's Chromium for browser tests, driven by Playwright.

The machines that run the tests cannot download Playwright's own browser builds, so Playwright
(its Python package, which carries its driver) launches the system's ``/usr/bin/chromium``
(installed by ``tests/setup/system.sh``). A test module calls :func:`require` first: without the
browser it is skipped with a message saying what to install.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, sync_playwright

__all__ = ["CHROMIUM", "CHROMIUM_FLAGS", "chromium", "require"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]
"""Headless Chromium as the tests run it: no sandbox (root in CI), no network of its own."""


def require(*tools: str) -> None:
    """Skip the calling test module unless Chromium (and each of ``tools``) is installed."""
    missing = [t for t in (CHROMIUM, *tools) if not shutil.which(t)]
    if missing:
        pytest.skip(f"browser tests need {', '.join(missing)}; install them with "
                    "tests/setup/system.sh", allow_module_level=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium driven by Playwright, closed afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
