"""The same answers everywhere (issue 15): every saved query, with its defaults and with each
parameter given, returns the same rows through ``tripskg query`` (local), ``/sparql`` of
``tripskg serve``, the REST API, Oxigraph's own server and (``-m virtuoso``) Virtuoso after
``tripskg push`` — all on a build of the real data.

Rows are compared as multisets of normalized terms (``norm_rows``): typed literals and plain
literals are the same kind, ``xsd:string`` is no datatype, language tags are lower-cased
(Virtuoso lower-cases them) and ``xsd:boolean`` 1/0 (Virtuoso's form) read as true/false.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, run_cli
from tests.support.answers import norm_rows
from tests.support.virtuoso import Virtuoso, available

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/tripskg/id/"
# realistic values from the real data (data/), one per parameter of every saved query
GIVEN: dict[str, str] = {
    "country": "KHM", "area": "health", "treaty": ID + "treaty/pct", "from": "2010-01-01",
    "to": "2015-12-31", "by": "Japan", "since": "2010-01-01", "kind": "all",
    "report": ID + "report/japan-2012", "attribution": "listed", "report_kind": "document",
}
REQUIRED_DEFAULTS = {"from": "2000-01-01", "to": "2026-12-31", "country": "KHM",
                     "area": "health", "report": ID + "report/japan-2012"}


def cases() -> list[tuple[str, dict[str, str]]]:
    """(query, parameters): its defaults (required parameters given), then each parameter
    given in turn."""
    from tripskg.queries import load_queries

    out = []
    for name, q in sorted(load_queries().items()):
        base = {p.name: REQUIRED_DEFAULTS[p.name] for p in q.params if p.required}
        out.append((name, base))
        for p in q.params:
            if p.name in GIVEN and (GIVEN[p.name] != base.get(p.name)):
                out.append((name, {**base, p.name: GIVEN[p.name]}))
    return out


CASES = cases()
def case_id(name: str, params: dict[str, str]) -> str:
    given = ",".join(f"{k}={v.rsplit('/', 1)[-1]}" for k, v in params.items())
    return f"{name}[{given or 'defaults'}]"


IDS = [case_id(n, p) for n, p in CASES]


def cli_args(params: dict[str, str]) -> list[str]:
    return [a for k, v in params.items() for a in ("--param", f"{k}={v}")]


def via_cli(name: str, params: dict[str, str], *where: str) -> dict:  # type: ignore[type-arg]
    r = run_cli("query", name, *cli_args(params), *where, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def tripskg_server(server_factory, real_dist: Path) -> str:
    return server_factory("--workers", "1", "--timeout", "30", "--limit", "100000",
                          dist=real_dist).url


@pytest.fixture(scope="module")
def oxigraph_server(real_dist: Path, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[str]:
    exe = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph")
    assert exe, "the oxigraph CLI is missing: pip install oxigraph (in the test extras)"
    folder = tmp_path_factory.mktemp("oxigraph")
    nq = folder / "tripskg.nq"
    nq.write_bytes(gzip.decompress((real_dist / "tripskg.nq.gz").read_bytes()))
    subprocess.run([exe, "load", "--location", str(folder / "db"), "--file", str(nq)],
                   check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([exe, "serve-read-only", "--location", str(folder / "db"),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(300):
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def answers(real_dist: Path) -> dict[str, tuple[list[str], Counter]]:  # type: ignore[type-arg]
    """The local answer of every case (``tripskg query --from``)."""
    return {i: norm_rows(via_cli(n, p, "--from", str(real_dist)))
            for i, (n, p) in zip(IDS, CASES, strict=True)}


def check(want: tuple[list[str], Counter], got: tuple[list[str], Counter],  # type: ignore[type-arg]
          case: str) -> None:
    assert got[0] == want[0], case
    assert got[1] == want[1], (f"{case}: local only {list((want[1] - got[1]).items())[:3]}; "
                               f"here only {list((got[1] - want[1]).items())[:3]}")


def test_cases_cover_every_parameter() -> None:
    from tripskg.queries import load_queries

    for name, q in load_queries().items():
        for p in q.params:
            assert any(n == name and p.name in params for n, params in CASES), (name, p.name)


def test_local_answers_are_not_all_empty(answers: dict) -> None:  # type: ignore[type-arg]
    empty = [case for case, (_, rows) in answers.items() if not rows]
    assert len(empty) < len(answers) // 4, f"too many cases without rows: {empty}"


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_tripskg_sparql_endpoint(tripskg_server: str, answers: dict, name: str,  # type: ignore[type-arg]
                                 params: dict[str, str]) -> None:
    case = IDS[CASES.index((name, params))]
    got = via_cli(name, params, "--endpoint", tripskg_server + "/sparql")
    check(answers[case], norm_rows(got), case)


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_rest_api(tripskg_server: str, answers: dict, name: str,  # type: ignore[type-arg]
                  params: dict[str, str]) -> None:
    case = IDS[CASES.index((name, params))]
    r = httpx.get(f"{tripskg_server}/api/queries/{name}", params=params, timeout=60)
    assert r.status_code == 200, r.text
    check(answers[case], norm_rows(r.json()), case)


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_oxigraph_server(oxigraph_server: str, answers: dict, name: str,  # type: ignore[type-arg]
                         params: dict[str, str]) -> None:
    case = IDS[CASES.index((name, params))]
    got = via_cli(name, params, "--endpoint", oxigraph_server)
    check(answers[case], norm_rows(got), case)


@pytest.fixture(scope="module")
def pushed_virtuoso(tmp_path_factory: pytest.TempPathFactory, real_dist: Path
                    ) -> Iterator[Virtuoso]:
    if not available():
        pytest.fail("virtuoso-t/isql-vt are missing: run 'make system-deps'")
    v = Virtuoso.start(tmp_path_factory.mktemp("virtuoso-same") / "db", max_rows=100_000)
    try:
        r = run_cli("push", "--dist", str(real_dist), "--endpoint", v.crud_url, "--user", "dba",
                    "--password", v.password, "--replace")
        assert r.exit_code == 0, r.output
        yield v
    finally:
        v.stop()


@pytest.mark.virtuoso
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_virtuoso(pushed_virtuoso: Virtuoso, answers: dict, name: str,  # type: ignore[type-arg]
                  params: dict[str, str]) -> None:
    case = IDS[CASES.index((name, params))]
    got = via_cli(name, params, "--endpoint", pushed_virtuoso.sparql_url)
    check(answers[case], norm_rows(got), case)
