"""Annex readers: one activity per row, from CSV, XLSX or DOCX tables.

Header names are matched case- and space-insensitively, and the e-TRIPS list layout
(``# | Title of programme or activity | Start date | Beneficiary Members or observers``) is
accepted as it is. All problems of a file are collected and raised together.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ErrorGroup, InputError, Location, TripsKGError, Warning_, did_you_mean, fold
from ..model import Activity, PartialDate
from ..reference import Reference
from .dates import parse_date, parse_range
from .text import CONTROL, read_text

COLUMNS = (
    "id", "title", "description", "start_date", "end_date", "beneficiaries", "activity_type",
    "policy_areas", "ip_fields", "treaties", "partners", "target_groups", "location", "mode",
    "framework", "source", "attribution",
)
# how the activity is tied to its report (tripskg.provenance): the annex value
ATTRIBUTIONS = ("listed", "council-statement", "inferred")
ALIASES = {
    "#": "id", "no": "id", "no.": "id", "number": "id", "ref": "id",
    "title of programme or activity": "title", "title of the programme or activity": "title",
    "name": "title", "activity": "title", "programme": "title",
    "start": "start_date", "date": "start_date", "dates": "start_date", "end": "end_date",
    "beneficiary members or observers": "beneficiaries", "beneficiary": "beneficiaries",
    "beneficiary countries": "beneficiaries", "beneficiary members": "beneficiaries",
    "countries": "beneficiaries",
    "type": "activity_type", "activity type": "activity_type", "types": "activity_type",
    "policy area": "policy_areas", "ip field": "ip_fields", "treaty": "treaties",
    "partner": "partners", "target group": "target_groups", "place": "location",
    "venue": "location", "frameworks": "framework", "url": "source", "source url": "source",
}
MAX_CELL = 10_000
MAX_TITLE = 1_000
FORMULA = re.compile(r"^[=+@]\s*[A-Za-z_][\w.]*\s*\(|^=")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def canonical_column(name: str) -> str | None:
    key = fold(name).strip()
    if key in ALIASES:
        return ALIASES[key]
    key = re.sub(r"[\s\-]+", "_", key)
    if key in COLUMNS:
        return key
    return ALIASES.get(key.replace("_", " "))


@dataclass
class Table:
    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[str]]]
    line_label: str = ""  # e.g. "table 1 row " for DOCX


def read_csv_table(path: Path, display: str) -> Table:
    text = read_text(path, display)
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("file is empty", display) from None
    except csv.Error as e:
        raise InputError(f"not a CSV file: {e}", display, 1) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        prev = reader.line_num
        last = prev  # first line of the last row read
        while True:
            try:
                row = next(reader)
            except StopIteration:
                _check_closed_quotes(text, last, dialect, display)
                return
            except csv.Error as e:
                if "field larger than field limit" in str(e):
                    raise InputError(
                        f"cell is too long (more than {csv.field_size_limit():,} characters; "
                        f"at most {MAX_CELL:,})", display, prev + 1) from None
                raise InputError(f"malformed CSV: {e}", display, prev + 1) from None
            last = prev + 1
            yield prev + 1, row
            prev = reader.line_num

    return Table(header, 1, rows())


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """The CSV dialect: the delimiter that splits the header into the most known column
    names (cell contents cannot mislead it), else what csv.Sniffer guesses."""
    header = text.split("\n", 1)[0]
    scores = {d: sum(canonical_column(h.strip().strip('"')) is not None for h in header.split(d))
              for d in (",", ";", "\t")}
    best = max(scores, key=lambda d: scores[d])
    if scores[best] > 0:
        class Header(csv.excel):
            delimiter = best
        return Header
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _check_closed_quotes(text: str, last_line: int, dialect: type[csv.Dialect] | csv.Dialect,
                         display: str) -> None:
    """A quoted cell left open swallows the rest of the file (a truncated file, a stray quote):
    re-read the last row strictly, which fails on a quote still open at the end."""
    offset = 0
    for _ in range(last_line - 1):  # the last row starts on line ``last_line``
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return
    try:
        for _ in csv.reader(io.StringIO(text[offset:]), dialect, strict=True):
            pass
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise InputError("a quoted cell is not closed before the end of the file", display,
                             last_line, hint="is the file truncated, or a quote missing?"
                             ) from None


def read_xlsx_table(path: Path, display: str) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError(f"not a readable XLSX workbook ({e})", display) from None
    except Exception as e:  # noqa: BLE001 - any failure of the parser is a bad file
        raise InputError(f"not a readable XLSX workbook ({type(e).__name__}: {e})",
                         display) from None
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)

    def cell(v: object) -> str:
        if v is None:
            return ""
        if hasattr(v, "date") and hasattr(v, "year"):
            d = v.date() if hasattr(v, "hour") else v  # datetime -> date
            return d.isoformat()  # type: ignore[union-attr]
        return str(v)

    header_line = 0
    header: list[str] = []
    for n, row in enumerate(it, start=1):
        if any(v is not None and str(v).strip() for v in row):
            header_line, header = n, [cell(v) for v in row]
            break
    if not header:
        raise InputError("workbook is empty", display)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for n, row in enumerate(it, start=header_line + 1):
            yield n, [cell(v) for v in row]
        wb.close()

    return Table(header, header_line, rows())


def read_docx_table(path: Path, display: str) -> Table:
    import zipfile

    import docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise InputError(f"not a readable DOCX document ({e})", display) from None
    except Exception as e:  # noqa: BLE001 - e.g. PackageNotFoundError of a truncated file
        raise InputError(f"not a readable DOCX document ({type(e).__name__}: {e})",
                         display) from None
    for t_index, table in enumerate(document.tables, start=1):
        cells = [[c.text.strip() for c in r.cells] for r in table.rows]
        if cells and any(canonical_column(h) == "title" for h in cells[0]):
            body = cells[1:]
            return Table(
                cells[0], 1, ((n, r) for n, r in enumerate(body, start=2)), f"table{t_index}:"
            )
    raise InputError(
        "no table with a 'title' column", display, hint="the annex must be a table in the document"
    )


READERS: dict[str, Callable[[Path, str], Table]] = {
    ".csv": read_csv_table,
    ".tsv": read_csv_table,
    ".xlsx": read_xlsx_table,
    ".docx": read_docx_table,
}


LIST_FIELDS = {
    # column -> (Activity attribute, resolver kind, scheme or entity kinds, what)
    "beneficiaries": ("beneficiaries", "entity",
                      ("country", "member", "group", "region", "organization"), "beneficiary"),
    "partners": ("partners", "entity", ("organization", "member", "country"), "partner"),
    "treaties": ("treaties", "entity", ("treaty",), "treaty"),
    "framework": ("frameworks", "entity", ("framework",), "framework"),
    "activity_type": ("activity_types", "concept", "activity-type", "activity type"),
    "policy_areas": ("policy_areas", "concept", "policy-area", "policy area"),
    "ip_fields": ("ip_fields", "concept", "ip-field", "IP field"),
    "target_groups": ("target_groups", "concept", "target-group", "target group"),
    "mode": ("modes", "concept", "mode", "mode"),
}


def read_annex(
    path: Path, report_key: str, display: str, ref: Reference, data_kind: str = "real",
    default_source: str | None = None,
) -> tuple[list[Activity], list[Warning_]]:
    """Read an annex file; raise :class:`ErrorGroup` with every error found in it."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(
            f"unsupported annex format '{path.suffix}'", display, hint="use .csv, .xlsx or .docx"
        )
    table = reader(path, display)
    warnings: list[Warning_] = []
    errors: list[TripsKGError] = []
    columns: list[str | None] = []
    for i, h in enumerate(table.header, start=1):
        col = canonical_column(h) if h and h.strip() else None
        if h and h.strip() and col is None:
            hint = did_you_mean(h, COLUMNS)
            warnings.append(Warning_(
                f"unknown column '{h.strip()}' ignored" + (f" ({hint})" if hint else ""),
                Location(display, table.header_line, i),
            ))
        if col in columns:
            errors.append(InputError(f"duplicate column '{h}'", display, table.header_line, i))
        columns.append(col)
    if "title" not in columns:
        raise ErrorGroup([InputError(
            "missing column 'title'", display, table.header_line,
            hint="expected columns: " + ", ".join(COLUMNS),
        )])
    activities: list[Activity] = []
    seen_ids: dict[str, int] = {}
    for line, raw in table.rows:
        if not any(c.strip() for c in raw):
            continue
        row = {col: (raw[i].strip() if i < len(raw) else "") for i, col in enumerate(columns) if col}
        if len(raw) > len(columns) and any(c.strip() for c in raw[len(columns):]):
            errors.append(InputError(
                f"row has {len(raw)} cells but the header has {len(columns)}", display, line
            ))
            continue
        act, row_errors = _activity(row, line, report_key, display, ref, data_kind,
                                    default_source)
        errors.extend(row_errors)
        if act is None:
            continue
        if act.id in seen_ids:
            errors.append(InputError(
                f"duplicate activity id '{act.id}'", display, line, "id",
                hint=f"first used on line {seen_ids[act.id]}",
            ))
            continue
        seen_ids[act.id] = line
        activities.append(act)
    if errors:
        raise ErrorGroup(errors)
    return activities, warnings


