"""Hardening (issue #9) of saved-query parameters: bad values on the command line, and hostile
values of every parameter type bound as RDF terms, never spliced into the query text."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.support.hardening import BASE, fuzz
from tripskg.errors import QueryError
from tripskg.queries import MARKER, PARAM_TYPES, Param, SavedQuery, bind
from tripskg.reference import load_reference

# =========================================================================== query parameters
# (query, parameters, the exact message; the parameter it names is its location)
PARAM_CASES = [
    ("activities-by-country", {"country": "LDCs"},
     "parameter 'country': 'LDCs' is a group (Least developed countries), not a country"),
    ("activities-by-country", {"country": "ARIPO member states"},
     "parameter 'country': 'ARIPO member states' is a group (ARIPO member states), not a country"),
    ("activities-by-country", {"country": "Keyna"},
     "parameter 'country': unknown country 'Keyna' (did you mean 'Kenya'?)"),
    ("activities-by-country", {"country": 'Kenya" } UNION { ?s ?p ?o'},
     "parameter 'country': unknown country 'Kenya\" } UNION { ?s ?p ?o'"),
    ("activities-by-country", {"country": BASE + "group/ldc"},
     f"parameter 'country': unknown country IRI <{BASE}group/ldc>"),
    ("activities-by-country", {"contry": "KEN"},
     "query 'activities-by-country' has no parameter 'contry' (its parameters: country, kind, attribution)"),
    ("activities-in-period", {"from": "31/02/2025", "to": "2025-12-31"},
     "parameter 'from': 2025-02-31 does not exist (February 2025 has 28 days)"),
    ("activities-in-period", {"from": "2025", "to": "2025-12-31"},
     "parameter 'from': '2025' is not a full date (expected YYYY-MM-DD)"),
    ("activities-in-period", {"from": "2025-01-01", "to": "2025-12-31 } ; DROP ALL"},
     "parameter 'to': cannot read date '2025-12-31 } ; DROP ALL' (expected e.g. 2025-03-12, "
     "12/03/2025, 12 March 2025, 12-14 March 2025, March 2025 or 2025)"),
    ("mentions", {"report": "http://x/a>b"},
     "parameter 'report': 'http://x/a>b' is not an absolute http(s) IRI "
     "(IRIs may not contain spaces, quotes, braces or <>)"),
    ("mentions", {"report": "javascript:alert(1)"},
     "parameter 'report': 'javascript:alert(1)' is not an absolute http(s) IRI "
     "(IRIs may not contain spaces, quotes, braces or <>)"),
    ("activities-by-treaty", {"treaty": f"<{BASE}treaty/pct>"},
     f"parameter 'treaty': '<{BASE}treaty/pct>' is not an absolute http(s) IRI "
     "(IRIs may not contain spaces, quotes, braces or <>)"),
    ("reports", {"kind": "real } UNION { ?s ?p ?o"},
     "parameter 'kind': unknown data kind 'real } UNION { ?s ?p ?o' "
     "(expected one of real, example, synthetic, test-fixture or all)"),
    ("activities-by-policy-area", {"area": "helth"},
     "parameter 'area': unknown policy area 'helth' (did you mean 'health'?)"),
    ("activities-by-country", {"country": "KEN", "attribution": "infered"},
     "parameter 'attribution': unknown attribution 'infered' (did you mean 'attached by tripskg'?)"),
    ("reports", {"report_kind": "compilations } UNION { ?s ?p ?o"},
     "parameter 'report_kind': unknown report kind 'compilations } UNION { ?s ?p ?o'"),
    ("ldc-beneficiaries", {"by": "LDCs"},
     "parameter 'by': 'LDCs' is a group (Least developed countries), not an organization"),
    ("ldc-beneficiaries", {"since": "2025-13-01"},
     "parameter 'since': month 13 does not exist (expected 1-12)"),
]


@pytest.mark.parametrize(("query", "params", "message"), PARAM_CASES,
                         ids=[f"{q}-{'-'.join(p)}-{i}" for i, (q, p, _) in enumerate(PARAM_CASES)])
def test_bad_query_parameters_cli(tmp_path: Path, query: str, params: dict[str, str],
                                  message: str) -> None:
    args = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
    result = run_cli("query", query, *args, "--from", str(tmp_path / "no-dist"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {message}"]


HOSTILE_PIECES = ['"', "'", "}", "{", "#", "\n", ">", "<", " ", "\\", "DROP ALL", "INSERT DATA",
                  "} UNION { ?s ?p ?o", "http://x/", "Kenya", "2025-01-01", "health", "real",
                  "\\u0022", "^^", "@en", "?s", "$x", ";", "."]
HOSTILE_VALUES = st.one_of(st.text(max_size=40),
                           st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=6)
                           .map("".join))
ALL_TYPES = [t for t in PARAM_TYPES if t != "concept"] + ["concept:policy-area",
                                                          "concept:activity-type"]


@fuzz(300)
@given(st.sampled_from(ALL_TYPES), HOSTILE_VALUES)
def test_fuzz_parameter_binding_every_type(ptype: str, value: str) -> None:
    """Any value of any parameter type binds to exactly one RDF term (the query keeps its
    structure: one VALUES block, one solution) or is refused with a message naming it."""
    q = SavedQuery("t", "t", "t", [Param("p", ptype)], ["x"],
                   f"SELECT ?x WHERE {{\n  {MARKER}\n  BIND(?p AS ?x)\n}}")
    try:
        text, bound = bind(q, {"p": value}, load_reference())
    except QueryError as e:
        assert e.message.startswith(("parameter 'p'", "query 't' needs parameter 'p'")), e
        return
    assert list(bound) == ["p"]
    assert text == q.text.replace(MARKER, f"VALUES ?p {{ {bound['p']} }}")
    rows = list(ox.Store().query(text))
    assert len(rows) == 1 and rows[0]["x"] == bound["p"]
