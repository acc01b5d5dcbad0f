"""The Starlette application: SPARQL protocol, linked data, HTML pages and the saved-query API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import QueryError
from ..iris import IRIs
from ..queries import ResultTable, bind
from ..site import (
    PAGE_SIZE,
    RDF_FORMATS,
    STATIC,
    Namer,
    accepted_languages,
    describe,
    description_triples,
    local_path,
    members_csv,
    render,
    serialize_triples,
)
from ..vocab import RDF, SKOS
from .backend import DUMP_MEDIA_TYPES, Backend, Config
from .conneg import FORMAT_NAMES, GRAPH_ALIASES, GRAPH_FORMATS, negotiate, parse_accept
from .openapi import RESERVED, openapi
from .static import PrecompressedStaticFiles
from .worker import _COMMENT, _STRINGS, Answer, Busy, SelectJob, SparqlJob, Timeout

HTML = "text/html"
PAGE_OFFERS = [HTML, "text/turtle", "application/ld+json", "application/n-triples",
               "application/rdf+xml"]
PAGE_ALIASES = {**GRAPH_ALIASES, "application/xhtml+xml": HTML, "text/plain": "application/n-triples"}
SUFFIX_TYPES = {"html": HTML, **{k: v[0] for k, v in RDF_FORMATS.items()}}
TYPE_SUFFIX = {v: k for k, v in SUFFIX_TYPES.items()}
MAX_QUERY_BYTES = 1_000_000
MAX_NESTING = 100  # brackets ({ ( [) nested in a query
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
EXAMPLE_VALUES = {"country": "KEN", "organization": "wipo", "from": "2024-01-01",
                  "to": "2025-12-31", "year": "2025", "kind": "all"}


class ServerLinks:
    """Links of the pages served by ``tripskg serve``: dataset IRIs become local paths."""

    static_site = False

    def __init__(self, base: str) -> None:
        self.base = base

    def res(self, iri: str) -> str:
        if local_path(iri, self.base) is not None:
            return "/" + iri[len(self.base):]
        return iri

    def fmt(self, iri: str, suffix: str) -> str | None:
        path = local_path(iri, self.base)
        return None if path is None else f"/{path}.{suffix}"

    def page(self, name: str, **params: object) -> str:
        path = "/" if name == "home" else "/" + name
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return path + ("?" + urlencode(clean) if clean else "")

    def static(self, path: str) -> str:
        return "/static/" + path

    def listing(self, slug: str, page: int = 1, suffix: str = "html") -> str:
        if suffix == "csv":
            return f"/list/{slug}.csv"
        return f"/list/{slug}" + (f"?page={page}" if page > 1 else "")

    def download(self, name: str) -> str:
        return "/downloads/" + name


@dataclass
class ApiError(Exception):
    status: int
    message: str
    parameter: str | None = None
    hint: str | None = None


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def _links(request: Request) -> ServerLinks:
    links: ServerLinks = request.app.state.links
    return links


def wants_html(request: Request) -> bool:
    return negotiate(request.headers.get("accept"), [HTML, "application/json", "text/plain"],
                     {"application/xhtml+xml": HTML}) == HTML


def page_response(request: Request, body: str | bytes, media_type: str = HTML,
                  status: int = 200, vary: str | None = None,
                  headers: dict[str, str] | None = None) -> Response:
    """A response with ETag/Last-Modified; answers 304 when the client's copy is current."""
    backend = _backend(request)
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = '"' + hashlib.sha256(backend.build_id.encode() + media_type.encode() + data
                                ).hexdigest()[:32] + '"'
    h = {"ETag": etag, "Last-Modified": backend.last_modified, "Cache-Control": "no-cache"}
    if vary:
        h["Vary"] = vary
    h.update(headers or {})
    if status == 200 and _not_modified(request, etag, backend.last_modified):
        return Response(status_code=304, headers=h)
    return Response(data, status_code=status, media_type=media_type, headers=h)


