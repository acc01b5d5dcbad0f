"""The headless Chromium shared by every browser test (Debian's chromium driven by Playwright).

tests/conftest.py registers the fixtures (``pytest_plugins``); a module whose tests drive
Chromium marks itself with ``pytestmark = BROWSER``. Screenshots go to
tests/artifacts/ (git-ignored). Every request a ``tab`` makes is recorded: none may leave
127.0.0.1 (no CDN, no fonts, no prefix.cc), and no JavaScript error may occur.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
NO_CHROMIUM = "Debian package 'chromium' is not installed (make system-deps)"

#: the marks of a module whose tests drive Chromium
BROWSER = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=NO_CHROMIUM)]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def tab(browser):  # type: ignore[no-untyped-def]
    """A page whose requests (``tab.requests``) and JavaScript errors (``tab.errors``) are
    recorded; after the test none may have left 127.0.0.1 and there may be no error."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.requests = []
    pg.errors = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg
    outside = [u for u in pg.requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).hostname != "127.0.0.1"]
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert pg.errors == [], f"JavaScript errors: {pg.errors}"
    context.close()


@pytest.fixture
def page(tab, server: str):  # type: ignore[no-untyped-def]
    """A ``tab`` once the shared server (``server``) runs."""
    return tab


def shot(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
