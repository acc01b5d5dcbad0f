"""Annex readers and the bad-input corpus (tests/data/bad: input + exact expected messages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import MINIMAL_NOTE, TESTS, make_data, run_cli, tree_digest
from tripskg.errors import ErrorGroup, InputError, TripsKGError
from tripskg.ingest.annex import read_annex
from tripskg.reference import load_reference

BAD = TESTS / "data" / "bad"
BASE = "https://w3id.org/tripskg/id/"
HEADER = "id,title,start_date,end_date,beneficiaries,policy_areas,treaties,partners,mode\n"


def bad_cases() -> list[str]:
    return sorted(p.stem for p in BAD.glob("*.expected"))


def case_input(name: str) -> Path:
    found = [p for p in BAD.glob(f"{name}.*") if p.suffix not in (".expected", ".py")]
    assert len(found) == 1, f"{name}: expected one input file, found {found}"
    return found[0]


@pytest.mark.parametrize("name", bad_cases())
def test_bad_input_corpus(tmp_path: Path, name: str) -> None:
    source = case_input(name)
    if source.suffix == ".txt":
        make_data(tmp_path, notes={}, annexes={})
        (tmp_path / "data" / "documents" / "case.txt").write_bytes(source.read_bytes())
    else:
        make_data(tmp_path, notes={"case": MINIMAL_NOTE},
                  annexes={f"case{source.suffix}": source})
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "tripskg.ttl").write_text("# previous build\n", encoding="utf-8")
    before = tree_digest(dist)

    result = run_cli("build", "--data", "data", "--out", "dist", cwd=tmp_path)

    expected = (BAD / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    errors = [line.removeprefix("error: ") for line in result.stderr.splitlines()
              if line.startswith("error: ")]
    assert result.exit_code == 1, result.stderr
    assert errors == expected
    assert "nothing was written" in result.stderr
    assert tree_digest(dist) == before


def test_corpus_is_complete() -> None:
    inputs = {p.stem for p in BAD.iterdir() if p.suffix not in (".expected", ".py")}
    assert inputs == set(bad_cases()), "every bad input needs its .expected file"
    assert len(inputs) >= 25


def annex(tmp_path: Path, text: str, name: str = "x.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_annex(path, "x", f"data/annex/{name}", load_reference())


@pytest.mark.parametrize(("cell", "start", "end"), [
    ("2025-03-12", "2025-03-12", None),
    ("12/03/2025", "2025-03-12", None),
    ("12-14 March 2025", "2025-03-12", "2025-03-14"),
    ("March 2025", "2025-03", None),
    ("2025", "2025", None),
])
def test_annex_date_forms(tmp_path: Path, cell: str, start: str, end: str | None) -> None:
    (act,), _ = annex(tmp_path, f"{HEADER}1,Workshop,{cell},,Kenya,,,,\n")
    assert act.start.lexical() == start
    assert (act.end.lexical() if act.end else None) == end


@pytest.mark.parametrize(("cell", "iri"), [
    ("Kyrgyz Republic", "country/KGZ"),        # WTO spelling
    ("Kyrgyzstan", "country/KGZ"),             # ISO name
    ("KE", "country/KEN"),                     # alpha-2
    ("KEN", "country/KEN"),                    # alpha-3
    ("Türkiye", "country/TUR"),
    ("Turkey", "country/TUR"),
    ("Viet Nam", "country/VNM"),
    ("Vietnam", "country/VNM"),
    ("Côte d'Ivoire", "country/CIV"),
    ("Cote d'Ivoire", "country/CIV"),
    ("Chinese Taipei", "country/TWN"),
    ("European Union", "member/EU"),
    ("Sénégal", "country/SEN"),                # French
    ("Perú", "country/PER"),                   # Spanish
    ("LDCs", "group/ldc"),
    ("ARIPO member states", "group/aripo-members"),
    ("Africa", "region/002"),
    ("Latin America and the Caribbean", "region/419"),
])
def test_beneficiary_forms(tmp_path: Path, cell: str, iri: str) -> None:
    (act,), _ = annex(tmp_path, f'{HEADER}1,Workshop,2025,,"{cell}",,,,\n')
    assert act.beneficiaries == [BASE + iri]


def test_lists_and_vocabularies_resolve(tmp_path: Path) -> None:
    (act,), warnings = annex(
        tmp_path,
        f"{HEADER}1,Workshop,2025,,Kenya; Ghana ;Kenya,public health;Technology transfer,"
        "TRIPS Agreement;PCT,WIPO;World Health Organization,online\n",
    )
    assert act.beneficiaries == [BASE + "country/KEN", BASE + "country/GHA"]
    assert [i.rsplit("/", 1)[1] for i in act.policy_areas] == ["health", "technology-transfer"]
    assert [i.rsplit("/", 1)[1] for i in act.treaties] == ["trips", "pct"]
    assert [i.rsplit("/", 1)[1] for i in act.partners] == ["wipo", "who"]
    assert [i.rsplit("/", 1)[1] for i in act.modes] == ["online"]
    assert warnings == []


def test_headers_case_and_space_insensitive_and_etrips_layout(tmp_path: Path) -> None:
    text = ("#,Title of programme or activity,Start date,Beneficiary Members or observers,Notes\n"
            "1,IP Key China,01/09/2017,China,x\n")
    (act,), warnings = annex(tmp_path, text)
    assert (act.id, act.title, act.start.lexical()) == ("1", "IP Key China", "2017-09-01")
    assert act.beneficiaries == [BASE + "country/CHN"]
    assert [w.render() for w in warnings] == ["data/annex/x.csv:1:5: unknown column 'Notes' ignored"]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}1,Workshop,2025,,Kenya,,,,\r\n".encode())
    (act,), _ = read_annex(path, "x", "x.csv", load_reference())
    assert act.title == "Workshop"


def test_xlsx_and_docx_tables(tmp_path: Path) -> None:
    import docx
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ID", "Title", "Start_Date", "Beneficiaries"])
    ws.append([7, "Seminar", "2024-11-05", "Peru"])
    wb.save(tmp_path / "a.xlsx")
    (act,), _ = read_annex(tmp_path / "a.xlsx", "a", "a.xlsx", load_reference())
    assert (act.id, act.start.lexical(), act.beneficiaries) == ("7", "2024-11-05",
                                                                [BASE + "country/PER"])
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Title", "Beneficiaries"
    t.cell(1, 0).text, t.cell(1, 1).text = "Course", "LDCs"
    d.save(str(tmp_path / "b.docx"))
    (act,), _ = read_annex(tmp_path / "b.docx", "b", "b.docx", load_reference())
    assert (act.id, act.title, act.beneficiaries) == ("1", "Course", [BASE + "group/ldc"])


def test_all_errors_of_a_file_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ErrorGroup) as info:
        annex(tmp_path, f"{HEADER}1,A,2025,,Atlantis,,,,\n2,B,2025,,Kenya,,Narnia Treaty,,\n")
    assert [e.render() for e in info.value.errors] == [
        "data/annex/x.csv:2:beneficiaries: unknown beneficiary 'Atlantis'",
        "data/annex/x.csv:3:treaties: unknown treaty 'Narnia Treaty'",
    ]


@settings(max_examples=100, deadline=1000, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=30), min_size=5, max_size=5), max_size=5))
def test_any_annex_reads_or_raises_located_errors(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "title", "start_date", "end_date", "beneficiaries"])
    w.writerows(rows)
    path = tmp_path / "fuzz.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    try:
        read_annex(path, "fuzz", "fuzz.csv", load_reference())
    except ErrorGroup as g:
        assert g.errors and all(isinstance(e, TripsKGError) and e.source == "fuzz.csv"
                                for e in g.errors)
    except InputError as e:
        assert e.source == "fuzz.csv"
