"""serve/querytext.py: dataset clauses, SERVICE calls and the protocol's update dataset are read
by tokens (strings, IRIs, comments and variables are single tokens), not by matching text."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tripskg.serve.querytext import (
    DatasetConflict,
    has_dataset_clause,
    nesting_depth,
    service_calls,
    with_update_dataset,
)

QUERIES = Path(__file__).resolve().parents[2] / "queries"


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://x/g> { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://x/g> { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX g: <http://x/> SELECT * FROM g:one { ?s ?p ?o }",
    "select * from<http://x/g>{?s ?p ?o}",
    "SELECT * FROM :g { ?s ?p ?o }",
    "SELECT * \\u0046ROM <http://x/g> { ?s ?p ?o }",
])
def test_dataset_clause_found(query: str) -> None:
    assert has_dataset_clause(query)


@pytest.mark.parametrize("query", [
    # the regression of issue 15: ?from in a FILTER is a variable, not a FROM clause
    "SELECT * { ?a <http://x/from> ?from . ?a <http://x/day> ?day FILTER(?from <= ?day) }",
    "SELECT * { ?s ?p 'FROM <http://x/g>' }",
    'SELECT * { ?s ?p """a\nFROM <http://x/g>""" }',
    "SELECT * { ?s ?p ?o } # FROM <http://x/g>",
    "SELECT * { ?s <http://x/FROM> ?o }",
    "PREFIX from: <http://x/> SELECT * { ?s from:p ?o }",
    "SELECT ($from AS ?x) { BIND(1 AS $from) }",
])
def test_no_dataset_clause(query: str) -> None:
    assert not has_dataset_clause(query)


def test_saved_queries_name_no_dataset() -> None:
    """None of the saved queries has FROM: all of them run on the union default graph (the
    ldc-beneficiaries query has ?from in a FILTER; it returned 0 rows through /sparql)."""
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))}
    assert texts and "?from" in texts["ldc-beneficiaries"]
    assert [name for name, text in texts.items() if has_dataset_clause(text)] == []


WORD = st.sampled_from(["FROM", "from", "NAMED", "SERVICE", "service", "SILENT", "WHERE"])


@settings(max_examples=200, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=4), st.sampled_from(["str", "iri", "comment", "var"]))
def test_keywords_hidden_in_other_tokens_do_not_count(words: list[str], where: str) -> None:
    """Keywords inside a string, an IRI, a comment or a variable name never count, and the
    query still parses (Oxigraph agrees that it is a plain query)."""
    inner = " ".join(words) + " <http://x/g>"
    hidden = {"str": f"'{inner}'", "iri": f"<http://x/{'_'.join(words)}>",
              "comment": f"1 # {inner}\n", "var": "?" + "_".join(words)}[where]
    query = f"SELECT * {{ BIND({hidden} AS ?x) }}" if where != "var" else (
        f"SELECT * {{ BIND(1 AS {hidden}) }}")
    ox.Store().query(query)  # a valid query
    assert not has_dataset_clause(query)
    assert service_calls(query) == []


def test_service_calls_resolve_prefixes_and_base() -> None:
    q = ("BASE <http://b.example/> PREFIX e: <http://e.example/> SELECT * {"
         " SERVICE <sparql> { ?s ?p ?o } SERVICE SILENT e:q { ?s ?p ?o }"
         " SERVICE ?where { ?s ?p ?o } SERVICE<http://c.example/x>{} }")
    assert [c.iri for c in service_calls(q)] == [
        "http://b.example/sparql", "http://e.example/q", None, "http://c.example/x"]
    escaped = "SELECT * { \\u0053ERVICE <http://d.example/> { ?s ?p ?o } }"
    assert [c.iri for c in service_calls(escaped)] == ["http://d.example/"]


def test_update_dataset_is_added_to_every_where() -> None:
    update = ("CLEAR ALL ; INSERT DATA { <http://x/s> <http://x/p> 1 } ;"
              " INSERT { GRAPH <http://x/out> { ?s a <http://x/C> } } WHERE { ?s ?p ?o } ;"
              " DELETE WHERE { ?s <http://x/q> ?o } ;"
              " DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?o = 'WHERE') }")
    out = with_update_dataset(update, ["http://x/g1"], ["http://x/g2"])
    assert out.count("USING <http://x/g1> USING NAMED <http://x/g2> WHERE") == 2
    assert "DELETE WHERE { ?s <http://x/q> ?o }" in out
    store = ox.Store()
    store.update(out)  # still a valid update
    assert with_update_dataset(update, [], []) == update


@pytest.mark.parametrize("update", [
    "INSERT { ?s a <http://x/C> } USING <http://x/g> WHERE { ?s ?p ?o }",
    "WITH <http://x/g> INSERT { ?s a <http://x/C> } WHERE { ?s ?p ?o }",
])
def test_update_dataset_conflict(update: str) -> None:
    with pytest.raises(DatasetConflict):
        with_update_dataset(update, ["http://x/g1"], [])
    assert with_update_dataset(update, [], []) == update


def test_nesting_depth_ignores_brackets_in_strings() -> None:
    assert nesting_depth("SELECT * { ?s ?p '(((((' FILTER((1)) }") == 3
    assert nesting_depth("SELECT * {" * 50 + "}" * 50) == 50
