"""Hardening (issue #9): bad input beyond the file corpus, fuzzing, round trips, server faults.

The file corpus itself (``tests/data/bad/*`` + ``.expected``) is checked by
``tests/test_ingest.py::test_bad_input_corpus``; this module adds what does not fit one input
file: inputs that must *pass*, inputs generated at test time (a 10 MB cell, a 100k-row annex),
broken reference data (``TRIPSKG_HOME`` pointing to a copy of the project files), bad query
parameters, property-based fuzzing, the dump round trip, and the server under hostile clients.
Crash safety of ``tripskg build`` (kill -9 at every pause point, previous ``dist/`` complete with
a valid ``SHA256SUMS``) is tested in ``tests/test_publish.py::test_kill_9_leaves_a_complete_dist``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import shutil
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tripskg.errors import ErrorGroup, InputError, QueryError, TripsKGError
from tripskg.ingest.annex import FORMULA, read_annex
from tripskg.ingest.covernote import parse_cover_note
from tripskg.ingest.dates import parse_date, parse_range
from tripskg.ingest.text import CONTROL
from tripskg.model import PartialDate
from tripskg.queries import MARKER, PARAM_TYPES, Param, SavedQuery, bind
from tripskg.reference import load_reference
from tripskg.settings import BuildSettings

from .conftest import MINIMAL_NOTE, ROOT, make_data, run_cli, tree_digest

BASE = "https://w3id.org/tripskg/id/"
DCT_TITLE = "http://purl.org/dc/terms/title"
HEADER = "id,title,start_date,end_date,beneficiaries,policy_areas,treaties,partners,mode\n"


def fuzz(examples: int, deadline: int | None = 2000) -> settings:
    """Hypothesis settings with a per-case deadline (ms): a hang is a failure."""
    return settings(max_examples=examples, deadline=deadline, suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def build_errors(root: Path) -> tuple[int, list[str]]:
    """Run ``tripskg build`` in ``root`` over a previous dist/; the errors it printed."""
    dist = root / "dist"
    dist.mkdir(exist_ok=True)
    (dist / "tripskg.ttl").write_text("# previous build\n", encoding="utf-8")
    before = tree_digest(dist)
    result = run_cli("build", "--data", "data", "--out", "dist", "--no-site", cwd=root)
    assert tree_digest(dist) == before, "a failed build touched the previous dist/"
    return result.exit_code, [line.removeprefix("error: ") for line in result.stderr.splitlines()
                              if line.startswith("error: ")]


def read(tmp_path: Path, content: str | bytes, name: str = "x.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return read_annex(path, "x", f"data/annex/{name}", load_reference())


# =========================================================================== inputs that pass
GOOD = {
    "bom-crlf": b"\xef\xbb\xbf" + HEADER.replace("\n", "\r\n").encode()
                + b"1,Workshop,2025,,Kenya,,,,\r\n2,Seminar,2024,,Ghana,,,,\r\n",
    "cr-only": HEADER.replace("\n", "\r").encode() + b"1,Workshop,2025,,Kenya,,,,\r"
               b"2,Seminar,2024,,Ghana,,,,\r",
    "semicolons": b"id;title;start_date;beneficiaries\n1;Workshop;2025;Kenya\n2;Seminar;2024;Ghana\n",
    "tabs": b"id\ttitle\tstart_date\tbeneficiaries\n1\tWorkshop\t2025\tKenya\n2\tSeminar\t2024\tGhana\n",
    # cell contents full of the other delimiters must not mislead the delimiter detection
    "misleading-cells": b'id,title,beneficiaries\n1,"Workshop; a; b; c; d",Kenya\n'
                        b'2,"Seminar\tx\ty;z",Ghana\n',
    "form-feed-and-quotes": HEADER.encode() + b'1,"Workshop\x0c ""quoted"" title",2025,,Kenya,,,,\n'
                            b'2,"Seminar\non two lines",2024,,Ghana,,,,\n',
}
GOOD_TITLES = {
    "form-feed-and-quotes": ['Workshop "quoted" title', "Seminar on two lines"],
    "misleading-cells": ["Workshop; a; b; c; d", "Seminar x y;z"],
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_inputs_pass(tmp_path: Path, name: str) -> None:
    acts, warnings = read(tmp_path, GOOD[name])
    assert [a.title for a in acts] == GOOD_TITLES.get(name, ["Workshop", "Seminar"])
    assert [a.beneficiaries for a in acts] == [[BASE + "country/KEN"], [BASE + "country/GHA"]]
    assert warnings == []


def test_header_only_annex_is_a_report_without_activities(tmp_path: Path) -> None:
    assert read(tmp_path, HEADER) == ([], [])


# =========================================================================== generated inputs
def test_10_mb_cell_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    cell = "x" * 10_000_000
    make_data(tmp_path, notes={"case": MINIMAL_NOTE},
              annexes={"case.csv": f"{HEADER}1,Workshop,2025,,Kenya,,,,\n2,\"{cell}\",2025,,,,,,\n"})
    t0 = time.monotonic()
    code, errors = build_errors(tmp_path)
    assert time.monotonic() - t0 < 30
    assert code == 1
    assert errors == ["data/annex/case.csv:3: cell is too long (more than 131,072 characters; "
                      "at most 10,000)"]


def test_10_mb_description_in_xlsx_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["title", "description"])
    wb.active.append(["Workshop", "y" * 32_000])  # the most an XLSX cell holds
    wb.save(tmp_path / "big.xlsx")
    with pytest.raises(ErrorGroup) as info:
        read_annex(tmp_path / "big.xlsx", "x", "data/annex/big.xlsx", load_reference())
    assert [e.render() for e in info.value.errors] == [
        "data/annex/big.xlsx:2:description: cell is too long (32,000 characters; at most 10,000)"]


def test_100k_row_annex_is_read_in_bounded_time(tmp_path: Path) -> None:
    """100,000 rows are all read (errors are collected over the whole file) within a bound;
    one bad row near the end is reported with its line."""
    rows = [f"{i},Workshop {i},2025-03-{i % 28 + 1:02d},,Kenya;Ghana,health,,WIPO,online\n"
            for i in range(1, 100_001)]
    rows[99_998] = "99999,Workshop,2025,,Atlantis,,,,\n"
    t0 = time.monotonic()
    with pytest.raises(ErrorGroup) as info:
        read(tmp_path, HEADER + "".join(rows))
    took = time.monotonic() - t0
    assert [e.render() for e in info.value.errors] == [
        "data/annex/x.csv:100000:beneficiaries: unknown beneficiary 'Atlantis'"]
    assert took < 90, f"reading 100k rows took {took:.0f} s"


# =========================================================================== reference data
REFERENCE_FILES = ("ontology", "shapes", "queries", "data/reference")


@pytest.fixture(scope="module")
def home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project files that TRIPSKG_HOME can point to."""
    home = tmp_path_factory.mktemp("home")
    for rel in REFERENCE_FILES:
        shutil.copytree(ROOT / rel, home / rel)
    return home


