"""Hardening (issue #9) of the readers: inputs that must pass, inputs generated at test time
(a 10 MB cell, a 100k-row annex) and property-based fuzzing of cover notes, dates and annexes.

The file corpus itself (``tests/data/bad/*`` + ``.expected``) is checked by
``tests/ingest/test_ingest.py::test_bad_input_corpus``."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MINIMAL_NOTE, make_data
from tests.support.hardening import BASE, HEADER, build_errors, fuzz, read
from tripskg.errors import ErrorGroup, InputError, TripsKGError
from tripskg.ingest.annex import read_annex
from tripskg.ingest.covernote import parse_cover_note
from tripskg.ingest.dates import parse_date, parse_range
from tripskg.model import PartialDate
from tripskg.reference import load_reference

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


@pytest.mark.slow
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
