"""The IRIs void.ttl publishes besides resources, and what crawlers and editors ask for.

- ``/dataset``, ``/dataset/…`` and ``/catalog``: the VoID/DCAT nodes of void.ttl (the dataset,
  its subsets, class and property partitions, distributions and checksums), as HTML or RDF;
- ``/graph/…``: a named graph, as a page (its VoID subset) and as its dump (Turtle, JSON-LD,
  N-Triples, RDF/XML by suffix or by content negotiation);
- ``/sitemap.xml`` (a sitemap index past ``limit`` URLs) and ``/robots.txt`` naming it;
- ``/api/complete?q=``: completions for the query editor (ontology terms and resources by
  label), answered from the local store.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ..vocab import OWL, RDF, RDFS
from ..web.crawl import (
    SITEMAP_LIMIT,
    curie,
    graph_page,
    robots_txt,
    sitemap_index,
    sitemap_urlset,
)
from ..web.describe import Resource, describe, description_triples, serialize_triples
from ..web.formats import (
    GRAPH_FORMATS,
    HTML,
    PAGE_ALIASES,
    PAGE_OFFERS,
    SUFFIX_TYPES,
    TYPE_SUFFIX,
    negotiate,
)
from ..web.render import local_path
from ..web.views import IndexView, Namer
from .backend import Backend
from .responses import alternate_links, backend_of, error_page, html, links_of, page_response

_SUFFIX = re.compile(r"^(.*)\.(" + "|".join(s for s in SUFFIX_TYPES if s != "html") + ")$")
XML = "application/xml"


@dataclass
class LinkedData:
    """What this module computes once per loaded build."""

    void: IndexView
    graphs: list[str]
    paths: list[str]  # every page of the site, as paths (for the sitemap)
    terms: list[dict[str, str]]  # classes and properties of the ontology (for completion)
    void_subjects: set[str]


def _load(backend: Backend) -> LinkedData:
    assert backend.store is not None and backend.view is not None
    base = backend.base
    void_file = backend.dist / "void.ttl"
    triples = list(ox.parse(path=str(void_file), format=ox.RdfFormat.TURTLE)) \
        if void_file.is_file() else []
    void = IndexView(triples, base)
    graphs = sorted(g.value for g in backend.store.named_graphs()
                    if isinstance(g, ox.NamedNode) and g.value.startswith(base + "graph/"))
    subjects = sorted({q.subject.value for q in backend.store.quads_for_pattern(None, None, None)
                       if isinstance(q.subject, ox.NamedNode)
                       and local_path(q.subject.value, base) is not None})
    paths = ["/", "/classes", "/query", "/queries"]
    paths += [f"/list/{c.slug}" for c in backend.classes]
    paths += ["/" + s[len(base):] for s in void.subjects() if s.startswith(base)
              and s[len(base):].startswith(("dataset", "catalog"))]
    paths += ["/" + g[len(base):] for g in graphs]
    paths += ["/" + s[len(base):] for s in subjects]
    namer = Namer(backend.view)
    kinds = {OWL + "Class": "class", RDFS + "Class": "class", OWL + "ObjectProperty": "property",
             OWL + "DatatypeProperty": "property", RDF + "Property": "property"}
    terms: dict[str, dict[str, str]] = {}
    for kind_iri, kind in kinds.items():
        for q in backend.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"),
                                                 ox.NamedNode(kind_iri)):
            if isinstance(q.subject, ox.NamedNode):
                iri = q.subject.value
                terms[iri] = {"iri": iri, "curie": curie(iri, base), "label": namer.label(iri),
                              "kind": kind}
    return LinkedData(void, graphs, list(dict.fromkeys(paths)),
                      sorted(terms.values(), key=lambda t: t["curie"]), set(void.subjects()))


_CACHE: dict[int, tuple[Backend, LinkedData]] = {}


async def linked(backend: Backend) -> LinkedData:
    """The linked data of ``backend``, computed on first use (one entry per loaded build)."""
    hit = _CACHE.get(id(backend))
    if hit is not None and hit[0] is backend:
        return hit[1]
    data = await asyncio.to_thread(_load, backend)
    _CACHE.clear()  # an older build is no longer served
    _CACHE[id(backend)] = (backend, data)
    return data


def _rdf_or_html(request: Request, suffix_media: str | None) -> str | None:
    if suffix_media is not None:
        return suffix_media
    return negotiate(request.headers.get("accept"), PAGE_OFFERS, PAGE_ALIASES)


def _split(rel: str, known: set[str] | None, base: str) -> tuple[str, str | None]:
    """The IRI a path names and the media type its suffix asks for (None: negotiate)."""
    if known is not None and base + rel in known:
        return base + rel, None
    if m := _SUFFIX.match(rel):
        return base + m.group(1), SUFFIX_TYPES[m.group(2)]
    return base + rel, None


def _alternates(request: Request, iri: str) -> dict[str, str]:
    return {"Link": alternate_links(links_of(request), iri)}


async def _page_or_rdf(request: Request, iri: str, media: str | None,
                       page: Callable[[], Resource | None],
                       rdf: Callable[[str, dict[str, str]], Awaitable[bytes]]) -> Response:
    """What ``iri`` is asked for as: its page (``page()``) or its RDF (``rdf(media, headers)``,
    which may add headers); 406 when neither suits the Accept header."""
    media = _rdf_or_html(request, media)
    if media is None:
        return PlainTextResponse("406 Not Acceptable\n", status_code=406)
    headers = _alternates(request, iri)
    if media == HTML:
        return html(request, "resource.html", r=page(), cls=None, vary="Accept", headers=headers)
    body = await rdf(media, headers)
    return page_response(request, body, media, vary="Accept", headers=headers)


async def void_node(request: Request) -> Response:
    """A node of void.ttl (dataset, catalog, subset, partition, distribution, checksum)."""
    backend = backend_of(request)
    ld = await linked(backend)
    rel = request.url.path.lstrip("/")
    iri, media = _split(rel, ld.void_subjects, backend.base)
    if not ld.void.exists(iri):
        return error_page(request, 404, "Not found", f"void.ttl does not describe <{iri}>")

    async def rdf(media: str, headers: dict[str, str]) -> bytes:
        return serialize_triples(description_triples(ld.void, iri), GRAPH_FORMATS[media],
                                 backend.base)

    return await _page_or_rdf(request, iri, media, lambda: describe(ld.void, iri), rdf)


async def named_graph(request: Request) -> Response:
    """A named graph: its VoID subset as a page, its triples (the graph's dump) as RDF."""
    backend = backend_of(request)
    ld = await linked(backend)
    rel = request.url.path.lstrip("/")
    iri, media = _split(rel, set(ld.graphs), backend.base)
    if iri not in ld.graphs:
        return error_page(request, 404, "Not found", f"the dataset has no graph <{iri}>")

    def dump(media: str) -> bytes:
        store = backend.store
        assert store is not None
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri))]
        triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        return serialize_triples(triples, GRAPH_FORMATS[media], backend.base)

    async def rdf(media: str, headers: dict[str, str]) -> bytes:
        body = await asyncio.to_thread(dump, media)
        headers["Content-Disposition"] = (
            f'inline; filename="{rel.rsplit("/", 1)[-1].split(".")[0]}.{TYPE_SUFFIX[media]}"')
        return body

    return await _page_or_rdf(request, iri, media, lambda: graph_page(ld.void, iri), rdf)


