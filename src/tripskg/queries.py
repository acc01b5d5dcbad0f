"""Saved queries: loading ``queries/*.rq`` with their headers, and binding parameters safely.

A query file starts with a header of ``#`` comments::

    # title: Activities by country
    # description: Activities whose beneficiaries include a country.
    # param: country country — beneficiary: ISO code, WTO name or IRI
    # param: kind kind real — data to include: real, example, synthetic or all
    # columns: activity, title, start, report, organization

``param`` is ``<name> <type> [default|optional] — <help>``. Parameters are converted to typed
RDF terms (IRIs resolved through the reference data, dates as ``xsd:date`` …) and bound with a
``VALUES`` block inserted where the query has the line ``#@params``; the value never becomes
SPARQL syntax of its own. An optional parameter left empty (or ``all``) stays unbound.
A query may have the marker more than once (e.g. also inside an aggregating subquery, which
does not see the outer bindings): every occurrence gets the same ``VALUES`` block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from .errors import InputError, QueryError, did_you_mean
from .ingest.dates import parse_date
from .iris import IRIs
from .reference import Reference
from .resources import queries_dir
from .vocab import DEFAULT_BASE, XSD

PARAM_TYPES = ("iri", "country", "organization", "date", "year", "string", "integer", "concept",
               "kind")
MARKER = "#@params"
DATA_KINDS = ("real", "example", "synthetic", "test-fixture")


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # one of PARAM_TYPES, or "concept:<scheme>"
    default: str | None = None  # None = required
    optional: bool = False
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is None and not self.optional


@dataclass
class SavedQuery:
    name: str
    title: str
    description: str
    params: list[Param]
    columns: list[str]
    text: str
    path: Path | None = None
    index_note: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        names = [p.name for p in self.params]
        raise QueryError(
            f"query '{self.name}' has no parameter '{name}'",
            hint=f"its parameters: {', '.join(names) or 'none'}", parameter=name,
        )


_HEADER = re.compile(r"^#\s*(title|description|param|columns|index)\s*:\s*(.*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # also a SPARQL variable name


def parse_query_file(path: Path) -> SavedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    last = ""  # the header field a '#  ' continuation line belongs to
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := _HEADER.match(line):
            last = m.group(1)
            fields.setdefault(last, []).append(m.group(2).strip())
        elif line.startswith("#  ") and last in ("description", "index"):
            fields[last][-1] += " " + line[1:].strip()
    for required in ("title", "description", "columns"):
        if required not in fields:
            raise QueryError(f"missing '# {required}:' header", str(path), 1)
    params = [_param(p, path) for p in fields.get("param", [])]
    if params and MARKER not in text:
        raise QueryError(f"query has parameters but no '{MARKER}' line", str(path))
    return SavedQuery(
        name=path.stem,
        title=fields["title"][0],
        description=" ".join(fields["description"]),
        params=params,
        columns=[c.strip() for c in fields["columns"][0].split(",") if c.strip()],
        text=text,
        path=path,
        index_note=" ".join(fields.get("index", [])),
    )


def _param(spec: str, path: Path) -> Param:
    head, help_text = spec, ""
    for sep in (" — ", " -- "):
        if sep in spec:
            head, help_text = spec.split(sep, 1)
            break
    parts = head.split()
    if len(parts) not in (2, 3) or not _NAME.match(parts[0]):
        raise QueryError(f"bad param header '{spec}'", str(path),
                         hint="expected '# param: <name> <type> [default|optional] — <help>'")
    ptype = parts[1]
    if ptype not in PARAM_TYPES and not ptype.startswith("concept:"):
        raise QueryError(f"unknown param type '{ptype}'", str(path),
                         hint=f"types: {', '.join(PARAM_TYPES)}, concept:<scheme>")
    default = parts[2] if len(parts) == 3 else None
    optional = default == "optional"
    return Param(parts[0], ptype, None if optional else default, optional, help_text.strip())


def load_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    folder = folder or queries_dir()
    return {p.stem: parse_query_file(p) for p in sorted(folder.glob("*.rq"))}


def get_query(name: str, queries: Mapping[str, SavedQuery] | None = None) -> SavedQuery:
    queries = queries if queries is not None else load_queries()
    if name not in queries:
        hint = did_you_mean(name, list(queries), n=1, cutoff=0.6)
        raise QueryError(
            f"unknown query '{name}'",
            hint=hint or f"saved queries: {', '.join(sorted(queries))}",
        )
    return queries[name]


# --------------------------------------------------------------------------- binding
Term = ox.NamedNode | ox.Literal

_IRI_OK = re.compile(r"\Ahttps?://[^\s<>\"{}|\\^`]+\Z")


def to_term(param: Param, raw: str, ref: Reference, iris: IRIs) -> Term | None:
    """Convert one raw string to a typed RDF term; None means 'leave unbound'."""
    value = raw.strip()
    if value == "" or (value == "all" and (param.optional or param.type == "kind")):
        if param.required:
            raise QueryError(f"parameter '{param.name}' needs a value", hint=param.help or None,
                             parameter=param.name)
        return None
    try:
        return _convert(param, value, ref, iris)
    except InputError as e:
        raise QueryError(f"parameter '{param.name}': {e.message}", hint=e.hint,
                         parameter=param.name) from None


def _convert(param: Param, value: str, ref: Reference, iris: IRIs) -> Term:
    t = param.type
    if t == "iri":
        if not _IRI_OK.match(value):
            raise InputError(f"'{value[:80]}' is not an absolute http(s) IRI",
                             hint="IRIs may not contain spaces, quotes, braces or <>")
        return ox.NamedNode(value)
    if t == "country":
        return ox.NamedNode(ref.resolve(value, ("country", "member"), "country"))
    if t == "organization":
        return ox.NamedNode(ref.resolve(value, ("organization", "member", "country"),
                                        "organization"))
    if t == "date":
        d = parse_date(value)
        if d.day is None:
            raise InputError(f"'{value}' is not a full date", hint="expected YYYY-MM-DD")
        return ox.Literal(d.lexical(), datatype=ox.NamedNode(XSD + "date"))
    if t in ("year", "integer"):
        if not re.fullmatch(r"-?\d{1,9}", value):
            raise InputError(f"'{value[:40]}' is not {'a year' if t == 'year' else 'an integer'}")
        if t == "year" and not 1000 <= int(value) <= 9999:
            raise InputError(f"'{value}' is not a 4-digit year")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if t == "string":
        return ox.Literal(value)
    if t == "kind":
        if value not in DATA_KINDS:
            raise InputError(f"unknown data kind '{value}'",
                             hint=f"expected one of {', '.join(DATA_KINDS)} or all")
        return ox.NamedNode(iris.concept("data-kind", value))
    if t.startswith("concept:"):
        scheme = t.split(":", 1)[1]
        return ox.NamedNode(ref.concept(scheme, value, scheme.replace("-", " ")))
    if t == "concept":
        raise InputError("untyped concept parameter", hint="declare it as concept:<scheme>")
    raise InputError(f"unknown parameter type '{t}'")


def bind(query: SavedQuery, raw: Mapping[str, str], ref: Reference, iris: IRIs | None = None,
         ) -> tuple[str, dict[str, Term]]:
    """The query text with a VALUES block for the given parameters, and the bound terms."""
    iris = iris or IRIs(DEFAULT_BASE)
    for name in raw:
        query.param(name)  # unknown parameter -> error naming the parameters
    bound: dict[str, Term] = {}
    for p in query.params:
        value = raw.get(p.name)
        if value is None:
            if p.required:
                raise QueryError(
                    f"query '{query.name}' needs parameter '{p.name}'",
                    hint=f"--param {p.name}=… ({p.help})" if p.help else None, parameter=p.name,
                )
            value = p.default or ""
        term = to_term(p, value, ref, iris)
        if term is not None:
            bound[p.name] = term
    text = query.text
    if iris.base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE, iris.base)
    if bound:
        # one single-variable VALUES block per parameter (the same solutions as one row of
        # all of them): Virtuoso 7.2 fails on a multi-variable VALUES row joined with the
        # rest ("SP031 Internal error: ssg_print_rvr_fixed_val()"); docs/interop.md
        values = " ".join(f"VALUES ?{n} {{ {t} }}" for n, t in bound.items())  # N-Triples terms
        text = text.replace(MARKER, values)  # every marker
    return text, bound


@dataclass
class ResultTable:
    columns: list[str]
    rows: list[dict[str, Term | None]] = field(default_factory=list)
    truncated: bool = False
    # rows the endpoint itself stopped at (Virtuoso's ResultSetMaxRows: HTTP 200, fewer rows)
    server_limit: int | None = None


def run_local(store: ox.Store, text: str, limit: int | None = None) -> ResultTable:
    """Run a SELECT over the union of all named graphs."""
    try:
        solutions = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as e:
        raise QueryError(f"malformed query: {e}") from None
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError("saved queries must be SELECT queries")
    columns = [v.value for v in solutions.variables]
    table = ResultTable(columns)
    # a solution iterates its values in the order of ``variables`` (None when unbound):
    # zipping is ~4x cheaper than looking each column up by name
    if limit is None:
        table.rows = [dict(zip(columns, sol, strict=True)) for sol in solutions]
        return table
    rows = table.rows
    for sol in solutions:
        if len(rows) >= limit:
            table.truncated = True
            break
        rows.append(dict(zip(columns, sol, strict=True)))
    return table


# --------------------------------------------------------------------------- results
def term_from_json(b: Mapping[str, str]) -> Term:
    """A SPARQL 1.1 JSON results binding -> RDF term."""
    kind = b.get("type")
    if kind == "uri":
        return ox.NamedNode(b["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in b:
            return ox.Literal(b["value"], language=b["xml:lang"])
        if "datatype" in b:
            value = b["value"]
            if b["datatype"] == XSD + "boolean" and value in ("1", "0"):
                value = "true" if value == "1" else "false"  # Virtuoso writes booleans as 1/0
            return ox.Literal(value, datatype=ox.NamedNode(b["datatype"]))
        return ox.Literal(b["value"])
    if kind == "bnode":
        return ox.Literal("_:" + b["value"])
    raise QueryError(f"unexpected binding type '{kind}' in endpoint results")


def term_to_json(t: Term) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD + "string":
        out["datatype"] = t.datatype.value
    return out


def to_json(table: ResultTable) -> dict[str, object]:
    """W3C SPARQL 1.1 Query Results JSON."""
    return {
        "head": {"vars": table.columns},
        "results": {"bindings": [
            {k: term_to_json(v) for k, v in row.items() if v is not None} for row in table.rows
        ]},
    }


def _csv_cell(t: Term | None) -> str:
    return "" if t is None else t.value


def to_csv(table: ResultTable) -> str:
    """W3C SPARQL 1.1 Query Results CSV (plain values, CRLF line ends)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(table.columns)
    for row in table.rows:
        w.writerow([_csv_cell(row.get(c)) for c in table.columns])
    return buf.getvalue()


