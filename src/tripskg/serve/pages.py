"""HTML pages and linked data: home, class listings, search, the query editor, the saved
query forms, resource pages (HTML or RDF by content negotiation) and downloads."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlencode

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from ..errors import QueryError
from ..iris import IRIs
from ..queries import bind
from ..web.crawl import dataset_prefixes
from ..web.describe import describe, description_triples, serialize_triples
from ..web.formats import (
    CSV,
    FILE_TYPES,
    GRAPH_FORMATS,
    HTML,
    PAGE_ALIASES,
    PAGE_OFFERS,
    SUFFIX_TYPES,
    TYPE_SUFFIX,
    accepted_languages,
    negotiate,
)
from ..web.home import PAGE_SIZE, members_csv
from ..web.render import local_path
from ..web.views import Namer
from .api import ApiError, run_saved
from .backend import Backend
from .paging import PAGING, PagingError, download_url, links, page_of
from .releases import view_of
from .responses import (
    alternate_links,
    backend_of,
    error_page,
    html,
    links_of,
    not_modified,
    page_response,
    wants_html,
)

EXAMPLE_VALUES = {"country": "KEN", "organization": "wipo", "from": "2024-01-01",
                  "to": "2025-12-31", "year": "2025", "kind": "all"}


async def home(request: Request) -> Response:
    backend = backend_of(request)
    return html(request, "home.html", h=backend.home, release=view_of(backend))


async def classes(request: Request) -> Response:
    return html(request, "classes.html", classes=backend_of(request).classes)


async def listing(request: Request) -> Response:
    backend = backend_of(request)
    slug = request.path_params["slug"]
    csv = slug.endswith(".csv")
    c = backend.class_by_slug(slug[:-4] if csv else slug)
    if c is None:
        return error_page(request, 404, "Not found", f"there is no class listing '{slug}'")
    members = await asyncio.to_thread(backend.members, c.iri)
    if csv:
        return page_response(request, members_csv(members), CSV)
    pages = max(1, -(-len(members) // PAGE_SIZE))
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 0
    if not 1 <= page <= pages:
        return error_page(request, 404, "Not found", f"page must be between 1 and {pages}")
    chunk = members[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return html(request, "list.html", c=c, members=chunk, page=page, pages=pages,
                total=len(members), offset=(page - 1) * PAGE_SIZE)


async def search(request: Request) -> Response:
    backend = backend_of(request)
    q = request.query_params.get("q", "").strip()[:200]
    hits = await asyncio.to_thread(backend.search, q) if q else []
    if request.query_params.get("format") == "json" or (
            not wants_html(request) and "json" in request.headers.get("accept", "")):
        return JSONResponse({"query": q, "results": [h.__dict__ for h in hits]})
    return html(request, "search.html", q=q, search_q=q, hits=hits)


def _examples(backend: Backend) -> list[dict[str, str]]:
    """The saved queries bound to example values, for the SPARQL editor."""
    out = []
    assert backend.reference is not None
    reports = [r["iri"] for r in (backend.home.reports if backend.home else [])]
    iris = IRIs(backend.base)
    for q in backend.queries.values():
        raw: dict[str, str] = {}
        for p in q.params:
            if p.name in EXAMPLE_VALUES and (p.required or p.type == "kind"):
                raw[p.name] = EXAMPLE_VALUES[p.name]
            elif p.required and p.type == "iri" and p.name == "report" and reports:
                raw[p.name] = str(reports[-1])
            elif p.required and p.type.startswith("concept:"):
                raw[p.name] = "health"
            elif p.required and p.type == "date":
                raw[p.name] = "2025-01-01"
        try:
            text, _ = bind(q, raw, backend.reference, iris)
        except QueryError:
            text = q.text
        out.append({"name": q.name, "title": q.title, "query": text})
    return out


async def query_page(request: Request) -> Response:
    backend = backend_of(request)
    return html(request, "query.html", examples=_examples(backend),
                query_config={"base": backend.base, "prefixes": dataset_prefixes(backend.base)},
                default_query=_examples(backend)[0]["query"] if backend.queries else
                "SELECT * WHERE { ?s ?p ?o } LIMIT 10")


async def queries_index(request: Request) -> Response:
    return html(request, "queries.html", queries=list(backend_of(request).queries.values()))


_SUFFIX = re.compile(r"^(.*)\.(" + "|".join(SUFFIX_TYPES) + ")$")


async def resource(request: Request) -> Response:
    backend = backend_of(request)
    view = backend.view
    assert view is not None
    rel = request.url.path.lstrip("/")
    iri = backend.base + rel
    media = None
    try:
        ox.NamedNode(iri)
    except ValueError:
        return error_page(request, 404, "Not found", f"<{iri[:200]}> is not a valid IRI")
    exists = await asyncio.to_thread(view.exists, iri)
    if not exists and (m := _SUFFIX.match(rel)):
        stem = m.group(1)
        candidates = [stem] + ([stem[:-5]] if stem.endswith("/index") else [])
        for cand in candidates:
            if await asyncio.to_thread(view.exists, backend.base + cand):
                iri, exists, media = backend.base + cand, True, SUFFIX_TYPES[m.group(2)]
                break
    if not exists or local_path(iri, backend.base) is None:
        return error_page(request, 404, "Not found",
                          f"the dataset has no resource <{iri}>")
    vary = "Accept, Accept-Language"
    if media is None:
        media = negotiate(request.headers.get("accept"), PAGE_OFFERS, PAGE_ALIASES)
        if media is None:
            return PlainTextResponse(
                "406 Not Acceptable: available as " + ", ".join(PAGE_OFFERS) + "\n",
                status_code=406, headers={"Vary": vary})
    links = links_of(request)
    location = links.fmt(iri, TYPE_SUFFIX[media]) or request.url.path
    headers = {"Content-Location": location, "Link": alternate_links(links, iri)}
    if media == HTML:
        langs = accepted_languages(request.headers.get("accept-language"))
        cc = backend.class_by_iri(iri)
        res = await asyncio.to_thread(describe, view, iri, langs, cc.count if cc else 0)
        return html(request, "resource.html", r=res, cls=cc, lang=langs[0], vary=vary,
                    headers=headers)
    triples = await asyncio.to_thread(description_triples, view, iri)
    body = serialize_triples(triples, GRAPH_FORMATS[media], backend.base)
    return page_response(request, body, media, vary=vary, headers=headers)


async def download(request: Request) -> Response:
    backend = backend_of(request)
    name = request.path_params["name"]
    item = next((d for d in backend.downloads if d.name == name), None)
    if item is None:
        return error_page(request, 404, "Not found", f"no download named '{name}'")
    path = backend.dist / item.name
    etag = f'"{item.sha256 or backend.build_id}"'
    headers = {"ETag": etag, "Last-Modified": backend.last_modified, "Cache-Control": "no-cache"}
    if not_modified(request, etag, backend.last_modified):
        return Response(status_code=304, headers=headers)
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return FileResponse(path, media_type=FILE_TYPES.get(suffix, "text/plain"),
                        headers=headers, filename=name if suffix == ".gz" else None)


async def well_known_void(request: Request) -> Response:
    return RedirectResponse("/downloads/void.ttl", status_code=303)


async def query_form(request: Request) -> Response:
    backend = backend_of(request)
    name = request.path_params["name"]
    saved = backend.queries.get(name)
    if saved is None:
        return error_page(request, 404, "Not found", f"there is no saved query '{name}'")
    values = {p.name: request.query_params.get(p.name, "") for p in saved.params}
    ran = bool(request.query_params) or not any(p.required for p in saved.params)
    error, text, table, cells, at = None, None, None, None, None
    status = 200
    if ran:
        try:
            try:
                page = page_of(request, QUERY_PAGE_ROWS, backend.config.limit)
            except PagingError as e:
                raise ApiError(400, e.message, e.parameter) from None
            text, answer = await run_saved(request, name, page=page)
            table = answer.table
            at = links(request, page, len(table.rows), table.truncated)
        except ApiError as e:
            error, status = e, e.status
    if table is not None:
        namer = Namer(backend.view, accepted_languages(  # type: ignore[arg-type]
            request.headers.get("accept-language")))

        def cell(t: object) -> dict[str, object]:
            if t is None:
                return {"text": ""}
            if isinstance(t, ox.NamedNode):
                return {"text": namer.label(t.value), "iri": t.value}
            return {"text": t.value}  # type: ignore[attr-defined]

        cells = await asyncio.to_thread(
            lambda: [[cell(row.get(c)) for c in table.columns] for row in table.rows])
    params = [(k, v) for k, v in request.query_params.items() if k not in PAGING]
    qs = urlencode(params)
    downloads = {f: download_url(f"/api/queries/{name}", params, f) for f in ("csv", "tsv",
                                                                              "json")}
    return html(request, "saved_query.html", status=status, q=saved, values=values,
                error=error, text=text, table=table, cells=cells, qs=qs, at=at,
                downloads=downloads,
                headers=None if at is None else {
                    **({"X-Truncated": "true"} if at.next else {}), **at.headers()})


QUERY_PAGE_ROWS = 100  # rows per page of a saved query's HTML page (limit=N: up to --limit)

ROUTES: list[BaseRoute] = [
    Route("/", home),
    Route("/classes", classes),
    Route("/list/{slug}", listing),
    Route("/search", search),
    Route("/query", query_page),
    Route("/queries", queries_index),
    Route("/queries/{name}", query_form),
    Route("/downloads/{name}", download),
    Route("/.well-known/void", well_known_void),
    Route("/id/{path:path}", resource),
    Route("/def", resource),
    Route("/def/{path:path}", resource),
]
