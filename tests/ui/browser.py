"""Headless Chromium for the inspector's browser tests: the OS package's binary,
driven by Playwright (no browser download). ``browser`` and ``page`` (fixtures, in
``conftest.py``) skip, saying why, where Playwright or Chromium is missing;
``MAILBLOCKS_REQUIRE_BROWSER=1`` (set by ``.ci/run`` once it has installed Chromium)
turns that skip into a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["browser_fixture", "only_local", "page_fixture", "submit", "texts"]

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("MAILBLOCKS_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _missing(reason: str) -> None:
    if os.environ.get("MAILBLOCKS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}", pytrace=False)
    pytest.skip(reason)


def browser_fixture() -> Iterator[Any]:
    """Headless Chromium with a fresh temporary profile, closed at the end."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    path = _chromium()
    if path is None:
        _missing("no Chromium at /usr/bin/chromium or on PATH (Debian: apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)  # a fresh temporary profile
        yield b
        b.close()


def page_fixture(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    pg = context.new_page()
    pg.on("dialog", lambda dialog: dialog.accept())
    fetched: list[str] = []
    pg.on("request", lambda r: fetched.append(r.url))
    pg.fetched = fetched
    yield pg
    context.close()


def only_local(page: Any, url: str) -> None:
    assert all(u.startswith(url + "/") for u in page.fetched), [u for u in page.fetched if not u.startswith(url)]


def submit(page: Any, selector: str) -> None:
    """Click a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.click(selector)


def texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]
