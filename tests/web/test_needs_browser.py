"""The LDC needs pages in a real headless Chromium: from the home page to the summary, to an
LDC's page, to a matched activity; on the server and in the static site (file://).
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

from tests.support.browser import BROWSER, shot

from .test_needs_pages import fixture_data, needs_dist  # noqa: F401 - fixtures

pytestmark = BROWSER


def click_through(tab, start: str, prefix: str) -> None:  # noqa: ANN001
    tab.goto(start)
    tab.get_by_role("link", name="LDC priority needs against delivery").click()
    tab.wait_for_url("**/needs*")
    assert tab.locator("h1").inner_text() == "LDC priority needs against delivery"
    rows = tab.locator("table.needs-summary tbody tr")
    assert rows.count() == 2
    uganda = rows.filter(has_text="Uganda")
    assert uganda.locator("td.num").all_inner_texts() == ["5", "2", "3", "3"]
    shot(tab, f"{prefix}-needs-summary")
    uganda.get_by_role("link", name="Uganda").click()
    tab.wait_for_url("**/needs/UGA*")
    assert tab.locator("h1").inner_text().startswith("Priority needs of Uganda")
    needs = tab.locator("table.needs tbody tr")
    assert needs.count() == 5
    assert tab.locator("tr.need.addressed").count() == 2
    assert tab.locator("tr.need.open").count() == 3
    # the markup in a need's text is shown as text
    assert tab.get_by_text("IP & public health <script>alert(1)</script>").count() == 1
    assert tab.locator("tr.need .status").first.evaluate(
        "e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert "activity lists are partial" in " ".join(tab.locator("aside.limits").inner_text()
                                                       .split())
    shot(tab, f"{prefix}-needs-uganda")
    tab.get_by_role("link", name="Enforcement seminar (after)").click()
    tab.wait_for_url("**/id/activity/fx-needs/1*")
    assert tab.locator("h1").inner_text() == "Enforcement seminar (after)"
    shot(tab, f"{prefix}-needs-activity")


def test_needs_pages_on_the_server(tab, server_factory, needs_dist) -> None:  # noqa: F811
    url = server_factory("--workers", "1", dist=needs_dist).url
    click_through(tab, url + "/", "server")


def test_needs_pages_in_the_static_site(tab, needs_dist) -> None:  # noqa: F811
    click_through(tab, (needs_dist / "site" / "index.html").as_uri(), "site")
