"""graph.py: terms are written as N-Triples text in exactly pyoxigraph's canonical form."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tripskg.graphlines import N, Quads, bool_lit, int_lit, lit, uri_or_lit

XSD = "http://www.w3.org/2001/XMLSchema#"
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(value=TEXT, lang=st.sampled_from([None, "en", "EN", "fr-CA", "es"]),
       datatype=st.sampled_from([None, XSD + "string", XSD + "date", XSD + "integer"]))
def test_literals_are_pyoxigraph_canonical(value: str, lang: str | None,
                                           datatype: str | None) -> None:
    if lang:
        expected = ox.Literal(value, language=lang)
    elif datatype:
        expected = ox.Literal(value, datatype=ox.NamedNode(datatype))
    else:
        expected = ox.Literal(value)
    assert lit(value, lang, None if lang else datatype) == str(expected)


@pytest.mark.parametrize("value", ['a"b', "back\\slash", "line\nbreak", "cr\r", "tab\t",
                                   "\x00nul", "del\x7f", "\ufffe\uffff", "\u2028", "é😀",
                                   "ends with a newline\n", "\n"])
def test_special_characters(value: str) -> None:
    assert lit(value, "en") == str(ox.Literal(value, language="en"))
    assert lit(value) == str(ox.Literal(value))


def test_iris_are_validated_and_urls_that_are_not_iris_stay_literals() -> None:
    assert N("https://example.org/a") == "<https://example.org/a>"
    with pytest.raises(ValueError):
        N("https://example.org/a b")
    with pytest.raises(ValueError):
        N("https://example.org/> <https://evil.example/")
    assert uri_or_lit("https://example.org/ok") == "https://example.org/ok"
    assert uri_or_lit("https://example.org/not ok") == '"https://example.org/not ok"'
    with pytest.raises(ValueError):
        lit("x", "not a tag!")


def test_graph_lines_are_sorted_distinct_and_load_as_written() -> None:
    q = Quads("https://example.org/g")
    q.add("https://example.org/s", "https://example.org/p", lit('say "hi"\n', "en"))
    q.add("https://example.org/s", "https://example.org/p", lit('say "hi"\n', "en"))
    q.add("https://example.org/a", "https://example.org/n", int_lit(3))
    q.add("https://example.org/a", "https://example.org/b", bool_lit(True))
    lines = q.graph_lines()
    assert list(lines.lines()) == sorted(set(lines.lines())) and len(lines.lines()) == 3
    store = ox.Store()
    lines.load_into(store)
    dumped = store.dump(format=ox.RdfFormat.N_TRIPLES,
                        from_graph=ox.NamedNode("https://example.org/g"))
    assert sorted(dumped.splitlines(keepends=True)) == list(lines.lines())
