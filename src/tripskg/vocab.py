"""Namespaces used across the project (IRIs as strings; rdflib/pyoxigraph wrap them as needed)."""

from __future__ import annotations

DEFAULT_BASE = "https://w3id.org/tripskg/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
TIME = "http://www.w3.org/2006/time#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
SPDX = "http://spdx.org/rdf/terms#"
VANN = "http://purl.org/vocab/vann/"

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dct": DCT,
    "org": ORG,
    "prov": PROV,
    "schema": SCHEMA,
    "time": TIME,
    "foaf": FOAF,
    "dcat": DCAT,
    "void": VOID,
    "sh": SH,
    "spdx": SPDX,
}
