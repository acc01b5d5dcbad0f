"""The SPARQL 1.1 Protocol at ``/sparql``: queries (run by the worker pool), updates (with a
write token) and the service description (built once per build and endpoint URL)."""

from __future__ import annotations

import asyncio
import hmac
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..vocab import RDF
from ..web.describe import serialize_triples
from ..web.formats import (
    DESCRIPTION_OFFERS,
    FORMAT_NAMES,
    GRAPH_FORMATS,
    HTML,
    PAGE_ALIASES,
    accepts_gzip,
    negotiate,
    parse_accept,
)
from .backend import Backend
from .querytext import DatasetConflict, nesting_depth, service_calls, with_update_dataset
from .responses import backend_of, page_response
from .worker import Busy, SparqlJob, Timeout

MAX_QUERY_BYTES = 1_000_000
MAX_NESTING = 100  # brackets ({ ( [) nested in a query
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def service_description(backend: Backend, endpoint_url: str) -> list[ox.Triple]:
    """The service description of the endpoint at ``endpoint_url`` (cached on the backend,
    whose caches are renewed when its store changes)."""
    cached = backend.service_descriptions.get(endpoint_url)
    if cached is None:
        cached = backend.service_descriptions[endpoint_url] = _describe_service(
            backend, endpoint_url)
    return cached


def _describe_service(backend: Backend, endpoint_url: str) -> list[ox.Triple]:
    endpoint = ox.NamedNode(endpoint_url)
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


async def sparql(request: Request) -> Response:
    backend = backend_of(request)
    assert backend.pool is not None
    qp = request.query_params
    queries = qp.getlist("query")
    updates = qp.getlist("update")
    default_graphs = qp.getlist("default-graph-uri")
    named_graphs = qp.getlist("named-graph-uri")
    using = qp.getlist("using-graph-uri")
    using_named = qp.getlist("using-named-graph-uri")
    formats = qp.getlist("format")
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
            using += [v for k, v in form if k == "using-graph-uri"]
            using_named += [v for k, v in form if k == "using-named-graph-uri"]
            formats += [v for k, v in form if k == "format"]
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
    endpoint = str(request.base_url) + "sparql"
    for text in queries + updates:
        # tokenizing a megabyte takes a while: off the event loop
        refused = await asyncio.to_thread(_refused_service, text, endpoint,
                                          backend.config.allow_service)
        if refused:
            return _text_error(400, refused)
    if updates:
        return await _update(request, backend, queries, updates, using, using_named)
    if not queries:
        return _service_description(request)
    if len(queries) > 1:
        return _text_error(400, "give exactly one 'query' parameter")
    if (bad := _bad_graph_iri(default_graphs + named_graphs)):
        return bad
    # every 'format' value, comma lists split (SPARQLWrapper sends
    # format=json-ld&format=application/ld+json,application/x-json+ld): the first one that
    # names a format for the query form wins (web.formats.results_media_type)
    names = [f.strip() for v in formats for f in v.split(",") if f.strip()]
    if names and not any(n.lower() in FORMAT_NAMES or "/" in n for n in names):
        return _text_error(400, f"unknown format '{names[0][:40]}'")
    job = SparqlJob(queries[0], request.headers.get("accept"), ",".join(names) or None,
                    default_graphs, named_graphs, backend.config.limit, base_iri=endpoint,
                    gzip=accepts_gzip(request.headers.get("accept-encoding")))
    try:
        answer = await backend.pool.run(job, backend.config.timeout)
    except Timeout:
        return _text_error(503, f"query timed out after {backend.config.timeout:g} s; "
                                "add a LIMIT or make it more selective",
                           {"Retry-After": "5"})
    except Busy:
        return _text_error(503, "all query workers are busy; try again",
                           {"Retry-After": "5"})
    headers = {"Vary": "Accept, Accept-Encoding"}
    if answer.status != 200:
        return _text_error(answer.status, answer.body.decode("utf-8", errors="replace"),
                           headers)
    headers["X-Truncated"] = "true" if answer.truncated else "false"
    headers["X-Cache"] = "hit" if answer.cached else "miss"
    if answer.truncated:
        headers["X-Result-Limit"] = str(backend.config.limit)
    return Response(answer.body, media_type=answer.media_type,
                    headers={**headers, **answer.headers()})


def _bad_graph_iri(graphs: list[str]) -> Response | None:
    for g in graphs:
        try:
            ox.NamedNode(g)
        except ValueError:
            return _text_error(400, f"'{g[:100]}' is not a valid graph IRI")
    return None


def _refused_service(text: str, base: str, allowed: tuple[str, ...]) -> str | None:
    """Why a query or update may not run because of its SERVICE calls (None: it may): the
    server calls no other endpoint unless it is started with ``--allow-service URL``."""
    for call in service_calls(text, base):
        if call.iri is not None and call.iri in allowed:
            continue
        where = f"SERVICE {call.written[:100]}".rstrip()
        if call.iri is None:
            return (f"{where}: SERVICE needs a constant endpoint IRI that the server allows "
                    "(start it with --allow-service URL)")
        if not allowed:
            return (f"{where}: this endpoint does not call other endpoints (SERVICE is refused; "
                    "start the server with --allow-service URL to allow one)")
        return (f"{where}: endpoint not allowed (allowed: {', '.join(allowed)})")
    return None


def _service_description(request: Request) -> Response:
    accept = request.headers.get("accept")
    media = negotiate(accept, DESCRIPTION_OFFERS, PAGE_ALIASES) or DESCRIPTION_OFFERS[0]
    ranked = parse_accept(accept)
    if media == HTML or (ranked and ranked[0][0] == HTML):
        return RedirectResponse("/query", status_code=303, headers={"Vary": "Accept"})
    backend = backend_of(request)
    triples = service_description(backend, str(request.base_url) + "sparql")
    body = serialize_triples(triples, GRAPH_FORMATS[media], backend.base)
    return page_response(request, body, media, vary="Accept")


async def _update(request: Request, backend: Backend, queries: list[str], updates: list[str],
                  using: list[str], using_named: list[str]) -> Response:
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
    if (bad := _bad_graph_iri(using + using_named)):
        return bad
    try:
        text = with_update_dataset(updates[0], using, using_named)
    except DatasetConflict as e:
        return _text_error(400, str(e))
    async with request.app.state.update_lock:
        try:
            await backend.update(text, str(request.base_url) + "sparql")
        except SyntaxError as e:
            return _text_error(400, f"malformed update: {e}")
        except (ValueError, OSError) as e:
            return _text_error(400, f"update failed: {e}")
    return Response(status_code=204)


ROUTES: list[BaseRoute] = [Route("/sparql", sparql, methods=["GET", "POST"], name="sparql")]
