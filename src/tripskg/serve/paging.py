"""Pages of a saved query's answer: ``limit`` / ``offset`` from the request, the links to the
next and previous page, the total when it is known without more work (on the last page), and
downloads of every row (``download=csv|tsv|json``) that are bounded by the query timeout, not
by a row count."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from ..web.formats import RESULT_DOCUMENTS

PAGING = ("limit", "offset", "download")  # request parameters that are not query parameters
EXTENSIONS = {"csv": "csv", "tsv": "tsv", "json": "srj"}


class PagingError(ValueError):
    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


@dataclass(frozen=True)
class Page:
    """Rows ``offset + 1`` to ``offset + limit``; ``limit`` None: every row (a download)."""

    limit: int | None
    offset: int = 0


def _int(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bound = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise PagingError(f"parameter '{name}' must be a whole number {bound}, not "
                          f"'{raw[:40]}'", name)
    return int(raw)


def page_of(request: Request, default: int, most: int) -> Page:
    """The page a request asks for: ``limit`` (default ``default``, at most ``most``, the
    server's result limit) and ``offset`` (default 0)."""
    return Page(_int(request, "limit", min(default, most), 1, most),
                _int(request, "offset", 0, 0, None))


def download_of(request: Request) -> str | None:
    """``download=csv|tsv|json``: the whole answer as a file in that format."""
    fmt = request.query_params.get("download")
    if fmt is None:
        return None
    if fmt not in RESULT_DOCUMENTS:
        raise PagingError(f"parameter 'download' must be csv, tsv or json, not '{fmt[:40]}'",
                          "download")
    return fmt


@dataclass(frozen=True)
class Links:
    """Where the neighbouring pages are (paths with their query string) and the total."""

    next: str | None
    previous: str | None
    total: int | None
    first_row: int  # 1-based number of the page's first row
    rows: int

    def headers(self) -> dict[str, str]:
        h: dict[str, str] = {}
        links = [f'<{u}>; rel="{rel}"' for rel, u in (("next", self.next),
                                                      ("prev", self.previous)) if u]
        if links:
            h["Link"] = ", ".join(links)
        if self.total is not None:
            h["X-Total-Count"] = str(self.total)
        return h


def links(request: Request, page: Page, rows: int, more: bool) -> Links:
    assert page.limit is not None
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in PAGING]

    def at(offset: int) -> str:
        q = [*params, ("limit", str(page.limit))] + ([("offset", str(offset))] if offset else [])
        return f"{request.url.path}?{urlencode(q)}"

    return Links(
        next=at(page.offset + page.limit) if more else None,
        previous=at(max(0, page.offset - page.limit)) if page.offset > 0 else None,
        total=None if more else page.offset + rows,
        first_row=page.offset + 1, rows=rows)


def download_url(path: str, params: list[tuple[str, str]], fmt: str) -> str:
    q = [(k, v) for k, v in params if k not in PAGING] + [("download", fmt)]
    return f"{path}?{urlencode(q)}"


def filename(name: str, fmt: str) -> str:
    return f"{name}.{EXTENSIONS[fmt]}"
