"""The query page and the licence footer in a real headless Chromium (issue 15, item 8).

Uses the browser fixtures of tests/support/browser.py: every request is recorded and none may leave
127.0.0.1; no JavaScript error may occur.
"""

from __future__ import annotations

from tests.support.browser import ARTIFACTS, BROWSER, shot

pytestmark = BROWSER

PREFIXES = """PREFIX tkg: <https://w3id.org/tripskg/def/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX country: <https://w3id.org/tripskg/id/country/>
"""


def _editor(pg, server: str) -> None:
    pg.goto(server + "/query")
    pg.wait_for_selector(".yasqe .CodeMirror")


def _run(pg, query: str) -> None:
    pg.evaluate("q => { window.tripskgYasgui.getTab().setQuery(q); }", query)
    pg.locator(".yasqe_queryButton").click()


def test_results_use_prefixes_plain_literals_and_local_links(page, server: str) -> None:
    _editor(page, server)
    _run(page, PREFIXES + """SELECT ?country ?name ?code WHERE {
  ?country a tkg:Country ; skos:prefLabel ?name ; tkg:iso3166Alpha3 ?code .
  FILTER(lang(?name) = "en" && ?code = "KHM")
}""")
    link = page.locator(".yasr table tbody a.iri").first
    link.wait_for()
    assert link.inner_text() == "country:KHM"
    assert link.get_attribute("href") == "/id/country/KHM"
    assert link.get_attribute("title") == "https://w3id.org/tripskg/id/country/KHM"
    cells = page.locator(".yasr table tbody tr").first.inner_text()
    assert "Cambodia" in cells and '"Cambodia"' not in cells and "@en" not in cells
    assert "^^" not in cells
    shot(page, "query-results")
    link.click()
    page.wait_for_url(server + "/id/country/KHM")
    assert "Cambodia" in page.locator("h1").inner_text()


def test_syntax_error_shows_line_column_and_text(page, server: str) -> None:
    _editor(page, server)
    _run(page, "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTR(?s) }")
    err = page.locator(".query-error")
    err.wait_for()
    text = err.inner_text()
    assert "line 3, column" in text
    assert "FILTR(?s) }" in text
    shot(page, "query-error")


def test_completion_of_classes_properties_and_resources(page, server: str) -> None:
    _editor(page, server)
    tab = "window.tripskgYasgui.getTab()"
    page.evaluate(f"q => {{ {tab}.setQuery(q); {tab}.getYasqe().focus(); "
                  f"{tab}.getYasqe().setCursor({{line: 4, ch: 0}}); }}",
                  PREFIXES + "SELECT * WHERE {\n\n}")
    page.keyboard.type("?x a tkg:Coun")
    hints = page.locator(".CodeMirror-hints li")
    # wait for the list that answers what was typed (an earlier list may still be showing)
    hints.filter(has_text="tkg:Country").first.wait_for()
    texts = hints.all_inner_texts()
    assert any("Country" in t and "tkg:Country" in t for t in texts), texts
    page.keyboard.press("Escape")
    page.keyboard.type(" ; tkg:iso3166")
    hints.filter(has_text="tkg:iso3166").first.wait_for()
    assert any("tkg:iso3166Alpha3" in t for t in hints.all_inner_texts())
    page.keyboard.press("Escape")
    page.keyboard.type(" . ?y ?p Cambod")
    page.keyboard.press("Control+Space")
    hints.filter(has_text="Cambod").first.wait_for()
    texts = hints.all_inner_texts()
    assert any("Cambodia" in t and "country:KHM" in t for t in texts), texts
    shot(page, "query-completion")
    page.keyboard.press("Enter")
    assert "country:KHM" in page.evaluate(f"() => {tab}.getQuery()")
    assert any("/api/complete?" in u for u in page.requests)


def test_licence_in_the_footer(page, server: str) -> None:
    for path in ("/", "/query", "/id/country/KHM"):
        page.goto(server + path)
        licence = page.locator("footer a[rel=license]")
        assert licence.is_visible()
        assert licence.get_attribute("href") == "https://creativecommons.org/licenses/by/4.0/"
        assert licence.inner_text() == "CC BY 4.0"
    assert ARTIFACTS.is_dir()