def _not_modified(request: Request, etag: str, last_modified: str) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or ("W/" + etag) in tags
    ims = request.headers.get("if-modified-since")
    return ims is not None and ims == last_modified


def html(request: Request, template: str, status: int = 200, vary: str | None = None,
         headers: dict[str, str] | None = None, **context: object) -> Response:
    text = render(template, _links(request), lang=context.pop("lang", "en"), **context)
    if status != 200:
        return Response(text, status_code=status, media_type=HTML, headers=headers)
    return page_response(request, text, HTML, vary=vary, headers=headers)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    if wants_html(request):
        return html(request, "error.html", status=status, title=title, message=message,
                    code=status)
    return PlainTextResponse(f"{title}: {message}\n", status_code=status)


# --------------------------------------------------------------------------- pages
async def home(request: Request) -> Response:
    backend = _backend(request)
    return html(request, "home.html", h=backend.home)


async def classes(request: Request) -> Response:
    return html(request, "classes.html", classes=_backend(request).classes)


async def listing(request: Request) -> Response:
    backend = _backend(request)
    slug = request.path_params["slug"]
    csv = slug.endswith(".csv")
    c = backend.class_by_slug(slug[:-4] if csv else slug)
    if c is None:
        return error_page(request, 404, "Not found", f"there is no class listing '{slug}'")
    members = await asyncio.to_thread(backend.members, c.iri)
    if csv:
        return page_response(request, members_csv(members), "text/csv; charset=utf-8")
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
    backend = _backend(request)
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
    backend = _backend(request)
    return html(request, "query.html", examples=_examples(backend),
                default_query=_examples(backend)[0]["query"] if backend.queries else
                "SELECT * WHERE { ?s ?p ?o } LIMIT 10")


async def queries_index(request: Request) -> Response:
    return html(request, "queries.html", queries=list(_backend(request).queries.values()))


# --------------------------------------------------------------------------- linked data
_SUFFIX = re.compile(r"^(.*)\.(html|ttl|jsonld|nt|rdf)$")


async def resource(request: Request) -> Response:
    backend = _backend(request)
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
    links = _links(request)
    location = links.fmt(iri, TYPE_SUFFIX[media]) or request.url.path
    headers = {"Content-Location": location, "Link": ", ".join(
        f'<{links.fmt(iri, s)}>; rel="alternate"; type="{t}"' for s, t in SUFFIX_TYPES.items()
        if s != "html" and links.fmt(iri, s))}
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
    backend = _backend(request)
    name = request.path_params["name"]
    item = next((d for d in backend.downloads if d.name == name), None)
    if item is None:
        return error_page(request, 404, "Not found", f"no download named '{name}'")
    path = backend.dist / item.name
    etag = f'"{item.sha256 or backend.build_id}"'
    headers = {"ETag": etag, "Last-Modified": backend.last_modified, "Cache-Control": "no-cache"}
    if _not_modified(request, etag, backend.last_modified):
        return Response(status_code=304, headers=headers)
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return FileResponse(path, media_type=DUMP_MEDIA_TYPES.get(suffix, "text/plain"),
                        headers=headers, filename=name if suffix == ".gz" else None)


async def well_known_void(request: Request) -> Response:
    return RedirectResponse("/downloads/void.ttl", status_code=303)


