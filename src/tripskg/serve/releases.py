"""The release pages of the server (docs/releases.md): the Atom feeds (``/feeds/…``), the
quality report (``/quality``), versioned downloads (``/downloads/versions/<v>/<file>``) and,
when ``--allow-check`` is given, ``POST /check?file=NAME`` (the file as the request body)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import TripsKGError
from ..releases.check import NOTE_SUFFIX, check_files
from ..releases.feeds import FEEDS, MEDIA_TYPE
from ..releases.version import VERSION_RE, VERSIONS, read_sums
from ..web.formats import FILE_TYPES
from ..web.release import ReleaseView, release_view
from .backend import Backend
from .responses import backend_of, error_page, html, not_modified

_FEED_PATH = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+){0,3}")
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,120}")
CHECK_SUFFIXES = (NOTE_SUFFIX, ".csv", ".xlsx", ".docx")

_views: dict[tuple[Path, str], ReleaseView] = {}


def view_of(backend: Backend) -> ReleaseView:
    """The release view of the loaded build (read once per build folder)."""
    key = (backend.dist, backend.build_id)
    if key not in _views:
        _views.clear()  # a reload: only the current build is kept
        _views[key] = release_view(backend.dist, backend.base)
    return _views[key]


async def feed(request: Request) -> Response:
    backend = backend_of(request)
    path = request.path_params["path"]
    name = path.removesuffix(".atom")
    if not path.endswith(".atom") or not _FEED_PATH.fullmatch(name) or ".." in name:
        return error_page(request, 404, "Not found", f"no feed '{path}'")
    if name not in view_of(backend).feeds:
        return error_page(request, 404, "Not found", f"no feed '{path}'")
    file = backend.dist / FEEDS / f"{name}.atom"
    etag = f'"{backend.build_id}-{name.replace("/", "-")}"'
    headers = {"ETag": etag, "Last-Modified": backend.last_modified, "Cache-Control": "no-cache"}
    if not_modified(request, etag, backend.last_modified):
        return Response(status_code=304, headers=headers)
    return FileResponse(file, media_type=MEDIA_TYPE, headers=headers)


async def quality(request: Request) -> Response:
    backend = backend_of(request)
    config = backend.config
    return html(request, "quality.html", rv=view_of(backend), check_enabled=config.check,
                check_limit=config.check_max_bytes)


async def versioned_download(request: Request) -> Response:
    """A file of ``dist/versions/<version>/``: listed in SHA256SUMS, never a link."""
    backend = backend_of(request)
    version, name = request.path_params["version"], request.path_params["name"]
    rel = f"{VERSIONS}/{version}/{name}"
    digest = read_sums(backend.dist).get(rel) if VERSION_RE.fullmatch(version) else None
    path = backend.dist / VERSIONS / version / name
    if digest is None or "/" in name or path.is_symlink() or not path.is_file():
        return error_page(request, 404, "Not found", f"no download named '{rel}'")
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable"}
    if not_modified(request, etag, ""):
        return Response(status_code=304, headers=headers)
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return FileResponse(path, media_type=FILE_TYPES.get(suffix, "application/octet-stream"),
                        headers=headers, filename=name if suffix == ".gz" else None)


async def check(request: Request) -> Response:
    """``POST /check?file=NAME``: the body is one cover note or annex; the answer is the
    build's messages as JSON (``ok``, ``messages``, counts). 404 unless ``--allow-check``;
    413 over ``--check-max-bytes``."""
    backend = backend_of(request)
    config = backend.config
    if not config.check:
        return error_page(request, 404, "Not found",
                          "checking files is off on this server (tripskg serve --allow-check)")
    name = request.query_params.get("file", "")
    if not _FILE_NAME.fullmatch(name) or not name.lower().endswith(CHECK_SUFFIXES):
        return JSONResponse({"ok": False, "error": "give ?file=NAME ending in " + ", ".join(
            CHECK_SUFFIXES) + " and the file as the request body"}, status_code=400)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > config.check_max_bytes:
        return _too_large(config.check_max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > config.check_max_bytes:
            return _too_large(config.check_max_bytes)
    try:
        answer = await asyncio.to_thread(_check_bytes, name, bytes(body), backend.base)
    except TripsKGError as e:
        return JSONResponse({"ok": False, "error": e.render()}, status_code=400)
    return JSONResponse(answer, status_code=200)


def _too_large(limit: int) -> Response:
    return JSONResponse({"ok": False, "error": f"the file is larger than {limit:,} bytes"},
                        status_code=413)


def _check_bytes(name: str, data: bytes, base: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="tripskg-check-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        outcome = check_files([path], base, root=Path(tmp))
    # a reader's own message may name the file by its full path: show the name only
    messages = [m.replace(f"{tmp}/", "") for m in outcome.lines()]
    return {"file": name, "ok": outcome.ok, "messages": messages,
            "summary": outcome.summary(), "errors": len(outcome.errors),
            "violations": len(outcome.violations), "reports": outcome.reports,
            "activities": outcome.activities}


ROUTES: list[BaseRoute] = [
    Route("/feeds/{path:path}", feed),
    Route("/quality", quality),
    Route("/check", check, methods=["POST"]),
    Route("/downloads/versions/{version}/{name}", versioned_download),
]
