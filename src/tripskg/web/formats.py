"""Media types and content negotiation, in one place.

The table of formats is derived from pyoxigraph's :class:`~pyoxigraph.RdfFormat` and
:class:`~pyoxigraph.QueryResultsFormat` (their media types and file extensions); the orders
below are the server's preferences. One parser reads the weighted lists of ``Accept`` and
``Accept-Language``. This module imports nothing but pyoxigraph: query worker processes use it.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

HTML = "text/html"
JSON = "application/json"
GZIP = "application/gzip"
UTF8 = "; charset=utf-8"


def bare(media_type: str) -> str:
    """The media type without parameters (``text/csv; charset=utf-8`` -> ``text/csv``)."""
    return media_type.split(";")[0].strip()


def with_charset(media_type: str) -> str:
    return bare(media_type) + UTF8


_RDF = ox.RdfFormat
_RESULTS = ox.QueryResultsFormat

# resource descriptions: URL suffix -> format, in the order pages offer them after HTML
DESCRIPTION_FORMATS: dict[str, ox.RdfFormat] = {
    f.file_extension: f for f in (_RDF.TURTLE, _RDF.JSON_LD, _RDF.N_TRIPLES, _RDF.RDF_XML)}
SUFFIX_TYPES: dict[str, str] = {
    "html": HTML, **{k: f.media_type for k, f in DESCRIPTION_FORMATS.items()}}
TYPE_SUFFIX = {v: k for k, v in SUFFIX_TYPES.items()}
PAGE_OFFERS = list(SUFFIX_TYPES.values())  # HTML first
DESCRIPTION_OFFERS = [*PAGE_OFFERS[1:], HTML]  # the service description: RDF first

# SPARQL protocol: media type -> format, the first one is the default
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    f.media_type: f for f in (_RDF.TURTLE, _RDF.N_TRIPLES, _RDF.JSON_LD, _RDF.RDF_XML)}
RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    bare(f.media_type): f for f in (_RESULTS.JSON, _RESULTS.XML, _RESULTS.CSV, _RESULTS.TSV)}
# alternative names clients send for the same formats
RESULTS_ALIASES = {
    JSON: bare(_RESULTS.JSON.media_type),
    "application/xml": bare(_RESULTS.XML.media_type),
    "text/xml": bare(_RESULTS.XML.media_type),
}
GRAPH_ALIASES = {
    "application/x-turtle": _RDF.TURTLE.media_type,
    "text/plain": _RDF.N_TRIPLES.media_type,
    JSON: _RDF.JSON_LD.media_type,
    "application/xml": _RDF.RDF_XML.media_type,
    "text/xml": _RDF.RDF_XML.media_type,
    # N3 is a superset of Turtle: a client asking for N3 can read Turtle
    "text/n3": _RDF.TURTLE.media_type,
    "text/rdf+n3": _RDF.TURTLE.media_type,
    "application/n3": _RDF.TURTLE.media_type,
    "application/rdf+n3": _RDF.TURTLE.media_type,
}
PAGE_ALIASES = {**GRAPH_ALIASES, "application/xhtml+xml": HTML}
# the protocol's ``format`` parameter: short name -> (SELECT/ASK type, CONSTRUCT/DESCRIBE type)
_J, _X = bare(_RESULTS.JSON.media_type), bare(_RESULTS.XML.media_type)
_TTL, _NT = _RDF.TURTLE.media_type, _RDF.N_TRIPLES.media_type
_JLD, _RDFXML = _RDF.JSON_LD.media_type, _RDF.RDF_XML.media_type
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": (_J, _JLD), "xml": (_X, _RDFXML),
    "csv": (bare(_RESULTS.CSV.media_type), None), "tsv": (bare(_RESULTS.TSV.media_type), None),
    "turtle": (None, _TTL), "ttl": (None, _TTL), "n3": (None, _TTL),
    "ntriples": (None, _NT), "nt": (None, _NT), "n-triples": (None, _NT),
    "jsonld": (None, _JLD), "json-ld": (None, _JLD),
    "rdfxml": (None, _RDFXML), "rdf-xml": (None, _RDFXML), "rdf+xml": (None, _RDFXML),
    "rdf": (None, _RDFXML),
}

# the saved-query API's results documents (``format`` parameter)
RESULT_DOCUMENTS: dict[str, ox.QueryResultsFormat] = {
    "json": _RESULTS.JSON, "csv": _RESULTS.CSV, "tsv": _RESULTS.TSV}
DOCUMENT_OFFERS = [bare(_RESULTS.JSON.media_type), JSON, bare(_RESULTS.CSV.media_type),
                   bare(_RESULTS.TSV.media_type)]

# files of dist/ served under /downloads/, by suffix
FILE_TYPES: dict[str, str] = {
    **{f".{f.file_extension}": with_charset(f.media_type) for f in (_RDF.TURTLE, _RDF.TRIG)},
    **{f".{f.file_extension}": f.media_type for f in (_RDF.JSON_LD, _RDF.RDF_XML)},
    ".gz": GZIP, ".json": JSON, ".html": with_charset(HTML),
    ".csv": _RESULTS.CSV.media_type,
}
CSV = FILE_TYPES[".csv"]


def document_media_type(name: str) -> str:
    """Media type of a saved-query results document (``json``, ``csv`` or ``tsv``)."""
    return RESULT_DOCUMENTS[name].media_type


def document_name(media_type: str | None) -> str:
    """The results document for a negotiated media type (JSON unless CSV or TSV)."""
    return next((k for k, f in RESULT_DOCUMENTS.items()
                 if k != "json" and bare(f.media_type) == media_type), "json")


# --------------------------------------------------------------------------- weighted lists
def weighted(header: str | None) -> list[tuple[int, str, float]]:
    """(position, lower-cased value, q) of each item of an ``Accept``-style header."""
    out = []
    for i, part in enumerate((header or "").split(",")):
        bits = [b.strip() for b in part.split(";")]
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        out.append((i, bits[0].lower(), q))
    return out


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip (named, or ``*``, with q > 0;
    ``gzip`` named takes precedence over ``*``; RFC 9110 §12.5.3)."""
    named = {coding: q for _, coding, q in weighted(header) if coding}
    q = named.get("gzip", named.get("x-gzip", named.get("*", 0.0)))
    return q > 0


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (more specific first on ties)."""
    items: list[tuple[float, int, int, str]] = []
    for i, mt, q in weighted(header):
        if not mt or "/" not in mt:
            continue
        specificity = 0 if mt == "*/*" else (1 if mt.endswith("/*") else 2)
        items.append((-q, -specificity, i, mt))
    return [(mt, -q) for q, _, _, mt in sorted(items)]


def accepted_languages(header: str | None) -> tuple[str, ...]:
    """``Accept-Language`` -> primary language tags by preference, always ending with 'en'."""
    langs: list[tuple[float, int, str]] = []
    for i, value, q in weighted(header):
        tag = value.split("-")[0]
        if not tag or tag == "*" or not re.fullmatch(r"[a-z]{1,8}", tag):
            continue
        if q > 0:
            langs.append((-q, i, tag))
    out: list[str] = []
    for _, _, tag in sorted(langs):
        if tag not in out:
            out.append(tag)
    if "en" not in out:
        out.append("en")
    return tuple(out)


def negotiate(header: str | None, offers: list[str], aliases: dict[str, str] | None = None
              ) -> str | None:
    """The offer (in server preference order) that the Accept header rates best."""
    if not header or not header.strip():
        return offers[0]
    aliases = aliases or {}
    ranges = [(aliases.get(mt, mt), q) for mt, q in parse_accept(header)]
    best: tuple[float, int] | None = None
    chosen = None
    for rank, offer in enumerate(offers):
        # the most specific range matching the offer gives its quality
        quality, spec = None, -1
        for mt, q in ranges:
            s = 2 if mt == offer else (1 if mt.endswith("/*") and offer.startswith(mt[:-1])
                                        else (0 if mt == "*/*" else -1))
            if s > spec:
                quality, spec = q, s
        if quality is None or quality <= 0:
            continue
        key = (quality, -rank)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


class FormatError(ValueError):
    pass


def results_media_type(fmt: str | None, accept: str | None, graph: bool) -> str:
    """Media type for a query result (graph=True for CONSTRUCT/DESCRIBE). ``fmt`` may be a
    comma list: the first entry that names a format for the query form wins."""
    if fmt and "," in fmt:
        errors: list[FormatError] = []
        for one in fmt.split(","):
            try:
                return results_media_type(one, accept, graph)
            except FormatError as e:
                errors.append(e)
        raise errors[0]
    if fmt:
        key = fmt.strip().lower()
        if key in FORMAT_NAMES:
            mt = FORMAT_NAMES[key][1 if graph else 0]
            if mt is None:
                kind = "CONSTRUCT/DESCRIBE" if graph else "SELECT/ASK"
                raise FormatError(f"format '{fmt}' is not available for {kind} results")
            return mt
        key = (GRAPH_ALIASES if graph else RESULTS_ALIASES).get(key, key)
        if key in (GRAPH_FORMATS if graph else RESULTS_FORMATS):
            return key
        raise FormatError(f"unknown format '{fmt}'")
    offers = list(GRAPH_FORMATS if graph else RESULTS_FORMATS)
    chosen = negotiate(accept, offers, GRAPH_ALIASES if graph else RESULTS_ALIASES)
    # a browser (text/html first, */* later) gets the default format
    return chosen or offers[0]
