"""What crawlers and reusers read, for the server and the static site alike: the sitemap
(sitemaps.org 0.9; an index past 50,000 URLs), robots.txt, the schema.org ``Dataset`` of the
home page (JSON-LD) and CURIEs with the dataset's prefixes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from xml.sax.saxutils import escape

from ..iris import IRIs
from ..prefixes import prefixes
from ..vocab import DCT, VOID
from .describe import Resource
from .home import HomeData
from .views import GraphView, Namer

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAME = "CC BY 4.0"
PUBLISHER = "tripskg contributors"
DUMP_FORMATS = {  # encodingFormat of the downloads the schema.org Dataset lists
    "tripskg.ttl": "text/turtle", "tripskg.nt.gz": "application/n-triples",
    "tripskg.nq.gz": "application/n-quads", "tripskg.trig": "application/trig",
    "tripskg.jsonld": "application/ld+json", "tripskg.rdf": "application/rdf+xml",
    "void.ttl": "text/turtle"}


def sitemap_urlset(urls: Iterable[str]) -> str:
    body = "".join(f"<url><loc>{escape(u)}</loc></url>\n" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
            f"{body}</urlset>\n")


def sitemap_index(urls: Iterable[str]) -> str:
    body = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>\n" for u in urls)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
            f"{body}</sitemapindex>\n")


def sitemaps(urls: list[str], where: str, limit: int = SITEMAP_LIMIT) -> dict[str, str]:
    """File name -> content: ``sitemap.xml`` alone, or an index and ``sitemap-N.xml`` parts
    (``where``: the URL of the folder holding them, ending with '/')."""
    if len(urls) <= limit:
        return {"sitemap.xml": sitemap_urlset(urls)}
    parts = {f"sitemap-{n // limit + 1}.xml": sitemap_urlset(urls[n:n + limit])
             for n in range(0, len(urls), limit)}
    return {"sitemap.xml": sitemap_index(where + name for name in parts), **parts}


def robots_txt(sitemap_url: str, served: bool) -> str:
    """Everything may be crawled but the query services (costly, infinite URL spaces)."""
    lines = ["User-agent: *", "Allow: /"]
    if served:
        lines += ["Disallow: /sparql", "Disallow: /api/", "Disallow: /search",
                  "Disallow: /queries/"]
    return "\n".join([*lines, f"Sitemap: {sitemap_url}", ""])


@cache
def _ordered_prefixes(base: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(prefixes(IRIs(base)).items(), key=lambda kv: (-len(kv[1]), kv[0])))


def dataset_prefixes(base: str) -> dict[str, str]:
    """The prefixes of the dumps (``country:`` …), for the query page and completions."""
    return dict(sorted(prefixes(IRIs(base)).items()))


def curie(iri: str, base: str) -> str:
    """``country:KHM`` for a dataset IRI (longest namespace, no '/' left), else the IRI."""
    for name, ns in _ordered_prefixes(base):
        local = iri[len(ns):]
        if iri.startswith(ns) and local and "/" not in local and "#" not in local:
            return f"{name}:{local}"
    return iri


def dataset_jsonld(h: HomeData, base: str) -> str:
    """schema.org ``Dataset`` of the home page, as JSON for a ``<script>`` element (``<``
    escaped so the text cannot close the element)."""
    build: Mapping[str, object] = h.build
    data: dict[str, object] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": base + "dataset",
        "name": h.title,
        "description": h.description or h.title,
        "url": base,
        "license": LICENSE,
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": PUBLISHER},
        "publisher": {"@type": "Organization", "name": PUBLISHER},
        "keywords": ["TRIPS", "WTO", "technical cooperation", "intellectual property",
                     "linked data"],
        "distribution": [
            {"@type": "DataDownload", "contentUrl": f"{base}downloads/{d.name}",
             "encodingFormat": DUMP_FORMATS.get(d.name, d.media_type),
             "contentSize": f"{d.size} B"}
            for d in h.downloads if d.name in DUMP_FORMATS],
    }
    if build.get("version"):
        data["version"] = str(build["version"])
    years = sorted(b.label for b in h.charts.get("year", []) if b.label.isdigit())
    if years:
        data["temporalCoverage"] = f"{years[0]}/{years[-1]}"
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


SD_NAME = "http://www.w3.org/ns/sparql-service-description#name"


def graph_page(view: GraphView, iri: str) -> Resource | None:
    """The page of a named graph: the VoID subset that names it (``sd:name``), its size and
    where its dump is."""
    from .describe import describe

    res = describe(view, iri)
    if res is None:
        return None
    subset = next((s for s, p in view.incoming(iri) if p == SD_NAME), None)
    if subset is None:
        return res
    namer = Namer(view)
    title = namer.label(subset)
    triples = next((o.value for p, o in view.out(subset) if p == VOID + "triples"), None)
    res.label = f"Named graph {iri[len(view.base):]}" if title == subset else title
    size = f" It holds {int(triples):,} triples." if triples and triples.isdigit() else ""
    described = next((o.value for p, o in view.out(subset) if p == DCT + "description"), "")
    res.description = (described or "A named graph of the dataset.") + (
        f"{size} Its dump (the graph's triples) is served in the formats linked above; the "
        "VoID subset below describes it.")
    return res
