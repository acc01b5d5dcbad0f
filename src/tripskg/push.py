"""Scale-out: upload a built ``dist/`` to a triple store.

Two paths:

* :func:`push` sends ``dist/tripskg.nq.gz`` with the SPARQL 1.1 Graph Store HTTP Protocol, one
  request per chunk of N triples (``POST`` adds; with ``replace`` the first chunk of each graph is
  a ``PUT``, which replaces the graph). By default each named graph of the build goes to the
  graph of the same name; with ``graph=IRI`` everything goes into that one graph. Transient
  failures (connection errors, 5xx, 429) are retried with exponential backoff; HTTP Digest and
  Basic authentication are supported (Virtuoso's ``/sparql-graph-crud-auth`` needs Digest).
* :func:`write_bulk` writes N-Quads (or, into one graph, N-Triples) chunk files plus an ``isql``
  script for Virtuoso's bulk loader (``ld_dir`` / ``rdf_loader_run`` / ``checkpoint``), the fast
  path for millions of triples.

This module does not print: it reports progress through callbacks (the CLI draws the bar).
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from .errors import TripsKGError

DUMP = "tripskg.nq.gz"
CONTENT_TYPES = {"nt": ox.RdfFormat.N_TRIPLES.media_type, "turtle": ox.RdfFormat.TURTLE.media_type}
DEFAULT_CHUNK = 50_000


class PushError(TripsKGError):
    """The store could not be reached, refused the upload, or failed."""


class PushAuthError(PushError):
    """The store rejected the credentials (401/403)."""


# --------------------------------------------------------------------------- reading the dump
def dump_path(dist: Path) -> Path:
    path = dist / DUMP
    if not path.is_file():
        raise PushError(f"no build in '{dist}' ({DUMP} is missing)",
                        hint="run 'tripskg build' first, or pass --dist DIR")
    return path


def graph_counts(dist: Path) -> dict[str, int]:
    """Quads per named graph from ``build.json`` (empty if it is missing)."""
    try:
        record = json.loads((dist / "build.json").read_text(encoding="utf-8"))
        graphs = record["counts"]["graphs"]
        return {str(k): int(v) for k, v in graphs.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _graph_key(g: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return g.value if isinstance(g, ox.NamedNode) else ""


def chunks(stream: IO[bytes], size: int, one_graph: bool = False
           ) -> Iterator[tuple[str, list[ox.Triple]]]:
    """(graph IRI, triples) chunks of at most ``size`` triples, in file order.

    Quads of one graph are contiguous in our dumps (they are sorted by graph), so each graph
    is read once; a graph that reappears later simply yields more chunks. ``""`` is the default
    graph. With ``one_graph`` chunks are cut by size only and the graph is ``""``.
    """
    current: str | None = None
    buf: list[ox.Triple] = []
    for q in ox.parse(stream, ox.RdfFormat.N_QUADS):
        g = "" if one_graph else _graph_key(q.graph_name)
        if (g != current or len(buf) >= size) and buf:
            assert current is not None
            yield current, buf
            buf = []
        current = g
        buf.append(q.triple)
    if buf and current is not None:
        yield current, buf


def ntriples(triples: list[ox.Triple]) -> bytes:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data


def _open_dump(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb"))


# --------------------------------------------------------------------------- HTTP
_SQL_ERROR = re.compile(r"\bError\s+(?P<state>[0-9A-Z]{5})\b")
RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class GraphStore:
    """A SPARQL 1.1 Graph Store HTTP Protocol endpoint."""

    url: str
    user: str | None = None
    password: str | None = None
    timeout: float = 120.0
    retries: int = 5
    backoff: float = 0.5
    auth: str = "digest"  # digest | basic
    content_type: str = CONTENT_TYPES["nt"]
    sleep: Callable[[float], None] = time.sleep
    on_retry: Callable[[str], None] | None = None
    reached: bool = False
    requests_sent: int = 0
    _session: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        import requests
        from requests.auth import HTTPBasicAuth, HTTPDigestAuth

        s = requests.Session()
        if self.user is not None:
            password = self.password or ""
            s.auth = (HTTPBasicAuth(self.user, password) if self.auth == "basic"
                      else HTTPDigestAuth(self.user, password))
        s.headers["User-Agent"] = "tripskg-push"
        self._session = s

    @property
    def graph_param(self) -> str:
        # Virtuoso documents graph-uri= for its crud endpoints (it accepts graph= too)
        return "graph-uri" if "sparql-graph-crud" in self.url else "graph"

    def send(self, method: str, graph: str | None, body: bytes) -> None:
        """PUT or POST ``body`` into ``graph`` (None or "" = the default graph)."""
        import requests

        params = {self.graph_param: graph} if graph else {"default": ""}
        attempt = 0
        while True:
            problem: str
            try:
                r = self._session.request(  # type: ignore[attr-defined]
                    method, self.url, params=params, data=body, timeout=self.timeout,
                    headers={"Content-Type": f"{self.content_type}; charset=utf-8"},
                )
            except requests.exceptions.RequestException as e:
                if not self.reached:
                    raise PushError(f"cannot reach endpoint {self.url}: {_reason(e)}",
                                    hint="check the URL and that the server is running") from None
                problem = f"{type(e).__name__}: {_reason(e)}"
            else:
                self.reached = True
                self.requests_sent += 1
                if r.status_code < 300:
                    return
                text = _text(r)
                if r.status_code in (401, 403):
                    who = f"user '{self.user}'" if self.user else "anonymous access"
                    raise PushAuthError(
                        f"endpoint {self.url} refused {who} (HTTP {r.status_code})",
                        hint=("check --user/--password; Virtuoso writes need digest auth at "
                              "/sparql-graph-crud-auth and a user with the SPARQL_UPDATE role")
                        if r.status_code == 401 or not self.user else
                        "the user lacks write permission (Virtuoso: grant SPARQL_UPDATE)",
                    )
                m = _SQL_ERROR.search(text)
                if r.status_code not in RETRY_STATUS or (
                        r.status_code == 500 and m and m.group("state") != "40001"):
                    # a 4xx, or a SQL error that will happen again (not a deadlock)
                    raise PushError(
                        f"endpoint refused {method} of graph <{graph or 'default'}> "
                        f"(HTTP {r.status_code}): {text[:400]}")
                problem = f"HTTP {r.status_code}: {text[:120]}"
            if attempt >= self.retries:
                raise PushError(f"{method} of graph <{graph or 'default'}> failed after "
                                f"{attempt + 1} attempts: {problem}")
            delay = self.backoff * (2 ** attempt)
            attempt += 1
            if self.on_retry:
                self.on_retry(f"{problem}; retry {attempt}/{self.retries} in {delay:.1f}s")
            self.sleep(delay)


def _reason(e: Exception) -> str:
    text = str(e)
    if m := re.search(r"\[Errno -?\d+\] ([^'\"\)]+)", text):
        return m.group(1)
    return text[:200]


def _text(r: object) -> str:
    raw = getattr(r, "text", "") or ""
    # Virtuoso answers with HTML: keep the message, drop the markup
    return " ".join(re.sub(r"<[^>]+>", " ", raw).split())


# --------------------------------------------------------------------------- push
@dataclass
class PushStats:
    graphs: dict[str, int] = field(default_factory=dict)  # graph -> triples sent
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


OnChunk = Callable[[str, int, int], None]  # graph, triples, bytes


def push(dist: Path, store: GraphStore, graph: str | None = None, replace: bool = False,
         chunk_triples: int = DEFAULT_CHUNK, on_chunk: OnChunk | None = None) -> PushStats:
    """Upload the build in ``dist`` to ``store``; see the module docstring."""
    if chunk_triples < 1:
        raise PushError("--chunk-triples must be at least 1")
    path = dump_path(dist)
    stats = PushStats()
    t0 = time.monotonic()
    started: set[str] = set()
    with _open_dump(path) as fh:
        for g, triples in chunks(fh, chunk_triples, one_graph=graph is not None):
            target = graph if graph is not None else g
            method = "PUT" if replace and target not in started else "POST"
            started.add(target)
            body = ntriples(triples)
            store.send(method, target, body)
            stats.graphs[target] = stats.graphs.get(target, 0) + len(triples)
            stats.bytes += len(body)
            if on_chunk:
                on_chunk(target, len(triples), len(body))
    stats.requests = store.requests_sent
    stats.seconds = time.monotonic() - t0
    return stats


# --------------------------------------------------------------------------- bulk loader
@dataclass
class BulkResult:
    folder: Path
    files: list[Path]
    script: Path
    graphs: list[str]
    triples: int


def _sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def write_bulk(dist: Path, folder: Path, graph: str | None = None, replace: bool = False,
               chunk_triples: int = 1_000_000, on_chunk: OnChunk | None = None) -> BulkResult:
    """Write chunk files and ``load.isql`` for Virtuoso's bulk loader into ``folder``.

    Per named graph (default): ``tripskg-NNNN.nq.gz`` (N-Quads keep each graph). Into one
    graph: ``tripskg-NNNN.nt.gz`` loaded into ``graph``. ``folder`` must be readable by the
    Virtuoso server and listed in ``DirsAllowed`` of its ``virtuoso.ini``.
    """
    path = dump_path(dist)
    folder.mkdir(parents=True, exist_ok=True)
    for old in list(folder.glob("tripskg-*.n[tq].gz")):
        old.unlink()
    files: list[Path] = []
    graphs: list[str] = []
    total = 0
    ext = "nt" if graph is not None else "nq"
    buf: list[ox.Quad | ox.Triple] = []

    def flush() -> None:
        nonlocal buf
        if not buf:
            return
        target = folder / f"tripskg-{len(files) + 1:04d}.{ext}.gz"
        fmt = ox.RdfFormat.N_TRIPLES if graph is not None else ox.RdfFormat.N_QUADS
        with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                     filename="", compresslevel=6) as gz:
            data = ox.serialize(buf, format=fmt)  # type: ignore[arg-type]  # all one kind
            assert data is not None
            gz.write(data)
        files.append(target)
        buf = []

    with _open_dump(path) as fh:
        for q in ox.parse(fh, ox.RdfFormat.N_QUADS):
            g = graph if graph is not None else _graph_key(q.graph_name)
            if g not in graphs:
                graphs.append(g)
            buf.append(q.triple if graph is not None else q)
            total += 1
            if len(buf) >= chunk_triples:
                if on_chunk:
                    on_chunk(g, len(buf), 0)
                flush()
        if on_chunk and buf:
            on_chunk(graphs[-1] if graphs else "", len(buf), 0)
        flush()
    script = folder / "load.isql"
    script.write_text(bulk_script(folder.resolve(), ext, graph, graphs if replace else []),
                      encoding="utf-8")
    return BulkResult(folder, files, script, graphs, total)


def bulk_script(folder: Path, ext: str, graph: str | None, clear: list[str]) -> str:
    """The isql script: clear (optional), register the files, load, checkpoint, report."""
    d = _sql_string(folder.as_posix())
    fallback = _sql_string(graph or "https://w3id.org/tripskg/graph/default")
    lines = [
        "-- Virtuoso bulk load written by 'tripskg push --bulk'.",
        f"-- Run: isql-vt <host:port> dba <password> {folder.as_posix()}/load.isql",
        "-- The folder must be listed in DirsAllowed of virtuoso.ini.",
        "-- isql-vt exits 0 even when a statement fails: read its output (the last query",
        "-- lists files that failed to load; it must return no rows).",
    ]
    for g in clear:
        if g:
            lines.append(f"SPARQL CLEAR GRAPH <{g}>;")
    lines += [
        f"DELETE FROM DB.DBA.LOAD_LIST WHERE ll_file LIKE {_sql_string(folder.as_posix() + '/%')};",
        f"ld_dir({d}, {_sql_string('*.' + ext + '.gz')}, {fallback});",
        "rdf_loader_run();",
        "checkpoint;",
        "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL AND "
        f"ll_file LIKE {_sql_string(folder.as_posix() + '/%')};",
        "",
    ]
    return "\n".join(lines)
