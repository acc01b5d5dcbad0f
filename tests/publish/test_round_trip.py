"""Hardening (issue #9): the dump round trip of significant and arbitrary titles, and control
characters refused with their place."""

from __future__ import annotations

import csv
import gzip
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MINIMAL_NOTE, make_data
from tests.support.hardening import DCT_TITLE, HEADER, fuzz, read
from tripskg.errors import InputError
from tripskg.ingest.annex import FORMULA
from tripskg.ingest.text import CONTROL
from tripskg.settings import BuildSettings

# =========================================================================== round trip
DUMP_FORMATS = {
    "tripskg.ttl": ox.RdfFormat.TURTLE, "tripskg.nt.gz": ox.RdfFormat.N_TRIPLES,
    "tripskg.trig": ox.RdfFormat.TRIG, "tripskg.nq.gz": ox.RdfFormat.N_QUADS,
    "tripskg.jsonld": ox.RdfFormat.JSON_LD, "tripskg.rdf": ox.RdfFormat.RDF_XML,
}
NASTY_TITLES = ['a """ b', '"""', "x > y <z>", "back\\slash \\u0000 \\n \\", "quote \" and '",
                "ünïcödé ✓ 𝔘 😀", "del\x7f c1 \x85\x9f", "]]> </title> <![CDATA[", "&amp; &lt;",
                "nbsp\u00a0 \u2028 \u2029 sep", "@prefix x: <y> .", "_:b0 <a> \"c\" .",
                '{"@id": "x"}', "tab\tand\nnewline", "trailing backslash \\", "#comment"]


def _allowed_title(s: str) -> bool:
    """What the annex reader accepts as a title (by design it refuses NUL, control
    characters, formula-like cells, blank and over-long titles)."""
    t = s.strip()
    return bool(t) and "\x00" not in s and not CONTROL.search(s) and not FORMULA.match(t) \
        and len(t) <= 1000


TITLE_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1,
                     max_size=40).filter(_allowed_title)


def _round_trip(root: Path, titles: list[str]) -> None:
    from tripskg.build import build_graph
    from tripskg.publish import atomic_output, publish

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "title"])
    w.writerows([i, t] for i, t in enumerate(titles, 1))
    data = make_data(root, notes={"case": MINIMAL_NOTE},
                     annexes={"case.csv": buf.getvalue().encode("utf-8")})
    result = build_graph(data)
    with atomic_output(root / "dist") as work:
        publish(result, work, settings=BuildSettings(site=False))
    expected = {i: " ".join(t.split()) for i, t in enumerate(titles, 1)}
    dist = root / "dist"
    for name, fmt in DUMP_FORMATS.items():
        raw = (dist / name).read_bytes()
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
        if name.endswith(".rdf"):
            ET.fromstring(raw)  # well-formed XML 1.0 (not only readable by pyoxigraph)
        got = {int(q.subject.value.rsplit("/", 1)[1]): q.object.value
               for q in ox.parse(raw, format=fmt)
               if q.predicate.value == DCT_TITLE and "/activity/case/" in q.subject.value}
        assert got == expected, name


def test_round_trip_turtle_significant_titles(tmp_path: Path) -> None:
    _round_trip(tmp_path, NASTY_TITLES)


@pytest.mark.slow
@fuzz(4, deadline=None)
@given(st.lists(TITLE_TEXT, min_size=1, max_size=25))
def test_round_trip_any_title(tmp_path_factory: pytest.TempPathFactory,
                              titles: list[str]) -> None:
    _round_trip(tmp_path_factory.mktemp("rt"), titles)


def test_control_characters_are_refused_with_their_place(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read(tmp_path, HEADER + "1,ok,2025,,,,,,\n2,bell \x07,2025,,,,,,\n")
    assert info.value.render() == ("data/annex/x.csv:3:8: control character U+0007 in text "
                                   "(only tabs and line breaks are allowed; remove it)")