def to_tsv(table: ResultTable) -> str:
    """W3C SPARQL 1.1 Query Results TSV (terms in SPARQL/N-Triples syntax)."""
    lines = ["\t".join(f"?{c}" for c in table.columns)]
    for row in table.rows:
        lines.append("\t".join("" if row.get(c) is None else str(row[c]) for c in table.columns))
    return "\n".join(lines) + "\n"


def display(t: Term | None, base: str = DEFAULT_BASE) -> str:
    """A short human form of a term for tables: dataset IRIs relative to the base."""
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode) and t.value.startswith(base):
        rest = t.value[len(base):]
        return rest[3:] if rest.startswith("id/") else rest
    return t.value


def run_remote(endpoint: str, text: str, limit: int | None = None, timeout: float = 30.0,
               default_graphs: list[str] | None = None) -> ResultTable:
    """Run a SELECT against a SPARQL 1.1 endpoint with SPARQLWrapper.

    ``default_graphs`` are sent as ``default-graph-uri`` (the dataset of the query); without
    them the endpoint's own default graph is used (Virtuoso: the union of all graphs).
    If the endpoint reports that it cut the results (Virtuoso's ``X-SPARQL-MaxRows`` header,
    sent with HTTP 200 when ``ResultSetMaxRows`` is reached), ``server_limit`` is set.
    """
    import urllib.error

    from SPARQLWrapper import JSON, POST, SELECT, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint)
    client.setQuery(text)
    # SPARQLWrapper guesses the form from the text and can be wrong (the comments of
    # needs-coverage make it 'ADD', sent as an update): this is always a query
    client.queryType = SELECT
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setTimeout(int(timeout))
    for g in default_graphs or []:
        client.addDefaultGraph(g)
    try:
        result = client.query()
        headers = result.response.headers
        data = result.convert()
    except SPARQLWrapperException as e:
        raise QueryError(f"endpoint {endpoint} rejected the query: {str(e).strip()[:500]}"
                         ) from None
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise QueryError(f"endpoint {endpoint} did not answer within {timeout:.0f}s",
                             hint="the query may be too heavy for the server") from None
        raise QueryError(f"cannot reach endpoint {endpoint}: {reason}",
                         hint="check the URL and that the server is running") from None
    if not isinstance(data, dict) or "head" not in data:
        raise QueryError(f"endpoint {endpoint} did not return SPARQL JSON results")
    columns = list(data["head"].get("vars", []))
    table = ResultTable(columns)
    bindings = data.get("results", {}).get("bindings", [])
    for i, b in enumerate(bindings):
        if limit is not None and i >= limit:
            table.truncated = True
            break
        table.rows.append({c: term_from_json(b[c]) if c in b else None for c in columns})
    max_rows = headers.get("X-SPARQL-MaxRows") if headers is not None else None
    if max_rows and max_rows.strip().isdigit() and len(bindings) >= int(max_rows):
        table.server_limit = int(max_rows)
    return table


def load_dist_store(dist: Path) -> ox.Store:
    """An in-memory store with the named graphs of a built ``dist/`` folder."""
    import gzip

    path = dist / "tripskg.nq.gz"
    if not path.is_file():
        raise QueryError(f"no build in '{dist}' (tripskg.nq.gz is missing)",
                         hint="run 'tripskg build' first, or pass --from DIR")
    store = ox.Store()
    with gzip.open(path, "rb") as fh:
        store.load(cast(IO[bytes], fh), ox.RdfFormat.N_QUADS)
    return store
