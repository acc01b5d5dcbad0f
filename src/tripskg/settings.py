"""The settings of a build, made once (by the command line) and handed to each stage that
needs them; nothing is read back from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .iris import IRIs


@dataclass(frozen=True)
class BuildSettings:
    """How to build and publish.

    ``jobs``: worker processes (1: none, not even the helper that checks ``void.ttl``; None:
    one per CPU, up to 4, on large inputs). ``cache_dir``: the build cache (None: read every
    report again). ``site``: write the static linked-data site; without it, reports unchanged
    since the last cached build may stay out of the store (see ``build.build_graph``).
    ``query_store``: also write the on-disk store ``tripskg query`` opens read-only
    (``querystore.py``). ``store_quads``: report quads the build loads into its one
    in-memory store; the report graphs after them are checked in batches of about as many
    quads, each in a store of its own (``build.check_batches``), so that memory stays bounded
    on large inputs (the static site needs them all in one store and turns this off).
    """

    iris: IRIs = IRIs()
    jobs: int | None = None
    cache_dir: Path | None = None
    site: bool = True
    sparql_endpoint: str | None = None  # void:sparqlEndpoint (default <base>sparql)
    download_base: str | None = None  # dcat:downloadURL of the dumps (default <base>downloads/)
    # the version (docs/releases.md): dcat:version, dct:issued (None: derived from the content
    # and the build timestamp), the earlier build it follows, versions kept in dist/versions/
    data_version: str | None = None
    issued: str | None = None
    previous: Path | None = None
    keep_versions: int = 5
    query_store: bool = True
    store_quads: int = 3_000_000