def _clear_caches() -> None:
    from tripskg.ingest import covernote
    from tripskg.reference import load_reference as lr
    from tripskg.resources import project_root

    project_root.cache_clear()
    lr.cache_clear()
    covernote._PATTERN_CACHE.clear()


@pytest.fixture
def broken_home(home_template: Path, tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    shutil.copytree(home_template, home)
    old = os.environ.get("TRIPSKG_HOME")
    os.environ["TRIPSKG_HOME"] = str(home)
    _clear_caches()
    try:
        yield home
    finally:
        if old is None:
            os.environ.pop("TRIPSKG_HOME", None)
        else:
            os.environ["TRIPSKG_HOME"] = old
        _clear_caches()


def _edit(path: Path, change: Callable[[str], str]) -> int:
    """Apply ``change`` to a text file; the number of lines it then has."""
    text = change(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return len(text.splitlines())


def _append(row: str) -> Callable[[str], str]:
    return lambda t: t.rstrip("\n") + "\n" + row + "\n"


def _ref_case(name: str, home: Path) -> str:
    ref = home / "data" / "reference"
    if name == "missing-column":
        _edit(ref / "countries.csv", lambda t: t.replace("alpha3,", "iso3,", 1))
        return ("data/reference/countries.csv:1: missing column 'alpha3' "
                "(expected columns include alpha3, alpha2)")
    if name == "duplicate-key":
        first = next(n for n, line in enumerate(
            (ref / "countries.csv").read_text(encoding="utf-8").splitlines(), 1)
            if line.startswith("KEN,"))
        n = _edit(ref / "countries.csv", _append("KEN,KE,404,Kenya again,,,,014"))
        return (f"data/reference/countries.csv:{n}:alpha3: duplicate alpha3 'KEN' "
                f"(first on line {first})")
    if name == "empty-key":
        n = _edit(ref / "treaties.csv", _append(",Nameless treaty,,,,,,"))
        return f"data/reference/treaties.csv:{n}:key: empty 'key'"
    if name == "unknown-member":
        n = _edit(ref / "group_members.csv", _append("ldc,XXX,,,,"))
        return f"data/reference/group_members.csv:{n}: unknown country code 'XXX'"
    if name == "unknown-group":
        n = _edit(ref / "group_members.csv", _append("g77,KEN,,,,"))
        return (f"data/reference/group_members.csv:{n}: unknown group 'g77' "
                "(add it to groups.csv)")
    if name == "membership-reversed":
        n = _edit(ref / "group_members.csv", _append("ldc,KEN,2020-01-01,2010-01-01,,"))
        return (f"data/reference/group_members.csv:{n}: membership ends (2010-01-01) "
                "before it starts")
    if name == "impossible-date":
        n = _edit(ref / "wto_members.csv", _append("ZZZ,Zembla,member,31/02/1995,"))
        return (f"data/reference/wto_members.csv:{n}: 1995-02-31 does not exist "
                "(February 1995 has 28 days)")
    if name == "cp1252":
        path = ref / "organizations.csv"
        path.write_bytes(path.read_bytes() + "zz,ZZ,Organisation régionale,,,,,,,igo\n"
                         .encode("cp1252"))
        n = len(path.read_bytes().splitlines())
        return (f"data/reference/organizations.csv:{n}:21: not valid UTF-8 (byte 0xe9); it looks "
                "like Windows-1252 ('nisation régionale,,') (save the file as UTF-8)")
    if name == "missing-file":
        (ref / "groups.csv").unlink()
        return "data/reference/groups.csv: reference file is missing (restore it from the repository)"
    if name == "nul-byte":
        path = ref / "regions.csv"
        data = path.read_bytes()
        at = data.index(b"\n") + 4  # line 2, column 4
        path.write_bytes(data[:at] + b"\x00" + data[at:])
        return ("data/reference/regions.csv:2:4: binary content (NUL byte) "
                "(expected a UTF-8 text file; is this the right file?)")
    raise AssertionError(name)


REF_CASES = ["missing-column", "duplicate-key", "empty-key", "unknown-member", "unknown-group",
             "membership-reversed", "impossible-date", "cp1252", "missing-file", "nul-byte"]


@pytest.mark.parametrize("name", REF_CASES)
def test_broken_reference_data(broken_home: Path, tmp_path: Path, name: str) -> None:
    expected = _ref_case(name, broken_home)
    make_data(tmp_path, notes={"case": MINIMAL_NOTE})
    code, errors = build_errors(tmp_path)
    assert (code, errors) == (1, [expected])


# =========================================================================== query parameters
# (query, parameters, the exact message; the parameter it names is its location)
PARAM_CASES = [
    ("activities-by-country", {"country": "LDCs"},
     "parameter 'country': 'LDCs' is a group (Least developed countries), not a country"),
    ("activities-by-country", {"country": "ARIPO member states"},
     "parameter 'country': 'ARIPO member states' is a group (ARIPO member states), not a country"),
    ("activities-by-country", {"country": "Keyna"},
     "parameter 'country': unknown country 'Keyna' (did you mean 'Kenya'?)"),
    ("activities-by-country", {"country": 'Kenya" } UNION { ?s ?p ?o'},
     "parameter 'country': unknown country 'Kenya\" } UNION { ?s ?p ?o'"),
    ("activities-by-country", {"country": BASE + "group/ldc"},
     f"parameter 'country': unknown country IRI <{BASE}group/ldc>"),
    ("activities-by-country", {"contry": "KEN"},
     "query 'activities-by-country' has no parameter 'contry' (its parameters: country, kind, attribution)"),
    ("activities-in-period", {"from": "31/02/2025", "to": "2025-12-31"},
     "parameter 'from': 2025-02-31 does not exist (February 2025 has 28 days)"),
    ("activities-in-period", {"from": "2025", "to": "2025-12-31"},
     "parameter 'from': '2025' is not a full date (expected YYYY-MM-DD)"),
    ("activities-in-period", {"from": "2025-01-01", "to": "2025-12-31 } ; DROP ALL"},
     "parameter 'to': cannot read date '2025-12-31 } ; DROP ALL' (expected e.g. 2025-03-12, "
     "12/03/2025, 12 March 2025, 12-14 March 2025, March 2025 or 2025)"),
    ("mentions", {"report": "http://x/a>b"},
     "parameter 'report': 'http://x/a>b' is not an absolute http(s) IRI "
     "(IRIs may not contain spaces, quotes, braces or <>)"),
    ("mentions", {"report": "javascript:alert(1)"},
     "parameter 'report': 'javascript:alert(1)' is not an absolute http(s) IRI "
     "(IRIs may not contain spaces, quotes, braces or <>)"),
    ("activities-by-treaty", {"treaty": f"<{BASE}treaty/pct>"},
     f"parameter 'treaty': '<{BASE}treaty/pct>' is not an absolute http(s) IRI "
     "(IRIs may not contain spaces, quotes, braces or <>)"),
    ("reports", {"kind": "real } UNION { ?s ?p ?o"},
     "parameter 'kind': unknown data kind 'real } UNION { ?s ?p ?o' "
     "(expected one of real, example, synthetic, test-fixture or all)"),
    ("activities-by-policy-area", {"area": "helth"},
     "parameter 'area': unknown policy area 'helth' (did you mean 'health'?)"),
    ("activities-by-country", {"country": "KEN", "attribution": "infered"},
     "parameter 'attribution': unknown attribution 'infered' (did you mean 'attached by tripskg'?)"),
    ("reports", {"report_kind": "compilations } UNION { ?s ?p ?o"},
     "parameter 'report_kind': unknown report kind 'compilations } UNION { ?s ?p ?o'"),
    ("ldc-beneficiaries", {"by": "LDCs"},
     "parameter 'by': 'LDCs' is a group (Least developed countries), not an organization"),
    ("ldc-beneficiaries", {"since": "2025-13-01"},
     "parameter 'since': month 13 does not exist (expected 1-12)"),
]


@pytest.mark.parametrize(("query", "params", "message"), PARAM_CASES,
                         ids=[f"{q}-{'-'.join(p)}-{i}" for i, (q, p, _) in enumerate(PARAM_CASES)])
def test_bad_query_parameters_cli(tmp_path: Path, query: str, params: dict[str, str],
                                  message: str) -> None:
    args = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
    result = run_cli("query", query, *args, "--from", str(tmp_path / "no-dist"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {message}"]


# =========================================================================== fuzzing
@fuzz(150)
@given(st.binary(max_size=600))
def test_fuzz_cover_note_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("note") / "fuzz.txt"
    path.write_bytes(data)
    try:
        parse_cover_note(path, "fuzz", "data/documents/fuzz.txt", load_reference())
    except InputError as e:
        assert e.source == "data/documents/fuzz.txt"


SENTENCES = [
    "At its meeting of {d}, the Council for TRIPS invited observers to report.",
    "The present document reproduces the information received from the World Health "
    "Organization (WHO) by means of a communication dated {d}.",
    "The Annex lists activities undertaken in the period from {d} to {e}.",
    "This report covers the period {d} - {e} and updates document IP/C/W/{n}.",
    "Information prepared by the {w} Secretariat on {d}.",
]
DATE_PARTS = st.one_of(
    st.builds(lambda d, m, y: f"{d} {m} {y}", st.integers(0, 40),
              st.sampled_from(["January", "February", "Febuary", "juin", "Sept.", "13", ""]),
              st.integers(0, 12000)),
    st.builds(lambda d, e, m, y: f"{d}-{e} {m} {y}", st.integers(0, 40), st.integers(0, 40),
              st.sampled_from(["March", "mars", "marzo"]), st.integers(999, 10000)),
    st.text(max_size=12),
)


@fuzz(120)
@given(st.lists(st.tuples(st.sampled_from(SENTENCES), DATE_PARTS, DATE_PARTS,
                          st.text(max_size=8)), min_size=1, max_size=5))
def test_fuzz_cover_note_templates(tmp_path_factory: pytest.TempPathFactory,
                                   parts: list[tuple[str, str, str, str]]) -> None:
    """Notes made of the real template sentences with odd dates and names: every fact is
    found or left out, or the error names the line of its paragraph."""
    paras = [f"{i}.  " + s.format(d=d, e=e, n=w, w=w) for i, (s, d, e, w) in enumerate(parts, 1)]
    path = tmp_path_factory.mktemp("note") / "fuzz.txt"
    path.write_text("TEST FIXTURE - fuzz\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    try:
        parse_cover_note(path, "fuzz", "data/documents/fuzz.txt", load_reference())
    except InputError as e:
        assert e.source == "data/documents/fuzz.txt"
        assert e.line is not None and e.line >= 3


DATE_FORMS = [
    "{y}-{m}-{d}", "{d}/{m}/{y}", "{d}.{m}.{y}", "{m}/{y}", "{y}-{m}", "{y}", "{d} {M} {y}",
    "{M} {d}, {y}", "{M} {y}", "{d}-{e} {M} {y}", "{d} {M} - {e} {M} {y}", "{M} - {M} {y}",
    "{d}/{m}/{y} to {e}/{m}/{y}", "{d}th {M} {y}",
]


@fuzz(400)
@given(st.sampled_from(DATE_FORMS), st.integers(-5, 99), st.integers(-5, 99),
       st.integers(-1, 20), st.integers(0, 99_999),
       st.sampled_from(["March", "Feb", "février", "Sept.", "agosto", "Marchh", ""]))
def test_fuzz_dates_every_form(form: str, d: int, e: int, m: int, y: int, month: str) -> None:
    text = form.format(d=d, e=e, m=m, y=y, M=month)
    for parse in (parse_date, parse_range):
        try:
            out = parse(text)
        except InputError as err:
            assert err.message and err.source is None  # located by the caller
            continue
        for part in out if isinstance(out, tuple) else (out,):
            assert part is None or isinstance(part, PartialDate)


CSV_ALPHABET = st.sampled_from(list('",;\t\n\r =+@-#\\\'') + ["Kenya", "2025", "LDCs", "a", "é",
                                                               "\u2028", "\x85", "\ufeff"])


@fuzz(150)
@given(st.binary(max_size=400))
def test_fuzz_annex_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    _read_or_located(tmp_path_factory.mktemp("annex"), b"id,title,start_date,beneficiaries\n"
                     + data)


@fuzz(150)
@given(st.lists(st.lists(st.lists(CSV_ALPHABET, max_size=8).map("".join), min_size=1,
                         max_size=6), max_size=6))
def test_fuzz_annex_csv_significant_cells(tmp_path_factory: pytest.TempPathFactory,
                                          rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "title", "start_date", "end_date", "beneficiaries", "partners"])
    w.writerows(rows)
    _read_or_located(tmp_path_factory.mktemp("annex"), buf.getvalue().encode("utf-8"))


@fuzz(25)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(
    allow_nan=False), st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]),
                              max_size=20)), min_size=1, max_size=5), max_size=4))
