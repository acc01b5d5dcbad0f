"""Typed wrappers for the pyoxigraph calls whose stubs return unions (serialize/dump return
``bytes | None``, ``Store.query`` any of three result kinds)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox


def serialize(items: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat,
              prefixes: dict[str, str] | None = None) -> bytes:
    """``ox.serialize`` into bytes (prefixes only for the formats that take them)."""
    if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return ox.serialize(items, format=fmt, prefixes=prefixes) or b""
    return ox.serialize(items, format=fmt) or b""


def dump(store: ox.Store, fmt: ox.RdfFormat, graph: ox.NamedNode | ox.DefaultGraph) -> bytes:
    return store.dump(format=fmt, from_graph=graph) or b""


def select(store: ox.Store, query: str, **kwargs: Any) -> ox.QuerySolutions:
    """A SELECT query's solutions (TypeError for ASK/CONSTRUCT/DESCRIBE)."""
    result = store.query(query, **kwargs)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return result
