"""``tripskg serve``: SPARQL 1.1 Protocol, dereferenceable IRIs, HTML pages and the saved-query API
over a built ``dist/`` folder.

Imports are lazy so that query worker processes (``serve.worker``) start without loading the web
framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..web.render import ServerLinks
    from .app import create_app, serve
    from .backend import Config

__all__ = ["Config", "ServerLinks", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name == "ServerLinks":
        from ..web.render import ServerLinks

        return ServerLinks
    if name in ("create_app", "serve"):
        from . import app

        return getattr(app, name)
    if name == "Config":
        from .backend import Config

        return Config
    raise AttributeError(name)
