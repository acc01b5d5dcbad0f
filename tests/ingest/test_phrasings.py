"""Cover-note phrasings of many reporters and years (tests/fixtures/phrasings.csv): each
sentence, written from a real TRIPS Council document cited by symbol and URL, with the facts
the parser must take from it and the ones it must leave out. Plus property tests over
generated date phrasings."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TESTS
from tripskg.ingest.covernote import parse_cover_note
from tripskg.ingest.datefacts import Assigned, Unassigned, date_facts, find_dates
from tripskg.model import PartialDate
from tripskg.reference import load_reference

CORPUS = TESTS / "fixtures" / "phrasings.csv"
ROWS = list(csv.DictReader(CORPUS.open(encoding="utf-8")))
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
FIELDS = {"meeting": "meeting", "review_meeting": "review_meeting", "period": "period",
          "communication": "communication_date"}


def _note(tmp_path: Path, sentence: str) -> Path:
    path = tmp_path / "phrasing.txt"
    path.write_text(f"TEST PHRASING\n\n{sentence}\n", encoding="utf-8")
    return path


def _lexical(value: object) -> str:
    if isinstance(value, tuple):
        return "/".join(d.lexical() for d in value)
    return value.lexical()  # type: ignore[attr-defined]


def test_corpus_is_large_and_cited() -> None:
    assert len(ROWS) >= 40
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    reporters = {r["source"].split()[0] for r in ROWS}
    assert len(reporters) >= 8
    for r in ROWS:
        assert r["url"].startswith(("http://", "https://")), r["id"]
        assert r["source"].strip(), r["id"]


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_phrasing(tmp_path: Path, row: dict[str, str]) -> None:
    report, warnings = parse_cover_note(_note(tmp_path, row["sentence"]), "phrasing",
                                        "data/documents/phrasing.txt", load_reference())
    for column, attr in FIELDS.items():
        fact = getattr(report, attr)
        got = _lexical(fact.value) if fact else "-"
        assert got == row[column], f"{column}: {row['sentence']}"
        if fact:  # paragraph-level provenance: the fact names the paragraph it came from
            assert fact.paragraph == report.paragraphs[0].key
    mentioned = {m.iri.split("/id/")[-1] for p in report.paragraphs for m in p.mentions}
    assert set(row["mentions"].split()) <= mentioned
    left_out = [w.message for w in warnings if w.message.startswith("date ")]
    if row["left_out"]:
        assert any(f"'{row['left_out']}'" in m for m in left_out), left_out
        assert all(w.location and w.location.line == 3 for w in warnings
                   if w.message.startswith("date "))


# Phrasings quoted in issue 16 (found by an audit of real notes; here as written in the issue)
@pytest.mark.parametrize(("sentence", "field", "expected"), [
    ("At its meeting held from 30 June to 1 July 2022, the Council for TRIPS agreed to invite "
     "observers.", "meeting", "2022-06-30/2022-07-01"),
    ("The information is provided for the meeting of the Council to be held on 15-16 October "
     "2019.", "review_meeting", "2019-10-15/2019-10-16"),
    ("The report is submitted for the Council's meeting of 6-7 March 2025.", "review_meeting",
     "2025-03-06/2025-03-07"),
    ("It covers activities in fiscal year 2018 (April 2018 – March 2019).", "period",
     "2018-04-01/2019-03-31"),
    ("The report covers the period July 2019 to June 2020.", "period", "2019-07-01/2020-06-30"),
    ("Activities carried out over the period 1 October 2023 to 16 September 2024 are listed.",
     "period", "2023-10-01/2024-09-16"),
])
def test_issue_phrasings(tmp_path: Path, sentence: str, field: str, expected: str) -> None:
    report, _ = parse_cover_note(_note(tmp_path, sentence), "p", "p.txt", load_reference())
    assert _lexical(getattr(report, FIELDS[field]).value) == expected
    others = [a for a in FIELDS.values() if a != FIELDS[field]]
    assert all(getattr(report, a) is None for a in others)  # never reused for another field


def test_meeting_dates_are_never_a_period(tmp_path: Path) -> None:
    report, _ = parse_cover_note(_note(tmp_path, (
        "At its meeting held from 30 June to 1 July 2022, the Council for TRIPS invited "
        "observers to report on activities from their last report.")), "p", "p.txt",
        load_reference())
    assert report.period is None and report.meeting is not None


DASHES = st.sampled_from(["-", "–", "—", " - ", " – ", " to ", " and "])
MEETING_WORDS = st.sampled_from([
    ("At its meeting of", "meeting"), ("At its meeting held on", "meeting"),
    ("At its meeting held from", "meeting"), ("At the Council's meeting of", "meeting"),
    ("for the meeting of the Council for TRIPS scheduled for", "review_meeting"),
    ("for the meeting of the Council to be held on", "review_meeting"),
    ("submitted for the Council's meeting of", "review_meeting"),
    ("in the period from", "period"), ("covering the period", "period"),
    ("over the period", "period"), ("activities undertaken between", "period"),
])


def _day_text(d: dt.date, with_year: bool = True) -> str:
    return f"{d.day} {MONTHS[d.month - 1]}" + (f" {d.year}" if with_year else "")


@given(st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2040, 12, 31)),
       st.integers(min_value=0, max_value=400), DASHES, MEETING_WORDS)
def test_generated_day_ranges(start: dt.date, span: int, dash: str,
                              words: tuple[str, str]) -> None:
    end = start + dt.timedelta(days=span)
    if dash.strip() == "and" and (start.year, start.month) != (end.year, end.month):
        dash = " to "  # "and" joins days of one month in WTO documents
    if (start.year, start.month) == (end.year, end.month) and start != end:
        text = f"{start.day}{dash}{_day_text(end)}"  # 6-7 March 2025
    elif start.year == end.year and start != end:
        text = f"{_day_text(start, False)}{dash}{_day_text(end)}"  # 30 June to 1 July 2022
    else:
        text = f"{_day_text(start)}{dash}{_day_text(end)}"  # 30 December 2013 - 2 January 2014
    phrase, field = words
    found = date_facts(f"{phrase} {text}, the Council agreed.")
    assert found == [Assigned(field, (_pd(start), _pd(end)), text)]  # type: ignore[arg-type]


@given(st.integers(min_value=1995, max_value=2040), st.integers(min_value=1, max_value=12),
       st.integers(min_value=0, max_value=30), DASHES, st.booleans())
def test_generated_month_periods(year: int, month: int, months: int, dash: str,
                                 start_year: bool) -> None:
    last_index = month - 1 + months
    last_year, last_month = year + last_index // 12, last_index % 12 + 1
    # "January to December 2023": the start year may be left out within one year
    a = MONTHS[month - 1] if last_year == year and not start_year else f"{MONTHS[month - 1]} {year}"
    text = f"{a}{dash}{MONTHS[last_month - 1]} {last_year}"
    [found] = date_facts(f"This report covers the period {text}.")
    assert isinstance(found, Assigned) and found.field == "period"
    start, end = found.value
    assert (start.year, start.month, start.day) == (year, month, None)
    assert (end.year, end.month, end.day) == (last_year, last_month, None)


@given(st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2040, 12, 31)),
       st.integers(min_value=1, max_value=60), DASHES)
def test_ungoverned_ranges_are_left_out(start: dt.date, span: int, dash: str) -> None:
    end = start + dt.timedelta(days=span)
    text = f"{_day_text(start)}{' to ' if dash.strip() == 'and' else dash}{_day_text(end)}"
    found = date_facts(f"Japan trained 300 officials, {text}.")
    assert len(found) == 1 and isinstance(found[0], Unassigned)


@given(st.text(max_size=120))
def test_find_dates_never_crashes(text: str) -> None:
    for span in find_dates(text):
        assert text[span.start:span.end] == span.text


def _pd(d: dt.date) -> PartialDate:
    return PartialDate.of(d)
