"""LDC priority needs: the reader's located errors, the needs graph, and the semantics of the
``needs-coverage`` query on a fixture (tests/data/needsfix) and on the real data."""

from __future__ import annotations

import csv
import os
import shutil
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import ROOT, TESTS, run_cli
from tests.support.virtuoso import Virtuoso, available
from tripskg.build import build_graph
from tripskg.errors import ErrorGroup
from tripskg.ingest.needs import read_needs
from tripskg.queries import bind, get_query, run_local
from tripskg.reference import load_reference

FIX = TESTS / "data" / "needsfix"
ID = "https://w3id.org/tripskg/id/"
TKG = "https://w3id.org/tripskg/def/"
FIXTURE = {"kind": "test-fixture"}


@pytest.fixture(scope="module")
def fixture_store() -> ox.Store:
    return build_graph(FIX).store


@pytest.fixture(scope="module")
def real_store() -> ox.Store:
    return build_graph(ROOT / "data").store


def coverage(store: ox.Store, **params: str) -> list[dict[str, str | None]]:
    q = get_query("needs-coverage")
    text, _ = bind(q, params, load_reference())
    table = run_local(store, text)
    assert table.columns == q.columns, "declared # columns: must match the SELECT"
    return [{c: None if r[c] is None else r[c].value.removeprefix(ID)  # type: ignore[union-attr]
             for c in table.columns} for r in table.rows]


def statuses(rows: list[dict[str, str | None]]) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = defaultdict(set)
    for r in rows:
        out[str(r["need"])].add(r["status"])
    return dict(out)


def fixture_locations() -> dict[str, str]:
    with (FIX / "needs" / "needs.csv").open(encoding="utf-8") as fh:
        return {f"need/{r['submission']}/{r['n']}": r["location"] for r in csv.DictReader(fh)}


# ---------------------------------------------------------------- the fixed semantics
def test_two_addressed_three_open(fixture_store: ox.Store) -> None:
    """5 needs of Uganda; activities match 3 of them, one of those before the submission."""
    rows = coverage(fixture_store, country="UGA", **FIXTURE)
    by_need = statuses(rows)
    assert all(len(s) == 1 for s in by_need.values()), "a need has one status on all its rows"
    status = {need: s.pop() for need, s in by_need.items()}
    assert status == {
        "need/fx-uga/1": "addressed",  # enforcement seminar for Uganda, after the submission
        "need/fx-uga/2": "addressed",  # training for the LDC group Uganda belongs to, after
        "need/fx-uga/3": "open",  # the patents course was before the submission
        "need/fx-uga/4": "open",  # the legislative advice went to Kenya
        "need/fx-uga/5": "open",  # no health activity at all
    }
    assert sorted(status.values()).count("addressed") == 2
    matched = {(r["need"], r["activity"], r["beneficiary"])
               for r in rows if r["status"] == "addressed"}
    assert matched == {("need/fx-uga/1", "activity/fx-needs/1", "country/UGA"),
                       ("need/fx-uga/1", "activity/fx-needs/5", "group/ldc"),
                       ("need/fx-uga/2", "activity/fx-needs/2", "group/ldc")}
    assert all(r["activity"] is None for r in rows if r["status"] == "open")


def test_every_need_row_cites_its_paragraph(fixture_store: ox.Store) -> None:
    rows = coverage(fixture_store, **FIXTURE)
    expected = fixture_locations()
    assert {r["need"] for r in rows} == set(expected)
    for r in rows:
        assert r["paragraph"] == expected[str(r["need"])], r
        assert r["source"] == "https://example.org/needs-fixture"
        assert r["submitted"] and r["country_name"]


def test_group_membership_is_time_aware(fixture_store: ox.Store) -> None:
    """Bhutan left the LDC category on 2023-12-13: the 2017 LDC training counts for it, the
    2024 LDC enforcement workshop does not."""
    status = {n: s.pop() for n, s in statuses(coverage(fixture_store, country="BTN",
                                                       **FIXTURE)).items()}
    assert status == {"need/fx-btn/1": "open", "need/fx-btn/2": "addressed"}


def test_since_restricts_the_activities(fixture_store: ox.Store) -> None:
    rows = coverage(fixture_store, country="UGA", since="2016-06-01", **FIXTURE)
    status = {n: s.pop() for n, s in statuses(rows).items()}
    assert status["need/fx-uga/2"] == "addressed"
    assert [r["activity"] for r in rows if r["need"] == "need/fx-uga/1"] == ["activity/fx-needs/5"]
    rows = coverage(fixture_store, country="UGA", since="2025-01-01", **FIXTURE)
    assert {r["status"] for r in rows} == {"open"}


def test_real_data_excluded_from_fixture_kind(fixture_store: ox.Store) -> None:
    assert coverage(fixture_store) == []  # kind defaults to real; the fixture has none


