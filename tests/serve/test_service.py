"""SERVICE policy of ``tripskg serve``: no outbound request unless ``--allow-service URL``.

A real HTTP listener on 127.0.0.1 stands for another SPARQL endpoint; it records every request
it gets and answers one solution in SPARQL JSON results."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

RESULT = {"head": {"vars": ["x"]},
          "results": {"bindings": [{"x": {"type": "literal", "value": "from the listener"}}]}}


class Listener(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"


class Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        assert isinstance(self.server, Listener)
        self.server.requests.append(f"{self.command} {self.path} {body[:200]!r}")
        data = json.dumps(RESULT).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    srv = Listener()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _sparql(url: str, query: str) -> httpx.Response:
    return httpx.post(url + "/sparql", data={"query": query},
                      headers={"Accept": "application/sparql-results+json"}, timeout=60)


def test_service_refused_by_default(server: str, listener: Listener) -> None:
    before = len(listener.requests)
    for query in (f"SELECT ?x {{ SERVICE <{listener.url}> {{ ?s ?p ?x }} }}",
                  f"SELECT ?x {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?x }} }}",
                  f"PREFIX l: <{listener.url[:-6]}> SELECT ?x {{ service l:sparql {{ ?s ?p ?x }} }}",
                  f"SELECT ?x {{ BIND(<{listener.url}> AS ?e) SERVICE ?e {{ ?s ?p ?x }} }}",
                  f"SELECT ?x {{ \\u0053ERVICE <{listener.url}> {{ ?s ?p ?x }} }}"):
        r = _sparql(server, query)
        assert r.status_code == 400, (query, r.text)
        assert "SERVICE" in r.text and "--allow-service" in r.text
    r = httpx.post(server + "/sparql", content=f"INSERT {{ ?s ?p ?x }} WHERE {{ SERVICE "
                   f"<{listener.url}> {{ ?s ?p ?x }} }}",
                   headers={"Content-Type": "application/sparql-update"}, timeout=60)
    assert r.status_code == 400 and "SERVICE" in r.text
    assert listener.requests[before:] == []


def test_service_word_in_strings_and_iris_is_not_refused(server: str) -> None:
    r = _sparql(server, "SELECT ?x { BIND('SERVICE <http://127.0.0.1:9/>' AS ?x) } # SERVICE <x>")
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


def test_allowlisted_service_is_called(server_factory, listener: Listener) -> None:
    url = server_factory("--allow-service", listener.url,
                         "--allow-service", "http://127.0.0.1:9/other").url
    before = len(listener.requests)
    r = _sparql(url, f"SELECT ?x {{ SERVICE <{listener.url}> {{ ?s ?p ?x }} }}")
    assert r.status_code == 200, r.text
    assert [b["x"]["value"] for b in r.json()["results"]["bindings"]] == ["from the listener"]
    assert len(listener.requests) > before
    # an endpoint not on the list is still refused, and not called
    before = len(listener.requests)
    r = _sparql(url, f"SELECT ?x {{ SERVICE <{listener.url}/x> {{ ?s ?p ?x }} }}")
    assert r.status_code == 400 and "not allowed" in r.text
    assert listener.requests[before:] == []