def test_fuzz_annex_xlsx_cells(tmp_path_factory: pytest.TempPathFactory,
                               rows: list[list[object]]) -> None:
    from openpyxl import Workbook

    folder = tmp_path_factory.mktemp("xlsx")
    wb = Workbook()
    wb.active.append(["id", "title", "start_date", "end_date", "beneficiaries"])
    for r in rows:
        wb.active.append(r)
    wb.save(folder / "fuzz.xlsx")
    _read_or_located(folder, None, "fuzz.xlsx")


def _read_or_located(folder: Path, data: bytes | None, name: str = "fuzz.csv") -> None:
    path = folder / name
    if data is not None:
        path.write_bytes(data)
    display = f"data/annex/{name}"
    try:
        read_annex(path, "fuzz", display, load_reference())
    except ErrorGroup as g:
        assert g.errors
        for e in g.errors:
            assert isinstance(e, TripsKGError) and e.source == display, e
    except InputError as e:
        assert e.source == display, e


HOSTILE_PIECES = ['"', "'", "}", "{", "#", "\n", ">", "<", " ", "\\", "DROP ALL", "INSERT DATA",
                  "} UNION { ?s ?p ?o", "http://x/", "Kenya", "2025-01-01", "health", "real",
                  "\\u0022", "^^", "@en", "?s", "$x", ";", "."]
