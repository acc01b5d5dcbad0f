"""HTML rendering: the Jinja2 environment and the one :class:`Links` protocol that makes
every URL of a page, for the server (:class:`ServerLinks`) and the static site
(:class:`SiteLinks`)."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import jinja2

from .crawl import LICENSE, LICENSE_NAME, dataset_jsonld
from .home import bar_chart, column_chart
from .release import feed_candidates

PKG = Path(__file__).resolve().parent.parent
TEMPLATES = PKG / "templates"
STATIC = PKG / "static"


class Links(Protocol):
    """Every URL a template writes: of a resource, of its RDF, of a page, a static asset, a
    class listing and a download."""

    static_site: bool
    base: str

    def res(self, iri: str) -> str: ...

    def fmt(self, iri: str, suffix: str) -> str | None: ...

    def page(self, name: str, **params: object) -> str: ...

    def static(self, path: str) -> str: ...

    def listing(self, slug: str, page: int = 1, suffix: str = "html") -> str: ...

    def download(self, name: str) -> str: ...

    def feed(self, path: str) -> str | None: ...

    def feeds_of(self, iri: str) -> list[str]: ...


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default=True),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.globals["bar_chart"] = bar_chart
    env.globals["column_chart"] = column_chart
    env.globals["dataset_jsonld"] = dataset_jsonld
    env.globals["licence"] = {"url": LICENSE, "name": LICENSE_NAME}
    env.filters["filesize"] = _filesize
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def _filesize(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def render(template: str, links: Links, **context: object) -> str:
    return environment().get_template(template).render(u=links, **context)


# --------------------------------------------------------------------------- links
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~%-]+(/[A-Za-z0-9._~%-]+)*/?$")


@lru_cache(maxsize=100_000)
def local_path(iri: str, base: str) -> str | None:
    """The site path (without suffix) of a dataset IRI, or None for IRIs the site does not host."""
    if not iri.startswith((base + "id/", base + "def/")) and iri != base + "def":
        return None
    rel = iri[len(base):]
    if not _SAFE_PATH.match(rel) or any(seg in (".", "..") for seg in rel.split("/")):
        return None
    return rel + "index" if rel.endswith("/") else rel


# IRIs the server answers besides id/ and def/: the VoID/DCAT nodes (void.ttl), the named
# graphs, the SPARQL endpoint and the downloads (serve/linked.py)
SERVED_ROOTS = ("dataset", "catalog", "sparql")
SERVED_PREFIXES = ("dataset/", "graph/", "downloads/")


def served_path(iri: str, base: str) -> str | None:
    """The server path (without leading slash) of a VoID/DCAT, graph or download IRI."""
    if not iri.startswith(base):
        return None
    rel = iri[len(base):]
    if rel in SERVED_ROOTS or (rel.startswith(SERVED_PREFIXES) and _SAFE_PATH.match(rel)
                               and ".." not in rel.split("/")):
        return rel
    return None


class SiteLinks:
    """Relative links between the files of ``dist/site`` (works from file:// and any server)."""

    static_site = True

    def __init__(self, base: str, hosted: set[str], depth: int = 0,
                 feeds: frozenset[str] = frozenset()) -> None:
        self.base = base
        self.hosted = hosted
        self.up = "../" * depth
        self.feeds = feeds

    def at(self, rel: str) -> SiteLinks:
        return SiteLinks(self.base, self.hosted, rel.count("/"), self.feeds)

    def feed(self, path: str) -> str | None:
        """The Atom feed ``path`` ('all', 'country/KHM', …) if the build has it."""
        return f"{self.up}feeds/{path}.atom" if path in self.feeds else None

    def feeds_of(self, iri: str) -> list[str]:
        return _feeds_of(self, iri)

    def res(self, iri: str) -> str:
        path = local_path(iri, self.base) or served_path(iri, self.base)
        if path is not None and path in self.hosted:
            return f"{self.up}{path}.html"
        if path is not None and path.startswith("downloads/"):
            return self.download(path[len("downloads/"):])
        return iri

    def fmt(self, iri: str, suffix: str) -> str | None:
        path = local_path(iri, self.base)
        if path is None:
            served = served_path(iri, self.base)
            path = served if served in self.hosted else None
        if path is None or suffix not in ("ttl", "jsonld"):
            return None
        return f"{self.up}{path}.{suffix}"

    def page(self, name: str, **params: object) -> str:
        return f"{self.up}{'index' if name == 'home' else name}.html"

    def static(self, path: str) -> str:
        return f"{self.up}static/{path}"

    def listing(self, slug: str, page: int = 1, suffix: str = "html") -> str:
        if suffix == "csv":
            return f"{self.up}list/{slug}.csv"
        return f"{self.up}list/{slug}{'' if page == 1 else f'.p{page}'}.html"

    def download(self, name: str) -> str:
        return f"{self.up}../{name}"


class ServerLinks:
    """Links of the pages served by ``tripskg serve``: dataset IRIs become local paths."""

    static_site = False

    def __init__(self, base: str, feeds: frozenset[str] = frozenset()) -> None:
        self.base = base
        self.feeds = feeds

    def feed(self, path: str) -> str | None:
        """The Atom feed ``path`` ('all', 'country/KHM', …) if the build has it."""
        return f"/feeds/{path}.atom" if path in self.feeds else None

    def feeds_of(self, iri: str) -> list[str]:
        return _feeds_of(self, iri)

    def res(self, iri: str) -> str:
        if local_path(iri, self.base) is not None or served_path(iri, self.base) is not None:
            return "/" + iri[len(self.base):]
        return iri

    def fmt(self, iri: str, suffix: str) -> str | None:
        path = local_path(iri, self.base)
        if path is None:
            served = served_path(iri, self.base)
            if served is None or not served.startswith(("dataset", "catalog", "graph/")):
                return None
            path = served
        return f"/{path}.{suffix}"

    def page(self, name: str, **params: object) -> str:
        path = "/" if name == "home" else "/" + name
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return path + ("?" + urlencode(clean) if clean else "")

    def static(self, path: str) -> str:
        return "/static/" + path

    def listing(self, slug: str, page: int = 1, suffix: str = "html") -> str:
        if suffix == "csv":
            return f"/list/{slug}.csv"
        return f"/list/{slug}" + (f"?page={page}" if page > 1 else "")

    def download(self, name: str) -> str:
        return "/downloads/" + name


def _feeds_of(links: SiteLinks | ServerLinks, iri: str) -> list[str]:
    """The URLs of the Atom feeds about ``iri`` (a country, reporter or policy area)."""
    urls = (links.feed(p) for p in feed_candidates(iri, links.base))
    return [u for u in urls if u]
