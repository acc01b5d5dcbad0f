"""The date parser: every form of BRIEF §1, precision kept, impossible dates rejected."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tripskg.errors import InputError
from tripskg.ingest.dates import parse_date, parse_range
from tripskg.model import PartialDate

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


@pytest.mark.parametrize(("text", "lexical", "precision"), [
    ("2025-03-12", "2025-03-12", "day"),
    ("12/03/2025", "2025-03-12", "day"),
    ("12 March 2025", "2025-03-12", "day"),
    ("March 12, 2025", "2025-03-12", "day"),
    ("12 mars 2025", "2025-03-12", "day"),
    ("12 de marzo de 2025", "2025-03-12", "day"),
    ("March 2025", "2025-03", "month"),
    ("Sept. 2024", "2024-09", "month"),
    ("2025-03", "2025-03", "month"),
    ("2025", "2025", "year"),
])
def test_single_dates(text: str, lexical: str, precision: str) -> None:
    d = parse_date(text)
    assert (d.lexical(), d.precision) == (lexical, precision)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("12-14 March 2025", "2025-03-12", "2025-03-14"),
    ("28 and 29 October 2014", "2014-10-28", "2014-10-29"),
    ("30 March - 2 April 2025", "2025-03-30", "2025-04-02"),
    ("September 2013 to September 2014", "2013-09", "2014-09"),
    ("1 October 2023 to 16 September 2024", "2023-10-01", "2024-09-16"),
    ("2025-03-12 - 2025-03-14", "2025-03-12", "2025-03-14"),
])
def test_ranges(text: str, start: str, end: str) -> None:
    a, b = parse_range(text)
    assert b is not None
    assert (a.lexical(), b.lexical()) == (start, end)


def test_month_precision_is_not_a_day() -> None:
    d = parse_date("March 2025")
    assert d.day is None
    assert d.datatype.endswith("#gYearMonth")
    assert (d.first_day(), d.last_day()) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


@pytest.mark.parametrize(("text", "message"), [
    ("31/02/2025", "2025-02-31 does not exist"),
    ("2025-13-01", "month 13 does not exist"),
    ("next week", "cannot read date 'next week'"),
    ("", "cannot read date ''"),
])
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_date(text)


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_round_trip_all_forms(d: dt.date) -> None:
    expected = PartialDate.of(d)
    for text in (d.isoformat(), d.strftime("%d/%m/%Y"), f"{d.day} {MONTHS[d.month - 1]} {d.year}"):
        assert parse_date(text) == expected


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 11, 30)),
       st.integers(min_value=1, max_value=27))
def test_day_ranges(d: dt.date, span: int) -> None:
    end = d + dt.timedelta(days=span)
    text = (f"{d.day}-{end.day} {MONTHS[d.month - 1]} {d.year}" if (d.month, d.year) ==
            (end.month, end.year) else f"{d.day} {MONTHS[d.month - 1]} {d.year} to "
            f"{end.day} {MONTHS[end.month - 1]} {end.year}")
    assert parse_range(text) == (PartialDate.of(d), PartialDate.of(end))


@settings(max_examples=300, deadline=200)
@given(st.text(max_size=60))
def test_any_text_parses_or_raises_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        parse_range(text)
