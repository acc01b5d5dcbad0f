"""tripskg push: Graph Store Protocol upload and Virtuoso bulk-load files.

The integration tests run against a REAL Virtuoso 7 (Debian ``virtuoso-opensource-7-bin``,
started by tests/support/virtuoso.py). They are skipped only when virtuoso-t is missing outside CI; in
CI (``CI=true``) a missing Virtuoso is a failure.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import ROOT, SEED, make_data, run_cli
from tests.support.answers import XSD, norm_rows
from tests.support.virtuoso import Virtuoso, available
from tripskg.push import GraphStore, PushAuthError, PushError, bulk_script, chunks, push, write_bulk

BASE = "https://w3id.org/tripskg/"
SEED_REPORT = f"{BASE}id/report/{SEED.stem}"
# Parameters for the saved queries in the integration test. A new saved query with a required
# parameter must be added here (the test says so). kind=all is added wherever a query has it.
PARAMS: dict[str, dict[str, str]] = {
    "activities-by-country": {"country": "KEN"},
    "activities-by-policy-area": {"area": "health"},
    "activities-in-period": {"from": "2008-01-01", "to": "2026-12-31"},
    "country-profile": {"country": "KEN"},
    "mentions": {"report": SEED_REPORT},
}
SERVER_MAX_ROWS = 5_000


# --------------------------------------------------------------------------- a small dist
def build_dist(root: Path) -> Path:
    """Seed note + example annex + a little synthetic data -> dist/ (no SHACL: not tested here)."""
    from tests.benchmarks.test_generate import load_generator
    from tripskg.build import build_graph
    from tripskg.publish import publish

    data = make_data(root, notes={SEED.stem: SEED.read_text(encoding="utf-8")})
    shutil.copytree(ROOT / "data" / "examples", data / "examples")
    shutil.copytree(ROOT / "data" / "needs", data / "needs")  # needs-coverage has rows
    syn = root / "synthetic"
    load_generator().generate(syn, activities=80, reports=6, seed=11)
    for sub in ("documents", "annex"):
        for f in (syn / sub).iterdir():
            shutil.copy(f, data / sub / f.name)
    shutil.copy(syn / "reports.csv", data / "reports.csv")
    result = build_graph(data)
    dist = root / "dist"
    dist.mkdir()
    publish(result, dist)
    return dist


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dist(tmp_path_factory.mktemp("push"))


def dist_quads(dist: Path) -> list[ox.Quad]:
    with gzip.open(dist / "tripskg.nq.gz", "rb") as fh:
        return list(ox.parse(fh, ox.RdfFormat.N_QUADS))


# --------------------------------------------------------------------------- unit tests
def test_chunks_follow_graphs_and_size(dist: Path) -> None:
    quads = dist_quads(dist)
    by_graph = Counter(q.graph_name.value for q in quads)
    with gzip.open(dist / "tripskg.nq.gz", "rb") as fh:
        got = list(chunks(fh, 100))
    assert all(0 < len(t) <= 100 for _, t in got)
    sent: Counter[str] = Counter()
    for g, triples in got:
        sent[g] += len(triples)
    assert sent == by_graph
    # each graph is contiguous in the dump: it is read once, in one run of chunks
    order = [g for g, _ in got]
    assert len([g for i, g in enumerate(order) if i == 0 or order[i - 1] != g]) == len(by_graph)
    with gzip.open(dist / "tripskg.nq.gz", "rb") as fh:
        one = list(chunks(fh, 10**9, one_graph=True))
    assert len(one) == 1 and len(one[0][1]) == len(quads)


def test_bulk_files_and_script(dist: Path, tmp_path: Path) -> None:
    res = write_bulk(dist, tmp_path / "bulk", chunk_triples=3000, replace=True)
    quads = dist_quads(dist)
    assert res.triples == len(quads) and len(res.files) == -(-len(quads) // 3000)
    loaded = []
    for f in res.files:
        assert f.name.endswith(".nq.gz")
        with gzip.open(f, "rb") as fh:
            loaded += list(ox.parse(fh, ox.RdfFormat.N_QUADS))
    assert sorted(map(str, loaded)) == sorted(map(str, quads))
    script = res.script.read_text(encoding="utf-8")
    folder = str((tmp_path / "bulk").resolve())
    assert f"ld_dir('{folder}', '*.nq.gz'," in script
    assert "rdf_loader_run();" in script and "checkpoint;" in script
    assert f"SPARQL CLEAR GRAPH <{BASE}graph/reference>;" in script
    one = write_bulk(dist, tmp_path / "one", graph="http://example.org/g")
    assert [f.name for f in one.files] == ["tripskg-0001.nt.gz"]
    assert "ld_dir(" in one.script.read_text() and "'http://example.org/g');" in \
        one.script.read_text()
    assert "CLEAR" not in one.script.read_text()  # no --replace
    # quotes in paths are SQL-escaped
    assert "ld_dir('/tmp/o''brien'" in bulk_script(Path("/tmp/o'brien"), "nq", None, [])


class _Handler(http.server.BaseHTTPRequestHandler):
    script: list[int] = []
    seen: list[tuple[str, str, int]] = []

    def _answer(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        default = 200 if self.path.startswith("/sparql") else 201
        status = self.script.pop(0) if self.script else default
        self.seen.append((self.command, self.path, status))
        body = b"<html><h3>Error 22023</h3>bad</html>" if status == 500 else b""
        if status == 200 and self.path.startswith("/sparql"):
            body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
                {"x": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"}},
                {"x": {"type": "literal", "value": "b"}},
            ]}}).encode()
        self.send_response(status)
        if status == 200 and self.path.startswith("/sparql"):
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("X-SPARQL-MaxRows", "2")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PUT = do_GET = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_store() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.script, _Handler.seen = [], []
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _store(url: str, **kw: object) -> GraphStore:
    return GraphStore(url, sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def test_retries_5xx_then_succeeds(fake_store: str, dist: Path) -> None:
    _Handler.script = [503, 502]
    retries: list[str] = []
    stats = push(dist, _store(fake_store + "/gsp", on_retry=retries.append), replace=True,
                 chunk_triples=100_000)
    assert len(retries) == 2 and "HTTP 503" in retries[0]
    methods = [m for m, _, s in _Handler.seen if s < 300]
    graphs = json.loads((dist / "build.json").read_text())["counts"]["graphs"]
    assert methods.count("PUT") == len(graphs)  # --replace: one PUT per graph, then POSTs
    assert stats.graphs == graphs


def test_gives_up_and_does_not_retry_sql_errors(fake_store: str, dist: Path) -> None:
    _Handler.script = [503] * 10
    with pytest.raises(PushError, match="failed after 3 attempts"):
        push(dist, _store(fake_store + "/gsp", retries=2))
    _Handler.script, _Handler.seen = [500], []
    with pytest.raises(PushError, match="Error 22023"):
        push(dist, _store(fake_store + "/gsp"))
    assert len(_Handler.seen) == 1  # a Virtuoso SQL error repeats: not retried
    _Handler.script = [400]
    with pytest.raises(PushError, match="HTTP 400"):
        push(dist, _store(fake_store + "/gsp"))
    _Handler.script = [401]
    with pytest.raises(PushAuthError):
        push(dist, _store(fake_store + "/gsp"))


def test_cli_exit_codes(fake_store: str, dist: Path) -> None:
    _Handler.script = [401]
    r = run_cli("push", "--dist", str(dist), "--endpoint", fake_store + "/gsp", "--user", "u",
                "--password", "p")
    assert r.exit_code == 2 and "refused user 'u'" in r.output
    from tests.support.virtuoso import free_port

    r = run_cli("push", "--dist", str(dist), "--endpoint", f"http://127.0.0.1:{free_port()}/x")
    assert r.exit_code == 2 and "cannot reach endpoint" in r.output
    r = run_cli("push", "--dist", str(dist))
    assert r.exit_code == 2 and "--endpoint" in r.output
    r = run_cli("push", "--dist", str(dist.parent / "nope"), "--endpoint", fake_store)
    assert r.exit_code == 2 and "no build" in r.output
    r = run_cli("push", "--dist", str(dist), "--endpoint", fake_store, "--graph", "not an iri")
    assert r.exit_code == 2 and "not an absolute IRI" in r.output


def test_run_remote_reads_virtuoso_quirks(fake_store: str) -> None:
    from tripskg.queries import run_remote

    table = run_remote(fake_store + "/sparql", "SELECT ?x {}")
    assert table.rows[0]["x"] == ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    assert table.server_limit == 2  # X-SPARQL-MaxRows: truncated with HTTP 200


# --------------------------------------------------------------------------- real Virtuoso
needs_virtuoso = pytest.mark.skipif(
    not available() and os.environ.get("CI", "").lower() != "true",
    reason="virtuoso-t/isql-vt not installed (apt-get install virtuoso-opensource-7-bin, or "
           "'make system-deps'); this test always runs in CI",
)


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    if not available():
        pytest.fail("CI=true but virtuoso-t/isql-vt are missing: run 'make system-deps'")
    folder = tmp_path_factory.mktemp("virtuoso")
    bulk = folder / "bulk"
    bulk.mkdir()
    v = Virtuoso.start(folder / "db", max_rows=SERVER_MAX_ROWS, dirs_allowed=(bulk,))
    try:
        yield v
    finally:
        v.stop()


PUSHED_GRAPHS = (BASE + "graph/", "http://example.org/tripskg-")  # what the tests below push


@pytest.fixture
def virtuoso(virtuoso_server: Virtuoso) -> Virtuoso:
    """The module's Virtuoso with every graph an earlier test pushed dropped: each test starts
    from the same store, whatever order the tests run in."""
    graphs = [g for prefix in PUSHED_GRAPHS for g in graph_counts(virtuoso_server, prefix)]
    if graphs:
        virtuoso_server.isql("".join(f"SPARQL DROP SILENT GRAPH <{g}>;\n" for g in graphs))
    assert all(not graph_counts(virtuoso_server, prefix) for prefix in PUSHED_GRAPHS)
    return virtuoso_server


def saved_query_args() -> list[tuple[str, list[str]]]:
    from tripskg.queries import load_queries

    out = []
    for name, q in load_queries().items():
        args: list[str] = []
        for p in q.params:
            if p.name in PARAMS.get(name, {}):
                args += ["--param", f"{p.name}={PARAMS[name][p.name]}"]
            elif p.type == "kind":
                args += ["--param", f"{p.name}=all"]
            elif p.required:
                pytest.fail(f"saved query '{name}' needs parameter '{p.name}': add a value to "
                            "PARAMS in tests/push/test_push.py")
        out.append((name, args))
    return out


def compare_all_queries(dist: Path, sparql: str, extra: list[str] = ()) -> dict[str, int]:  # type: ignore[assignment]
    counts = {}
    for name, args in saved_query_args():
        local = run_cli("query", name, *args, "--from", str(dist), "--format", "json")
        assert local.exit_code == 0, local.output
        remote = run_cli("query", name, *args, "--endpoint", sparql, *extra, "--format", "json")
        assert remote.exit_code == 0, remote.output
        lv, lrows = norm_rows(json.loads(local.stdout))
        rv, rrows = norm_rows(json.loads(remote.stdout))
        assert lv == rv, name
        assert lrows == rrows, (
            f"{name}: local only {list(lrows - rrows)[:3]}; remote only {list(rrows - lrows)[:3]}")
        assert sum(lrows.values()) < SERVER_MAX_ROWS  # not cut by ResultSetMaxRows
        counts[name] = sum(lrows.values())
    return counts


def graph_counts(v: Virtuoso, graph_prefix: str = BASE + "graph/") -> dict[str, int]:
    from tripskg.queries import run_remote

    table = run_remote(v.sparql_url, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } "
                       f"FILTER(STRSTARTS(STR(?g), \"{graph_prefix}\")) }} GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in table.rows}  # type: ignore[union-attr]


@needs_virtuoso
@pytest.mark.virtuoso
def test_push_to_virtuoso_and_every_saved_query_agrees(virtuoso: Virtuoso, dist: Path) -> None:
    t0 = time.monotonic()
    r = run_cli("push", "--dist", str(dist), "--endpoint", virtuoso.crud_url, "--user", "dba",
                "--password", virtuoso.password, "--chunk-triples", "1000", "--replace")
    push_seconds = time.monotonic() - t0
    assert r.exit_code == 0, r.output
    expected = json.loads((dist / "build.json").read_text())["counts"]["graphs"]
    assert graph_counts(virtuoso) == expected
    counts = compare_all_queries(dist, virtuoso.sparql_url)
    empty = [n for n, c in counts.items() if c == 0]
    assert not empty, f"saved queries with no rows (the comparison proves little): {empty}"
    # pushing again with --replace leaves the same graphs (PUT replaces, then POSTs add)
    r = run_cli("push", "--dist", str(dist), "--endpoint", virtuoso.crud_url, "--user", "dba",
                "--password", virtuoso.password, "--replace")
    assert r.exit_code == 0, r.output
    assert graph_counts(virtuoso) == expected
    print(f"push of {sum(expected.values()):,} quads: {push_seconds:.2f}s; "
          f"Virtuoso started in {virtuoso.startup_seconds:.1f}s; rows per query: {counts}")


@needs_virtuoso
@pytest.mark.virtuoso
def test_push_into_one_graph_with_default_graph_uri(virtuoso: Virtuoso, dist: Path) -> None:
    g = "http://example.org/tripskg-one-graph"
    r = run_cli("push", "--dist", str(dist), "--endpoint", virtuoso.crud_url, "--user", "dba",
                "--password", virtuoso.password, "--graph", g, "--replace", "--content-type",
                "turtle")
    assert r.exit_code == 0, r.output
    triples = json.loads((dist / "build.json").read_text())["counts"]["triples"]
    assert graph_counts(virtuoso, g) == {g: triples}
    compare_all_queries(dist, virtuoso.sparql_url, ["--default-graph", g])


@needs_virtuoso
@pytest.mark.virtuoso
def test_auth_failure_and_truncation_warning(virtuoso: Virtuoso, dist: Path) -> None:
    # more triples than the server's row limit, pushed here (not left by an earlier test)
    r = run_cli("push", "--dist", str(dist), "--endpoint", virtuoso.crud_url, "--user", "dba",
                "--password", virtuoso.password, "--replace")
    assert r.exit_code == 0, r.output
    r = run_cli("push", "--dist", str(dist), "--endpoint", virtuoso.crud_url, "--user", "dba",
                "--password", "wrong")
    assert r.exit_code == 2 and "HTTP 401" in r.output
    r = run_cli("push", "--dist", str(dist), "--endpoint",
                virtuoso.base_url + "/sparql-graph-crud")  # no auth: SPARQL user may not write
    assert r.exit_code == 2 and "HTTP 403" in r.output
    query = dist.parent / "all.rq"
    query.write_text("SELECT ?s ?p ?o { ?s ?p ?o }\n", encoding="utf-8")
    r = run_cli("query", "--file", str(query), "--endpoint", virtuoso.sparql_url,
                "--format", "csv")
    assert r.exit_code == 0
    assert f"the endpoint stopped at {SERVER_MAX_ROWS:,} rows" in r.output


@needs_virtuoso
@pytest.mark.virtuoso
def test_bulk_load_with_isql(virtuoso: Virtuoso, dist: Path) -> None:
    bulk = virtuoso.folder.parent / "bulk"  # listed in DirsAllowed
    g = "http://example.org/tripskg-bulk"
    r = run_cli("push", "--dist", str(dist), "--bulk", str(bulk), "--graph", g,
                "--chunk-triples", "4000")
    assert r.exit_code == 0, r.output
    t0 = time.monotonic()
    virtuoso.isql_file(bulk / "load.isql")
    assert virtuoso.load_errors() == []
    triples = json.loads((dist / "build.json").read_text())["counts"]["triples"]
    assert graph_counts(virtuoso, g) == {g: triples}
    compare_all_queries(dist, virtuoso.sparql_url, ["--default-graph", g])
    print(f"bulk load of {triples:,} triples: {time.monotonic() - t0:.2f}s")
    # a broken file: isql-vt still exits 0, the failure shows only in LOAD_LIST
    bad = bulk / "bad"
    bad.mkdir()
    with gzip.open(bad / "broken.nt.gz", "wb") as fh:
        fh.write(b"<http://example.org/s> <http://example.org/p> this is not RDF .\n")
    virtuoso.isql(f"ld_dir('{bad.resolve()}', '*.nt.gz', 'http://example.org/bad');\n"
                  "rdf_loader_run();")  # isql-vt: one statement per line
    errors = virtuoso.load_errors()
    assert len(errors) == 1 and "broken.nt.gz" in errors[0]
