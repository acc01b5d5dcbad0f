"""Cover-note parser on the real seed and on one fixture per template family."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SEED, TESTS
from tripskg.errors import InputError
from tripskg.ingest.covernote import parse_cover_note, split_paragraphs
from tripskg.reference import load_reference

NOTES = TESTS / "data" / "notes"
BASE = "https://w3id.org/tripskg/"


def parse(path: Path):  # type: ignore[no-untyped-def]
    return parse_cover_note(path, path.stem, f"data/documents/{path.name}", load_reference())


def short(iri: str) -> str:
    return iri.split("/id/")[-1].split("/def/")[-1]


def test_seed_facts_through_sparql(seed_store) -> None:  # type: ignore[no-untyped-def]
    """BRIEF/issue 4: every fact of the seed, each linked to its paragraph, asserted in SPARQL."""
    store = seed_store.store
    q = """
    PREFIX tkg: <https://w3id.org/tripskg/def/>
    PREFIX schema: <https://schema.org/>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    SELECT ?org ?comm ?ms ?me ?ps ?pe ?commPara ?meetPara ?periodPara WHERE {
      ?r a tkg:Report ; tkg:reporter ?org ; tkg:communicationDate ?comm ;
         tkg:councilMeeting ?m ; tkg:reportingPeriod ?p .
      ?m schema:startDate ?ms ; schema:endDate ?me .
      ?p schema:startDate ?ps ; schema:endDate ?pe .
      ?f1 rdf:subject ?r ; rdf:predicate tkg:communicationDate ; prov:wasDerivedFrom ?commPara .
      ?f2 rdf:subject ?r ; rdf:predicate tkg:councilMeeting ; prov:wasDerivedFrom ?meetPara .
      ?f3 rdf:subject ?r ; rdf:predicate tkg:reportingPeriod ; prov:wasDerivedFrom ?periodPara .
    }"""
    rows = list(store.query(q, use_default_graph_as_union=True))
    assert len(rows) == 1
    row = rows[0]
    report = BASE + "id/report/wipo-technical-cooperation-2025"
    assert row["org"].value == BASE + "id/org/wipo"
    assert row["comm"].value == "2025-09-26"
    assert (row["ms"].value, row["me"].value) == ("2025-06-26", "2025-06-27")
    assert (row["ps"].value, row["pe"].value) == ("2024-09-01", "2025-08-31")
    assert row["commPara"].value == report + "/para/p2"
    assert row["meetPara"].value == report + "/para/p1"
    assert row["periodPara"].value == report + "/para/5"

    mentions = {
        (short(r["x"].value), r["n"].value) for r in store.query(
            """PREFIX tkg: <https://w3id.org/tripskg/def/>
            SELECT ?x ?n WHERE { ?p a tkg:Paragraph ; tkg:mentions ?x ;
                                    tkg:paragraphNumber ?n }""", use_default_graph_as_union=True)
    }
    expected = {
        ("treaty/trips", "1"), ("framework/wipo-wto-1995", "1"),
        ("framework/wipo-wto-ldc-2001", "1"), ("framework/who-wipo-wto-trilateral", "4"),
        ("group/ldc", "1"), ("group/developing", "1"), ("group/eit", "1"),
        ("target-group/msmes", "2"), ("target-group/women", "2"), ("target-group/youth", "2"),
        *((f"policy-area/{a}", "2") for a in ("health", "trade", "education", "research",
                                              "competition", "technology-transfer")),
    }
    assert expected <= mentions


@pytest.mark.parametrize(("fixture", "reporter", "communication", "meeting", "review",
                          "period", "previous", "missing"), [
    ("wto-secretariat-fixture", "org/wto", None, None, None, ("2023-10-01", "2024-09-16"),
     "IP/C/R/TC/WTO/9", ["communication_date", "council_meeting"]),
    ("eu-article67-fixture", "member/EU", "2022-09-30", None, None,
     ("2021-01-01", "2021-12-31"), None, ["council_meeting"]),
    # "submitted for the meeting of the Council for TRIPS of 28 and 29 October 2014": the
    # meeting the report is submitted for (review meeting), not the one that invited it
    ("wipo-2014-older-fixture", "org/wipo", None, None, ("2014-10-28", "2014-10-29"),
     ("2013-09-01", "2014-09-30"), None, ["communication_date", "council_meeting"]),
    ("who-variant-fixture", "org/who", "2024-10-03", ("2024-07-10", "2024-07-10"), None,
     ("2023-01-01", "2023-12-31"), None, []),
    ("minimal-fixture", None, None, None, None, None, None,
     ["reporter", "communication_date", "council_meeting", "reporting_period"]),
])
def test_template_variants(fixture: str, reporter: str | None, communication: str | None,
                           meeting: tuple[str, str] | None, review: tuple[str, str] | None,
                           period: tuple[str, str] | None, previous: str | None,
                           missing: list[str]) -> None:
    report, warnings = parse(NOTES / f"{fixture}.txt")
    assert (short(report.reporter.value) if report.reporter else None) == reporter
    assert (report.communication_date.value.lexical() if report.communication_date
            else None) == communication
    assert (tuple(d.lexical() for d in report.meeting.value) if report.meeting else None) == meeting
    assert (tuple(d.lexical() for d in report.review_meeting.value) if report.review_meeting
            else None) == review
    assert (tuple(d.lexical() for d in report.period.value) if report.period else None) == period
    assert (report.previous_report.value if report.previous_report else None) == previous
    assert [w.message.split("'")[1] for w in warnings
            if w.message.startswith("missing field")] == missing
    for w in warnings:
        assert str(w.location) == f"data/documents/{fixture}.txt"


def test_missing_fields_are_left_out_of_the_graph(data_factory) -> None:  # type: ignore[no-untyped-def]
    from tripskg.build import build_graph

    text = (NOTES / "minimal-fixture.txt").read_text(encoding="utf-8")
    result = build_graph(data_factory(notes={"minimal": text}))
    assert not bool(result.store.query(
        "ASK { ?r <https://w3id.org/tripskg/def/communicationDate> ?d }",
        use_default_graph_as_union=True))
    assert [w.message for w in result.warnings][:1] == [
        "missing field 'reporter': not found in the cover note"]


def test_council_name_is_not_a_treaty_mention() -> None:
    report, _ = parse(NOTES / "who-variant-fixture.txt")
    assert report.paragraphs[0].mentions == []  # "the Council for TRIPS" names the Council


def test_paragraphs_keep_numbers_and_lines() -> None:
    _, paragraphs = split_paragraphs(SEED.read_text(encoding="utf-8"), "seed.txt")
    assert [p.key for p in paragraphs] == ["p1", "p2", "1", "2", "3", "4", "5"]
    assert [p.location.line for p in paragraphs] == [8, 12, 24, 26, 28, 30, 32]


@settings(max_examples=150, deadline=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_any_note_parses_or_raises_located_error(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.txt"
    path.write_text(text, encoding="utf-8")
    try:
        parse(path)
    except InputError as e:
        assert e.source == "data/documents/fuzz.txt"