def check_cell(value: str, column: str, loc: Location) -> InputError | None:
    if "\x00" in value:
        return InputError.at(loc, "NUL character in cell")
    if m := CONTROL.search(value):
        return InputError.at(loc, f"control character U+{ord(m.group()):04X} in cell",
                             "only tabs and line breaks are allowed; remove it")
    limit = MAX_TITLE if column == "title" else MAX_CELL
    if len(value) > limit:
        return InputError.at(
            loc, f"cell is too long ({len(value):,} characters; at most {limit:,})"
        )
    if FORMULA.match(value):
        return InputError.at(
            loc, f"cell looks like a spreadsheet formula ('{value[:30]}')",
            "formulas are not data: enter the value itself",
        )
    return None


def _activity(
    row: dict[str, str], line: int, report_key: str, display: str, ref: Reference,
    data_kind: str, default_source: str | None,
) -> tuple[Activity | None, list[TripsKGError]]:
    errors: list[TripsKGError] = []

    def loc(col: str) -> Location:
        return Location(display, line, col)

    for col, value in row.items():
        if value and (err := check_cell(value, col, loc(col))):
            errors.append(err)
    if errors:
        return None, errors
    title = " ".join(row.get("title", "").split())
    if not title:
        errors.append(InputError.at(loc("title"), "empty title", "every activity needs a title"))
    act_id = row.get("id") or str(line - 1)
    act = Activity(report_key, act_id, title, Location(display, line), data_kind=data_kind)
    act.description = row.get("description") or None
    act.place = row.get("location") or None
    start_end: tuple[PartialDate | None, PartialDate | None] = (None, None)
    if row.get("start_date"):
        try:
            start_end = parse_range(row["start_date"])
        except InputError as e:
            errors.append(InputError.at(loc("start_date"), e.message, e.hint))
    if row.get("end_date"):
        try:
            start_end = (start_end[0], parse_date(row["end_date"]))
        except InputError as e:
            errors.append(InputError.at(loc("end_date"), e.message, e.hint))
    act.start, act.end = start_end
    if act.start and act.end and act.end.last_day() < act.start.first_day():
        col = "end_date" if row.get("end_date") else "start_date"
        errors.append(InputError.at(
            loc(col), f"end date {act.end.lexical()} is before start date {act.start.lexical()}"
        ))
    if act.end and not act.start:
        errors.append(InputError.at(loc("start_date"), "end date given without a start date"))
    for col, (attr, how, target, what) in LIST_FIELDS.items():
        values: list[str] = getattr(act, attr)
        for item in _split(row.get(col, "")):
            try:
                iri = (ref.resolve(item, target, what) if how == "entity"
                       else ref.concept(str(target), item, what))
            except InputError as e:
                errors.append(InputError.at(loc(col), e.message, e.hint))
                continue
            if iri not in values:
                values.append(iri)
    source = row.get("source") or default_source
    if source and not URL.match(source):
        errors.append(InputError.at(loc("source"), f"source '{source[:80]}' is not an http(s) URL"))
    act.source_url = source or None
    if "attribution" not in row:  # no such column: the file is the report's own annex
        act.attribution = "listed"
    elif attribution := row["attribution"].strip().lower():
        if attribution in ATTRIBUTIONS:
            act.attribution = attribution
        else:
            errors.append(InputError.at(
                loc("attribution"), f"unknown attribution '{row['attribution'][:40]}'",
                did_you_mean(attribution, ATTRIBUTIONS) or f"expected {', '.join(ATTRIBUTIONS)}"))
    return (act if not errors else None), errors


_LIST_SEP = re.compile(r"[;\n]")


def _split(cell: str) -> list[str]:
    if not cell:
        return []
    return [p.strip() for p in _LIST_SEP.split(cell) if p.strip()]
