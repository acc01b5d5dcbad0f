"""Saved queries over HTTP: REST API, OpenAPI, HTML forms, and remote querying of /sparql."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import run_cli
from tripskg.queries import load_queries

BASE = "https://w3id.org/tripskg/"
EX2 = BASE + "id/activity/example-annex/EX-2"


@pytest.fixture(scope="module")
def client(server: str):
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def test_list(client: httpx.Client) -> None:
    data = client.get("/api/queries").json()
    assert {q["name"] for q in data} == set(load_queries())
    by_name = {q["name"]: q for q in data}
    country = by_name["activities-by-country"]
    assert country["columns"][:2] == ["activity", "title"]
    assert {"name": "country", "type": "country", "required": True} .items() <= \
        country["params"][0].items()


def test_run_json_rows_csv(client: httpx.Client) -> None:
    params = {"country": "BGD", "kind": "all"}
    r = client.get("/api/queries/activities-by-country", params=params)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert r.headers["x-truncated"] == "false"
    bindings = r.json()["results"]["bindings"]
    assert [b["activity"]["value"] for b in bindings] == [EX2]
    assert bindings[0]["start"] == {"type": "literal", "value": "2024-11",
                                    "datatype": "http://www.w3.org/2001/XMLSchema#gYearMonth"}
    rows = client.get("/api/queries/activities-by-country",
                      params={**params, "shape": "rows"}).json()
    assert rows["columns"] == r.json()["head"]["vars"]
    assert rows["rows"][0]["activity"] == EX2 and rows["truncated"] is False
    for resp in (client.get("/api/queries/activities-by-country", params={**params,
                                                                            "format": "csv"}),
                 client.get("/api/queries/activities-by-country", params=params,
                            headers={"Accept": "text/csv"})):
        assert resp.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(resp.text)))
        assert table[0]["activity"] == EX2
    tsv = client.get("/api/queries/activities-by-country", params={**params, "format": "tsv"})
    assert tsv.text.startswith("?activity\t")


def test_same_binding_as_cli(client: httpx.Client, small_dist: Path) -> None:
    params = {"country": "Kenya", "kind": "all"}
    api = client.get("/api/queries/activities-by-country", params=params).json()
    cli = run_cli("query", "activities-by-country", "--from", str(small_dist), "--format",
                  "json", "-p", "country=Kenya", "-p", "kind=all")
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == api


@pytest.mark.parametrize(("params", "name"), [
    ({"country": "Atlantis"}, "country"),
    ({}, "country"),
    ({"country": "KEN", "kind": "imaginary"}, "kind"),
    ({"country": "KEN", "colour": "red"}, "colour"),
    ({"country": "KEN", "shape": "triangle"}, "shape"),
    ({"country": "KEN", "format": "pdf"}, "format"),
])
def test_bad_parameters_are_400_naming_the_parameter(client: httpx.Client, params: dict[str, str],
                                                    name: str) -> None:
    r = client.get("/api/queries/activities-by-country", params=params)
    assert r.status_code == 400
    body = r.json()
    assert f"'{name}'" in body["error"]
    if name not in ("shape", "format") and "parameter" in body:
        assert body["parameter"] == name


def test_bad_dates_and_iris(client: httpx.Client) -> None:
    r = client.get("/api/queries/activities-in-period", params={"from": "2025-13-45",
                                                                "to": "2025-12-31"})
    assert r.status_code == 400 and r.json()["parameter"] == "from"
    r = client.get("/api/queries/mentions", params={"report": "not an iri> } DROP ALL"})
    assert r.status_code == 400 and r.json()["parameter"] == "report"


def test_unknown_query_404(client: httpx.Client) -> None:
    r = client.get("/api/queries/no-such-query")
    assert r.status_code == 404 and "unknown query" in r.json()["error"]


def test_openapi_is_valid_and_generated_from_headers(client: httpx.Client) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/api/openapi.json").json()
    validate(spec)
    assert {f"/api/queries/{name}" for name in load_queries()} <= set(spec["paths"])
    for q in client.get("/api/queries").json():  # the headers the server read
        op = spec["paths"][f"/api/queries/{q['name']}"]["get"]
        assert op["summary"] == q["title"]
        names = [p["name"] for p in op["parameters"]]
        assert names == [p["name"] for p in q["params"]] + ["shape", "format", "limit", "offset",
                                                            "download"]
        for p, doc in zip(q["params"], op["parameters"], strict=False):
            assert doc["required"] == p["required"]
    kind = spec["paths"]["/api/queries/activities-by-country"]["get"]["parameters"][1]
    assert kind["schema"]["default"] == "real" and "all" in kind["schema"]["enum"]


def test_api_docs_use_local_assets(client: httpx.Client) -> None:
    html = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "https://" not in html.split("<main")[1].split("</main>")[0].replace(
        "https://w3id.org", "")
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/api-docs.js").status_code == 200


def test_precompressed_bundle_is_served_gzipped_or_plain(client: httpx.Client) -> None:
    """swagger-ui-bundle.js is kept as .js.gz: browsers get the gzip bytes with
    Content-Encoding, clients that do not accept gzip the plain file; same content."""
    import gzip

    from tripskg.resources import project_root

    packed = (project_root() / "src/tripskg/static/vendor/swagger-ui/"
              "swagger-ui-bundle.js.gz").read_bytes()
    url = "/static/vendor/swagger-ui/swagger-ui-bundle.js"
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.status_code == 200
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "accept-encoding" in gz.headers["vary"].lower()
    assert gz.content == gzip.decompress(packed)  # httpx decodes Content-Encoding
    assert int(gz.headers["content-length"]) == len(packed)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.content == gz.content and b"SwaggerUIBundle" in plain.content
    etag = gz.headers["etag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    for bad in ("/static/vendor/swagger-ui/missing.js", "/static/../pyproject.toml",
                "/static/vendor/swagger-ui/%2e%2e/%2e%2e/%2e%2e/serve/app.py"):
        assert client.get(bad).status_code == 404, bad


def test_html_form_page(client: httpx.Client) -> None:
    r = client.get("/queries/activities-by-country", params={"country": "BGD", "kind": "all"})
    assert r.status_code == 200
    html = r.text
    assert 'href="/id/activity/example-annex/EX-2"' in html
    assert "Example: regional seminar on access to medicines" in html
    assert "download=csv" in html and "/api/queries/activities-by-country?country=BGD" in html
    assert "VALUES ?country { &lt;https://w3id.org/tripskg/id/country/BGD&gt; }" in html
    assert 'value="BGD"' in html
    index = client.get("/queries").text
    assert 'href="/queries/report-summary"' in index


def test_html_form_page_errors(client: httpx.Client) -> None:
    r = client.get("/queries/activities-by-country", params={"country": "Atlantis"})
    assert r.status_code == 400
    assert "parameter &#39;country&#39;" in r.text or "parameter 'country'" in r.text
    assert 'class="invalid"' in r.text
    # a query with a required parameter is not run before the form is filled in
    empty = client.get("/queries/activities-by-country")
    assert empty.status_code == 200 and "alert" not in empty.text
    assert client.get("/queries/nope").status_code == 404


# --------------------------------------------------------------------------- remote querying
def test_sparqlwrapper_and_cli_endpoint_match_local(server: str, small_dist: Path) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    from tripskg.iris import IRIs
    from tripskg.queries import bind, get_query, load_dist_store, run_local
    from tripskg.reference import load_reference

    query = get_query("activities-by-country")
    text, _ = bind(query, {"country": "KEN", "kind": "all"}, load_reference(BASE), IRIs(BASE))
    local = run_local(load_dist_store(small_dist), text)
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(text)
    client.setReturnFormat(JSON)
    remote = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert [b["activity"]["value"] for b in remote] == [
        row["activity"].value for row in local.rows]  # type: ignore[union-attr]
    assert len(remote) == 2  # EX-1 and the escaping fixture
    for name, params in (("activities-by-country", ["country=KEN", "kind=all"]),
                         ("report-summary", []), ("counts-by-year-and-organization",
                                                  ["kind=all"])):
        args = [f"--param={p}" for p in params]
        via_endpoint = run_cli("query", name, *args, "--endpoint", server + "/sparql",
                               "--format", "csv")
        via_dist = run_cli("query", name, *args, "--from", str(small_dist), "--format", "csv")
        assert via_endpoint.exit_code == 0, via_endpoint.output
        assert via_endpoint.stdout == via_dist.stdout
        assert via_dist.stdout.count("\n") >= 2


@pytest.mark.parametrize("limit", [None, 0, 1, 2, 100_000])
def test_results_documents_written_by_the_worker_equal_the_table_path(
        small_dist: Path, limit: int | None) -> None:
    """The API's JSON/CSV/TSV come from pyoxigraph in the worker; they must say what the
    ResultTable path (tripskg query) says, including the cut at the result limit."""
    from tripskg.queries import load_dist_store, run_local, to_csv, to_json, to_tsv
    from tripskg.serve.worker import SelectJob, run_select

    store = load_dist_store(small_dist)
    text = ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
            "ORDER BY ?s ?label")
    table = run_local(store, text, limit)
    n_all = len(run_local(store, text).rows)
    assert n_all > 2
    assert table.truncated == (limit is not None and limit < n_all)
    for fmt in ("json", "csv", "tsv"):
        answer = run_select(store, SelectJob(text, limit, fmt))
        assert answer.status == 200 and answer.truncated == table.truncated
        if fmt == "json":
            assert json.loads(answer.body) == to_json(table)
        elif fmt == "csv":
            assert answer.body.decode() == to_csv(table)
        else:
            assert answer.body.decode() == to_tsv(table)
    bad = run_select(store, SelectJob("SELECT * WHERE { ?s ?p }", limit, "json"))
    assert bad.status == 400 and b"malformed query" in bad.body
    ask = run_select(store, SelectJob("ASK { ?s ?p ?o }", limit, "json"))
    assert ask.status == 400 and b"SELECT" in ask.body
