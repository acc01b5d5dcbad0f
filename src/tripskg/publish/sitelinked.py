"""The static site's share of the linked data beyond resources: pages for the nodes of
void.ttl (dataset, catalog, subsets, partitions, distributions) and for each named graph (a
page and the graph's dump as Turtle and JSON-LD), then ``sitemap.xml`` and ``robots.txt``.

URLs in the sitemap are the dataset's IRIs (the site is deployed at the base IRI with the
content negotiation of ``.htaccess`` / ``nginx.conf.example``); the dumps are expected under
``<base>downloads/`` (the ``dcat:downloadURL`` of void.ttl).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..web.crawl import SITEMAP_LIMIT, graph_page, robots_txt, sitemaps
from ..web.describe import describe, description_triples, serialize_triples
from ..web.render import SiteLinks, render, served_path
from ..web.views import IndexView


def void_view(void_file: Path | None, base: str) -> IndexView:
    triples = list(ox.parse(path=str(void_file), format=ox.RdfFormat.TURTLE)) \
        if void_file is not None else []
    return IndexView(triples, base)


def hosted_paths(void: IndexView, graphs: list[str], base: str) -> dict[str, str]:
    """Site path -> IRI of the VoID nodes and graphs the site writes pages for."""
    out: dict[str, str] = {}
    for iri in [*void.subjects(), *graphs]:
        path = served_path(iri, base)
        if path is not None and path.startswith(("dataset", "catalog", "graph/")):
            out[path] = iri
    return out


def _write(target: Path, suffix: str, data: bytes | str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.with_name(target.name + suffix)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def write_linked_pages(folder: Path, store: ox.Store, void: IndexView, pages: dict[str, str],
                       root: SiteLinks, graphs: list[str]) -> None:
    base = root.base
    for rel, iri in sorted(pages.items()):
        target = folder / rel
        links = root.at(rel)
        res = graph_page(void, iri) if iri in graphs else describe(void, iri)
        if res is None:
            continue
        _write(target, ".html", render("resource.html", links, r=res, cls=None, lang="en"))
        if iri in graphs:
            triples = sorted((q.triple for q in store.quads_for_pattern(
                None, None, None, ox.NamedNode(iri))),
                key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        else:
            triples = description_triples(void, iri)
        _write(target, ".ttl", serialize_triples(triples, ox.RdfFormat.TURTLE, base))
        _write(target, ".jsonld", serialize_triples(triples, ox.RdfFormat.JSON_LD, base))


def write_crawl_files(folder: Path, base: str, paths: list[str],
                      limit: int = SITEMAP_LIMIT) -> int:
    """``sitemap.xml`` (an index and parts past ``limit`` URLs) and ``robots.txt``; ``paths``
    are site paths without suffix. Returns the number of URLs."""
    urls = [base + p for p in paths]
    for name, text in sitemaps(urls, base, limit).items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "robots.txt").write_text(robots_txt(base + "sitemap.xml", served=False),
                                       encoding="utf-8")
    return len(urls)