# --------------------------------------------------------------------------- SPARQL
def service_description(request: Request) -> list[ox.Triple]:
    backend = _backend(request)
    endpoint = ox.NamedNode(str(request.base_url) + "sparql")
    N = ox.NamedNode  # noqa: N806
    t = [
        ox.Triple(endpoint, N(RDF + "type"), N(SD + "Service")),
        ox.Triple(endpoint, N(SD + "endpoint"), endpoint),
        ox.Triple(endpoint, N(SD + "supportedLanguage"), N(SD + "SPARQL11Query")),
        ox.Triple(endpoint, N(SD + "feature"), N(SD + "UnionDefaultGraph")),
    ]
    if backend.config.write_token:
        t.append(ox.Triple(endpoint, N(SD + "supportedLanguage"), N(SD + "SPARQL11Update")))
    for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
              "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        t.append(ox.Triple(endpoint, N(SD + "resultFormat"), N(FORMATS_NS + f)))
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    t += [
        ox.Triple(endpoint, N(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, N(RDF + "type"), N(SD + "Dataset")),
        ox.Triple(dataset, N(SD + "defaultGraph"), default),
        ox.Triple(default, N(RDF + "type"), N(SD + "Graph")),
        ox.Triple(default, N("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(
            "The default graph is the union of all named graphs.", language="en")),
    ]
    graphs = backend.build.get("counts", {})
    sizes = graphs.get("graphs", {}) if isinstance(graphs, dict) else {}
    assert backend.store is not None
    for i, g in enumerate(sorted(backend.store.named_graphs(), key=str)):
        if not isinstance(g, ox.NamedNode):
            continue
        ng, gr = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        t += [
            ox.Triple(dataset, N(SD + "namedGraph"), ng),
            ox.Triple(ng, N(RDF + "type"), N(SD + "NamedGraph")),
            ox.Triple(ng, N(SD + "name"), g),
            ox.Triple(ng, N(SD + "graph"), gr),
            ox.Triple(gr, N(RDF + "type"), N(SD + "Graph")),
        ]
        if g.value in sizes:
            t.append(ox.Triple(gr, N("http://rdfs.org/ns/void#triples"), ox.Literal(
                str(sizes[g.value]), datatype=N("http://www.w3.org/2001/XMLSchema#integer"))))
    return list(dict.fromkeys(t))


def _text_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes (by its
    Content-Length, or while it streams in): a huge body is never held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


_BRACKETS = re.compile(r"[(){}\[\]]")


def nesting_depth(query: str) -> int:
    """Deepest bracket nesting of a query, outside strings, IRIs and comments (the query
    parser recurses once per level: a query nested thousands deep could exhaust its stack)."""
    masked = _COMMENT.sub("", _STRINGS.sub('""', query))
    depth = deepest = 0
    for m in _BRACKETS.finditer(masked):
        if m.group() in "({[":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


async def sparql(request: Request) -> Response:
    backend = _backend(request)
    assert backend.pool is not None
    qp = request.query_params
    queries = qp.getlist("query")
    updates = qp.getlist("update")
    default_graphs = qp.getlist("default-graph-uri")
    named_graphs = qp.getlist("named-graph-uri")
    fmt = qp.get("format")
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _read_body(request, MAX_QUERY_BYTES)
        if body is None:
            return _text_error(413, f"query too large (at most {MAX_QUERY_BYTES:,} bytes)",
                               {"Connection": "close"})
        if ctype == "application/x-www-form-urlencoded":
            form = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            queries += [v for k, v in form if k == "query"]
            updates += [v for k, v in form if k == "update"]
            default_graphs += [v for k, v in form if k == "default-graph-uri"]
            named_graphs += [v for k, v in form if k == "named-graph-uri"]
            fmt = fmt or next((v for k, v in form if k == "format"), None)
        elif ctype == "application/sparql-query":
            queries.append(body.decode("utf-8", errors="replace"))
        elif ctype == "application/sparql-update":
            updates.append(body.decode("utf-8", errors="replace"))
        else:
            return _text_error(415, "POST needs Content-Type application/sparql-query, "
                                    "application/sparql-update or "
                                    "application/x-www-form-urlencoded")
    elif updates:
        return _text_error(400, "SPARQL Update must be sent with POST")
    for text in queries + updates:
        if (depth := nesting_depth(text)) > MAX_NESTING:
            return _text_error(400, f"query nested too deeply ({depth:,} levels of brackets; "
                                    f"at most {MAX_NESTING})")
    if updates:
        return await _update(request, backend, queries, updates)
    if not queries:
        return _service_description(request)
    if len(queries) > 1:
        return _text_error(400, "give exactly one 'query' parameter")
    for g in default_graphs + named_graphs:
        try:
            ox.NamedNode(g)
        except ValueError:
            return _text_error(400, f"'{g[:100]}' is not a valid graph IRI")
    if fmt and fmt.strip().lower() not in FORMAT_NAMES and "/" not in fmt:
        return _text_error(400, f"unknown format '{fmt[:40]}'")
    job = SparqlJob(queries[0], request.headers.get("accept"), fmt, default_graphs,
                    named_graphs, backend.config.limit)
    try:
        answer = await backend.pool.run(job, backend.config.timeout)
    except Timeout:
        return _text_error(503, f"query timed out after {backend.config.timeout:g} s; "
                                "add a LIMIT or make it more selective",
                           {"Retry-After": "5"})
    except Busy:
        return _text_error(503, "all query workers are busy; try again",
                           {"Retry-After": "5"})
    headers = {"Vary": "Accept"}
    if answer.status != 200:
        return _text_error(answer.status, answer.body.decode("utf-8", errors="replace"),
                           headers)
    headers["X-Truncated"] = "true" if answer.truncated else "false"
    if answer.truncated:
        headers["X-Result-Limit"] = str(backend.config.limit)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def _service_description(request: Request) -> Response:
    accept = request.headers.get("accept")
    offers = ["text/turtle", "application/ld+json", "application/n-triples",
              "application/rdf+xml", HTML]
    media = negotiate(accept, offers, PAGE_ALIASES) or "text/turtle"
    ranked = parse_accept(accept)
    if media == HTML or (ranked and ranked[0][0] == HTML):
        return RedirectResponse("/query", status_code=303, headers={"Vary": "Accept"})
    backend = _backend(request)
    body = serialize_triples(service_description(request), GRAPH_FORMATS[media], backend.base)
    return page_response(request, body, media, vary="Accept")


async def _update(request: Request, backend: Backend, queries: list[str], updates: list[str]
                  ) -> Response:
    token = backend.config.write_token
    if not token:
        return _text_error(403, "this endpoint is read-only: SPARQL Update is refused "
                                "(start the server with --write-token to allow it)")
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        return _text_error(403, "SPARQL Update needs 'Authorization: Bearer <write token>'")
    if queries or len(updates) != 1:
        return _text_error(400, "give exactly one 'update' parameter and no 'query'")
    async with request.app.state.update_lock:
        try:
            await backend.update(updates[0])
        except SyntaxError as e:
            return _text_error(400, f"malformed update: {e}")
        except (ValueError, OSError) as e:
            return _text_error(400, f"update failed: {e}")
    return Response(status_code=204)


# --------------------------------------------------------------------------- saved queries
async def _run_saved(request: Request, name: str, fmt: str | None = None
                     ) -> tuple[str, Answer]:
    """Bind and run a saved query; ``fmt`` (json/csv/tsv): the worker writes that results
    document, else the answer carries a ResultTable."""
    backend = _backend(request)
    saved = backend.queries.get(name)
    if saved is None:
        raise ApiError(404, f"unknown query '{name}'",
                       hint="saved queries: " + ", ".join(backend.queries))
    raw = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    assert backend.reference is not None and backend.pool is not None
    try:
        text, _ = bind(saved, raw, backend.reference, IRIs(backend.base))
    except QueryError as e:
        m = re.search(r"parameter '([^']+)'", e.message)
        raise ApiError(400, e.message, m.group(1) if m else None, e.hint) from None
    try:
        answer = await backend.pool.run(SelectJob(text, backend.config.limit, fmt),
                                        backend.config.timeout)
    except Timeout:
        raise ApiError(503, f"query timed out after {backend.config.timeout:g} s") from None
    except Busy:
        raise ApiError(503, "all query workers are busy; try again") from None
    if answer.status != 200:
        raise ApiError(answer.status, answer.body.decode("utf-8", errors="replace"))
    return text, answer


def _api_error(e: ApiError) -> JSONResponse:
    body: dict[str, str] = {"error": e.message}
    if e.parameter:
        body["parameter"] = e.parameter
    if e.hint:
        body["hint"] = e.hint
    return JSONResponse(body, status_code=e.status)


def _rows(table: ResultTable) -> dict[str, object]:
    return {"columns": table.columns,
            "rows": [{c: (None if row.get(c) is None else row[c].value)  # type: ignore[union-attr]
                      for c in table.columns} for row in table.rows],
            "truncated": table.truncated}


async def api_list(request: Request) -> Response:
    out = []
    for q in _backend(request).queries.values():
        out.append({
            "name": q.name, "title": q.title, "description": q.description,
            "columns": q.columns,
            "params": [{"name": p.name, "type": p.type, "required": p.required,
                        "default": p.default, "optional": p.optional, "help": p.help}
                       for p in q.params],
            "api": f"/api/queries/{q.name}", "page": f"/queries/{q.name}",
        })
    return JSONResponse(out)


async def api_query(request: Request) -> Response:
    name = request.path_params["name"]
    fmt = request.query_params.get("format")
    shape = request.query_params.get("shape", "sparql")
    if shape not in ("sparql", "rows"):
        return _api_error(ApiError(400, f"parameter 'shape' must be 'sparql' or 'rows', not "
                                        f"'{shape[:40]}'", "shape"))
    if fmt is None:
        chosen = negotiate(request.headers.get("accept"),
                           ["application/sparql-results+json", "application/json", "text/csv",
                            "text/tab-separated-values"])
        fmt = {"text/csv": "csv", "text/tab-separated-values": "tsv"}.get(chosen or "", "json")
    if fmt not in ("json", "csv", "tsv"):
        return _api_error(ApiError(400, f"parameter 'format' must be json, csv or tsv, not "
                                        f"'{fmt[:40]}'", "format"))
    document = fmt if (fmt != "json" or shape == "sparql") else None
    try:
        _, answer = await _run_saved(request, name, document)
    except ApiError as e:
        return _api_error(e)
    headers = {"X-Truncated": "true" if answer.truncated else "false", "Vary": "Accept"}
    if document is None:  # shape=rows
        return JSONResponse(_rows(answer.table), headers=headers)
    media = {"json": "application/sparql-results+json", "csv": "text/csv; charset=utf-8",
             "tsv": "text/tab-separated-values; charset=utf-8"}[document]
    return Response(answer.body, media_type=media, headers=headers)


async def query_form(request: Request) -> Response:
    backend = _backend(request)
    name = request.path_params["name"]
    saved = backend.queries.get(name)
    if saved is None:
        return error_page(request, 404, "Not found", f"there is no saved query '{name}'")
    values = {p.name: request.query_params.get(p.name, "") for p in saved.params}
    ran = bool(request.query_params) or not any(p.required for p in saved.params)
    error, text, table, cells = None, None, None, None
    status = 200
    if ran:
        try:
            text, answer = await _run_saved(request, name)
            table = answer.table
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
    qs = urlencode([(k, v) for k, v in request.query_params.items()])
    return html(request, "saved_query.html", status=status, q=saved, values=values,
                error=error, text=text, table=table, cells=cells, qs=qs,
                headers={"X-Truncated": "true"} if table is not None and table.truncated
                else None)


async def api_openapi(request: Request) -> Response:
    backend = _backend(request)
    return JSONResponse(openapi(backend.queries, str(request.base_url).rstrip("/"),
                                request.app.state.concepts))


async def api_docs(request: Request) -> Response:
    return html(request, "api_docs.html")


# --------------------------------------------------------------------------- errors
async def not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    detail = getattr(exc, "detail", "") or ""
    if status == 404:
        return error_page(request, 404, "Not found", f"nothing is published at "
                                                     f"{request.url.path}")
    return error_page(request, status, "Error", str(detail))


async def server_error(request: Request, exc: Exception) -> Response:
    return error_page(request, 500, "Server error", f"{type(exc).__name__}: {exc}")


def _concepts(backend: Backend) -> dict[str, list[str]]:
    assert backend.store is not None
    out: dict[str, list[str]] = {}
    tkg = backend.base + "def/"
    for q in backend.store.quads_for_pattern(None, ox.NamedNode(SKOS + "inScheme"), None):
        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(tkg):
            scheme = q.object.value[len(tkg):]
            slug = q.subject.value.rsplit("/", 1)[-1]  # type: ignore[union-attr]
            bucket = out.setdefault(scheme, [])
            if slug not in bucket:
                bucket.append(slug)
    return {k: sorted(v) for k, v in out.items()}


# --------------------------------------------------------------------------- app
async def reload(app: Starlette, grace: float | None = None) -> bool:
    """Load ``--dist`` again (SIGHUP) without dropping a request: the new build is loaded
    next to the old one, then swapped in; requests already running finish on the old one,
    which is closed after the query timeout (plus a margin). On an error the old stays."""
    lock: asyncio.Lock = app.state.reload_lock
    async with lock:
        old: Backend = app.state.backend
        new = Backend(old.config)
        try:
            await new.start()
        except Exception as e:  # noqa: BLE001 - keep serving the old build
            new.close()
            print(f"tripskg serve: reload failed, still serving {old.dist}: {e}", flush=True)
            return False
        app.state.backend = new
        app.state.links = ServerLinks(new.base)
        app.state.concepts = _concepts(new)
        print(f"tripskg serve: reloaded {new.dist}", flush=True)
    try:
        await asyncio.sleep(old.config.timeout + 5 if grace is None else grace)
    finally:
        old.close()
    return True


def create_app(config: Config) -> Starlette:
    Backend.check_dist(config.dist)
    backend = Backend(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.start()
        app.state.links = ServerLinks(backend.base)
        app.state.concepts = _concepts(backend)
        loop = asyncio.get_running_loop()
        # SIGHUP reloads dist/: POSIX only, and only where the server owns the main thread
        # (not inside a test client's thread)
        if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload(app)))
        try:
            yield
        finally:
            app.state.backend.close()

    routes = [
        Route("/", home),
        Route("/classes", classes),
        Route("/list/{slug}", listing),
        Route("/search", search),
        Route("/query", query_page),
        Route("/queries", queries_index),
        Route("/queries/{name}", query_form),
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/api/queries", api_list),
        Route("/api/queries/{name}", api_query),
        Route("/api/openapi.json", api_openapi),
        Route("/api/docs", api_docs),
        Route("/downloads/{name}", download),
        Route("/.well-known/void", well_known_void),
        Route("/id/{path:path}", resource),
        Route("/def", resource),
        Route("/def/{path:path}", resource),
        Mount("/static", app=PrecompressedStaticFiles(directory=str(STATIC)), name="static"),
    ]
    ontology_docs = config.dist / "ontology"
    if ontology_docs.is_dir():
        routes.append(Mount("/ontology", app=StaticFiles(directory=str(ontology_docs),
                                                         html=True)))
    middleware = [
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                   allow_headers=["*"], expose_headers=["X-Truncated", "X-Result-Limit", "ETag",
                                                        "Last-Modified", "Content-Location"]),
        Middleware(GZipMiddleware, minimum_size=1000),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={404: not_found, 405: not_found, HTTPException: not_found,
                                        500: server_error})
    app.state.backend = backend
    app.state.update_lock = asyncio.Lock()
    app.state.reload_lock = asyncio.Lock()
    return app


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "info") -> None:
    import uvicorn

    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                timeout_graceful_shutdown=5)
