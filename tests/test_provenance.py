"""How facts were reached (issue 16): activity attribution, report kinds, review meeting, source
kinds, the citation denylist, and the split figures of docs/data.md."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from tripskg.build import build_graph
from tripskg.errors import ErrorGroup
from tripskg.ingest.annex import read_annex
from tripskg.model import Report
from tripskg.provenance import load_source_policy, report_kind, url_host
from tripskg.reference import load_reference

from .conftest import MINIMAL_NOTE, ROOT, make_data

DATA = ROOT / "data"
DEF = "https://w3id.org/tripskg/def/"
ID = "https://w3id.org/tripskg/id/"
REAL = f"<{DEF}data-kind/real>"
PREFIX = f"PREFIX tkg: <{DEF}>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
URL = re.compile(r"https?://[^\s,;\"<>)\]]+")


def annex(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- annex column
def test_attribution_column_is_read(tmp_path: Path) -> None:
    path = annex(tmp_path, "id,title,attribution\n1,A,listed\n2,B,Council-Statement\n3,C,inferred\n"
                           "4,D,\n")
    acts, _ = read_annex(path, "k", "a.csv", load_reference())
    assert [a.attribution for a in acts] == ["listed", "council-statement", "inferred", None]


def test_annex_without_the_column_is_the_reports_own_list(tmp_path: Path) -> None:
    acts, _ = read_annex(annex(tmp_path, "id,title\n1,A\n"), "k", "a.csv", load_reference())
    assert acts[0].attribution == "listed"


def test_unknown_attribution_is_a_located_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ErrorGroup) as e:
        read_annex(annex(tmp_path, "id,title,attribution\n1,A,infered\n"), "k", "a.csv",
                   load_reference())
    (err,) = e.value.errors
    assert str(err.location) == "a.csv:2:attribution"
    assert "unknown attribution 'infered'" in err.message and "inferred" in (err.hint or "")


def test_real_activity_without_attribution_violates_the_shapes(tmp_path: Path) -> None:
    from tripskg.build import build_and_validate

    data = make_data(tmp_path, notes={"who-2025": MINIMAL_NOTE},
                     annexes={"who-2025.csv": "id,title,attribution,source\n"
                                              "1,A,listed,https://www.who.int/a\n"
                                              "2,B,,https://www.who.int/b\n"})
    _, validation = build_and_validate(data)
    bad = [r for r in validation.results if r.severity == "Violation"]
    assert [(r.focus, "attribution" in r.message) for r in bad] == [
        (ID + "activity/who-2025/2", True)]


# --------------------------------------------------------------------------- report kinds
@pytest.mark.parametrize(("key", "symbol", "compiled", "kind"), [
    ("wipo-2024", "IP/C/R/TC/WIPO/4", False, "document"),
    ("canada-2018", None, False, "document"),
    ("canada-2020-statement-21558", None, False, "council-statement"),
    ("eu-2009", None, True, "compilation"),
])
def test_report_kind(key: str, symbol: str | None, compiled: bool, kind: str) -> None:
    from tripskg.errors import Location

    report = Report(key, Location("x"), symbol=symbol, compiled=compiled)
    assert report_kind(report) == kind


def test_report_year_from_key_else_dates() -> None:
    from tripskg.errors import Location
    from tripskg.ingest.dates import parse_date
    from tripskg.model import Fact
    from tripskg.provenance import report_year

    here = Location("x")
    period = Fact((parse_date("2019-10-01"), parse_date("2020-09-30")), "register")
    assert report_year(Report("canada-2020-statement-21558", here, period=period)) == 2020
    assert report_year(Report("wto-secretariat-2013-w590", here)) == 2013
    assert report_year(Report("synthetic-00003-uk", here, period=period)) == 2020  # period end
    assert report_year(Report("synthetic-00004-uk", here, communication_date=Fact(
        parse_date("2018-09-28"), "1"), period=period)) == 2018
    assert report_year(Report("synthetic-00005-uk", here)) is None


# --------------------------------------------------------------------------- review meeting
def test_review_meeting_from_the_register_has_fact_provenance(tmp_path: Path) -> None:
    register = ("key,reporter,meeting_start,meeting_end,review_meeting_start,review_meeting_end,"
                "language,source\n"
                "wipo-2014,WIPO,,,2014-10-28,2014-10-29,en,https://e-trips.wto.org/x/2148\n")
    store = build_graph(make_data(tmp_path, register=register)).store
    r = f"<{ID}report/wipo-2014>"
    rows = list(store.query(PREFIX + f"""PREFIX schema: <https://schema.org/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?m ?start ?end ?from WHERE {{
          {r} tkg:reviewMeeting ?m . ?m a tkg:CouncilMeeting ; schema:startDate ?start ;
                                          schema:endDate ?end .
          ?st rdf:subject {r} ; rdf:predicate tkg:reviewMeeting ; rdf:object ?m ;
              prov:wasDerivedFrom ?from .
          FILTER NOT EXISTS {{ {r} tkg:councilMeeting ?other }} }}""",
                            use_default_graph_as_union=True))
    assert [tuple(v.value for v in row) for row in rows] == [
        (ID + "meeting/2014-10-28", "2014-10-28", "2014-10-29", "https://e-trips.wto.org/x/2148")]


# --------------------------------------------------------------------------- sources
def test_source_policy_by_host() -> None:
    policy = load_source_policy()
    assert policy.kind("https://e-trips.wto.org/en/CouncilMinuteNotifications/Intervention/1"
                       ) == "primary"
    assert policy.kind("http://wto.org/english/news_e/x.htm") == "primary"
    assert policy.kind("https://www.wipo.int./ip-development/x") == "primary"
    assert policy.kind("https://mailing.euipo.europa.eu/archive/x") == "primary"
    assert policy.kind("http://web.wtocenter.org.tw/Page/12150/416256") == "secondary"  # a copy
    assert policy.kind("https://notwto.org/x") == "secondary"
    assert url_host("https://www.mondaq.com:443/x") == "mondaq.com"


def denylist() -> list[str]:
    with (DATA / "reference" / "source-denylist.csv").open(encoding="utf-8") as fh:
        return [r["host"] for r in csv.DictReader(fh)]


def test_denylist_starts_with_the_spam_sites_of_the_audit() -> None:
    assert denylist()[:3] == ["masazerc.com", "56ok.com", "docsbay.net"]
    policy = load_source_policy()
    for url in ("http://masazerc.com/english/news_e/x.htm", "https://en.56ok.com/topic/1.html",
                "https://en-test.56ok.com/topic/2.html", "https://docsbay.net/doc/1"):
        assert policy.is_denied(url), url
    assert not policy.is_denied("https://www.wto.org/english/news_e/x.htm")


def data_files() -> list[Path]:
    return sorted([DATA / "reports.csv", *(DATA / "annex").glob("*.csv"),
                   *(DATA / "documents").glob("*.txt"), *(DATA / "reference").glob("*.csv")])


def test_no_data_file_cites_a_denied_host() -> None:
    policy = load_source_policy()
    cited = [(p.name, url) for p in data_files() if p.name != "source-denylist.csv"
             for url in URL.findall(p.read_text(encoding="utf-8"))]
    assert len(cited) > 300
    assert [c for c in cited if policy.is_denied(c[1])] == []


def test_every_real_annex_row_states_its_attribution() -> None:
    for path in sorted((DATA / "annex").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert all(r.get("attribution") in ("listed", "council-statement", "inferred")
                   for r in rows), path.name


# --------------------------------------------------------------------------- the real graph
@pytest.fixture(scope="module")
def store() -> ox.Store:
    return build_graph(DATA).store


def counts(store: ox.Store, query: str) -> dict[str, int]:
    return {row["k"].value.rsplit("/", 1)[-1]: int(row["n"].value)  # type: ignore[union-attr]
            for row in store.query(PREFIX + query, use_default_graph_as_union=True)}


def test_every_real_activity_is_attributed_and_every_cited_page_has_a_kind(store: ox.Store
                                                                           ) -> None:
    missing = list(store.query(PREFIX + f"""SELECT ?x WHERE {{
        ?x tkg:dataKind {REAL} .
        {{ ?x a tkg:Activity FILTER NOT EXISTS {{ ?x tkg:attribution ?a }} }} UNION
        {{ ?x a tkg:Report FILTER NOT EXISTS {{ ?x tkg:reportKind ?k }} }} UNION
        {{ ?x dct:source ?u FILTER(isIRI(?u)) FILTER NOT EXISTS {{ ?u tkg:sourceKind ?s }} }}
        }}""", use_default_graph_as_union=True))
    assert missing == []


def test_figures_in_docs_data_md_match_the_graph(store: ox.Store) -> None:
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")

    def figure(label: str) -> int:
        m = re.search(rf"^\| {re.escape(label)} \| (\d+) \|$", text, re.MULTILINE)
        assert m, f"docs/data.md has no row '| {label} | n |'"
        return int(m.group(1))

    kinds = counts(store, f"""SELECT ?k (COUNT(DISTINCT ?r) AS ?n) WHERE {{
        ?r a tkg:Report ; tkg:dataKind {REAL} ; tkg:reportKind ?k }} GROUP BY ?k""")
    attributions = counts(store, f"""SELECT ?k (COUNT(DISTINCT ?a) AS ?n) WHERE {{
        ?a a tkg:Activity ; tkg:dataKind {REAL} ; tkg:attribution ?k }} GROUP BY ?k""")
    sources = counts(store, f"""SELECT ?k (COUNT(DISTINCT ?u) AS ?n) WHERE {{
        ?x tkg:dataKind {REAL} ; dct:source ?u . ?u tkg:sourceKind ?k }} GROUP BY ?k""")
    got = {**{f"reports: {k}": n for k, n in kinds.items()},
           **{f"activities: {k}": n for k, n in attributions.items()},
           **{f"cited pages: {k}": n for k, n in sources.items()}}
    got["reports"] = sum(kinds.values())
    got["activities"] = sum(attributions.values())
    assert {label: figure(label) for label in got} == got
    assert set(kinds) == {"document", "council-statement", "compilation"}
    assert set(attributions) == {"listed", "council-statement", "inferred"}


def test_activity_page_shows_the_attribution_with_its_label(tmp_path: Path) -> None:
    from .conftest import TESTS, run_cli

    out = tmp_path / "dist"
    res = run_cli("build", "--site", "--data", str(TESTS / "data" / "queryfix"), "--out",
                  str(out))
    assert res.exit_code == 0, res.stderr
    page = (out / "site" / "id" / "activity" / "fx-who-2022" / "1.html").read_text("utf-8")
    assert 'title="tkg:attribution">attribution</a>' in page
    assert ">attached by tripskg</a>" in page
    report = (out / "site" / "id" / "report" / "fx-eu-2022.html").read_text("utf-8")
    assert ">review meeting</a>" in report and ">Council document</a>" in report