HOSTILE_VALUES = st.one_of(st.text(max_size=40),
                           st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=6)
                           .map("".join))
ALL_TYPES = [t for t in PARAM_TYPES if t != "concept"] + ["concept:policy-area",
                                                          "concept:activity-type"]


@fuzz(300)
@given(st.sampled_from(ALL_TYPES), HOSTILE_VALUES)
def test_fuzz_parameter_binding_every_type(ptype: str, value: str) -> None:
    """Any value of any parameter type binds to exactly one RDF term (the query keeps its
    structure: one VALUES row, one solution) or is refused with a message naming it."""
    q = SavedQuery("t", "t", "t", [Param("p", ptype)], ["x"],
                   f"SELECT ?x WHERE {{\n  {MARKER}\n  BIND(?p AS ?x)\n}}")
    try:
        text, bound = bind(q, {"p": value}, load_reference())
    except QueryError as e:
        assert e.message.startswith(("parameter 'p'", "query 't' needs parameter 'p'")), e
        return
    assert list(bound) == ["p"]
    assert text == q.text.replace(MARKER, f"VALUES (?p) {{ ({bound['p']}) }}")
    rows = list(ox.Store().query(text))
    assert len(rows) == 1 and rows[0]["x"] == bound["p"]


# =========================================================================== round trip
DUMP_FORMATS = {
    "tripskg.ttl": ox.RdfFormat.TURTLE, "tripskg.nt.gz": ox.RdfFormat.N_TRIPLES,
    "tripskg.trig": ox.RdfFormat.TRIG, "tripskg.nq.gz": ox.RdfFormat.N_QUADS,
    "tripskg.jsonld": ox.RdfFormat.JSON_LD, "tripskg.rdf": ox.RdfFormat.RDF_XML,
}
NASTY_TITLES = ['a """ b', '"""', "x > y <z>", "back\\slash \\u0000 \\n \\", "quote \" and '",
                "ünïcödé ✓ 𝔘 😀", "del\x7f c1 \x85\x9f", "]]> </title> <![CDATA[", "&amp; &lt;",
                "nbsp\u00a0 \u2028 \u2029 sep", "@prefix x: <y> .", "_:b0 <a> \"c\" .",
                '{"@id": "x"}', "tab\tand\nnewline", "trailing backslash \\", "#comment"]


