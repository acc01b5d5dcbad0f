"""The static linked-data site, ``dist/site/``: one HTML, Turtle and JSON-LD file per IRI,
the home page, class listings, and server configuration examples.

Publish hands over what it has already computed: the build record and the digests of the
files next to the site (nothing is hashed or read back here).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from ..build import BuildResult
from ..releases.feeds import FEEDS
from ..web.describe import describe, description_triples, serialize_triples
from ..web.formats import JSON
from ..web.home import PAGE_SIZE, Download, class_counts, home_data, list_members, members_csv
from ..web.release import ReleaseView
from ..web.render import STATIC, TEMPLATES, SiteLinks, local_path, render
from ..web.views import IndexView, Namer
from .dumps import MEDIA_TYPES
from .questions import write_question_pages
from .sitelinked import hosted_paths, void_view, write_crawl_files, write_linked_pages

_TURTLE = ox.RdfFormat.TURTLE.media_type
# the files of dist/ the home page lists, in order, with their media types
DOWNLOADS: dict[str, str] = {
    **MEDIA_TYPES, "void.ttl": _TURTLE, "context.jsonld": ox.RdfFormat.JSON_LD.media_type,
    "validation.ttl": _TURTLE, "build.json": JSON}


def site_downloads(folder: Path, digests: Mapping[str, str]) -> list[Download]:
    """The downloads of ``folder`` (the build folder) that have a digest, in page order."""
    return [Download(name, (folder / name).stat().st_size, digests[name], mt)
            for name, mt in DOWNLOADS.items() if name in digests]


def write_site(result: BuildResult, folder: Path, build: Mapping[str, object] | None = None,
               downloads: list[Download] | None = None, release: ReleaseView | None = None,
               void_file: Path | None = None) -> int:
    """Write the static linked-data site into ``folder``; returns the number of resources.

    ``build``: the build record (build.json); ``downloads``: the files the home page lists;
    ``release``: the version, feeds and quality report (``feeds/`` next to ``folder`` is
    linked into it, and ``quality.html`` written); ``void_file``: void.ttl, whose nodes (and
    the named graphs) get pages too."""
    base = result.iris.base
    view = IndexView(result.store, base)
    folder.mkdir(parents=True, exist_ok=True)
    subjects = [s for s in view.subjects() if local_path(s, base) is not None]
    hosted = {local_path(s, base) for s in subjects}
    hosted.discard(None)
    void = void_view(void_file, base)
    graphs = sorted(g.value for g in result.store.named_graphs()
                    if isinstance(g, ox.NamedNode) and g.value.startswith(base + "graph/"))
    linked = hosted_paths(void, graphs, base)
    hosted.update(linked)
    root = SiteLinks(base, hosted, feeds=release.feeds if release else frozenset())  # type: ignore[arg-type]
    classes = class_counts(result.store, view)
    instance_counts = {c.iri: c for c in classes}
    namer = Namer(view)
    for iri in subjects:
        rel = local_path(iri, base)
        assert rel is not None
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        cc = instance_counts.get(iri)
        res = describe(view, iri, instance_count=cc.count if cc else 0, namer=namer)
        assert res is not None
        links = root.at(rel)
        html = render("resource.html", links, r=res, cls=cc, lang="en")
        target.with_name(target.name + ".html").write_text(html, encoding="utf-8")
        triples = description_triples(view, iri)
        target.with_name(target.name + ".ttl").write_bytes(
            serialize_triples(triples, ox.RdfFormat.TURTLE, base))
        target.with_name(target.name + ".jsonld").write_bytes(
            serialize_triples(triples, ox.RdfFormat.JSON_LD, base))
    home = home_data(result.store, view, build or {}, downloads or [], classes)
    (folder / "index.html").write_text(render("home.html", root, h=home, release=release),
                                       encoding="utf-8")
    if release is not None:
        write_release_pages(folder, root, release)
    (folder / "classes.html").write_text(render("classes.html", root, classes=classes),
                                         encoding="utf-8")
    write_question_pages(result.store, view, folder, root)
    (folder / "list").mkdir(exist_ok=True)
    for c in classes:
        members = list_members(result.store, view, c.iri)
        pages = max(1, -(-len(members) // PAGE_SIZE))
        for page in range(1, pages + 1):
            chunk = members[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            html = render("list.html", root.at("list/x"), c=c, members=chunk, page=page,
                          pages=pages, total=len(members), offset=(page - 1) * PAGE_SIZE)
            name = f"{c.slug}.html" if page == 1 else f"{c.slug}.p{page}.html"
            (folder / "list" / name).write_text(html, encoding="utf-8")
        (folder / "list" / f"{c.slug}.csv").write_text(members_csv(members), encoding="utf-8")
    write_linked_pages(folder, result.store, void, linked, root, graphs)
    write_crawl_files(folder, base, ["", "classes"]
                      + [f"list/{c.slug}" for c in classes]
                      + sorted(linked) + [local_path(s, base) or "" for s in subjects])
    (folder / "static").mkdir(parents=True, exist_ok=True)
    for asset in ("style.css", "favicon.svg"):
        shutil.copy(STATIC / asset, folder / "static" / asset)
    for name in ("htaccess.example", "nginx.conf.example"):
        text = (TEMPLATES / "site" / name).read_text(encoding="utf-8")
        (folder / (".htaccess" if name == "htaccess.example" else "nginx.conf.example")
         ).write_text(text, encoding="utf-8")
    return len(subjects)


def write_release_pages(folder: Path, links: SiteLinks, release: ReleaseView) -> None:
    """``quality.html`` and ``feeds/`` (hard links to the build's ``feeds/``)."""
    (folder / "quality.html").write_text(render("quality.html", links, rv=release),
                                         encoding="utf-8")
    feeds = folder.parent / FEEDS
    if feeds.is_dir():
        shutil.copytree(feeds, folder / FEEDS, copy_function=_link_or_copy)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copyfile(src, dst)