def _limit(request: Request) -> int:
    try:
        return max(1, min(SITEMAP_LIMIT, int(request.query_params.get("limit", SITEMAP_LIMIT))))
    except ValueError:
        return SITEMAP_LIMIT


async def sitemap(request: Request) -> Response:
    """The sitemap of every page, or a sitemap index when there are more than ``limit``."""
    ld = await linked(backend_of(request))
    host = str(request.base_url).rstrip("/")
    limit = _limit(request)
    if len(ld.paths) <= limit:
        return page_response(request, sitemap_urlset(host + p for p in ld.paths), XML)
    suffix = "" if limit == SITEMAP_LIMIT else f"?limit={limit}"
    parts = -(-len(ld.paths) // limit)
    return page_response(request, sitemap_index(
        f"{host}/sitemap/{n}.xml{suffix}" for n in range(1, parts + 1)), XML)


async def sitemap_part(request: Request) -> Response:
    ld = await linked(backend_of(request))
    host = str(request.base_url).rstrip("/")
    limit = _limit(request)
    try:
        n = int(request.path_params["n"])
    except ValueError:
        n = 0
    chunk = ld.paths[(n - 1) * limit: n * limit] if n >= 1 else []
    if not chunk:
        return error_page(request, 404, "Not found", "no such sitemap part")
    return page_response(request, sitemap_urlset(host + p for p in chunk), XML)


async def robots(request: Request) -> Response:
    host = str(request.base_url).rstrip("/")
    return page_response(request, robots_txt(host + "/sitemap.xml", served=True),
                         "text/plain; charset=utf-8")


async def complete(request: Request) -> Response:
    """Completions for the query editor: ``q`` (a prefix of a label or CURIE) and ``kind``
    (``class``, ``property``, ``resource`` or empty for all), at most 30 answers."""
    backend = backend_of(request)
    ld = await linked(backend)
    q = request.query_params.get("q", "").strip()[:100]
    kind = request.query_params.get("kind", "")
    needle = q.lower()
    out: list[dict[str, str]] = []
    if kind in ("", "class", "property"):
        out += [t for t in ld.terms if (not kind or t["kind"] == kind) and (
            needle in t["curie"].lower() or needle in t["label"].lower()
            or needle in t["iri"].lower())]
    if kind in ("", "resource") and len(re.findall(r"\w", q)) >= 2:
        # the label search index (FTS5); the term is a bound parameter, never spliced
        hits = await asyncio.to_thread(backend.search, q.split(":", 1)[-1], 30)
        out += [{"iri": h.iri, "curie": curie(h.iri, backend.base), "label": h.label,
                 "kind": "resource"} for h in hits]
    return JSONResponse({"query": q, "results": out[:30]})


ROUTES: list[BaseRoute] = [
    # /dataset, /dataset.ttl, /dataset/…; /catalog, /catalog.jsonld
    Route("/dataset{rest:path}", void_node),
    Route("/catalog{rest:path}", void_node),
    Route("/graph/{path:path}", named_graph),
    Route("/sitemap.xml", sitemap),
    Route("/sitemap/{n}.xml", sitemap_part),
    Route("/robots.txt", robots),
    Route("/api/complete", complete),
]
