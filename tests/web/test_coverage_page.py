"""The coverage page (``/coverage``; ``coverage.html`` in the static site) against the rows of
the saved query ``coverage`` on the query fixture (tests/data/queryfix: one report of each
kind), through the server, the static site and a headless Chromium."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from starlette.testclient import TestClient

from tests.support.browser import ARTIFACTS, CHROMIUM, shot
from tripskg.build import build_graph
from tripskg.queries import bind, get_query, run_local
from tripskg.reference import load_reference
from tripskg.serve import Config, create_app

from ..conftest import TESTS

FIX = TESTS / "data" / "queryfix"
BASE = "https://w3id.org/tripskg/"
KIND = "test-fixture"


class Matrix(HTMLParser):
    """The first ``table.matrix`` of a page: per row its reporter (text, href) and per year
    column the marks of the cell as (class, href, text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.years: list[str] = []
        self.rows: list[tuple[tuple[str, str | None], list[list[tuple[str, str | None, str]]]]] = []
        self.inside = self.done = False
        self.where = ""  # "year", "reporter", "mark" while reading text
        self.row: tuple[list[object], list[list[tuple[str, str | None, str]]]] | None = None
        self.mark: list[object] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "table" and "matrix" in classes and not self.done:
            self.inside = True
        elif not self.inside:
            return
        elif tag == "th" and "year" in classes:
            self.years.append("")
            self.where = "year"
        elif tag == "tr":
            self.row = (["", None], [])
        elif tag == "th" and self.row is not None:
            self.where = "reporter"
        elif tag == "a" and self.where == "reporter" and self.row is not None:
            self.row[0][1] = a.get("href")
        elif tag == "td" and self.row is not None:
            self.row[1].append([])
        elif tag in ("a", "span") and "cov" in classes and self.row is not None:
            self.mark = [" ".join(c for c in classes if c != "cov"), a.get("href"), ""]
            self.where = "mark"

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "table":
            self.inside, self.done = False, True
        elif tag == "th":
            self.where = ""
        elif tag in ("a", "span") and self.mark is not None and self.row is not None:
            self.row[1][-1].append((str(self.mark[0]), self.mark[1], str(self.mark[2]).strip()))  # type: ignore[arg-type]
            self.mark, self.where = None, ""
        elif tag == "tr" and self.row is not None:
            if self.row[1]:
                self.rows.append(((str(self.row[0][0]).strip(), self.row[0][1]),  # type: ignore[arg-type]
                                  self.row[1]))
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.where == "year":
            self.years[-1] += data.strip()
        elif self.where == "reporter" and self.row is not None:
            self.row[0][0] = str(self.row[0][0]) + data
        elif self.where == "mark" and self.mark is not None:
            self.mark[2] = str(self.mark[2]) + data


def expected_cells(fixture: Path, res) -> dict[tuple[str, str], list[tuple[str, str | None, str]]]:  # noqa: ANN001
    """Per (reporter name, year): the marks the page must show, from the query's rows."""
    text, _ = bind(get_query("coverage"), {"kind": KIND}, load_reference())
    out: dict[tuple[str, str], list[tuple[str, str | None, str]]] = {}
    for r in run_local(build_graph(fixture).store, text).rows:
        v = {c: None if t is None else t.value for c, t in r.items()}  # type: ignore[union-attr]
        if v["report"] is None:
            mark = ("none", None, "·")
        else:
            cls = str(v["coverage"]) + (" partial" if v["complete"] == "false" else "")
            mark = (cls, res(v["report"]), v["activities"] if v["activities"] else "–")
        out.setdefault((str(v["reporter_name"]), str(v["year"])), []).append(mark)  # type: ignore[arg-type]
        out[("reporter", str(v["reporter_name"]))] = [("reporter", res(v["reporter"]), "")]
    return out


def check_matrix(html: str, expected: dict[tuple[str, str], list[tuple[str, str | None, str]]],
                 res) -> None:  # noqa: ANN001
    m = Matrix(html)
    years = sorted({y for name, y in expected if name != "reporter"})
    assert m.years == years
    reporters = sorted({name for name, _ in expected if name != "reporter"}, key=str.lower)
    assert [name for (name, _), _ in m.rows] == reporters
    kinds = set()
    for (name, href), cells in m.rows:
        assert href == expected[("reporter", name)][0][1], name
        for year, marks in zip(years, cells, strict=True):
            assert marks == expected[(name, year)], (name, year)
            kinds |= {c.split()[0] for c, _, _ in marks}
    assert kinds == {"document", "council-statement", "compilation", "none"}
    assert f'<span class="badge warn">{KIND}</span>' in html, "non-real data is labelled"


@pytest.fixture(scope="module")
def fixture_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tripskg.publish import atomic_output, publish

    root = tmp_path_factory.mktemp("coverage-page")
    shutil.copytree(FIX, root / "data")
    with atomic_output(root / "dist") as work:
        publish(build_graph(root / "data"), work)
    return root / "dist"


def server_res(iri: str) -> str:
    return "/" + iri.removeprefix(BASE)


def test_server_coverage_page(fixture_dist: Path) -> None:
    with TestClient(create_app(Config(dist=fixture_dist, workers=1))) as client:
        assert 'href="/coverage"' in client.get("/").text, "the home page links to it"
        r = client.get("/coverage")
        assert r.status_code == 200
        check_matrix(r.text, expected_cells(FIX, server_res), server_res)
        assert client.get(f"/coverage?kind={KIND}").text == r.text  # the fixture's only kind
        assert "The graph holds no report." in client.get("/coverage?kind=real").text
        bad = client.get("/coverage?kind=bogus")
        assert bad.status_code == 400 and "bogus" in bad.text
        for href in {h for (_, _), cells in Matrix(r.text).rows for marks in cells
                     for _, h, _ in marks if h}:
            assert client.get(href).status_code == 200, href


def test_site_coverage_page(fixture_dist: Path) -> None:
    site = fixture_dist / "site"

    def res(iri: str) -> str:
        return iri.removeprefix(BASE) + ".html"

    html = (site / "coverage.html").read_text(encoding="utf-8")
    check_matrix(html, expected_cells(FIX, res), res)
    assert 'href="coverage.html"' in (site / "index.html").read_text(encoding="utf-8")
    for (_, _), cells in Matrix(html).rows:
        for marks in cells:
            for _, href, _ in marks:
                assert href is None or (site / href).is_file(), href


@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Debian package 'chromium' is not "
                                                          "installed")
@pytest.mark.browser
def test_coverage_page_in_chromium(browser, server_factory, fixture_dist: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    url = server_factory("--workers", "1", dist=fixture_dist).url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(url + "/")
    tab.get_by_role("link", name="Coverage: reporters by year").click()
    tab.wait_for_url("**/coverage")
    assert tab.locator("h1").inner_text() == "Coverage: reporters by year"
    row = tab.locator("table.matrix tbody tr", has_text="World Health Organization")
    assert row.locator("a.cov.compilation").count() == 1
    assert row.locator("a.cov.document").count() == 1
    # each kind has its own colour
    colours = {k: tab.locator(f"table.matrix a.cov.{k}").first.evaluate(
        "e => getComputedStyle(e).backgroundColor")
        for k in ("document", "council-statement", "compilation")}
    assert len(set(colours.values())) == 3, colours
    shot(tab, "coverage")
    row.locator("a.cov.document").click()
    tab.wait_for_url("**/id/report/fx-who-2024")
    shot(tab, "coverage-report")
    outside = [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", None)]
    assert outside == []
    context.close()
