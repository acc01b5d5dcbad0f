"""The static linked-data site in dist/site/ (issue 5): one HTML + Turtle + JSON-LD per IRI."""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urldefrag

import pyoxigraph as ox
import pytest

from tests.conftest import XSS_LABEL
from tripskg.queries import load_dist_store
from tripskg.web.render import local_path

BASE = "https://w3id.org/tripskg/"


@pytest.fixture(scope="module")
def store(small_dist: Path) -> ox.Store:
    return load_dist_store(small_dist)


@pytest.fixture(scope="module")
def site(small_dist: Path) -> Path:
    return small_dist / "site"


def dataset_subjects(store: ox.Store) -> set[str]:
    return {q.subject.value for q in store if isinstance(q.subject, ox.NamedNode)
            and q.subject.value.startswith((BASE + "id/", BASE + "def/"))}


def test_every_iri_has_html_turtle_jsonld(store: ox.Store, site: Path) -> None:
    subjects = dataset_subjects(store)
    assert len(subjects) > 900
    for iri in subjects:
        rel = local_path(iri, BASE)
        assert rel is not None, iri
        for suffix in ("html", "ttl", "jsonld"):
            assert (site / f"{rel}.{suffix}").is_file(), (iri, suffix)


@pytest.mark.parametrize("path", ["id/country/KEN", "id/report/wipo-technical-cooperation-2025",
                                  "id/activity/example-annex/EX-2", "def/Activity", "def/index"])
def test_rdf_twins_hold_the_resource_triples(store: ox.Store, site: Path, path: str) -> None:
    iri = BASE + (path[:-5] if path.endswith("/index") else path)
    node = ox.NamedNode(iri)
    expected = {q.triple for q in store.quads_for_pattern(node, None, None)
                if not isinstance(q.object, ox.BlankNode)}
    for suffix, fmt in (("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD)):
        got = {q.triple for q in ox.parse((site / f"{path}.{suffix}").read_bytes(), format=fmt)}
        assert expected <= got, suffix
        # plus the labels of the resources it links to
        if path.startswith("id/"):
            assert any(t.subject != node and t.predicate.value.endswith("label") for t in got)


def test_pages_show_labels_links_and_sources(site: Path) -> None:
    html = (site / "id/report/wipo-technical-cooperation-2025.html").read_text()
    assert 'href="../../id/org/wipo.html"' in html
    assert "World Intellectual Property Organization" in html
    assert "data/documents/wipo-technical-cooperation-2025.txt" in html
    assert re.search(r'class="src" href="../../id/report/wipo-technical-cooperation-2025/para/'
                     r'\w+\.html"', html)
    assert 'href="../../id/report/wipo-technical-cooperation-2025.ttl"' in html
    assert 'href="../../static/style.css"' in html
    activity = (site / "id/activity/example-annex/EX-2.html").read_text()
    assert "data/examples/example-annex.csv:3" in activity
    assert 'href="../../../id/country/BGD.html" title="https://w3id.org/tripskg/id/country/BGD">' \
        'Bangladesh</a>' in activity


def test_relative_links_resolve(site: Path) -> None:
    pages = [site / "index.html", site / "classes.html", site / "list/tkg-Country.html",
             site / "id/country/KEN.html", site / "id/report/wipo-technical-cooperation-2025.html",
             site / "id/activity/example-annex/EX-2.html", site / "def/Activity.html",
             site / "def/index.html"]
    for page in pages:
        for href in re.findall(r'href="([^"]+)"', page.read_text()):
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            target = (page.parent / urldefrag(href)[0]).resolve()
            assert target.is_file() or target.is_relative_to(site.parent.resolve()), (page, href)
            if target.is_relative_to(site.resolve()):
                assert target.is_file(), (page, href)


def test_index_listings_and_csv(site: Path, store: ox.Store) -> None:
    index = (site / "index.html").read_text()
    assert "<svg" in index and 'href="list/tkg-Activity.html"' in index
    assert 'href="../tripskg.ttl"' in index
    assert (site / "list/tkg-Country.html").is_file()
    assert (site / "list/tkg-Country.p2.html").is_file()
    assert 'href="../list/tkg-Country.p2.html"' in (site / "list/tkg-Country.html").read_text()
    rows = list(csv.DictReader(io.StringIO((site / "list/tkg-Country.csv").read_text())))
    countries = {q.subject.value for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode(BASE + "def/Country"))}
    assert {r["iri"] for r in rows} == countries


def test_server_configs_shipped(site: Path) -> None:
    htaccess = (site / ".htaccess").read_text()
    assert "RewriteEngine On" in htaccess and "text/turtle" in htaccess
    assert "try_files" in (site / "nginx.conf.example").read_text()


def test_escaping(site: Path) -> None:
    html = (site / "id/activity/xss-fixture/XSS-1.html").read_text()
    assert XSS_LABEL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_same_templates_as_server(site: Path, server: str) -> None:
    import httpx

    served = httpx.get(server + "/id/country/KEN").text
    static = (site / "id/country/KEN.html").read_text()

    def main(html: str) -> str:
        body = html.split('<article class="resource">')[1].split("</article>")[0]
        return re.sub(r'href="[^"]*"', "", body)  # links differ: /id/... vs ../...

    def strip_server_only(html: str) -> str:  # N-Triples / RDF/XML links exist only when served
        return re.sub(r'\s*<a  class="fmt">(N-Triples|RDF/XML)</a>', "", html)

    assert strip_server_only(main(served)) == strip_server_only(main(static))


@pytest.mark.slow
def test_site_is_reproducible_and_fast(small_dist: Path, tmp_path: Path) -> None:
    from tripskg.build import build_graph
    from tripskg.publish.site import write_site
    from tripskg.web.release import release_view

    data = small_dist.parent / "data"
    result = build_graph(data)
    # the release pages (feeds, quality.html) come from the build folder next to the site
    shutil.copytree(small_dist / "feeds", tmp_path / "feeds")
    release = release_view(small_dist, result.iris.base)
    t0 = time.monotonic()
    n = write_site(result, tmp_path / "a", release=release, void_file=small_dist / "void.ttl")
    took = time.monotonic() - t0
    # the same inputs give the same files as the site written by the fixture's build
    # (index.html lists the dumps next to it, which only the fixture's folder has)
    a, b = tmp_path / "a", small_dist / "site"
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        if rel != Path("index.html"):
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert n > 900
    assert took < 60, f"write_site took {took:.1f}s for {len(files_a)} files"


def test_build_no_site_flag(small_dist: Path, tmp_path: Path) -> None:
    from tests.conftest import run_cli
    from tripskg.build import build_graph
    from tripskg.publish import publish
    from tripskg.settings import BuildSettings

    assert "--no-site" in run_cli("build", "--help").output
    result = build_graph(small_dist.parent / "data")
    out = tmp_path / "dist"
    out.mkdir()
    publish(result, out, settings=BuildSettings(site=False))
    assert not (out / "site").exists()
    assert "site/" not in (out / "SHA256SUMS").read_text()
