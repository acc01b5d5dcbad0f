"""Regenerate the XLSX/DOCX cases of the bad-input corpus (run from this folder)."""

from __future__ import annotations

import docx
from openpyxl import Workbook

HEADER = ["id", "title", "start_date", "end_date", "beneficiaries"]


def xlsx(name: str, rows: list[list[object]]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(name)


def docx_table(name: str, rows: list[list[str]]) -> None:
    d = docx.Document()
    d.add_paragraph("Annex (test fixture)")
    t = d.add_table(rows=1, cols=len(HEADER))
    for cell, h in zip(t.rows[0].cells, HEADER, strict=True):
        cell.text = h
    for r in rows:
        cells = t.add_row().cells
        for cell, v in zip(cells, r, strict=True):
            cell.text = v
    d.save(name)


if __name__ == "__main__":
    xlsx("formula-cell-xlsx.xlsx", [[1, "Workshop", "2025-03-12", None, "=A1&B1"]])
    xlsx("unknown-country-xlsx.xlsx", [[1, "Workshop", "2025-03-12", None, "Kenya"],
                                      [2, "Seminar", "2025-03-12", None, "Viet Nam;Narnia"]])
    docx_table("unknown-country-docx.docx", [["1", "Workshop", "12/03/2025", "", "Kyrgyztan"]])
    with open("not-a-workbook.xlsx", "wb") as fh:
        fh.write(b"this is not a zip file")
    xlsx("impossible-date-xlsx.xlsx", [[1, "Workshop", "31/02/2025", None, "Kenya"]])
    docx_table("formula-cell-docx.docx", [["1", "=cmd|' /C calc'!A0", "2025", "", "Kenya"]])
    # truncated copies (a download cut short): the first half of a valid file
    xlsx("truncated-xlsx.xlsx", [[1, "Workshop", "2025-03-12", None, "Kenya"]])
    docx_table("truncated-docx.docx", [["1", "Workshop", "12/03/2025", "", "Kenya"]])
    for name in ("truncated-xlsx.xlsx", "truncated-docx.docx"):
        with open(name, "rb") as fh:
            data = fh.read()
        with open(name, "wb") as fh:
            fh.write(data[: len(data) // 2])