# ---------------------------------------------------------------- the graph
def test_needs_graph_iris(fixture_store: ox.Store) -> None:
    graph = ox.NamedNode("https://w3id.org/tripskg/graph/needs")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    needs = {str(q.subject.value).removeprefix(ID) for q in fixture_store.quads_for_pattern(
        None, rdf_type, ox.NamedNode(TKG + "Need"), graph)}
    assert needs == set(fixture_locations())
    sub = ox.NamedNode(ID + "submission/fx-uga")
    [day] = fixture_store.quads_for_pattern(sub, ox.NamedNode(TKG + "latestDay"), None, graph)
    assert day.object == ox.Literal("2015-06-15", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#date"))


# ---------------------------------------------------------------- the real data
def test_real_data_query_runs_and_every_need_has_a_source(real_store: ox.Store) -> None:
    rows = coverage(real_store)
    assert rows, "the real data has needs"
    assert {r["status"] for r in rows} <= {"addressed", "open"}
    for r in rows:
        assert r["paragraph"], r
        assert str(r["source"]).startswith(("https://", "http://")), r
    # every need in the graph has a dct:source and a tkg:paragraphRef, and appears in the query
    need_class = ox.NamedNode(TKG + "Need")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    needs = {q.subject for q in real_store.quads_for_pattern(None, rdf_type, need_class)}
    assert {r["need"] for r in rows} == {n.value.removeprefix(ID) for n in needs}
    source = ox.NamedNode("http://purl.org/dc/terms/source")
    for n in needs:
        assert list(real_store.quads_for_pattern(n, source, None)), n


def test_real_submissions_cover_the_six_ldcs(real_store: ox.Store) -> None:
    by = ox.NamedNode(TKG + "submittedBy")
    countries = {q.object.value.removeprefix(ID + "country/")
                 for q in real_store.quads_for_pattern(None, by, None)}
    assert countries == {"SLE", "UGA", "BGD", "RWA", "TZA", "SEN"}


# ---------------------------------------------------------------- located errors
def broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIX, data)
    path = data / "needs" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return data


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("submissions.csv", "fx-uga,Uganda,", "fx-uga,Ugnada,",
     "data/needs/submissions.csv:2:country: unknown country 'Ugnada' (did you mean 'Uganda'?)"),
    ("submissions.csv", ",2015-06-15,", ",15/06/2015x,", "data/needs/submissions.csv:2:date:"),
    ("submissions.csv", "IP/C/W/9999", "IP/C/R/1",
     "data/needs/submissions.csv:2:symbol: 'IP/C/R/1' is not a TRIPS Council"),
    ("needs.csv", "fx-uga,1,Enforcement capacity,enforcement,",
     "fx-uga,1,Enforcement capacity,enforcment,",
     "data/needs/needs.csv:2:policy_areas: unknown policy area 'enforcment' (did you mean "
     "'enforcement'?)"),
    ("needs.csv", "fx-uga,2,", "fx-ugb,2,",
     "data/needs/needs.csv:3:submission: unknown submission 'fx-ugb' (did you mean 'fx-uga'"),
    ("needs.csv", "table row 4", "", "data/needs/needs.csv:5:location: no location"),
    ("needs.csv", "fx-uga,5,IP and public health,", "fx-uga,1,IP and public health,",
     "data/needs/needs.csv:6:n: duplicate need fx-uga 1 (first on row 2)"),
    ("matching.csv", "ip-field/patents,ip-field/patents", "ip-feld/patents,ip-field/patents",
     "data/needs/matching.csv:4:need_concept: 'ip-feld/patents' is not <scheme>/<notation> "
     "(did you mean 'ip-field'?)"),
    ("matching.csv", "policy-area/health,policy-area/health", "policy-area/health,policy-area/helth",
     "data/needs/matching.csv:6:activity_concepts: unknown policy area 'helth'"),
])
def test_located_errors(tmp_path: Path, name: str, old: str, new: str, message: str) -> None:
    data = broken(tmp_path, name, old, new)
    with pytest.raises(ErrorGroup) as info:
        read_needs(data, load_reference())
    assert any(e.render().startswith(message) for e in info.value.errors), str(info.value)


def test_a_bad_submission_row_is_reported_once(tmp_path: Path) -> None:
    data = broken(tmp_path, "submissions.csv", "fx-uga,Uganda,", "fx-uga,Ugnada,")
    with pytest.raises(ErrorGroup) as info:
        read_needs(data, load_reference())
    assert [e.render()[:34] for e in info.value.errors] == ["data/needs/submissions.csv:2:count"]


def test_build_reports_needs_errors(tmp_path: Path) -> None:
    data = broken(tmp_path, "needs.csv", "fx-uga,2,", "fx-ugb,2,")
    with pytest.raises(ErrorGroup, match="unknown submission 'fx-ugb'"):
        build_graph(data)


def test_no_needs_folder_means_no_needs(tmp_path: Path) -> None:
    assert read_needs(tmp_path, load_reference()) is None


# ---------------------------------------------------------------- the same answer from Virtuoso
@pytest.mark.virtuoso
@pytest.mark.skipif(not available() and os.environ.get("CI", "").lower() != "true",
                    reason="virtuoso-t/isql-vt not installed; this test always runs in CI")
def test_virtuoso_gives_the_same_rows(tmp_path: Path) -> None:
    """The query's OPTIONAL/UNION shape gives the same rows on Virtuoso as on Oxigraph (it
    did not when the direct branch bound ?beneficiary with BIND)."""
    from tripskg.publish import publish

    dist = tmp_path / "dist"
    dist.mkdir()
    publish(build_graph(FIX), dist)
    with Virtuoso.start(tmp_path / "db", max_rows=5_000) as v:
        r = run_cli("push", "--dist", str(dist), "--endpoint", v.crud_url, "--user", "dba",
                    "--password", v.password, "--replace")
        assert r.exit_code == 0, r.output
        for params in ({}, {"country": "BTN"}, {"since": "2016-06-01"}):
            args = [a for k, val in {**FIXTURE, **params}.items()
                    for a in ("--param", f"{k}={val}")]
            local = run_cli("query", "needs-coverage", *args, "--from", str(dist),
                            "--format", "csv")
            remote = run_cli("query", "needs-coverage", *args, "--endpoint", v.sparql_url,
                             "--format", "csv")
            assert local.exit_code == remote.exit_code == 0, local.output + remote.output
            assert "addressed" in local.stdout
            assert sorted(local.stdout.splitlines()) == sorted(remote.stdout.splitlines()), params
