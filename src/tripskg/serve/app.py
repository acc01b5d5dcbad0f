"""The Starlette application: composes the pages, the SPARQL protocol and the saved-query API
(each a list of routes in its module) with static files, middleware and error pages, and
reloads the build on SIGHUP."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from ..web.render import STATIC, ServerLinks
from . import api, linked, pages, protocol, questions, releases
from .api import concepts
from .backend import Backend, Config
from .responses import not_found, server_error
from .static import PrecompressedStaticFiles
from .worker import GZIP_LEVEL, GZIP_MIN_BYTES


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
        app.state.links = ServerLinks(new.base, releases.view_of(new).feeds)
        app.state.concepts = concepts(new)
        print(f"tripskg serve: reloaded {new.dist} (store: {new.loaded_from})", flush=True)
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
        print(f"tripskg serve: loaded {backend.dist} (store: {backend.loaded_from})",
              flush=True)
        app.state.links = ServerLinks(backend.base, releases.view_of(backend).feeds)
        app.state.concepts = concepts(backend)
        loop = asyncio.get_running_loop()
        # SIGHUP reloads dist/: POSIX only, and only where the server owns the main thread
        # (not inside a test client's thread)
        if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload(app)))
        try:
            yield
        finally:
            app.state.backend.close()

    routes: list[BaseRoute] = [
        *releases.ROUTES, *pages.ROUTES, *questions.ROUTES, *protocol.ROUTES, *linked.ROUTES,
        *api.ROUTES,
        Mount("/static", app=PrecompressedStaticFiles(directory=str(STATIC)), name="static"),
    ]
    ontology_docs = config.dist / "ontology"
    if ontology_docs.is_dir():
        routes.append(Mount("/ontology", app=StaticFiles(directory=str(ontology_docs),
                                                         html=True)))
    middleware = [
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                   allow_headers=["*"], expose_headers=[
                       "X-Truncated", "X-Result-Limit", "Link", "X-Total-Count", "ETag",
                       "Last-Modified", "Content-Location", "X-Cache"]),
        # pages, shape=rows and downloads (worker answers come compressed: worker.compressed)
        Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL),
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
