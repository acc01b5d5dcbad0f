"""What tests compare answers with: a build's dump in an Oxigraph store of the test's own, and
SPARQL JSON results as multisets of normalized rows."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"


def load_dump(dist: Path) -> ox.Store:
    """The dump of ``dist`` (tripskg.nq.gz) in a new in-memory store."""
    store = ox.Store()
    store.load(gzip.decompress((dist / "tripskg.nq.gz").read_bytes()),
               format=ox.RdfFormat.N_QUADS)
    return store


def norm_rows(doc: dict) -> tuple[list[str], Counter]:  # type: ignore[type-arg]
    """Rows of a SPARQL JSON result, with the differences Virtuoso is allowed to have: typed
    and plain literals are the same kind, ``xsd:string`` is no datatype, language tags are
    lower-cased and ``xsd:boolean`` 1/0 read as true/false."""
    rows: Counter = Counter()  # type: ignore[type-arg]
    for b in doc["results"]["bindings"]:
        row = []
        for k, v in sorted(b.items()):
            kind = "literal" if v["type"] == "typed-literal" else v["type"]
            dt = v.get("datatype", "")
            dt = "" if dt == XSD + "string" else dt
            value = v["value"]
            if dt == XSD + "boolean":
                value = {"1": "true", "0": "false"}.get(value, value)
            row.append((k, kind, value, dt, v.get("xml:lang", "").lower()))
        rows[tuple(row)] += 1
    return doc["head"]["vars"], rows
