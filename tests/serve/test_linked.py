"""Every IRI the dataset publishes resolves, and crawlers find their way (issue 15, items 4-5).

A real crawl with httpx against a running ``tripskg serve``: every IRI of void.ttl (the dataset
base rewritten to the server's address) and every internal link (href/src) of the home page,
a report, an activity and a country must answer 200. The static site gets the same check on
the file system. Then sitemap.xml (and its index past a limit), robots.txt, the schema.org
Dataset of the home page, the licence in the dumps and in every page's footer.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from tripskg.vocab import DEFAULT_BASE

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.alternates: list[tuple[str, str]] = []
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("href", "src"):
            if a.get(name):
                self.links.append(str(a[name]))
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates.append((str(a.get("type")), str(a.get("href"))))
        self._in_jsonld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_jsonld = False


def parse_links(text: str) -> _Links:
    p = _Links()
    p.feed(text)
    return p


def void_iris(dist: Path) -> list[str]:
    """Every IRI (subject or object) of void.ttl under the dataset base."""
    out: set[str] = set()
    for t in ox.parse(path=str(dist / "void.ttl"), format=ox.RdfFormat.TURTLE):
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_BASE):
                out.add(term.value)
    return sorted(out)


def example(dist: Path, cls: str) -> str:
    """An instance of tkg:<cls> (the first in IRI order), from the N-Quads dump."""
    with gzip.open(dist / "tripskg.nq.gz", "rb") as fh:
        found = sorted(q.subject.value for q in ox.parse(fh, ox.RdfFormat.N_QUADS)
                       if q.predicate.value.endswith("#type")
                       and q.object.value == DEFAULT_BASE + "def/" + cls)
    assert found, cls
    return found[0]


def crawl(server: str, dist: Path) -> tuple[int, list[str]]:
    """(links checked, broken ones) over void.ttl and four pages' internal links."""
    def local(url: str) -> str:
        return server + "/" + url[len(DEFAULT_BASE):] if url.startswith(DEFAULT_BASE) else url

    targets = {local(i) for i in void_iris(dist)}
    pages = ["/", local(example(dist, "Report")), local(example(dist, "Activity")),
             local(example(dist, "Country"))]
    broken: list[str] = []
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        for page in pages:
            url = urljoin(server + "/", page)
            r = client.get(url, headers={"Accept": "text/html"})
            assert r.status_code == 200, url
            targets.add(url)
            for href in parse_links(r.text).links:
                full = local(urljoin(url, href)).split("#")[0]
                if urlparse(full).netloc == urlparse(server).netloc:
                    targets.add(full)
        for url in sorted(targets):
            r = client.get(url)
            if r.status_code != 200:
                broken.append(f"{url} -> {r.status_code}")
    return len(targets), broken


def test_every_published_iri_and_internal_link_resolves(server: str, small_dist: Path) -> None:
    checked, broken = crawl(server, small_dist)
    print(f"link check (server): {checked} URLs, {len(broken)} broken")
    assert checked > 100
    assert broken == []


def test_one_download_path_in_void_and_on_the_server(server: str, small_dist: Path) -> None:
    g = rdflib.Graph().parse(small_dist / "void.ttl")
    urls = sorted(str(o) for o in g.objects(None, rdflib.DCAT.downloadURL))
    assert urls and all(u.startswith(DEFAULT_BASE + "downloads/") for u in urls)
    r = httpx.get(server + "/downloads/" + urls[0].rsplit("/", 1)[1])
    assert r.status_code == 200 and r.content


