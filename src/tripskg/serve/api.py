"""The saved-query REST API (``/api/queries``) and its OpenAPI description."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import pyoxigraph as ox
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import QueryError
from ..iris import IRIs
from ..queries import ResultTable, bind
from ..vocab import SKOS
from ..web.formats import (
    DOCUMENT_OFFERS,
    RESULT_DOCUMENTS,
    accepts_gzip,
    document_media_type,
    document_name,
    negotiate,
)
from .backend import Backend
from .openapi import RESERVED, openapi
from .paging import Links, Page, PagingError, download_of, filename, links, page_of
from .responses import backend_of, html
from .worker import Answer, Busy, SelectJob, Timeout


@dataclass
class ApiError(Exception):
    status: int
    message: str
    parameter: str | None = None
    hint: str | None = None


async def run_saved(request: Request, name: str, fmt: str | None = None,
                    page: Page | None = None, out_path: str | None = None
                    ) -> tuple[str, Answer]:
    """Bind and run a saved query (the API and the HTML form of a query); ``fmt``
    (json/csv/tsv): the worker writes that results document, else the answer carries a
    ResultTable. ``page``: which rows (default: the first, up to the server's limit);
    ``Page(None)`` with ``out_path``: every row, written by the worker into that file."""
    backend = backend_of(request)
    saved = backend.queries.get(name)
    if saved is None:
        raise ApiError(404, f"unknown query '{name}'",
                       hint="saved queries: " + ", ".join(backend.queries))
    raw = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    assert backend.reference is not None and backend.pool is not None
    try:
        text, _ = bind(saved, raw, backend.reference, IRIs(backend.base))
    except QueryError as e:
        raise ApiError(400, e.message, e.parameter, e.hint) from None
    try:
        page = page or Page(backend.config.limit)
        # a document (not a file, not a table) is compressed in the worker if the client
        # accepts gzip; only then is the flag set, since it is part of the cache key: a file
        # or a table is kept once for every client
        gz = fmt is not None and out_path is None and accepts_gzip(
            request.headers.get("accept-encoding"))
        answer = await backend.pool.run(SelectJob(text, page.limit, fmt, page.offset, out_path,
                                                  gzip=gz), backend.config.timeout)
    except Timeout:
        raise ApiError(503, f"query timed out after {backend.config.timeout:g} s") from None
    except Busy:
        raise ApiError(503, "all query workers are busy; try again") from None
    if answer.status != 200:
        raise ApiError(answer.status, answer.body.decode("utf-8", errors="replace"))
    return text, answer


def api_error(e: ApiError) -> JSONResponse:
    body: dict[str, str] = {"error": e.message}
    if e.parameter:
        body["parameter"] = e.parameter
    if e.hint:
        body["hint"] = e.hint
    return JSONResponse(body, status_code=e.status)


def _rows(table: ResultTable, at: Links) -> dict[str, object]:
    return {"columns": table.columns,
            "rows": [{c: (None if row.get(c) is None else row[c].value)  # type: ignore[union-attr]
                      for c in table.columns} for row in table.rows],
            "truncated": table.truncated, "offset": at.first_row - 1, "next": at.next,
            "previous": at.previous, "total": at.total}


async def api_list(request: Request) -> Response:
    out = []
    for q in backend_of(request).queries.values():
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
        return api_error(ApiError(400, f"parameter 'shape' must be 'sparql' or 'rows', not "
                                        f"'{shape[:40]}'", "shape"))
    if fmt is None:
        fmt = document_name(negotiate(request.headers.get("accept"), DOCUMENT_OFFERS))
    if fmt not in RESULT_DOCUMENTS:
        return api_error(ApiError(400, f"parameter 'format' must be json, csv or tsv, not "
                                        f"'{fmt[:40]}'", "format"))
    document = fmt if (fmt != "json" or shape == "sparql") else None
    backend = backend_of(request)
    try:
        download = download_of(request)
        page = page_of(request, backend.config.limit, backend.config.limit)
    except PagingError as e:
        return api_error(ApiError(400, e.message, e.parameter))
    if download is not None:
        return await _download(request, name, download)
    try:
        _, answer = await run_saved(request, name, document, page)
    except ApiError as e:
        return api_error(e)
    at = links(request, page, answer.rows or 0, answer.truncated)
    headers = {"X-Truncated": "true" if answer.truncated else "false",
               "Vary": "Accept, Accept-Encoding", "X-Cache": "hit" if answer.cached else "miss",
               **at.headers()}
    if document is None:  # shape=rows
        return JSONResponse(_rows(answer.table, at), headers=headers)
    return Response(answer.body, media_type=document_media_type(document),
                    headers={**headers, **answer.headers()})


async def _download(request: Request, name: str, fmt: str) -> Response:
    """Every row of a saved query as a file: the worker writes the results document into a
    file of the server's work folder (no row limit; the query timeout still applies), which
    is sent in chunks and removed afterwards. A repeated download is a link to the file kept
    from the first (serve.downloadcache: ``X-Cache: hit``)."""
    backend = backend_of(request)
    assert backend.workdir is not None
    folder = backend.workdir / "downloads"
    folder.mkdir(exist_ok=True)
    fd, path = tempfile.mkstemp(dir=folder, suffix="." + fmt)
    os.close(fd)
    try:
        _, answer = await run_saved(request, name, fmt, Page(None), path)
    except ApiError as e:
        os.unlink(path)
        return api_error(e)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=document_media_type(fmt), filename=filename(name, fmt),
                        headers={"X-Cache": "hit" if answer.cached else "miss"},
                        background=BackgroundTask(os.unlink, path))


async def api_openapi(request: Request) -> Response:
    backend = backend_of(request)
    return JSONResponse(openapi(backend.queries, str(request.base_url).rstrip("/"),
                                request.app.state.concepts))


async def api_docs(request: Request) -> Response:
    return html(request, "api_docs.html")


def concepts(backend: Backend) -> dict[str, list[str]]:
    """Concept scheme -> the slugs of its concepts (examples in the OpenAPI description)."""
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


ROUTES: list[BaseRoute] = [
    Route("/api/queries", api_list),
    Route("/api/queries/{name}", api_query),
    Route("/api/openapi.json", api_openapi),
    Route("/api/docs", api_docs),
]
