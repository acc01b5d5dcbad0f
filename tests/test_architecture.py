"""The shape of the code: the import graph between tripskg modules has no circles and follows
the layer order below, no module is over 500 lines, and no code in src/ writes environment
variables (settings travel as objects: ``tripskg.settings.BuildSettings``).

The tables are data: when a module or package is added (``web/``), put it in ``LAYERS``; when
a known exception is fixed, delete its entry (an entry that no longer applies fails the test).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = "tripskg"

# Layers, lowest first: a module may import modules of its own layer or of lower layers.
# A module belongs to the layer of the longest entry that is its name or a package above it.
LAYERS: list[tuple[str, list[str]]] = [
    ("kernel", ["tripskg", "tripskg.errors", "tripskg.vocab", "tripskg.iris",
                "tripskg.resources", "tripskg.checksums", "tripskg.oxutil", "tripskg.settings",
                "tripskg.workers", "tripskg.model", "tripskg.prefixes"]),
    # reference data is read like the reports (CSV files, dates, text checks)
    ("ingest", ["tripskg.ingest", "tripskg.reference"]),
    ("graph", ["tripskg.graphlines", "tripskg.graph", "tripskg.needs_graph",
               "tripskg.provenance"]),
    # what runs over a built graph: SHACL and the saved queries
    ("validate", ["tripskg.validate", "tripskg.shacl", "tripskg.shacl_shapes",
                  "tripskg.queries", "tripskg.querystore"]),
    ("build", ["tripskg.parts", "tripskg.buildcache", "tripskg.build"]),
    # versions, diffs, feeds, the quality report and check: over built dists and the build
    ("releases", ["tripskg.releases"]),
    # presentation: reads a store through views; publish (the static site) and serve use it
    ("web", ["tripskg.web"]),
    ("publish", ["tripskg.publish"]),
    ("serve", ["tripskg.serve", "tripskg.push"]),
    ("cli", ["tripskg.cli", "tripskg.cli_releases", "tripskg.cli_serve", "tripskg.terminal", "tripskg.__main__",
             "tripskg.docgen"]),
]
MAX_UPWARD = 1  # imports running against the layer order, at most
KNOWN_CIRCLES: list[set[str]] = []

LINE_LIMIT = 500
KNOWN_LONG: set[str] = set()
CHECKED_FOR_LENGTH = ("src", "benchmarks")


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported tripskg module
    line: int
    lazy: bool  # inside a function (runs when called)

    def __str__(self) -> str:
        where = "function-level " if self.lazy else ""
        return f"{self.source} -> {self.target} ({where}line {self.line})"


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(src: Path = SRC) -> dict[str, Path]:
    return {module_name(p, src): p for p in sorted((src / PACKAGE).rglob("*.py"))}


def _resolve(node: ast.ImportFrom, source: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = source.split(".") if is_package else source.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _walk(tree: ast.AST) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it is inside a function."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, lazy = stack.pop()
        yield node, lazy
        inner = lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def imports(src: Path = SRC) -> list[Import]:
    """Every import of a tripskg module by a tripskg module: module level, function level and
    under ``if TYPE_CHECKING`` alike; ``from pkg import name`` counts as importing the
    submodule ``pkg.name`` when there is one, else ``pkg``."""
    known = modules(src)
    out = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, lazy in _walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node, name, path.name == "__init__.py")
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                           for a in node.names]
            for t in targets:
                while t and t not in known:  # import a.b.c of a module a.b: the module
                    t = t.rpartition(".")[0]
                if t.split(".")[0] == PACKAGE and t != name:
                    out.append(Import(name, t, node.lineno, lazy))  # type: ignore[attr-defined]
    return sorted(set(out), key=lambda i: (i.source, i.target, i.line))


def circles(edges: list[Import]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of(module: str) -> int:
    best, level = "", -1
    for i, (_, names) in enumerate(LAYERS):
        for n in names:
            if (module == n or module.startswith(n + ".")) and len(n) > len(best):
                best, level = n, i
    return level


def upward(edges: list[Import]) -> list[Import]:
    return [e for e in edges if layer_of(e.target) > layer_of(e.source)]


def test_every_module_has_a_layer() -> None:
    missing = [m for m in modules() if layer_of(m) < 0]
    assert not missing, f"add these modules to LAYERS: {missing}"


def test_the_analysis_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from .b import x\n")
    (pkg / "b.py").write_text("def f():\n    from .sub import c\n    return c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from .. import a\n")
    edges = imports(tmp_path)
    assert [str(e) for e in edges] == [
        "tripskg.a -> tripskg.b (line 3)",
        "tripskg.b -> tripskg.sub.c (function-level line 2)",
        "tripskg.sub.c -> tripskg.a (line 1)",
    ]
    assert circles(edges) == [{"tripskg.a", "tripskg.b", "tripskg.sub.c"}]


def test_no_import_circles() -> None:
    edges = imports()
    found = circles(edges)
    new = [c for c in found if c not in KNOWN_CIRCLES]
    detail = [str(e) for e in edges if any({e.source, e.target} <= c for c in new)]
    assert not new, f"import circles {new}: {detail}"
    fixed = [c for c in KNOWN_CIRCLES if c not in found]
    assert not fixed, f"no longer a circle, delete from KNOWN_CIRCLES: {fixed}"


def test_imports_follow_the_layer_order() -> None:
    against = upward(imports())
    names = [name for name, _ in LAYERS]
    listing = [f"{e} [{names[layer_of(e.source)]} -> {names[layer_of(e.target)]}]"
               for e in against]
    assert len(against) <= MAX_UPWARD, "imports running back up: " + "; ".join(listing)


def _python_files() -> Iterator[Path]:
    for folder in CHECKED_FOR_LENGTH:
        yield from sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", list(_python_files()),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_length(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    n = len(path.read_text(encoding="utf-8").splitlines())
    if rel in KNOWN_LONG:
        assert n > LINE_LIMIT, f"{rel} is {n} lines now: delete it from KNOWN_LONG"
    else:
        assert n <= LINE_LIMIT, f"{rel} is {n} lines (limit {LINE_LIMIT}): split it"


def test_known_long_modules_exist() -> None:
    gone = [p for p in KNOWN_LONG if not (ROOT / p).is_file()]
    assert not gone, f"delete from KNOWN_LONG: {gone}"


def _environ(node: ast.AST) -> bool:
    """``os.environ`` or a bare ``environ``."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def environment_writes(path: Path) -> list[int]:
    """Lines that set or remove environment variables."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    lines = []
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Subscript) and _environ(t.value) for t in targets):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if _environ(f.value) and f.attr in ("setdefault", "update", "pop", "popitem",
                                                "clear", "__setitem__", "__delitem__"):
                lines.append(node.lineno)
            if f.attr in ("putenv", "unsetenv"):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_environment_check_finds_writes(tmp_path: Path) -> None:
    code = tmp_path / "m.py"
    code.write_text('import os\nos.environ["A"] = "1"\nos.environ.setdefault("B", "2")\n'
                    'os.putenv("C", "3")\nx = os.environ.get("D")\ndel os.environ["A"]\n')
    assert environment_writes(code) == [2, 3, 4, 6]


def test_src_writes_no_environment_variables() -> None:
    found = {p.relative_to(ROOT).as_posix(): lines
             for p in sorted((SRC / PACKAGE).rglob("*.py")) if (lines := environment_writes(p))}
    assert not found, f"settings go in objects (tripskg.settings), not os.environ: {found}"


# Test folders mirror the code: each names a module or package of src/tripskg (tests/ingest/,
# tests/push/ ...) or a folder of the repository (tests/docs/, tests/benchmarks/); tests of
# top-level kernel modules stay in tests/. These folders hold no tests of their own module:
TEST_HELPER_FOLDERS = {"support", "outside", "data", "fixtures", "artifacts"}


def test_test_folders_mirror_modules() -> None:
    stray = []
    for folder in sorted((ROOT / "tests").iterdir()):
        name = folder.name
        if not folder.is_dir() or name.startswith((".", "__")) or name in TEST_HELPER_FOLDERS:
            continue
        mirrors = ((SRC / PACKAGE / name).is_dir() or (SRC / PACKAGE / f"{name}.py").is_file()
                   or (ROOT / name).is_dir())
        if not mirrors or not (folder / "__init__.py").is_file():
            stray.append(name)
    assert not stray, f"test folders that mirror no module (or lack __init__.py): {stray}"
