"""Content negotiation: ``Accept`` headers and ``format`` parameters -> one media type."""

from __future__ import annotations

import pyoxigraph as ox

RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
# alternative names clients send for the same formats
RESULTS_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
GRAPH_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}
# the ``format`` parameter: short names
FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf-xml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
}


class FormatError(ValueError):
    pass


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (more specific first on ties)."""
    items: list[tuple[float, int, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        bits = [b.strip() for b in part.split(";")]
        mt = bits[0].lower()
        if not mt or "/" not in mt:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        specificity = 0 if mt == "*/*" else (1 if mt.endswith("/*") else 2)
        items.append((-q, -specificity, i, mt))
    return [(mt, -q) for q, _, _, mt in sorted(items)]


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


def results_media_type(fmt: str | None, accept: str | None, graph: bool) -> str:
    """Media type for a query result (graph=True for CONSTRUCT/DESCRIBE)."""
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
