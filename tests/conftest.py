"""Shared fixtures: small data folders, the CLI runner, a built seed graph."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tripskg.cli import main

# the browser fixtures (browser, tab, page) for every module marked with tests.support.browser.BROWSER
pytest_plugins = ["tests.support.browser"]

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
SEED = ROOT / "data" / "documents" / "wipo-technical-cooperation-2025.txt"

MINIMAL_NOTE = (
    "TEST FIXTURE - Technical cooperation activities: information from other "
    "intergovernmental organizations - World Health Organization (WHO)\n\n"
    "At its meeting of 26-27 June 2025, the Council for TRIPS invited observers to report.\n\n"
    "The present document reproduces the information received from the World Health "
    "Organization (WHO) by means of a communication dated 26 September 2025.\n\n"
    "1.  The Annex lists activities undertaken in the period from January 2025 to "
    "December 2025.\n"
)


def tree_digest(folder: Path) -> str:
    """One hash over the names and contents of every file below ``folder``."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def make_data(root: Path, notes: dict[str, str] | None = None,
              annexes: dict[str, str | bytes | Path] | None = None,
              register: str | None = None) -> Path:
    """A data folder with the given cover notes (key -> text) and annexes (file name -> data)."""
    data = root / "data"
    (data / "documents").mkdir(parents=True, exist_ok=True)
    (data / "annex").mkdir(parents=True, exist_ok=True)
    for key, text in (notes or {}).items():
        (data / "documents" / f"{key}.txt").write_text(text, encoding="utf-8")
    for name, content in (annexes or {}).items():
        target = data / "annex" / name
        if isinstance(content, Path):
            shutil.copy(content, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if register is not None:
        (data / "reports.csv").write_text(register, encoding="utf-8")
    return data


@pytest.fixture
def data_factory(tmp_path: Path) -> Callable[..., Path]:
    return lambda **kw: make_data(tmp_path, **kw)


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args), catch_exceptions=False)
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="session")
def seed_store():
    """The graph built from the seed cover note alone (plus ontology and reference data)."""
    import tempfile

    from tripskg.build import build_graph

    with tempfile.TemporaryDirectory() as tmp:
        data = make_data(Path(tmp), notes={SEED.stem: SEED.read_text(encoding="utf-8")})
        yield build_graph(data)


# --------------------------------------------------------------------------- served dist
XSS_LABEL = "<script>alert(1)</script>"
XSS_NOTE = MINIMAL_NOTE.replace("TEST FIXTURE - ", "EXAMPLE DATA - ")
XSS_ANNEX = (
    "id,title,description,start_date,end_date,beneficiaries,activity_type,policy_areas,"
    "ip_fields,treaties,partners,target_groups,location,mode,framework\n"
    f'XSS-1,"{XSS_LABEL}","Example row whose title is markup, for escaping tests '
    '& <b>bold</b>.",2025-03-01,,Kenya,training,health,patents,,,,Geneva,online,\n'
)


@pytest.fixture(scope="session")
def small_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ (with site/) built from the seed note, data/examples and an escaping fixture."""
    return publish_examples(tmp_path_factory.mktemp("small"), {
        "xss-fixture.txt": XSS_NOTE, "xss-fixture.csv": XSS_ANNEX}, with_examples=True)


def publish_examples(root: Path, files: dict[str, str], with_examples: bool = False) -> Path:
    """``root/dist`` (a symbolic link into dist.builds/, as ``tripskg build`` makes it) of the
    seed note plus example reports given as {file name in data/examples: text} (and
    data/examples itself with ``with_examples``). Built with build_graph + publish (SHACL
    validation is tested elsewhere) to stay fast."""
    from tripskg.build import build_graph
    from tripskg.publish import atomic_output, publish

    data = make_data(root, notes={SEED.stem: SEED.read_text(encoding="utf-8")})
    examples = data / "examples"
    if with_examples:
        shutil.copytree(ROOT / "data" / "examples", examples)
    examples.mkdir(exist_ok=True)
    for name, text in files.items():
        (examples / name).write_text(text, encoding="utf-8")
    result = build_graph(data)
    with atomic_output(root / "dist") as work:
        publish(result, work)
    return root / "dist"


@pytest.fixture(scope="module")
def real_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ built from the real data (data/), without the static site."""
    out = tmp_path_factory.mktemp("real") / "dist"
    r = run_cli("-q", "build", "--data", str(ROOT / "data"), "--out", str(out), "--no-cache",
                "--no-site")
    assert r.exit_code == 0, r.output
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server_factory(small_dist: Path):
    """Start ``tripskg serve`` processes on free ports; all are stopped at the end."""
    from tests.support.servers import ServerProcess

    started: list[ServerProcess] = []

    def start(*args: str, dist: Path | None = None) -> ServerProcess:
        proc = ServerProcess(dist or small_dist, free_port(), list(args))
        started.append(proc)
        return proc.start()

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture(scope="session")
def server(server_factory) -> str:
    """Base URL of a read-only server over ``small_dist`` (timeout 3 s, limit 1000 rows)."""
    return server_factory("--timeout", "3", "--limit", "1000").url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print pytest-randomly's seed even under -q (its header line is hidden then), so a failing
    order can be replayed: ``pytest -p randomly --randomly-seed=N``."""
    config = terminalreporter.config
    if config.pluginmanager.hasplugin("randomly") and config.getoption("randomly_reorganize", True):
        seed = config.getoption("randomly_seed", None)
        terminalreporter.write_line(f"random order: --randomly-seed={seed}")


# Whole files marked `slow`: each spends about 3 s or more in its fixtures and tests on the
# 2-core machine, measured with `pytest -m "not slow and not browser and not virtuoso"
# --durations=0` (docs/testing.md). `make test` runs them; `make test-fast` leaves them out.
SLOW_FILES = frozenset({
    "tests/validate/test_shapes.py",  # pyshacl (the reference engine) on every shape fixture
    "tests/test_same_answers.py",  # five engines, incl. Oxigraph's own server
    "tests/test_querystore.py",  # on-disk stores written by builds
    "tests/test_findings.py",  # builds with and without the site
    "tests/releases/test_releases.py",  # builds and rebuilds of versions
    "tests/serve/test_linked.py",  # link crawls of the server and the static site
    "tests/serve/test_hardening.py",  # server faults, timeouts
    "tests/test_buildcache.py",  # rebuilds in worker processes
    "tests/push/test_push.py",
    "tests/web/test_needs_pages.py",  # builds of the fixture and the real data
    "tests/outside/test_clients.py",  # SPARQLWrapper matrix against a served build
    "tests/test_default_graph.py",  # real-data build and server
    "tests/serve/test_update.py",
    "tests/web/test_coverage_page.py",
    "tests/serve/test_service.py",  # a real listener behind allowed and refused SERVICE calls
    "tests/releases/test_releases_web.py",  # POST /check over the bad-input corpus
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("::", 1)[0] in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
