"""OpenAPI 3 description of the saved-query API, generated from the query file headers."""

from __future__ import annotations

from collections.abc import Mapping

from .. import __version__
from ..queries import DATA_KINDS, Param, SavedQuery
from ..web.formats import DOCUMENT_OFFERS, JSON

RESERVED = ("shape", "format", "limit", "offset", "download")
SPARQL_JSON, _, *TEXT_DOCUMENTS = DOCUMENT_OFFERS  # results JSON, plain JSON, CSV, TSV


def param_schema(p: Param, concepts: Mapping[str, list[str]]) -> dict[str, object]:
    t = p.type
    schema: dict[str, object]
    if t == "date":
        schema = {"type": "string", "format": "date"}
    elif t == "year":
        schema = {"type": "integer", "minimum": 1000, "maximum": 9999}
    elif t == "integer":
        schema = {"type": "integer"}
    elif t == "iri":
        schema = {"type": "string", "format": "uri"}
    elif t == "kind":
        schema = {"type": "string", "enum": [*DATA_KINDS, "all"]}
    elif t.startswith("concept:"):
        schema = {"type": "string"}
        slugs = concepts.get(t.split(":", 1)[1])
        if slugs:
            schema["example"] = "health" if "health" in slugs else slugs[0]
    else:
        schema = {"type": "string"}
    if p.default is not None:
        schema["default"] = int(p.default) if schema.get("type") == "integer" else p.default
    return schema


def _describe_type(p: Param) -> str:
    return {"country": "a country: ISO 3166 code, WTO or ISO name, or IRI",
            "organization": "an organization: acronym, name or IRI"}.get(p.type, "")


def openapi(queries: Mapping[str, SavedQuery], server_url: str,
            concepts: Mapping[str, list[str]] | None = None) -> dict[str, object]:
    concepts = concepts or {}
    error = {"$ref": "#/components/schemas/Error"}
    paths: dict[str, object] = {
        "/api/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "List the saved queries with their parameters",
                "tags": ["queries"],
                "responses": {"200": {
                    "description": "The saved queries",
                    "content": {JSON: {"schema": {
                        "type": "array", "items": {"$ref": "#/components/schemas/QueryInfo"}}}},
                }},
            }
        }
    }
    for q in queries.values():
        params: list[dict[str, object]] = []
        for p in q.params:
            desc = p.help or _describe_type(p)
            if p.type.startswith("concept:") and concepts.get(p.type.split(":", 1)[1]):
                desc += ". One of: " + ", ".join(concepts[p.type.split(":", 1)[1]])
            params.append({
                "name": p.name, "in": "query", "required": p.required,
                "description": desc + (" (leave empty or 'all' for no restriction)"
                                       if p.optional else ""),
                "schema": param_schema(p, concepts),
            })
        params += [
            {"name": "shape", "in": "query", "required": False,
             "description": "'sparql' (W3C SPARQL 1.1 JSON results) or 'rows' (a list of "
                            "objects with plain values)",
             "schema": {"type": "string", "enum": ["sparql", "rows"], "default": "sparql"}},
            {"name": "format", "in": "query", "required": False,
             "description": "Result format; overrides the Accept header.",
             "schema": {"type": "string", "enum": ["json", "csv", "tsv"], "default": "json"}},
            {"name": "limit", "in": "query", "required": False,
             "description": "Rows per page (default and most: the server's result limit); "
                            "a Link header with rel=\"next\" points to the next page.",
             "schema": {"type": "integer", "minimum": 1}},
            {"name": "offset", "in": "query", "required": False,
             "description": "Rows to skip (the page's start).",
             "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "download", "in": "query", "required": False,
             "description": "Every row as a file in this format, without the row limit "
                            "(the query timeout still applies).",
             "schema": {"type": "string", "enum": ["json", "csv", "tsv"]}},
        ]
        paths[f"/api/queries/{q.name}"] = {
            "get": {
                "operationId": "run_" + q.name.replace("-", "_"),
                "summary": q.title,
                "description": q.description + f"\n\nColumns: {', '.join(q.columns)}.",
                "tags": ["queries"],
                "parameters": params,
                "responses": {
                    "200": {
                        "description": "Query results. The header X-Truncated: true says the "
                                       "server's result limit cut them.",
                        "headers": {"X-Truncated": {"schema": {"type": "string",
                                                               "enum": ["true", "false"]}}},
                        "content": {
                            SPARQL_JSON: {
                                "schema": {"$ref": "#/components/schemas/SparqlResults"}},
                            JSON: {"schema": {"$ref": "#/components/schemas/Rows"}},
                            **{mt: {"schema": {"type": "string"}} for mt in TEXT_DOCUMENTS},
                        },
                    },
                    "400": {"description": "A parameter is missing or invalid (the message "
                                           "names it)",
                            "content": {JSON: {"schema": error}}},
                    "503": {"description": "The query timed out or the server is busy",
                            "content": {JSON: {"schema": error}}},
                },
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "tripskg saved queries",
            "version": __version__,
            "description": "The saved SPARQL queries of tripskg as a REST API. Parameters are "
                           "bound as typed RDF terms (never spliced into the query text). The "
                           "full SPARQL 1.1 Protocol endpoint is at /sparql.",
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "string"}, "parameter": {"type": "string"},
                "hint": {"type": "string"}}},
            "QueryInfo": {"type": "object", "properties": {
                "name": {"type": "string"}, "title": {"type": "string"},
                "description": {"type": "string"},
                "columns": {"type": "array", "items": {"type": "string"}},
                "params": {"type": "array", "items": {"type": "object"}},
                "api": {"type": "string"}, "page": {"type": "string"}}},
            "SparqlResults": {"type": "object", "properties": {
                "head": {"type": "object", "properties": {
                    "vars": {"type": "array", "items": {"type": "string"}}}},
                "results": {"type": "object", "properties": {
                    "bindings": {"type": "array", "items": {"type": "object"}}}}}},
            "Rows": {"type": "object", "properties": {
                "columns": {"type": "array", "items": {"type": "string"}},
                "rows": {"type": "array", "items": {"type": "object",
                                                    "additionalProperties": {
                                                        "type": "string", "nullable": True}}},
                "truncated": {"type": "boolean"}}},
        }},
    }
