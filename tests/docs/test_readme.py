"""The README's statements about the data match the graph built from data/."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
REAL = "<https://w3id.org/tripskg/def/data-kind/real>"
PREFIX = "PREFIX tkg: <https://w3id.org/tripskg/def/>\nPREFIX dct: <http://purl.org/dc/terms/>\n"


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    from tripskg.build import build_graph

    return build_graph(ROOT / "data").store


def one(store, query: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    solutions = store.query(PREFIX + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    (row,) = list(solutions)
    return {n: row[n].value for n in names if row[n] is not None}


def test_counts_in_readme_match_the_graph(store) -> None:  # type: ignore[no-untyped-def]
    m = re.search(r"\*\*(\d+) real reports\*\* from \*\*(\d+) reporters\*\* and\s+"
                  r"\*\*(\d+) real activities\*\* with start dates from \*\*(\d{4})\*\* to "
                  r"\*\*(\d{4})\*\*", README)
    assert m, "the counts sentence of the README changed: update this test with it"
    reports, reporters, activities, first, last = (int(x) for x in m.groups())
    got = one(store, f"""SELECT (COUNT(DISTINCT ?r) AS ?a) (COUNT(DISTINCT ?who) AS ?b) WHERE {{
        ?r a tkg:Report ; tkg:dataKind {REAL} . OPTIONAL {{ ?r tkg:reporter ?who }} }}""")
    assert (int(got["a"]), int(got["b"])) == (reports, reporters)
    got = one(store, f"""SELECT (COUNT(DISTINCT ?x) AS ?a) WHERE {{
        ?x a tkg:Activity ; tkg:dataKind {REAL} }}""")
    assert int(got["a"]) == activities
    got = one(store, f"""SELECT (MIN(?y) AS ?b) (MAX(?y) AS ?c) WHERE {{
        ?x a tkg:Activity ; tkg:dataKind {REAL} ; tkg:startDay ?d . BIND(YEAR(?d) AS ?y) }}""")
    assert (int(got["b"]), int(got["c"])) == (first, last)


def test_every_real_report_and_activity_has_a_source(store) -> None:  # type: ignore[no-untyped-def]
    missing = list(store.query(PREFIX + f"""SELECT ?x WHERE {{
        VALUES ?cls {{ tkg:Report tkg:Activity }}
        ?x a ?cls ; tkg:dataKind {REAL} .
        FILTER NOT EXISTS {{ ?x dct:source ?src FILTER(isIRI(?src)) }} }}""",
                               use_default_graph_as_union=True))
    # the seed cover note is real; its source is recorded in the register
    assert [r["x"].value for r in missing] == []


def test_compilations_are_labelled(store) -> None:  # type: ignore[no-untyped-def]
    rows = list(store.query(PREFIX + """SELECT ?r ?t WHERE { ?r tkg:compilation true ;
        dct:title ?t }""", use_default_graph_as_union=True))
    assert len(rows) == 52
    assert all(r["t"].value.startswith("Compiled by tripskg (not a TRIPS Council document)")
               for r in rows)
