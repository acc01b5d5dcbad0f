"""``tripskg diff`` reads dumps a block at a time: the answers must not depend on where the
blocks end (hypothesis, with blocks of a few bytes up to larger than the dump)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tripskg.releases import diff
from tripskg.releases.diff import DiffError, diff_dists, scan

BASE = "https://w3id.org/tripskg/"
TKG = BASE + "def/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


def _activity(n: int, title: str) -> list[str]:
    a = f"<{BASE}id/activity/r/{n}>"
    return [f"{a} <{RDF_TYPE}> <{TKG}Activity> .",
            f"{a} <{PREF}> \"{title}\"@en .",
            f"{a} <{TKG}beneficiary> <{BASE}id/country/C{n % 3}> .",
            f"{a} <http://purl.org/dc/terms/isPartOf> <{BASE}id/report/r> .",
            f"{a} <{TKG}startDay> \"2020-01-0{n % 9 + 1}\"^^<http://www.w3.org/2001/XMLSchema#date> ."]


def _dist(folder: Path, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(line + "\n" for line in sorted(set(lines)))
    (folder / "tripskg.nt.gz").write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    return folder


titles = st.text(st.characters(codec="utf-8", exclude_characters='"\\\n\r'), max_size=12)
dumps = st.dictionaries(st.integers(0, 30), titles, max_size=12)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=dumps, new=dumps, block=st.integers(1, 4096))
def test_differences_do_not_depend_on_block_size(tmp_path_factory: pytest.TempPathFactory,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 old: dict[int, str], new: dict[int, str],
                                                 block: int) -> None:
    root = tmp_path_factory.mktemp("d")
    a = _dist(root / "a", [x for n, t in old.items() for x in _activity(n, t)])
    b = _dist(root / "b", [x for n, t in new.items() for x in _activity(n, t)])
    old_lines = set(gzip.decompress((a / "tripskg.nt.gz").read_bytes()).splitlines(True))
    new_lines = set(gzip.decompress((b / "tripskg.nt.gz").read_bytes()).splitlines(True))
    with monkeypatch.context() as m:
        m.setattr(diff, "BLOCK", block)
        d = diff_dists(a, b, base=BASE)
        side = scan(b, BASE)
    assert d.removed_lines == sorted(old_lines - new_lines)
    assert d.added_lines == sorted(new_lines - old_lines)
    assert side.triples == len(new_lines) == d.new.triples
    activities = {f"{BASE}id/activity/r/{n}" for n in new}
    assert {k for k, v in side.kinds.items() if v == "activity"} == activities
    assert side.labels == {f"{BASE}id/activity/r/{n}": t for n, t in new.items()}
    assert {k: v for k, v in side.links.items() if v} == {
        f"{BASE}id/activity/r/{n}": [f"{BASE}id/country/C{n % 3}"] for n in new}
    assert side.start == {f"{BASE}id/activity/r/{n}": f"2020-01-0{n % 9 + 1}" for n in new}
    assert d.new.labels == side.labels and d.new.links == side.links
    changed = {c.iri for c in d.changes}
    assert changed == {f"{BASE}id/activity/r/{n}" for n in set(old) ^ set(new)} | {
        f"{BASE}id/activity/r/{n}" for n in set(old) & set(new) if old[n] != new[n]}


def test_a_predicate_quoted_inside_a_literal_is_not_a_fact(tmp_path: Path) -> None:
    a = f"<{BASE}id/activity/r/1>"
    quoted = f'{a} <{TKG}note> "see > <{PREF}> \\"x\\" ." .'
    folder = _dist(tmp_path / "d", [*_activity(1, "one"), quoted])
    assert scan(folder, BASE).labels == {f"{BASE}id/activity/r/1": "one"}


@pytest.mark.parametrize("block", [7, 1 << 20])
def test_a_line_out_of_order_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      block: int) -> None:
    lines = sorted(_activity(1, "one") + _activity(2, "two"))
    lines[5], lines[6] = lines[6], lines[5]
    folder = tmp_path / "d"
    folder.mkdir()
    body = "".join(x + "\n" for x in lines).encode("utf-8")
    (folder / "tripskg.nt.gz").write_bytes(gzip.compress(body, mtime=0))
    monkeypatch.setattr(diff, "BLOCK", block)
    with pytest.raises(DiffError, match=r"line 7 is out of order"):
        scan(folder, BASE)
