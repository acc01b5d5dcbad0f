"""Linked data and HTML pages of ``tripskg serve``: conneg, base rewriting, escaping, 404s."""

from __future__ import annotations

import csv
import http.client
import io
import re
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pyoxigraph as ox
import pytest

from tests.conftest import XSS_LABEL

BASE = "https://w3id.org/tripskg/"
KEN = BASE + "id/country/KEN"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
REPORT = "/id/report/wipo-technical-cooperation-2025"
ACTIVITY = "/id/activity/example-annex/EX-2"
FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
SUFFIXES = {"ttl": "text/turtle", "jsonld": "application/ld+json",
            "nt": "application/n-triples", "rdf": "application/rdf+xml"}


@pytest.fixture(scope="module")
def client(server: str):
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def triples(resp: httpx.Response, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(resp.content, format=fmt)}


def ken_is_country() -> ox.Triple:
    return ox.Triple(ox.NamedNode(KEN), ox.NamedNode(RDF_TYPE), ox.NamedNode(BASE + "def/Country"))


# --------------------------------------------------------------------------- conneg
@pytest.mark.parametrize("accept", list(FORMATS))
def test_conneg_rdf(client: httpx.Client, accept: str) -> None:
    r = client.get("/id/country/KEN", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    assert "Accept" in r.headers["vary"]
    got = triples(r, FORMATS[accept])
    assert ken_is_country() in got
    # labels of linked resources come along (the sub-region KEN is part of)
    region = next(t.object for t in got if t.predicate.value.endswith("isPartOf"))
    assert any(t.subject == region and t.predicate.value.endswith("label") for t in got)


def test_conneg_html_default_and_quality(client: httpx.Client) -> None:
    for accept in ("text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "*/*", ""):
        r = client.get("/id/country/KEN", headers={"Accept": accept})
        assert r.headers["content-type"].startswith("text/html"), accept
        assert "<h1>Kenya</h1>" in r.text
    r = client.get("/id/country/KEN", headers={"Accept": "text/html;q=0.5, text/turtle"})
    assert r.headers["content-type"].startswith("text/turtle")
    r = client.get("/id/country/KEN", headers={"Accept": "image/png"})
    assert r.status_code == 406


@pytest.mark.parametrize("suffix", list(SUFFIXES))
def test_suffixes(client: httpx.Client, suffix: str) -> None:
    r = client.get(f"/id/country/KEN.{suffix}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(SUFFIXES[suffix])
    assert ken_is_country() in triples(r, FORMATS[SUFFIXES[suffix]])
    assert client.get("/id/country/KEN.html", headers={"Accept": "text/turtle"}
                      ).headers["content-type"].startswith("text/html")


def test_ontology_terms_and_namespace_dereference(client: httpx.Client) -> None:
    r = client.get("/def/Activity", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert "owl:Class" in r.text or "http://www.w3.org/2002/07/owl#Class" in r.text
    page = client.get("/def/Activity")
    assert "instances of" in page.text and 'href="/list/tkg-Activity"' in page.text
    assert client.get("/def/").status_code == 200
    assert client.get("/def/policy-area/health.jsonld").status_code == 200


def test_unknown_iri_is_404_page(client: httpx.Client) -> None:
    r = client.get("/id/country/XXX")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "id/country/XXX" in r.text
    assert client.get("/id/country/XXX.ttl").status_code == 404
    assert client.get("/nothing/here").status_code == 404
    assert client.get("/id/country/XXX", headers={"Accept": "text/turtle"}).status_code == 404


# --------------------------------------------------------------------------- pages
def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_links_are_rewritten_to_the_local_host(client: httpx.Client) -> None:
    html = client.get(REPORT).text
    links = hrefs(html)
    assert "/id/org/wipo" in links
    assert not [h for h in links if h.startswith(BASE + "id/")]
    # every local link of the page resolves
    for h in {h for h in links if h.startswith("/") and not h.startswith("/static")}:
        assert client.get(h, headers={"Accept": "text/html"}).status_code in (200, 303), h


def test_report_page_cites_source_paragraphs(client: httpx.Client) -> None:
    html = client.get(REPORT).text
    assert "data/documents/wipo-technical-cooperation-2025.txt" in html
    # the communication date links to the paragraph it was read from
    row = html[html.index("communication date"):]
    row = row[:row.index("</tr>")]
    assert "2025-09-26" in row
    assert re.search(r'class="src" href="/id/report/wipo-technical-cooperation-2025/para/', row)
    assert 'href="/id/report/wipo-technical-cooperation-2025.ttl"' in html
    assert 'href="/id/report/wipo-technical-cooperation-2025.jsonld"' in html


def test_activity_page_shows_annex_row(client: httpx.Client) -> None:
    html = client.get(ACTIVITY).text
    assert "data/examples/example-annex.csv:3" in html
    assert 'href="/id/country/BGD"' in html and ">Bangladesh<" in html


def test_incoming_links(client: httpx.Client) -> None:
    html = client.get("/id/country/BGD").text
    assert "Referenced by" in html
    assert f'href="{ACTIVITY}"' in html


def test_labels_in_the_users_language(client: httpx.Client) -> None:
    es = client.get("/id/country/KEN", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert "<h1>Kenia</h1>" in es.text and '<html lang="es">' in es.text
    assert "Accept-Language" in es.headers["vary"]
    fr = client.get("/id/region/002", headers={"Accept-Language": "fr"})
    assert "<h1>Afrique</h1>" in fr.text
    assert "<h1>Africa</h1>" in client.get("/id/region/002").text


def test_html_escaping(client: httpx.Client) -> None:
    html = client.get("/id/activity/xss-fixture/XSS-1").text
    assert XSS_LABEL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html
    for path in ("/search?q=" + XSS_LABEL, "/queries/activities-by-country?country="
                 + XSS_LABEL, "/id/" + XSS_LABEL):
        r = client.get(path)
        assert "<script>alert(1)" not in r.text, path


def test_home_page(client: httpx.Client, small_dist: Path) -> None:
    r = client.get("/")
    html = r.text
    assert r.status_code == 200
    assert "Reports" in html and f'href="{REPORT}"' in html
    assert html.count("<svg") >= 3  # charts per year, region, policy area, drawn server-side
    sums = dict(reversed(line.split("  ", 1))
                for line in (small_dist / "SHA256SUMS").read_text().splitlines())
    assert sums["tripskg.ttl"] in html
    assert 'href="/downloads/tripskg.ttl"' in html
    assert 'href="/list/tkg-Activity"' in html
    # nothing is loaded from another host
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        if url.startswith("http"):
            assert re.search(r'<a [^>]*href="' + re.escape(url), html), url


def test_class_listing_with_pagination_and_csv(client: httpx.Client) -> None:
    assert 'href="/list/tkg-Country"' in client.get("/classes").text
    first = client.get("/list/tkg-Country").text
    assert "Page 1 of 3" in first and 'href="/list/tkg-Country?page=2"' in first
    assert "/id/country/AFG" in first
    second = client.get("/list/tkg-Country", params={"page": 2}).text
    assert "Page 2 of 3" in second and "/id/country/AFG" not in second
    assert client.get("/list/tkg-Country", params={"page": 9}).status_code == 404
    assert client.get("/list/no-such-class").status_code == 404
    rows = list(csv.DictReader(io.StringIO(client.get("/list/tkg-Country.csv").text)))
    assert len(rows) >= 240 and {"iri", "label"} <= set(rows[0])
    assert any(r["iri"] == KEN and r["label"] == "Kenya" for r in rows)


def test_search(client: httpx.Client) -> None:
    html = client.get("/search", params={"q": "kenya"}).text
    assert 'href="/id/country/KEN"' in html
    html = client.get("/search", params={"q": "medicines seminar"}).text
    assert f'href="{ACTIVITY}"' in html
    data = client.get("/search", params={"q": "marrakesh", "format": "json"}).json()
    assert any(h["iri"] == BASE + "id/treaty/marrakesh" for h in data["results"])
    assert client.get("/search", params={"q": '"*^(('}).status_code == 200


# --------------------------------------------------------------------------- path traversal
@pytest.mark.parametrize("path", [
    "/static/../pyproject.toml",
    "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2f..%2f..%2fpyproject.toml",
    "/downloads/..%2fbuild.json",
    "/downloads/%2e%2e/SHA256SUMS",
    "/downloads/site%2fid%2fcountry%2fKEN.ttl",
    "/id/%2e%2e/%2e%2e/etc/passwd",
    "/id/../../etc/passwd",
    "/def/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/list/..%2f..%2fetc%2fpasswd",
])
def test_path_traversal_is_404(server: str, path: str) -> None:
    url = urlparse(server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", path)  # sent as is, without client-side normalisation
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 404, (path, resp.status)
    assert b"[project]" not in body and b"root:" not in body
