"""One media-type table (from pyoxigraph's formats) and one parser of weighted header lists."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tripskg.errors import QueryError
from tripskg.iris import IRIs
from tripskg.queries import bind, load_queries
from tripskg.reference import load_reference
from tripskg.web.formats import (
    FILE_TYPES,
    GRAPH_FORMATS,
    HTML,
    PAGE_OFFERS,
    RESULTS_FORMATS,
    SUFFIX_TYPES,
    accepted_languages,
    negotiate,
    parse_accept,
    results_media_type,
    weighted,
)


def test_tables_follow_pyoxigraph() -> None:
    for media_type, fmt in GRAPH_FORMATS.items():
        assert fmt.media_type == media_type
        assert SUFFIX_TYPES[fmt.file_extension] == media_type
    for media_type, rfmt in RESULTS_FORMATS.items():
        assert rfmt.media_type.split(";")[0] == media_type
    assert PAGE_OFFERS[0] == HTML and set(PAGE_OFFERS[1:]) == set(GRAPH_FORMATS)
    assert FILE_TYPES[".ttl"].startswith(ox.RdfFormat.TURTLE.media_type)


def test_one_parser_for_accept_and_accept_language() -> None:
    assert weighted("text/html;q=0.5, */*") == [(0, "text/html", 0.5), (1, "*/*", 1.0)]
    assert parse_accept("text/*;q=0.9, text/turtle;q=0.9, */*;q=0.1") == [
        ("text/turtle", 0.9), ("text/*", 0.9), ("*/*", 0.1)]
    assert accepted_languages("fr-CH, fr;q=0.9, de;q=0.8, *;q=0.5") == ("fr", "de", "en")
    assert accepted_languages("es;q=bad, pt") == ("pt", "en")
    assert accepted_languages(None) == ("en",)


@pytest.mark.parametrize(("accept", "graph", "expected"), [
    ("application/*", True, "application/n-triples"),
    ("text/html, */*;q=0.1", False, "application/sparql-results+json"),
    ("text/csv", False, "text/csv"),
    ("application/json", True, "application/ld+json"),
])
def test_results_negotiation(accept: str, graph: bool, expected: str) -> None:
    assert results_media_type(None, accept, graph) == expected


def test_negotiate_page_offers() -> None:
    assert negotiate("application/ld+json;q=0.9, text/html;q=0.8", PAGE_OFFERS) == \
        "application/ld+json"
    assert negotiate("image/png", PAGE_OFFERS) is None


def test_query_error_names_the_parameter() -> None:
    queries = load_queries()
    ref = load_reference(IRIs("https://w3id.org/tripskg/").base)
    query = next(q for q in queries.values() if q.params)
    with pytest.raises(QueryError) as unknown:
        bind(query, {"no-such-parameter": "1"}, ref)
    assert unknown.value.parameter == "no-such-parameter"
    q, param = next((q, p) for q in queries.values() for p in q.params if p.required)
    with pytest.raises(QueryError) as missing:
        bind(q, {}, ref)
    assert missing.value.parameter == param.name
