"""The quality page and the check form in a real headless Chromium (as tests/test_browser.py
drives it), over ``small_dist`` served with ``--allow-check``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from tripskg.releases.quality import group_results, read_validation

from ..ingest.test_ingest import BAD
from ..web.test_browser import ARGS, ARTIFACTS, CHROMIUM, shot

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).is_file(),
                                reason="Debian package 'chromium' is not installed "
                                       "(make system-deps)")]
BASE = "https://w3id.org/tripskg/"


@pytest.fixture(scope="module")
def checking(server_factory) -> str:
    return server_factory("--allow-check", "--check-max-bytes", "200000").url


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def tab(chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    pg = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg
    outside = [u for u in requests if urlparse(u).scheme in ("http", "https")
               and urlparse(u).hostname != "127.0.0.1"]
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
    context.close()


def test_quality_page_in_chromium(tab, checking: str, small_dist: Path) -> None:
    quality = group_results(read_validation(small_dist, BASE), BASE)
    tab.goto(checking + "/")
    tab.get_by_role("link", name="Quality").first.click()
    tab.wait_for_url("**/quality")
    assert tab.locator("h1").inner_text() == "Data quality"
    assert tab.locator(".n-warnings").inner_text() == str(quality.count("Warning"))
    assert tab.locator("details.quality-group").count() == len(quality.groups)
    locations = tab.locator("code.location").all_inner_texts()
    assert sorted(locations) == sorted(r.location for g in quality.groups
                                       for rg in g.reports for r in rg.results)
    shot(tab, "quality")
    # a result links to the resource it is about
    tab.locator("a.focus", has_text="report/example-annex").first.click()
    tab.wait_for_url("**/id/report/example-annex")
    assert "EXAMPLE DATA" in tab.locator("h1").inner_text()


def test_check_form_in_chromium(tab, checking: str, tmp_path: Path) -> None:
    tab.goto(checking + "/quality")
    upload = tmp_path / "case.csv"
    upload.write_bytes((BAD / "end-before-start.csv").read_bytes())
    tab.set_input_files("#check-file", str(upload))
    tab.get_by_role("button", name="Check").click()
    result = tab.locator("#check-result")
    result.filter(has_text="checked 1 file").wait_for()
    expected = (BAD / "end-before-start.expected").read_text(encoding="utf-8").strip()
    assert result.inner_text().splitlines()[0] == "error: " + expected.removeprefix(
        "data/annex/")
    assert result.get_attribute("data-ok") == "false"
    shot(tab, "quality-check")