def _allowed_title(s: str) -> bool:
    """What the annex reader accepts as a title (by design it refuses NUL, control
    characters, formula-like cells, blank and over-long titles)."""
    t = s.strip()
    return bool(t) and "\x00" not in s and not CONTROL.search(s) and not FORMULA.match(t) \
        and len(t) <= 1000


TITLE_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1,
                     max_size=40).filter(_allowed_title)


def _round_trip(root: Path, titles: list[str]) -> None:
    from tripskg.build import build_graph
    from tripskg.publish import atomic_output, publish

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "title"])
    w.writerows([i, t] for i, t in enumerate(titles, 1))
    data = make_data(root, notes={"case": MINIMAL_NOTE},
                     annexes={"case.csv": buf.getvalue().encode("utf-8")})
    result = build_graph(data)
    with atomic_output(root / "dist") as work:
        publish(result, work, settings=BuildSettings(site=False))
    expected = {i: " ".join(t.split()) for i, t in enumerate(titles, 1)}
    dist = root / "dist"
    for name, fmt in DUMP_FORMATS.items():
        raw = (dist / name).read_bytes()
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
        if name.endswith(".rdf"):
            ET.fromstring(raw)  # well-formed XML 1.0 (not only readable by pyoxigraph)
        got = {int(q.subject.value.rsplit("/", 1)[1]): q.object.value
               for q in ox.parse(raw, format=fmt)
               if q.predicate.value == DCT_TITLE and "/activity/case/" in q.subject.value}
        assert got == expected, name


def test_round_trip_turtle_significant_titles(tmp_path: Path) -> None:
    _round_trip(tmp_path, NASTY_TITLES)


@fuzz(4, deadline=None)
@given(st.lists(TITLE_TEXT, min_size=1, max_size=25))
def test_round_trip_any_title(tmp_path_factory: pytest.TempPathFactory,
                              titles: list[str]) -> None:
    _round_trip(tmp_path_factory.mktemp("rt"), titles)


