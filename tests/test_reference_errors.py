"""Hardening (issue #9): broken reference data (``TRIPSKG_HOME`` pointing to a copy of the
project files) fails the build with located messages."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_NOTE, ROOT, make_data
from tests.support.hardening import build_errors

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
