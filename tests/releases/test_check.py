"""``tripskg check``: the bad-input corpus gives the build's messages through it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import MINIMAL_NOTE, make_data, run_cli
from ..ingest.test_ingest import BAD, bad_cases, case_input


def _case(tmp_path: Path, name: str) -> list[str]:
    """The case laid out as the corpus test builds it; returns the files to check."""
    source = case_input(name)
    if source.suffix == ".txt":
        make_data(tmp_path, notes={}, annexes={})
        (tmp_path / "data" / "documents" / "case.txt").write_bytes(source.read_bytes())
        return ["data/documents/case.txt"]
    make_data(tmp_path, notes={"case": MINIMAL_NOTE}, annexes={f"case{source.suffix}": source})
    return ["data/documents/case.txt", f"data/annex/case{source.suffix}"]


@pytest.mark.parametrize("name", bad_cases())
def test_check_gives_the_corpus_messages(tmp_path: Path, name: str) -> None:
    files = _case(tmp_path, name)
    result = run_cli("check", *files, cwd=tmp_path)
    expected = (BAD / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    errors = [line.removeprefix("error: ") for line in result.stdout.splitlines()
              if line.startswith("error: ")]
    assert result.exit_code == 1, result.output
    assert errors == expected


@pytest.mark.parametrize("name", [n for n in bad_cases() if case_input(n).suffix != ".txt"])
def test_check_an_annex_alone(tmp_path: Path, name: str) -> None:
    """Someone preparing an annex checks it without a cover note: same annex messages."""
    annex = _case(tmp_path, name)[1]
    result = run_cli("check", annex, cwd=tmp_path)
    expected = (BAD / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    errors = [line.removeprefix("error: ") for line in result.stdout.splitlines()
              if line.startswith("error: ")]
    assert result.exit_code == 1, result.output
    assert errors == [e for e in expected if e.startswith(annex)]


ANNEX = ("id,title,start_date,end_date,beneficiaries\n"
         "1,Workshop on patents,2025-03-14,,Kenya\n"
         "2,Seminar on trademarks,2020-01-10,,Ghana\n")


def test_check_reports_shacl_results_with_their_row(tmp_path: Path) -> None:
    make_data(tmp_path, notes={"who-x": MINIMAL_NOTE}, annexes={"who-x.csv": ANNEX})
    result = run_cli("check", "data/documents/who-x.txt", "data/annex/who-x.csv",
                     cwd=tmp_path)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning: ")]
    assert warnings == ["warning: data/annex/who-x.csv:3: Warning [startDay]: The activity "
                        "starts (2020-01-10) more than 31 days outside its report's reporting "
                        "period."]
    assert "1 report, 2 activities: 0 errors, 0 violations, 1 warning" in result.stderr


def test_check_json(tmp_path: Path) -> None:
    make_data(tmp_path, annexes={"who-x.csv": ANNEX.replace("Kenya", "Kenyq")})
    result = run_cli("check", "--format", "json", "data/annex/who-x.csv", cwd=tmp_path)
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["ok"] is False and answer["errors"] == 1
    assert answer["messages"][0].startswith("error: data/annex/who-x.csv:2:beneficiaries: ")
    assert "did you mean 'Kenya'?" in answer["messages"][0]


@pytest.mark.parametrize(("files", "message"), [
    ((), "give at least one cover note"),
    (("missing.csv",), "'missing.csv' is not a file"),
    (("notes.md",), "cannot tell a cover note or an annex from '.md'"),
])
def test_check_usage_errors(tmp_path: Path, files: tuple[str, ...], message: str) -> None:
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    result = run_cli("check", *files, cwd=tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr
