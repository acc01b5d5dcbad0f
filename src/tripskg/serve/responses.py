"""What every handler family shares: the request's backend and links, HTML rendering, error
pages, and responses with ETag / Last-Modified validators."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..web.formats import HTML, JSON, SUFFIX_TYPES, negotiate
from ..web.render import ServerLinks, render
from .backend import Backend


def backend_of(request: Request) -> Backend:
    """The loaded build (replaced on reload: read it per request)."""
    backend: Backend = request.app.state.backend
    return backend


def links_of(request: Request) -> ServerLinks:
    links: ServerLinks = request.app.state.links
    return links


def alternate_links(links: ServerLinks, iri: str) -> str:
    """The ``Link`` header naming the RDF formats of ``iri`` (``rel="alternate"``)."""
    return ", ".join(
        f'<{links.fmt(iri, s)}>; rel="alternate"; type="{t}"' for s, t in SUFFIX_TYPES.items()
        if s != "html" and links.fmt(iri, s))


def wants_html(request: Request) -> bool:
    return negotiate(request.headers.get("accept"), [HTML, JSON, "text/plain"],
                     {"application/xhtml+xml": HTML}) == HTML


def page_response(request: Request, body: str | bytes, media_type: str = HTML,
                  status: int = 200, vary: str | None = None,
                  headers: dict[str, str] | None = None) -> Response:
    """A response with ETag/Last-Modified; answers 304 when the client's copy is current."""
    backend = backend_of(request)
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = '"' + hashlib.sha256(backend.build_id.encode() + media_type.encode() + data
                                ).hexdigest()[:32] + '"'
    h = {"ETag": etag, "Last-Modified": backend.last_modified, "Cache-Control": "no-cache"}
    if vary:
        h["Vary"] = vary
    h.update(headers or {})
    if status == 200 and not_modified(request, etag, backend.last_modified):
        return Response(status_code=304, headers=h)
    return Response(data, status_code=status, media_type=media_type, headers=h)


def not_modified(request: Request, etag: str, last_modified: str) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or ("W/" + etag) in tags
    ims = request.headers.get("if-modified-since")
    return ims is not None and ims == last_modified


def html(request: Request, template: str, status: int = 200, vary: str | None = None,
         headers: dict[str, str] | None = None, **context: object) -> Response:
    text = render(template, links_of(request), lang=context.pop("lang", "en"), **context)
    if status != 200:
        return Response(text, status_code=status, media_type=HTML, headers=headers)
    return page_response(request, text, HTML, vary=vary, headers=headers)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    if wants_html(request):
        return html(request, "error.html", status=status, title=title, message=message,
                    code=status)
    return PlainTextResponse(f"{title}: {message}\n", status_code=status)


async def not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    detail = getattr(exc, "detail", "") or ""
    if status == 404:
        return error_page(request, 404, "Not found", f"nothing is published at "
                                                     f"{request.url.path}")
    return error_page(request, status, "Error", str(detail))


async def server_error(request: Request, exc: Exception) -> Response:
    return error_page(request, 500, "Server error", f"{type(exc).__name__}: {exc}")
