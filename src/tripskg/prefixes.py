"""The prefixes of the dataset's namespaces, used by the dumps and by the pages' RDF."""

from __future__ import annotations

from .iris import IRIs
from .vocab import STANDARD_PREFIXES, VANN

# prefix names of the concept schemes: the ones the vocabulary files use
SCHEME_PREFIXES = {
    "policy-area": "pa",
    "activity-type": "at",
    "ip-field": "ipf",
    "target-group": "tg",
    "mode": "md",
    "data-kind": "dk",
    "role": "rl",
}
# id/<name>/ namespaces that get a prefix (one per path: see RDF-STACK-NOTES, slash escaping)
ID_PREFIXES = {
    "country": "country",
    "region": "region",
    "group": "group",
    "org": "organization",  # not "org": that is the W3C Organization Ontology
    "member": "member",
    "treaty": "treaty",
    "framework": "framework",
    "meeting": "meeting",
}


def prefixes(iris: IRIs) -> dict[str, str]:
    """Prefixes for readable Turtle/TriG/RDF-XML: only namespaces whose local names have no '/'."""
    out = dict(STANDARD_PREFIXES)
    out["vann"] = VANN
    out["tkg"] = iris.tkg
    for path, name in ID_PREFIXES.items():
        out[name] = f"{iris.id}{path}/"
    for scheme, name in SCHEME_PREFIXES.items():
        out[name] = f"{iris.tkg}{scheme}/"
    return out
