"""The question pages of the static site: ``needs.html`` (the LDC needs summary),
``needs/<code>.html`` (one page per LDC) and ``coverage.html`` (reporters × years), rendered
with the templates the server uses."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..reference import load_reference
from ..web.coverage import coverage_matrices
from ..web.needs import ldc_needs
from ..web.render import SiteLinks, render
from ..web.views import GraphView


def write_question_pages(store: ox.Store, view: GraphView, folder: Path, root: SiteLinks
                         ) -> list[str]:
    """Write the pages into ``folder`` (the site's root); returns their paths, relative."""
    reference = load_reference(view.base)
    ldcs = ldc_needs(store, view, reference)
    (folder / "coverage.html").write_text(
        render("coverage.html", root, matrices=coverage_matrices(store, view, reference)),
        encoding="utf-8")
    written = ["coverage.html", "needs.html"]
    (folder / "needs.html").write_text(render("needs.html", root, ldcs=ldcs), encoding="utf-8")
    (folder / "needs").mkdir(exist_ok=True)
    for ldc in ldcs:
        rel = f"needs/{ldc.code}.html"
        (folder / rel).write_text(render("needs_ldc.html", root.at(rel), l=ldc),
                                  encoding="utf-8")
        written.append(rel)
    return written
