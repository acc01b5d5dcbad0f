"""The quality page and the check form in a real headless Chromium (the fixtures of
tests/support/browser.py), over ``small_dist`` served with ``--allow-check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import BROWSER, shot
from tripskg.releases.quality import group_results, read_validation

from ..ingest.test_ingest import BAD

pytestmark = BROWSER
BASE = "https://w3id.org/tripskg/"


@pytest.fixture(scope="module")
def checking(server_factory) -> str:
    return server_factory("--allow-check", "--check-max-bytes", "200000").url


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
