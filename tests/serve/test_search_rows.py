"""The search index's rows (serve/backend.search_rows) come from one scan per predicate: the
same rows as looking up each IRI's label (Namer.label) and types one by one, as it did."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.benchmarks.test_generate import load_generator
from tests.conftest import ROOT
from tripskg.build import build_graph
from tripskg.serve.backend import search_rows
from tripskg.settings import BuildSettings
from tripskg.vocab import RDF, SCHEMA, SKOS
from tripskg.web.views import DESCRIPTION_PREDICATES, LABEL_PREDICATES, Namer, StoreView


def one_by_one(store: ox.Store, view: StoreView, base: str) -> list[tuple[str, str, str, str]]:
    """The rows as the server made them before: a label and a type lookup per IRI."""
    texts: dict[str, list[str]] = {}
    preds = (*LABEL_PREDICATES, SKOS + "altLabel", SKOS + "notation",
             *DESCRIPTION_PREDICATES, SCHEMA + "text")
    ns = (base + "id/", base + "def/")
    for pred in preds:
        for q in store.quads_for_pattern(None, ox.NamedNode(pred), None):
            s = q.subject
            if isinstance(s, ox.NamedNode) and s.value.startswith(ns) and isinstance(
                    q.object, ox.Literal):
                bucket = texts.setdefault(s.value, [])
                if q.object.value not in bucket:
                    bucket.append(q.object.value)
    namer = Namer(view)
    rows = []
    for iri in sorted(texts):
        kinds = [namer.label(o.value) for o in (q.object for q in store.quads_for_pattern(
            ox.NamedNode(iri), ox.NamedNode(RDF + "type"), None))
            if isinstance(o, ox.NamedNode)]
        rows.append((iri, namer.label(iri), " · ".join(texts[iri]),
                     ", ".join(sorted(set(kinds)))))
    return rows


@pytest.mark.parametrize("which", ["real", "synthetic"])
def test_search_rows_are_the_rows_of_one_lookup_per_iri(which: str, tmp_path: Path) -> None:
    data = ROOT / "data"
    if which == "synthetic":
        data = tmp_path / "data"
        load_generator().generate(data, activities=300, reports=6, seed=11)
    result = build_graph(data, BuildSettings(site=True))
    view = StoreView(result.store, result.iris.base)
    rows = search_rows(result.store, view, result.iris.base)
    assert len(rows) > 300
    assert rows == one_by_one(result.store, StoreView(result.store, result.iris.base),
                              result.iris.base)
