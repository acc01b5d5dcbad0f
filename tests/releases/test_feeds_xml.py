"""The Atom feeds are written as text, byte for byte what ElementTree writes for the same
tree (the reference below is the ElementTree code the feeds used before)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tripskg.releases.feeds import ATOM, AUTHOR, MEDIA_TYPE, Entry, Feed, feed_xml, read_feed
from tripskg.releases.version import Release

BASE = "https://w3id.org/tripskg/"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        e.text = text
    return e


def etree_feed_xml(feed: Feed, release: Release, base: str) -> bytes:
    url = base + "feeds/" + feed.path + ".atom"
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _el(root, "id", url)
    _el(root, "title", feed.title)
    updated = max((e.updated for e in feed.entries), default=f"{release.issued}T00:00:00Z")
    _el(root, "updated", updated)
    author = _el(root, "author")
    _el(author, "name", AUTHOR)
    _el(root, "link", rel="self", href=url, type=MEDIA_TYPE)
    _el(root, "link", rel="alternate", href=feed.about or base, type="text/html")
    _el(root, "generator", "tripskg", uri="https://w3id.org/tripskg/")
    _el(root, "rights", "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)")
    _el(root, "subtitle", f"Version {release.version}, issued {release.issued}.")
    for e in feed.entries:
        entry = _el(root, "entry")
        _el(entry, "id", e.id)
        _el(entry, "title", e.title)
        _el(entry, "updated", e.updated)
        _el(entry, "link", rel="alternate", href=e.activity)
        _el(entry, "category", term=e.status, scheme=base + "feeds/status")
        _el(entry, "summary", e.summary)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# any text XML 1.0 allows (ElementTree writes what it is given; both must agree on it)
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=30).filter(lambda t: all(c in "\t\n\r" or ord(c) >= 32 for c in t))
entries = st.builds(Entry, texts, texts, texts, texts, texts, st.sampled_from(
    ["new", "changed", "listed"]))
feeds = st.builds(Feed, st.sampled_from(["all", "country/KHM", "reporter/org/wipo"]), texts,
                  st.one_of(st.none(), texts), st.lists(entries, max_size=4))


@settings(max_examples=300, deadline=None)
@given(feeds, texts, texts)
def test_same_bytes_as_elementtree(feed: Feed, version: str, issued: str) -> None:
    release = Release(version, issued, "digest", None, "")
    assert feed_xml(feed, release, BASE) == etree_feed_xml(feed, release, BASE)


def test_a_written_feed_reads_back(tmp_path: Path) -> None:
    e = Entry(BASE + "dataset/version/v#a", BASE + "id/activity/r/1", 'A & B <"x">',
              "2026-12-06T00:00:00Z", "New activity (for Côte d'Ivoire).", "new")
    path = tmp_path / "f.atom"
    path.write_bytes(feed_xml(Feed("all", "t", None, [e]), Release("v", "2026-12-06", "d",
                                                                   None, ""), BASE))
    assert read_feed(path) == [e]
