"""Saved queries: headers, exact rows on a fixture graph, safe binding, and the query CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tripskg.errors import QueryError
from tripskg.queries import MARKER, bind, get_query, load_queries, parse_query_file, run_local
from tripskg.reference import load_reference

from .conftest import ROOT, TESTS, run_cli

FIX = TESTS / "data" / "queryfix"
ID = "https://w3id.org/tripskg/id/"
KIND = {"kind": "test-fixture"}
DEF = "https://w3id.org/tripskg/def/"
LISTED, STATED, INFERRED = (DEF + "attribution/" + a
                            for a in ("listed", "council-statement", "inferred"))
DOCUMENT, STATEMENT, COMPILATION = (DEF + "report-kind/" + k
                                    for k in ("document", "council-statement", "compilation"))


@pytest.fixture(scope="module")
def fixture_store() -> ox.Store:
    from tripskg.build import build_graph

    return build_graph(FIX).store


@pytest.fixture(scope="module")
def fixture_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qdist") / "dist"
    result = run_cli("build", "--data", str(FIX), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    return out


def rows(store: ox.Store, name: str, **params: str) -> list[tuple[str | None, ...]]:
    q = get_query(name)
    text, _ = bind(q, params, load_reference())
    table = run_local(store, text)
    assert table.columns == q.columns, "declared # columns: must match the SELECT"
    return [tuple(None if r[c] is None else r[c].value.removeprefix(ID)  # type: ignore[union-attr]
                  for c in table.columns) for r in table.rows]


def test_every_query_has_a_header() -> None:
    queries = load_queries()
    assert len(queries) >= 12
    for q in queries.values():
        assert q.title and q.description and q.columns, q.name
        assert q.index_note, f"{q.name}: '# index:' comment on the index path it relies on"
        if q.params:
            assert MARKER in q.text


def test_header_continuation_lines_belong_to_their_field(tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("# title: T\n# description: one\n#  two\n# columns: a\n"
                  "# index: three\n#  four\nSELECT ?a WHERE { }\n", encoding="utf-8")
    q = parse_query_file(rq)
    assert (q.description, q.index_note) == ("one two", "three four")
    # needs-coverage's '# index:' spans four lines: none of them goes into its description
    needs = get_query("needs-coverage")
    assert "tkg:addressedBy" in needs.index_note
    assert "tkg:addressedBy concepts" not in needs.description


def test_report_summary(fixture_store: ox.Store) -> None:
    eu_title = "TEST FIXTURE - Technical cooperation activities: information from Members - " \
        "European Union"
    who_title = "TEST FIXTURE - Technical cooperation activities: information from other " \
        "intergovernmental organizations - World Health Organization (WHO)"
    # review meeting from the register (fx-eu-2022); the WHO note's meeting is the invitation
    assert rows(fixture_store, "report-summary", **KIND) == [
        ("report/fx-eu-2022", "member/EU", "European Union", "2022-09-30", "2021-01-01",
         "2021-12-31", None, None, "2022-10-06", "2022-10-07", None, eu_title, DOCUMENT),
        ("report/fx-eu-2023-statement-1", "member/EU", "European Union", None, None, None, None,
         None, None, None, None,
         "TEST FIXTURE - Statement by the European Union (Council minutes)", STATEMENT),
        ("report/fx-who-2022", "org/who", "World Health Organization", None, None, None, None,
         None, None, None, None,
         "TEST FIXTURE - Compiled by tripskg: WHO activities around 2022", COMPILATION),
        ("report/fx-who-2024", "org/who", "World Health Organization", "2024-10-03",
         "2023-01-01", "2023-12-31", "2024-07-10", "2024-07-10", None, None, None, who_title,
         DOCUMENT),
    ]
    assert [r[0] for r in rows(fixture_store, "report-summary", report_kind="compilation",
                               **KIND)] == ["report/fx-who-2022"]
    one = rows(fixture_store, "report-summary", report=ID + "report/fx-eu-2022", kind="all")
    assert [r[0] for r in one] == ["report/fx-eu-2022"]


def test_real_data_excluded_by_default(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "report-summary") == []  # the fixture is test data, not real


def test_mentions(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "mentions", report=ID + "report/fx-who-2024") == [
        ("report/fx-who-2024", "org/who", "IntergovernmentalOrganization",
         "World Health Organization", "1"),
        ("report/fx-who-2024", "https://w3id.org/tripskg/def/policy-area/access-to-medicines",
         "policy-area", "access to medicines", "1"),
        ("report/fx-who-2024", "https://w3id.org/tripskg/def/policy-area/health", "policy-area",
         "health", "1"),
        ("report/fx-who-2024", "org/who", "IntergovernmentalOrganization",
         "World Health Organization", "p2"),
    ]


def test_activities_by_country(fixture_store: ox.Store) -> None:
    expected = [
        ("activity/fx-eu-2022/1", "Training D", "2021-05-12", "member/EU", "report/fx-eu-2022",
         LISTED),
        ("activity/fx-who-2022/1", "Press-page workshop G", "2022-05", "org/who",
         "report/fx-who-2022", INFERRED),
        ("activity/fx-who-2024/2", "Course B", "2024-02-01", "org/who", "report/fx-who-2024",
         LISTED),
    ]
    for country in ("KEN", "KE", "Kenya", ID + "country/KEN"):
        assert rows(fixture_store, "activities-by-country", country=country, **KIND) == expected
    for attribution in ("inferred", "attached by tripskg", INFERRED):  # notation, label, IRI
        assert rows(fixture_store, "activities-by-country", country="KEN",
                    attribution=attribution, **KIND) == [expected[1]]
    assert rows(fixture_store, "activities-by-country", country="KEN", attribution="all",
                **KIND) == expected


def test_activities_by_policy_area(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "activities-by-policy-area", area="public health", **KIND) == [
        ("activity/fx-eu-2023-statement-1/1", "Statement seminar F", "2022-11", "member/EU",
         "report/fx-eu-2023-statement-1", STATED),
        ("activity/fx-who-2024/3", "Seminar C", "2023-03", "org/who", "report/fx-who-2024",
         LISTED),
        ("activity/fx-who-2024/1", "Workshop A", "2023-03-12", "org/who", "report/fx-who-2024",
         LISTED),
    ]
    assert [r[0] for r in rows(fixture_store, "activities-by-policy-area", area="health",
                               attribution="council-statement", **KIND)] == [
        "activity/fx-eu-2023-statement-1/1"]


def test_activities_by_treaty(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "activities-by-treaty", **KIND) == [
        ("treaty/doha-declaration", "Declaration on the TRIPS Agreement and Public Health",
         "activity/fx-who-2024/3", "Seminar C", "2023-03", "org/who", LISTED),
        ("treaty/trips", "Agreement on Trade-Related Aspects of Intellectual Property Rights",
         "activity/fx-who-2024/1", "Workshop A", "2023-03-12", "org/who", LISTED),
    ]
    assert rows(fixture_store, "activities-by-treaty", attribution="inferred", **KIND) == []


def test_activities_in_period(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "activities-in-period", **{"from": "2023-01-01"}, to="2023-12-31",
                **KIND) == [
        ("activity/fx-who-2024/3", "Seminar C", "2023-03", "org/who", "report/fx-who-2024",
         LISTED),
        ("activity/fx-who-2024/1", "Workshop A", "2023-03-12", "org/who", "report/fx-who-2024",
         LISTED),
    ]
    year_2022 = {"from": "2022-01-01", "to": "2022-12-31"}
    assert rows(fixture_store, "activities-in-period", **year_2022, **KIND) == [
        ("activity/fx-who-2022/1", "Press-page workshop G", "2022-05", "org/who",
         "report/fx-who-2022", INFERRED),
        ("activity/fx-eu-2023-statement-1/1", "Statement seminar F", "2022-11", "member/EU",
         "report/fx-eu-2023-statement-1", STATED),
    ]
    assert rows(fixture_store, "activities-in-period", **year_2022, attribution="listed",
                **KIND) == []


def test_ldc_beneficiaries_is_time_aware(fixture_store: ox.Store) -> None:
    # Bhutan graduated on 2023-12-13: Workshop A (March 2023) counts, Course B (Feb 2024) not.
    assert rows(fixture_store, "ldc-beneficiaries", **KIND) == [
        ("activity/fx-eu-2022/2", "Mission E", "2021", "country/STP",
         "Sao Tomé and Principe", "member/EU", LISTED),
        ("activity/fx-who-2024/3", "Seminar C", "2023-03", "country/NPL", "Nepal", "org/who",
         LISTED),
        ("activity/fx-who-2024/1", "Workshop A", "2023-03-12", "country/BTN", "Bhutan",
         "org/who", LISTED),
    ]
    assert rows(fixture_store, "ldc-beneficiaries", attribution="inferred", **KIND) == []


def test_ldc_beneficiaries_by_reporter_and_since(fixture_store: ox.Store) -> None:
    assert [r[0] for r in rows(fixture_store, "ldc-beneficiaries", by="WHO", **KIND)] == [
        "activity/fx-who-2024/3", "activity/fx-who-2024/1"]
    assert [r[0] for r in rows(fixture_store, "ldc-beneficiaries", since="2023-03-05", **KIND)
            ] == ["activity/fx-who-2024/1"]


def test_country_profile(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "country-profile", country="Kenya", **KIND) == [
        ("country/KEN", "Kenya", "activities", "2021", None, None, None, "1"),
        ("country/KEN", "Kenya", "activities", "2022", None, None, None, "1"),
        ("country/KEN", "Kenya", "activities", "2024", None, None, None, "1"),
        ("country/KEN", "Kenya", "membership", "group/aripo-members", "ARIPO member states",
         None, None, None),
        ("country/KEN", "Kenya", "membership", "org/wto", "World Trade Organization",
         "1995-01-01", None, None),
    ]
    counted = rows(fixture_store, "country-profile", country="Kenya", report_kind="compilation",
                   **KIND)
    assert [r for r in counted if r[2] == "activities"] == [
        ("country/KEN", "Kenya", "activities", "2022", None, None, None, "1")]


def test_partners(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "partners", **KIND) == [
        ("org/wipo", "World Intellectual Property Organization", "2", "1"),
        ("org/euipo", "European Union Intellectual Property Office", "1", "1"),
    ]
    assert rows(fixture_store, "partners", report_kind="compilation", **KIND) == []


def test_counts_by_year_and_organization(fixture_store: ox.Store) -> None:
    assert rows(fixture_store, "counts-by-year-and-organization", **KIND) == [
        ("member/EU", "European Union", "2021", "2"),
        ("member/EU", "European Union", "2022", "1"),
        ("org/who", "World Health Organization", "2022", "1"),
        ("org/who", "World Health Organization", "2023", "2"),
        ("org/who", "World Health Organization", "2024", "1"),
    ]
    assert rows(fixture_store, "counts-by-year-and-organization", report_kind="document",
                **KIND) == [
        ("member/EU", "European Union", "2021", "2"),
        ("org/who", "World Health Organization", "2023", "2"),
        ("org/who", "World Health Organization", "2024", "1"),
    ]
    assert rows(fixture_store, "counts-by-year-and-organization",
                report_kind="council-statement", **KIND) == [
        ("member/EU", "European Union", "2022", "1")]


def test_reports(fixture_store: ox.Store) -> None:
    # register-only reports have no date, hence no year (sorted first)
    assert rows(fixture_store, "reports", **KIND) == [
        ("report/fx-eu-2023-statement-1", None,
         "TEST FIXTURE - Statement by the European Union (Council minutes)", "member/EU",
         "European Union", None, "1", "false",
         "https://example.org/tripskg-test-fixture/fx-eu-2023-statement-1", STATEMENT),
        ("report/fx-who-2022", None,
         "TEST FIXTURE - Compiled by tripskg: WHO activities around 2022", "org/who",
         "World Health Organization", None, "1", "false",
         "https://example.org/tripskg-test-fixture/fx-who-2022", COMPILATION),
        ("report/fx-eu-2022", "IP/C/W/TEST/1",
         "TEST FIXTURE - Technical cooperation activities: information from Members - "
         "European Union", "member/EU", "European Union", "2022", "2", "true", None, DOCUMENT),
        ("report/fx-who-2024", None,
         "TEST FIXTURE - Technical cooperation activities: information from other "
         "intergovernmental organizations - World Health Organization (WHO)", "org/who",
         "World Health Organization", "2024", "3", "true", None, DOCUMENT),
    ]
    for kind in ("document", "Council document", DOCUMENT):
        assert [r[0] for r in rows(fixture_store, "reports", report_kind=kind, **KIND)] == [
            "report/fx-eu-2022", "report/fx-who-2024"]


def test_coverage(fixture_store: ox.Store) -> None:
    """Reporters × years: a document, a statement, a compilation, or none, per cell."""
    assert rows(fixture_store, "coverage", **KIND) == [
        ("member/EU", "European Union", "2022", "document", "report/fx-eu-2022", "2", "true"),
        ("member/EU", "European Union", "2023", "council-statement",
         "report/fx-eu-2023-statement-1", "1", "false"),
        ("member/EU", "European Union", "2024", "none", None, None, None),
        ("org/who", "World Health Organization", "2022", "compilation", "report/fx-who-2022",
         "1", "false"),
        ("org/who", "World Health Organization", "2023", "none", None, None, None),
        ("org/who", "World Health Organization", "2024", "document", "report/fx-who-2024", "3",
         "true"),
    ]
    assert rows(fixture_store, "coverage") == []  # the fixture is test data, not real


def test_every_activity_listing_has_attribution() -> None:
    """BRIEF §4: every saved query that lists activities has an attribution column and an
    attribution= filter (default: all)."""
    for q in load_queries().values():
        if "activity" in q.columns:
            assert "attribution" in q.columns, q.name
            if q.name != "needs-coverage":  # its "open" means: no activity at all, of any kind
                assert q.param("attribution").optional, q.name


# --------------------------------------------------------------------------- binding safety
HOSTILE = ['"} ; DROP ALL ; #', "Kenya\" } UNION { ?s ?p ?o", "a\nb", "x > y", "<script>",
           "'; DELETE WHERE { ?s ?p ?o } #", "\\u0022"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_country_is_rejected(value: str) -> None:
    with pytest.raises(QueryError, match="parameter 'country'"):
        bind(get_query("activities-by-country"), {"country": value}, load_reference())


@pytest.mark.parametrize("value", ["http://x/a>b", "http://x/ a", 'http://x/"', "http://x/{}",
                                   "javascript:alert(1)", "http://x/\nb"])
def test_hostile_iri_is_rejected(value: str) -> None:
    with pytest.raises(QueryError, match="parameter 'report'"):
        bind(get_query("mentions"), {"report": value}, load_reference())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_string_values_cannot_change_query_structure(value: str) -> None:
    """A string parameter binds as one literal: the bound query parses, and its VALUES block
    holds exactly that literal (so no value can add a pattern, a clause or an update)."""
    from tripskg.queries import Param, SavedQuery

    q = SavedQuery("t", "t", "t", [Param("s", "string")], ["x"],
                   f"SELECT ?x WHERE {{\n  {MARKER}\n  BIND(?s AS ?x)\n}}")
    if not value.strip():
        return  # an empty value is a missing required parameter (tested below)
    text, bound = bind(q, {"s": value}, load_reference())
    store = ox.Store()
    result = list(store.query(text))
    assert len(result) == 1
    assert result[0]["x"] == ox.Literal(value.strip())


def test_unknown_and_missing_parameters() -> None:
    ref = load_reference()
    with pytest.raises(QueryError, match="has no parameter 'contry'"):
        bind(get_query("activities-by-country"), {"contry": "KEN"}, ref)
    with pytest.raises(QueryError, match="needs parameter 'country'"):
        bind(get_query("activities-by-country"), {}, ref)
    with pytest.raises(QueryError, match="'LDCs' is a group"):
        bind(get_query("activities-by-country"), {"country": "LDCs"}, ref)
    with pytest.raises(QueryError, match=r"unknown country 'Kyrgyztan' \(did you mean"):
        bind(get_query("activities-by-country"), {"country": "Kyrgyztan"}, ref)
    with pytest.raises(QueryError, match="not a full date"):
        bind(get_query("activities-in-period"), {"from": "2024", "to": "2024-12-31"}, ref)


# --------------------------------------------------------------------------- CLI
def test_cli_query_formats(fixture_dist: Path) -> None:
    args = ["query", "activities-by-country", "--param", "country=KEN", "--param",
            "kind=test-fixture", "--from", str(fixture_dist)]
    res = run_cli(*args, "--format", "json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["head"]["vars"] == ["activity", "title", "start", "reporter", "report",
                                    "attribution"]
    assert [b["title"]["value"] for b in data["results"]["bindings"]] == [
        "Training D", "Press-page workshop G", "Course B"]
    assert data["results"]["bindings"][0]["start"] == {
        "type": "literal", "value": "2021-05-12",
        "datatype": "http://www.w3.org/2001/XMLSchema#date"}
    csv_out = run_cli(*args, "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "activity,title,start,reporter,report,attribution"
    assert csv_out.splitlines()[1].startswith(f"{ID}activity/fx-eu-2022/1,Training D,2021-05-12")
    tsv_out = run_cli(*args, "--format", "tsv").stdout
    assert tsv_out.splitlines()[0] == "?activity\t?title\t?start\t?reporter\t?report\t?attribution"
    assert '"2021-05-12"^^<http://www.w3.org/2001/XMLSchema#date>' in tsv_out
    table = run_cli(*args, "--format", "table")
    assert "Training D" in table.stdout and "3 rows" in table.stderr
    limited = run_cli(*args, "--format", "csv", "--limit", "1")
    assert len(limited.stdout.splitlines()) == 2 and "cut at --limit 1" in limited.stderr


def test_cli_adhoc_file(fixture_dist: Path, tmp_path: Path) -> None:
    rq = tmp_path / "count.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/tripskg/def/Activity> }")
    res = run_cli("query", "--file", str(rq), "--from", str(fixture_dist), "--format", "csv")
    assert res.exit_code == 0 and res.stdout.splitlines() == ["n", "7"]
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }")
    res = run_cli("query", "--file", str(bad), "--from", str(fixture_dist))
    assert res.exit_code == 2 and "malformed query" in res.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["query", "activities-by-contry"], "unknown query 'activities-by-contry' (did you mean "
                                         "'activities-by-country'?)"),
    (["query", "activities-by-country"], "needs parameter 'country'"),
    (["query", "reports", "--param", "nope=1"], "query 'reports' has no parameter 'nope'"),
    (["query", "reports", "--endpoint", "http://127.0.0.1:9/sparql"],
     "cannot reach endpoint http://127.0.0.1:9/sparql"),
])
def test_cli_errors(fixture_dist: Path, args: list[str], message: str) -> None:
    res = run_cli(*args, "--from", str(fixture_dist))
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_cli_lists_queries() -> None:
    res = run_cli("queries")
    assert res.exit_code == 0
    for name in load_queries():
        assert name in res.stdout


@pytest.mark.parametrize("data", ["fixture", "real"])
def test_per_report_counts_equal_counting_the_activities(fixture_store: ox.Store,
                                                         data: str) -> None:
    """The tkg:ActivityCount statistics the saved queries sum are exactly what counting the
    activities gives (per report; per report and start year; per report and partner)."""
    from tripskg.build import build_graph

    store = fixture_store if data == "fixture" else build_graph(ROOT / "data").store

    def table(q: str) -> set[tuple[str, ...]]:
        return {tuple("" if v is None else v.value for v in row)
                for row in store.query(q, use_default_graph_as_union=True)}

    pre = "PREFIX tkg: <https://w3id.org/tripskg/def/> PREFIX dct: <http://purl.org/dc/terms/>"
    counted = table(f"""{pre} SELECT ?r (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?r a tkg:Report
        OPTIONAL {{ ?a dct:isPartOf ?r ; a tkg:Activity }} }} GROUP BY ?r""")
    stored = table(f"{pre} SELECT ?r ?n WHERE {{ ?r a tkg:Report ; tkg:activityCount ?n }}")
    assert counted == stored and len(stored) > 1
    by_year = table(f"""{pre} SELECT ?r ?y (COUNT(DISTINCT ?a) AS ?n) WHERE {{
        ?a dct:isPartOf ?r ; a tkg:Activity OPTIONAL {{ ?a tkg:startDay ?d }}
        BIND(YEAR(?d) AS ?y) }} GROUP BY ?r ?y""")
    assert by_year == table(f"""{pre} SELECT ?r ?y ?n WHERE {{ ?r tkg:activityCountByYear ?c .
        ?c tkg:activityCount ?n OPTIONAL {{ ?c tkg:year ?y }} }}""")
    by_partner = table(f"""{pre} SELECT ?r ?p (COUNT(DISTINCT ?a) AS ?n) WHERE {{
        ?a dct:isPartOf ?r ; a tkg:Activity ; tkg:partner ?p }} GROUP BY ?r ?p""")
    assert by_partner == table(f"""{pre} SELECT ?r ?p ?n WHERE {{
        ?r tkg:activityCountByPartner ?c . ?c tkg:countedPartner ?p ; tkg:activityCount ?n }}""")
    assert by_partner, "the data has partners"
