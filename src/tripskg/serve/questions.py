"""Pages that answer one question over the whole graph: the LDC needs against delivery
(``/needs``, ``/needs/<code>``) and the reporters × years coverage matrix (``/coverage``)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..errors import QueryError
from ..model import DATA_KINDS
from ..web.coverage import CoverageMatrix, coverage_matrices
from ..web.formats import accepted_languages
from ..web.needs import LdcNeeds, ldc_needs
from .responses import backend_of, error_page, html


async def _needs(request: Request) -> list[LdcNeeds] | Response:
    backend = backend_of(request)
    assert backend.store is not None and backend.view is not None
    assert backend.reference is not None
    langs = accepted_languages(request.headers.get("accept-language"))
    kind = request.query_params.get("kind", "all")
    try:
        return await asyncio.to_thread(ldc_needs, backend.store, backend.view,
                                       backend.reference, kind, langs)
    except QueryError as e:
        return error_page(request, 400, "Bad request", e.message)


async def needs_summary(request: Request) -> Response:
    ldcs = await _needs(request)
    if isinstance(ldcs, Response):
        return ldcs
    return html(request, "needs.html", ldcs=ldcs)


async def needs_country(request: Request) -> Response:
    ldcs = await _needs(request)
    if isinstance(ldcs, Response):
        return ldcs
    code = request.path_params["code"]
    ldc = next((x for x in ldcs if x.code.lower() == code.lower()), None)
    if ldc is None:
        return error_page(request, 404, "Not found",
                          f"no LDC needs submission of '{code[:40]}' is in the graph")
    return html(request, "needs_ldc.html", l=ldc)


def _coverage_cache(request: Request) -> dict[tuple[str, tuple[str, ...]], list[CoverageMatrix]]:
    """The matrices computed for the loaded build (the query takes seconds on the real data),
    by kind and languages; a new build (reload) starts an empty cache."""
    backend = backend_of(request)
    held = getattr(request.app.state, "coverage", None)
    if held is None or held[0] is not backend:
        held = request.app.state.coverage = (backend, {})
    cache: dict[tuple[str, tuple[str, ...]], list[CoverageMatrix]] = held[1]
    return cache


async def coverage(request: Request) -> Response:
    backend = backend_of(request)
    assert backend.store is not None and backend.view is not None
    assert backend.reference is not None
    kind = request.query_params.get("kind", "all")
    if kind != "all" and kind not in DATA_KINDS:
        return error_page(request, 400, "Bad request", f"unknown data kind '{kind[:40]}' "
                          f"(expected one of {', '.join(DATA_KINDS)} or all)")
    langs = accepted_languages(request.headers.get("accept-language"))
    cache = _coverage_cache(request)
    matrices = cache.get((kind, langs))
    if matrices is None:
        if len(cache) >= 32:  # bounded: one entry per kind and Accept-Language seen
            cache.clear()
        matrices = cache[(kind, langs)] = await asyncio.to_thread(
            coverage_matrices, backend.store, backend.view, backend.reference,
            DATA_KINDS if kind == "all" else (kind,), langs)
    return html(request, "coverage.html", matrices=matrices)


ROUTES: list[BaseRoute] = [
    Route("/needs", needs_summary),
    Route("/needs/{code}", needs_country),
    Route("/coverage", coverage),
]