def test_control_characters_are_refused_with_their_place(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read(tmp_path, HEADER + "1,ok,2025,,,,,,\n2,bell \x07,2025,,,,,,\n")
    assert info.value.render() == ("data/annex/x.csv:3:8: control character U+0007 in text "
                                   "(only tabs and line breaks are allowed; remove it)")


# =========================================================================== the server
TOKEN = "hardening-write-token"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
XSS_KEY = "xss-hardening"
XSS_NOTE = (MINIMAL_NOTE.replace("TEST FIXTURE - ", f"EXAMPLE DATA - {SCRIPT} {IMG} - ", 1))
XSS_ROWS = [
    ["id", "title", "description", "start_date", "beneficiaries", "location", "mode"],
    ["1", SCRIPT, f"{IMG} and {SCRIPT} in a description", "2025-03-01", "Kenya", IMG, "online"],
    ["2", IMG, f"<svg onload=alert(1)> {SCRIPT}", "2025-04-01", "Ghana", SCRIPT, "online"],
]
SECRET = "TOP-SECRET-OUTSIDE-DIST"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ASK = "ASK { ?s ?p ?o }"


def _xss_annex(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def _publish(root: Path, rows: list[list[str]]) -> Path:
    """dist/ (a symbolic link into dist.builds/, as ``tripskg build`` makes it) of the seed
    note plus an example report whose labels are markup."""
    from tripskg.build import build_graph
    from tripskg.publish import atomic_output, publish

    from .conftest import SEED

    data = make_data(root, notes={SEED.stem: SEED.read_text(encoding="utf-8")})
    examples = data / "examples"
    examples.mkdir(exist_ok=True)
    (examples / f"{XSS_KEY}.txt").write_text(XSS_NOTE, encoding="utf-8")
    (examples / f"{XSS_KEY}.csv").write_text(_xss_annex(rows), encoding="utf-8")
    result = build_graph(data)
    with atomic_output(root / "dist") as work:
        publish(result, work)
    return root / "dist"


@pytest.fixture(scope="module")
def hard_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hard")
    dist = _publish(root, XSS_ROWS)
    # files outside dist/ reachable through symbolic links inside it
    secret = root / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    build = dist.resolve()
    (build / "leak.ttl").symlink_to(secret)
    (build / "ontology" / "passwd").symlink_to("/etc/passwd")
    (build / "ontology" / "up").symlink_to("/")
    (build / "ontology" / "secret.html").symlink_to(secret)
    with (build / "SHA256SUMS").open("a", encoding="utf-8") as fh:  # even when listed
        fh.write(f"{'0' * 64}  leak.ttl\n")
    return dist


@pytest.fixture(scope="module")
def hard_server(server_factory, hard_dist: Path):  # type: ignore[no-untyped-def]
    """A server over ``hard_dist`` with the write token set (so Update *could* run)."""
    return server_factory("--timeout", "2", "--limit", "1000", "--workers", "2",
                          "--write-token", TOKEN, dist=hard_dist)


@pytest.fixture
def hc(hard_server) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=hard_server.url, timeout=30) as c:
        yield c


def _triples(c: httpx.Client) -> int:
    r = c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
              headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def _cheap_ok(c: httpx.Client, limit: float = 1.0) -> None:
    t0 = time.monotonic()
    r = c.get("/sparql", params={"query": ASK})
    took = time.monotonic() - t0
    assert r.status_code == 200, r.text
    assert took < limit, f"a cheap query took {took:.2f} s"


MALFORMED = [
    "SELECT * WHERE { ?s ?p ?o", "SELEKT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p }",
    "PREFIX x <y> SELECT * {}", "SELECT * WHERE { ?s <no spaces allowed> ?o }",
    "SELECT * WHERE { ?s unknown:p ?o }", "SELECT (COUNT(* AS ?n) {}", "\x00", "}}}}",
    "SELECT * WHERE { FILTER(?x = ) }", "ASK { BIND(1 AS ?x) BIND(2 AS ?x) }",
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_are_400(hc: httpx.Client, query: str) -> None:
    for r in (hc.get("/sparql", params={"query": query}),
              hc.post("/sparql", content=query.encode(),
                      headers={"Content-Type": "application/sparql-query"})):
        assert r.status_code == 400, (query, r.status_code, r.text)
        assert r.text.startswith(("malformed query", "bad request")), r.text


def _raw(url: str, request: bytes, read: int | None = None, timeout: float = 10) -> bytes:
    """Send a raw HTTP request (no client-side normalisation); read ``read`` bytes or all."""
    from urllib.parse import urlparse

    u = urlparse(url)
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while read is None or len(data) < read:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            data += chunk
        return data


def test_1mb_queries_are_refused_quickly(hc: httpx.Client, hard_server) -> None:  # type: ignore[no-untyped-def]
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (1 << 20)
    for r in (hc.post("/sparql", content=big.encode(),
                      headers={"Content-Type": "application/sparql-query"}),
              hc.post("/sparql", data={"query": big})):
        assert r.status_code == 413, r.text
        assert "query too large" in r.text
        assert r.elapsed.total_seconds() < 2
    # a body announced as 2 GB is refused before it is read
    t0 = time.monotonic()
    head = _raw(hard_server.url, b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/sparql-query\r\nContent-Length: 2000000000\r\n\r\n"
                b"SELECT", read=12)
    assert head.startswith(b"HTTP/1.1 413"), head[:100]
    assert time.monotonic() - t0 < 2
    # a 1 MB query string: the HTTP parser refuses the request line
    t0 = time.monotonic()
    head = _raw(hard_server.url, b"GET /sparql?query=" + b"x" * (1 << 20)
                + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert head.split(b"\r\n", 1)[0] in (b"HTTP/1.1 400 Bad Request", b"HTTP/1.1 414 URI Too Long",
                                         b""), head[:100]
    assert time.monotonic() - t0 < 2
    # a query just under the limit still runs
    near = "ASK { ?s ?p ?o } #" + "x" * 990_000
    assert hc.post("/sparql", content=near.encode(),
                   headers={"Content-Type": "application/sparql-query"}).status_code == 200
    _cheap_ok(hc)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{ " * 2000 + "?s ?p ?o" + " }" * 2000,
    "SELECT * WHERE { " + "OPTIONAL { " * 2000 + "?s ?p ?o" + " }" * 2000 + " }",
    "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "ASK { ?s ?p (" + "(" * 3000 + "1" + ")" * 3000 + ") }",
])
def test_deeply_nested_queries_are_400(hc: httpx.Client, query: str) -> None:
    r = hc.post("/sparql", content=query.encode(),
                headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400, r.text
    assert r.text.startswith("query nested too deeply (")
    _cheap_ok(hc)


def test_brackets_in_strings_iris_and_comments_do_not_count(hc: httpx.Client) -> None:
    q = ('ASK { BIND("' + "((((" * 50 + '" AS ?x) BIND(<http://x/' + "%7B" * 10 + '> AS ?y) }'
         + "\n# " + "{" * 500 + "\n")
    r = hc.get("/sparql", params={"query": q})
    assert r.status_code == 200, r.text


def test_cartesian_product_is_503_within_timeout_plus_1s(hc: httpx.Client) -> None:
    t0 = time.monotonic()
    r = hc.get("/sparql", params={"query": CARTESIAN})
    took = time.monotonic() - t0
    assert r.status_code == 503 and "timed out" in r.text
    assert took < 2 + 1, f"503 after {took:.2f} s (timeout 2 s)"
    assert r.headers["retry-after"] == "5"
    # saved-query API: same limit (a cheap query here; its own path is bounded the same way)
    _cheap_ok(hc, 2.0)  # the killed worker is being replaced


def _slow(url: str, out: list[tuple[int, float]]) -> None:
    t0 = time.monotonic()
    try:
        r = httpx.get(url + "/sparql", params={"query": CARTESIAN}, timeout=30)
        out.append((r.status_code, time.monotonic() - t0))
    except httpx.HTTPError:
        out.append((0, time.monotonic() - t0))


def test_cheap_queries_answer_while_slow_queries_hold_every_worker(
        hc: httpx.Client, hard_server) -> None:  # type: ignore[no-untyped-def]
    """As many slow queries as regular workers (2): cheap SPARQL queries (on the spare
    worker), pages and saved queries are all answered within 1 s throughout."""
    time.sleep(1.5)  # workers replaced by earlier tests are back
    slow: list[tuple[int, float]] = []
    threads = [threading.Thread(target=_slow, args=(hard_server.url, slow)) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    t_end = time.monotonic() + 1.5
    while time.monotonic() < t_end:
        _cheap_ok(hc)
        t0 = time.monotonic()
        assert hc.get("/id/country/KEN").status_code == 200
        assert hc.get("/").status_code == 200
        assert time.monotonic() - t0 < 1.0
        time.sleep(0.1)
    for t in threads:
        t.join(30)
    assert [s for s, _ in slow] == [503, 503]
    assert all(took < 3 for _, took in slow), slow


def test_more_slow_queries_than_workers_are_all_answered_in_bounded_time(
        hc: httpx.Client, hard_server) -> None:  # type: ignore[no-untyped-def]
    """6 slow queries at once (2 workers + 1 spare): each gets 503 (timed out, or busy)
    within the timeout plus 2 s, none is lost, and the server answers at once afterwards."""
    time.sleep(1.5)
    slow: list[tuple[int, float]] = []
    threads = [threading.Thread(target=_slow, args=(hard_server.url, slow)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(s for s, _ in slow) == [503] * 6, slow
    assert max(took for _, took in slow) < 2 + 2, slow
    time.sleep(2)  # killed workers are replaced
    _cheap_ok(hc)


def test_clients_disconnecting_mid_response(hc: httpx.Client, hard_server) -> None:  # type: ignore[no-untyped-def]
    import struct

    requests = [
        b"GET /downloads/tripskg.nq.gz HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /downloads/tripskg.ttl HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n",
        b"GET /sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D HTTP/1.1\r\nHost: x\r\n"
        b"Accept: text/turtle\r\n\r\n",
        b"GET /list/tkg-Activity.csv HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /sparql?query=" + CARTESIAN.replace(" ", "%20").encode() + b" HTTP/1.1\r\n"
        b"Host: x\r\n\r\n",  # gone before its answer exists
    ]
    from urllib.parse import urlparse

    u = urlparse(hard_server.url)
    for _ in range(5):
        for req in requests:
            s = socket.create_connection((u.hostname, u.port), timeout=10)
            s.sendall(req)
            if b"COUNT" not in req:
                s.recv(200)
            # close with a reset (SO_LINGER 0), as a killed client does
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
    assert hard_server.proc.poll() is None, "the server died"
    time.sleep(2.5)  # the abandoned slow queries time out and their workers are replaced
    _cheap_ok(hc)
    assert hc.get("/downloads/tripskg.nq.gz").status_code == 200


HOSTILE_PARAMS = ['"} ; DROP ALL ; #', "x\" } UNION { ?s ?p ?o } #", "a\nb", "<script>",
                  "> <http://evil/>", "INSERT DATA { <a> <b> <c> }", "http://x/a b",
                  "'; DELETE WHERE { ?s ?p ?o } #", "\\u0022", "2025-01-01\" . ?s ?p ?o . \"",
                  "all } ; CLEAR ALL", "KEN\u0000", "%00", "{{7*7}}"]


GOOD_PARAMS = {"country": "KEN", "report": BASE + "report/wipo-technical-cooperation-2025",
               "from": "2024-01-01", "to": "2025-12-31", "area": "health"}


def test_hostile_api_parameters_cannot_change_a_query_or_reach_update(
        hc: httpx.Client) -> None:
    before = _triples(hc)
    queries = hc.get("/api/queries").json()
    checked = 0
    for q in queries:
        for p in q["params"]:
            for value in HOSTILE_PARAMS:
                params = {o["name"]: GOOD_PARAMS[o["name"]] for o in q["params"] if o["required"]}
                params.update({p["name"]: value, "shape": "rows"})
                r = hc.get(f"/api/queries/{q['name']}", params=params)
                assert r.status_code in (200, 400), (q["name"], p["name"], value, r.text)
                if r.status_code == 400:
                    assert r.json()["parameter"] == p["name"], r.text
                else:  # accepted as a plain value (a string, an unknown IRI): no rows leak
                    assert r.json()["columns"] == q["columns"] or r.json()["rows"] == []
                checked += 1
        for reserved, value in (("format", "json } ; DROP ALL"), ("shape", "<script>")):
            r = hc.get(f"/api/queries/{q['name']}", params={reserved: value})
            assert r.status_code == 400 and r.json()["parameter"] == reserved
            assert "<script>" not in r.headers.get("content-type", "")
    assert checked > 100
    # the HTML form pages: the same binding, and the value comes back escaped
    r = hc.get("/queries/activities-by-country", params={"country": SCRIPT})
    assert r.status_code == 400 and SCRIPT not in r.text
    assert _triples(hc) == before, "a parameter value changed the data"
    # an update sent as a saved-query parameter or as a query is never run
    assert hc.post("/sparql", data={"query": "CLEAR ALL"}).status_code == 400
    assert hc.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    assert _triples(hc) == before


@pytest.mark.parametrize("path", [
    "/downloads/leak.ttl",                       # a symlink listed in SHA256SUMS
    "/ontology/passwd", "/ontology/up/etc/passwd", "/ontology/secret.html",
    "//etc/passwd", "/static//etc/passwd", "/downloads//etc/passwd", "/ontology//etc/passwd",
    "/downloads/%2fetc%2fpasswd", "/static/%2fetc%2fpasswd", "/ontology/%2fetc%2fpasswd",
    "/ontology/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/ontology/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "/ontology/../../secret.txt",
    "/static/..\\..\\..\\pyproject.toml", "/static/%5c..%5c..%5cpyproject.toml",
    "/id//etc/passwd", "/def//etc/passwd", "/downloads/.%2e/secret.txt",
    "/static/%252e%252e/%252e%252e/pyproject.toml", "/site/../secret.txt",
])
def test_paths_never_leave_dist(hard_server, path: str) -> None:  # type: ignore[no-untyped-def]
    raw = _raw(hard_server.url, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
               .encode())
    status = raw.split(b"\r\n", 1)[0]
    assert status in (b"HTTP/1.1 404 Not Found", b"HTTP/1.1 400 Bad Request"), (path, status)
    assert SECRET.encode() not in raw and b"root:" not in raw and b"[project]" not in raw


def test_symlinked_files_are_not_downloads(hc: httpx.Client) -> None:
    html = hc.get("/").text
    assert "leak.ttl" not in html
    assert hc.get("/downloads/void.ttl").status_code == 200


def _vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def test_zz_peak_rss_stays_bounded(hard_server) -> None:  # type: ignore[no-untyped-def]
    """After every fault above: the server's peak RSS (VmHWM) and its workers'."""
    pid = hard_server.proc.pid
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    main = _vm_hwm_kb(pid) / 1024
    workers = [_vm_hwm_kb(c) / 1024 for c in children]
    report = (f"server peak RSS {main:.0f} MB; workers {', '.join(f'{w:.0f}' for w in workers)}"
              " MB (VmHWM)")
    print(report)
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "hardening-rss.txt").write_text(report + "\n", encoding="utf-8")
    assert main < 1024 and all(w < 1024 for w in workers), report


# =========================================================================== escaping in Chromium
XSS_PAGES = [
    "/", "/classes", "/list/tkg-Activity", "/list/tkg-Report", "/list/tkg-Place",
    f"/id/report/{XSS_KEY}", f"/id/activity/{XSS_KEY}/1", f"/id/activity/{XSS_KEY}/2",
    "/search?q=alert", "/search?q=" + SCRIPT, "/search?q=" + IMG,
    "/queries/activities-by-country?country=KEN&kind=all",
    "/queries/activities-by-country?country=" + IMG, "/queries/mentions?report=" + IMG,
    "/queries/reports?kind=example", "/id/" + SCRIPT, "/def/" + IMG, "/queries",
    "/query", "/api/docs",
]


@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    from .test_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).is_file():
        pytest.skip("Debian package 'chromium' is not installed (make system-deps)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_markup_in_labels_renders_as_text_on_every_page_type(
        chromium, hard_server, hard_dist: Path) -> None:  # type: ignore[no-untyped-def]
    """Labels ``<script>alert(1)</script>`` and ``"><img src=x onerror=alert(1)>``: no dialog
    opens, no element is injected, on the server's pages and the static site's."""
    context = chromium.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
    page.set_default_timeout(20_000)
    site = hard_dist / "site"
    static = [site / "index.html", *sorted((site / "id" / "activity" / XSS_KEY).glob("*.html")),
              site / "id" / "report" / f"{XSS_KEY}.html"]
    urls = [hard_server.url + p for p in XSS_PAGES] + [f.as_uri() for f in static if f.is_file()]
    assert len(urls) > len(XSS_PAGES) + 2, "the static site pages are missing"
    page.goto("data:text/html,<img src=x onerror=alert(1)>")  # the detector works
    page.wait_for_timeout(200)
    assert len(dialogs) == 1
    dialogs.clear()
    shown = 0
    for url in urls:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(50)
        assert page.locator("img[src='x'], svg[onload], script:not([src])").evaluate_all(
            "els => els.filter(e => /alert/.test(e.outerHTML)).length") == 0, url
        text = page.locator("body").inner_text()
        shown += SCRIPT in text or IMG in text
    context.close()
    assert dialogs == [], dialogs
    assert shown >= 8, "the labels should be shown (as text) on the pages that list them"


# =========================================================================== reload
def test_sighup_reloads_a_new_dist_without_dropping_requests(
        server_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`tripskg build` swaps the dist/ link; SIGHUP makes the server load it: requests made
    all along are answered (none fails), and then the new data is served."""
    import signal

    dist = _publish(tmp_path, XSS_ROWS)
    srv = server_factory("--timeout", "2", dist=dist)
    new_activity = f"/id/activity/{XSS_KEY}/3"
    failures: list[str] = []
    counts = {"n": 0}
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=srv.url, timeout=30) as c:
            while not stop.is_set():
                for path in ("/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", "/id/country/KEN",
                             "/downloads/void.ttl", "/api/queries/reports?kind=example"):
                    try:
                        r = c.get(path)
                        if r.status_code != 200:
                            failures.append(f"{path}: {r.status_code}")
                        elif path.startswith("/downloads/"):
                            etag = r.headers["etag"].strip('"')
                            if hashlib.sha256(r.content).hexdigest() != etag:
                                failures.append(f"{path}: ETag does not match the body")
                    except httpx.HTTPError as e:
                        failures.append(f"{path}: {type(e).__name__}")
                    counts["n"] += 1

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        with httpx.Client(base_url=srv.url, timeout=30) as c:
            assert c.get(new_activity).status_code == 404
            old_build = dist.resolve()
            _publish(tmp_path, [*XSS_ROWS, ["3", "Added by the second build", "", "2025-05-01",
                                            "Kenya", "", "online"]])
            assert dist.resolve() != old_build
            time.sleep(1)
            assert c.get(new_activity).status_code == 404  # still the loaded build
            os.kill(srv.proc.pid, signal.SIGHUP)
            deadline = time.monotonic() + 120
            while c.get(new_activity).status_code != 200:
                assert time.monotonic() < deadline, "the server did not reload"
                assert srv.proc.poll() is None, "SIGHUP stopped the server"
                time.sleep(0.5)
            time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert failures == []
    assert counts["n"] > 20
