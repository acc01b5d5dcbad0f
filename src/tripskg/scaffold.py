"""``tripskg init DIR``: a starter data folder that builds at once.

The files come from their one place: the example cover note and annex of ``data/examples``
(shipped in the package, see setup.py) and the register and README templates of
``tripskg/starter``. The spreadsheet annex is written from the example CSV annex.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from .errors import TripsKGError
from .resources import examples_dir, starter_dir

EXAMPLE_NOTE = "example-annex.txt"
EXAMPLE_ANNEX = "example-annex.csv"


def write_xlsx(rows: list[list[str]], target: Path) -> None:
    """``rows`` (header first) as the first sheet of an .xlsx workbook."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Annex"
    for row in rows:
        sheet.append(row)
    book.save(target)


def init_data_folder(folder: Path, force: bool = False) -> list[Path]:
    """Write the starter folder; returns the files written. Refuses a non-empty folder
    unless ``force``."""
    if folder.exists() and not folder.is_dir():
        raise TripsKGError(f"'{folder}' exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise TripsKGError(f"folder '{folder}' is not empty",
                           hint="choose a new folder, or pass --force to overwrite its files")
    (folder / "documents").mkdir(parents=True, exist_ok=True)
    (folder / "annex").mkdir(exist_ok=True)
    examples, starter = examples_dir(), starter_dir()
    written = [folder / "reports.csv", folder / "README.md",
               folder / "documents" / "example-report.txt",
               folder / "annex" / "example-report.csv",
               folder / "annex" / "example-spreadsheet.xlsx"]
    shutil.copyfile(starter / "reports.csv", written[0])
    shutil.copyfile(starter / "README.md", written[1])
    shutil.copyfile(examples / EXAMPLE_NOTE, written[2])
    shutil.copyfile(examples / EXAMPLE_ANNEX, written[3])
    with (examples / EXAMPLE_ANNEX).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    write_xlsx(rows, written[4])
    return written
