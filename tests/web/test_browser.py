"""The pages in a real headless Chromium (Debian's chromium driven by Playwright).

Screenshots go to tests/artifacts/ (git-ignored). Every request the browser makes is recorded:
none may leave 127.0.0.1 (no CDN, no fonts, no prefix.cc).
"""

from __future__ import annotations

from tests.support.browser import BROWSER, shot

pytestmark = BROWSER


def test_browse_home_report_activity_country(page, server: str) -> None:
    page.goto(server + "/")
    assert page.locator("h1").first.inner_text().startswith("TRIPS technical cooperation")
    assert page.locator("figure.chart svg").count() == 3
    shot(page, "home")
    page.get_by_role("link", name="EXAMPLE DATA (not a real TRIPS Council document)").first.click()
    page.wait_for_url("**/id/report/example-annex")
    assert "EXAMPLE DATA" in page.locator("h1").inner_text()
    shot(page, "report")
    page.get_by_role("link", name="Example: regional seminar on access to medicines").click()
    page.wait_for_url("**/id/activity/example-annex/EX-2")
    assert page.locator("h1").inner_text() == "Example: regional seminar on access to medicines"
    assert "data/examples/example-annex.csv:3" in page.locator(".source").inner_text()
    shot(page, "activity")
    page.get_by_role("link", name="Bangladesh").first.click()
    page.wait_for_url("**/id/country/BGD")
    assert page.locator("h1").inner_text() == "Bangladesh"
    shot(page, "country")
    # and back to the activity through the incoming link
    page.locator("section", has_text="Referenced by").get_by_role(
        "link", name="Example: regional seminar on access to medicines").click()
    page.wait_for_url("**/id/activity/example-annex/EX-2")


def test_report_with_cited_paragraphs(page, server: str) -> None:
    page.goto(server + "/id/report/wipo-technical-cooperation-2025")
    shot(page, "report-wipo")
    src = page.locator("a.src").first
    src.click()
    page.wait_for_url("**/id/report/wipo-technical-cooperation-2025/para/**")
    assert page.locator(".badge", has_text="paragraph").count() >= 1


def test_yasgui_runs_a_saved_query(page, server: str) -> None:
    page.goto(server + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.get_by_role("button", name="Activities by country").click()
    page.wait_for_function(
        "() => window.tripskgYasgui.getTab().getQuery().includes('tkg:beneficiary')")
    page.locator(".yasqe_queryButton").click()
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for()
    text = page.locator(".yasr").inner_text()
    assert "Example: national workshop on patent examination" in text
    shot(page, "yasgui")


def test_saved_query_form_and_search(page, server: str) -> None:
    page.goto(server + "/queries/activities-by-country")
    page.fill("input[name=country]", "Bangladesh")
    page.fill("input[name=kind]", "all")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_url("**country=Bangladesh**")
    assert page.locator("table.results-table tbody tr").count() == 1
    shot(page, "saved-query")
    page.fill("header input[name=q]", "kenya")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=kenya")
    page.get_by_role("link", name="Kenya", exact=True).first.click()
    page.wait_for_url("**/id/country/KEN")


def test_api_docs_render(page, server: str) -> None:
    page.goto(server + "/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    assert page.locator(".opblock-summary-path", has_text="/api/queries/activities-by-country"
                        ).count() == 1
    shot(page, "api-docs")