def test_a_graph_iri_gives_a_page_and_its_dump(server: str, small_dist: Path) -> None:
    graph = DEFAULT_BASE + "graph/reference"
    url = server + "/graph/reference"
    page = httpx.get(url, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert ("text/turtle", "/graph/reference.ttl") in parse_links(page.text).alternates
    dump = httpx.get(url, headers={"Accept": "text/turtle"})
    assert dump.status_code == 200 and dump.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=dump.text, format="turtle")
    with gzip.open(small_dist / "tripskg.nq.gz", "rb") as fh:
        expected = sum(1 for q in ox.parse(fh, ox.RdfFormat.N_QUADS)
                       if q.graph_name.value == graph)
    assert len(g) == expected > 100
    for suffix, fmt in (("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        r = httpx.get(f"{url}.{suffix}")
        assert r.status_code == 200
        assert len(rdflib.Graph().parse(data=r.text, format=fmt)) == expected


def _site_target(site: Path, page: Path, href: str) -> Path | None:
    """The file a relative link of a static page names (None: not a file link)."""
    parsed = urlparse(href)
    if parsed.scheme or href.startswith(("#", "mailto:")):
        return None
    return (page.parent / unquote(parsed.path)).resolve()


def test_static_site_links_and_void_iris_resolve_on_disk(small_dist: Path) -> None:
    site = small_dist / "site"
    checked, broken = 0, []
    for page in sorted(site.rglob("*.html")):
        for href in set(parse_links(page.read_text(encoding="utf-8")).links):
            target = _site_target(site, page, href)
            if target is None:
                continue
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {href}")
    for iri in void_iris(small_dist):
        rel = iri[len(DEFAULT_BASE):]
        rel = rel + "index" if rel == "" or rel.endswith("/") else rel  # as the site names them
        if rel == "sparql":  # the static site has no endpoint (void:sparqlEndpoint)
            continue
        checked += 1
        if rel.startswith("downloads/"):  # deployed from dist/ (docs/interop.md)
            ok = (small_dist / rel[len("downloads/"):]).is_file()
        else:
            ok = (site / f"{rel}.html").is_file() and (
                rel == "index" or (site / f"{rel}.ttl").is_file())
        if not ok:
            broken.append(iri)
    print(f"link check (static site): {checked} links, {len(broken)} broken")
    assert checked > 1000
    assert broken == []


def test_sitemap_robots_and_sitemap_index(server: str) -> None:
    robots = httpx.get(server + "/robots.txt")
    assert robots.status_code == 200
    assert f"Sitemap: {server}/sitemap.xml" in robots.text.splitlines()
    root = ET.fromstring(httpx.get(server + "/sitemap.xml").content)
    assert root.tag == SM + "urlset"
    urls = [e.text or "" for e in root.iter(SM + "loc")]
    assert server + "/" in urls and server + "/dataset" in urls and len(urls) > 100
    assert len(urls) == len(set(urls))
    index = ET.fromstring(httpx.get(server + "/sitemap.xml?limit=40").content)
    assert index.tag == SM + "sitemapindex"
    parts = [e.text or "" for e in index.iter(SM + "loc")]
    assert len(parts) == -(-len(urls) // 40)
    again: list[str] = []
    for part in parts:
        r = httpx.get(part)
        assert r.status_code == 200
        again += [e.text or "" for e in ET.fromstring(r.content).iter(SM + "loc")]
    assert again == urls
    for url in urls[:: max(1, len(urls) // 40)]:
        assert httpx.get(url, follow_redirects=True).status_code == 200, url


def test_static_site_sitemap(small_dist: Path, tmp_path: Path) -> None:
    from tripskg.publish.sitelinked import write_crawl_files

    site = small_dist / "site"
    root = ET.fromstring((site / "sitemap.xml").read_bytes())
    urls = [e.text or "" for e in root.iter(SM + "loc")]
    assert DEFAULT_BASE in urls and DEFAULT_BASE + "dataset" in urls
    for url in urls:
        rel = url[len(DEFAULT_BASE):] or "index"
        assert (site / f"{rel}.html").is_file(), url
    assert f"Sitemap: {DEFAULT_BASE}sitemap.xml" in (site / "robots.txt").read_text()
    n = write_crawl_files(tmp_path, DEFAULT_BASE, [u[len(DEFAULT_BASE):] for u in urls], 25)
    index = ET.fromstring((tmp_path / "sitemap.xml").read_bytes())
    assert index.tag == SM + "sitemapindex" and n == len(urls)
    parts = [e.text or "" for e in index.iter(SM + "loc")]
    assert len(parts) == -(-n // 25)
    assert [e.text for p in parts for e in ET.fromstring(
        (tmp_path / p[len(DEFAULT_BASE):]).read_bytes()).iter(SM + "loc")] == urls


def test_home_page_has_a_schema_org_dataset(server: str, small_dist: Path) -> None:
    from pyld import jsonld

    for text in (httpx.get(server + "/").text,
                 (small_dist / "site" / "index.html").read_text(encoding="utf-8")):
        blocks = parse_links(text).jsonld
        assert len(blocks) == 1
        data = json.loads(blocks[0])
        assert data["@type"] == "Dataset" and data["license"] == LICENSE
        assert data["name"] and data["description"] and data["url"] == DEFAULT_BASE
        assert data["creator"]["name"] and data["publisher"]["name"]
        dists = data["distribution"]
        assert {d["encodingFormat"] for d in dists} >= {"text/turtle", "application/n-quads"}
        assert all(d["contentUrl"].startswith(DEFAULT_BASE + "downloads/") for d in dists)
        # the JSON-LD is read as RDF (the schema.org context is given inline: no network)
        ctx = {"@vocab": "https://schema.org/"}
        expanded = jsonld.expand({**data, "@context": ctx})
        assert expanded[0]["@type"] == ["https://schema.org/Dataset"]
        g = rdflib.Graph().parse(data=json.dumps({**data, "@context": ctx}), format="json-ld")
        ds = rdflib.URIRef(DEFAULT_BASE + "dataset")
        assert (ds, rdflib.URIRef("https://schema.org/license"), None) in g


@pytest.mark.parametrize("name", ["tripskg.ttl", "tripskg.trig", "tripskg.nq.gz",
                                  "tripskg.nt.gz", "tripskg.jsonld", "tripskg.rdf"])
def test_licence_on_the_dataset_inside_every_dump(small_dist: Path, name: str) -> None:
    fmt = {"ttl": "turtle", "trig": "trig", "nq": "nquads", "nt": "nt", "jsonld": "json-ld",
           "rdf": "xml"}[name.split(".")[1]]
    data = (small_dist / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    g = rdflib.Dataset()
    g.parse(data=data, format=fmt)
    triple = (rdflib.URIRef(DEFAULT_BASE + "dataset"), rdflib.DCTERMS.license,
              rdflib.URIRef(LICENSE))
    assert any(triple in ctx for ctx in g.graphs()) or triple in g


def test_licence_in_every_page_footer_and_rdf_alternates(server: str, small_dist: Path) -> None:
    country = example(small_dist, "Country")
    path = "/" + country[len(DEFAULT_BASE):]
    for url in ("/", "/classes", "/query", "/queries", path, "/dataset", "/graph/reference",
                "/search?q=health", "/no-such-page"):
        text = httpx.get(server + url, headers={"Accept": "text/html"}).text
        footer = text[text.index("<footer"):]
        assert re.search(r'rel="license" href="' + re.escape(LICENSE), footer), url
    alternates = dict(parse_links(httpx.get(server + path).text).alternates)
    assert set(alternates) == {"text/turtle", "application/ld+json", "application/n-triples",
                               "application/rdf+xml"}
    for media, href in alternates.items():
        r = httpx.get(server + href)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    site = small_dist / "site"
    for page in [site / "index.html", site / "classes.html",
                 site / (country[len(DEFAULT_BASE):] + ".html")]:
        text = page.read_text(encoding="utf-8")
        assert f'rel="license" href="{LICENSE}"' in text[text.index("<footer"):]


def test_void_nodes_negotiate_rdf(server: str) -> None:
    r = httpx.get(server + "/dataset", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    ds = rdflib.URIRef(DEFAULT_BASE + "dataset")
    assert (ds, rdflib.DCTERMS.license, rdflib.URIRef(LICENSE)) in g
    assert 'rel="alternate"; type="text/turtle"' in r.headers["link"]
    catalog = httpx.get(server + "/catalog.jsonld")
    assert catalog.status_code == 200 and len(
        rdflib.Graph().parse(data=catalog.text, format="json-ld")) > 3
    assert httpx.get(server + "/dataset/no-such-node").status_code == 404
    assert httpx.get(server + "/graph/no-such-graph").status_code == 404


def test_completion_endpoint_is_local_and_bound(server: str) -> None:
    classes = httpx.get(server + "/api/complete", params={"q": "coun", "kind": "class"}).json()
    curies = [r["curie"] for r in classes["results"]]
    assert "tkg:Country" in curies and all(r["kind"] == "class" for r in classes["results"])
    props = httpx.get(server + "/api/complete", params={"q": "iso3166", "kind": "property"})
    assert {"tkg:iso3166Alpha2", "tkg:iso3166Alpha3"} <= {
        r["curie"] for r in props.json()["results"]}
    res = httpx.get(server + "/api/complete", params={"q": "Cambod", "kind": "resource"}).json()
    assert {"iri": DEFAULT_BASE + "id/country/KHM", "curie": "country:KHM",
            "label": "Cambodia", "kind": "resource"} in res["results"]
    # query text is a bound parameter of the search, never SPARQL or SQL text
    odd = httpx.get(server + "/api/complete", params={"q": "\" } DROP ALL ; '--", "kind": ""})
    assert odd.status_code == 200 and isinstance(odd.json()["results"], list)
