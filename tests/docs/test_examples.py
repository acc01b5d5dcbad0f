"""The console sessions of the README and docs/ are real and current.

Every ``$ .venv/bin/tripskg …`` command in a ```` ```console ```` block of README.md or
docs/*.md is run on this repository's data/ (after one build) and must print what the page
shows. A line ``…`` stands for any number of lines; build timings are not compared. Commands
written without ``.venv/bin/`` (other data, a server, a remote endpoint) are illustrations and
are not run. When a page fails here, run its command again and paste the output.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tripskg import cli

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
PROMPT = "$ .venv/bin/tripskg "
_BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)
_HEAD = re.compile(r"\s*\|\s*head -(\d+)\s*$")
_EXIT = '; echo "exit $?"'
_TIMING = re.compile(r"\(\d+(?:\.\d+)?s\)")


@dataclass(frozen=True)
class Example:
    where: str  # file:line of the command
    command: str  # after the prompt
    expected: tuple[str, ...]


def examples(path: Path) -> Iterator[Example]:
    text = path.read_text(encoding="utf-8")
    for block in _BLOCK.finditer(text):
        first_line = text.count("\n", 0, block.start(1)) + 1
        lines = block.group(1).splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("$ ")] + [len(lines)]
        for i, end in zip(starts, starts[1:], strict=False):
            if not lines[i].startswith(PROMPT):
                continue
            output = [line.rstrip() for line in lines[i + 1:end]]
            while output and not output[-1]:
                output.pop()
            yield Example(f"{path.relative_to(ROOT)}:{first_line + i}",
                          lines[i][len(PROMPT):], tuple(output))


def all_examples() -> list[Example]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [e for page in pages for e in examples(page)]


def run(command: str) -> list[str]:
    """Run one command line (``tripskg`` arguments, optionally ``| head -N`` and
    ``; echo "exit $?"``) and return what a terminal would show, lines right-stripped."""
    show_exit = command.endswith(_EXIT)
    command = command.removesuffix(_EXIT)
    head = _HEAD.search(command)
    if head:
        command = command[:head.start()]
    result = CliRunner().invoke(cli.main, shlex.split(command), catch_exceptions=False)
    # a pipe takes only stdout; a terminal shows both streams in the order they were written
    shown = (result.stdout if head else result.output).splitlines()
    if head:
        shown = shown[:int(head.group(1))]
    if show_exit:
        shown.append(f"exit {result.exit_code}")
    return [line.rstrip() for line in shown]


def matches(expected: tuple[str, ...], got: list[str]) -> bool:
    """Line by line, a line '…' matching any run of lines; timings ignored."""
    def norm(line: str) -> str:
        return _TIMING.sub("(…s)", line)

    pattern = "".join("(?:[^\n]*\n)*?" if line == "…" else re.escape(norm(line)) + "\n"
                      for line in expected)
    return re.fullmatch(pattern, "".join(norm(line) + "\n" for line in got)) is not None


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder where ``data`` is this repository's data/ and ``dist`` its build."""
    work = tmp_path_factory.mktemp("examples")
    (work / "data").symlink_to(ROOT / "data", target_is_directory=True)
    old = Path.cwd()
    os.chdir(work)
    try:
        width = cli.out.width
        cli.out.width = 220  # what a pipe gets (the tables are not wrapped)
        result = CliRunner().invoke(cli.main, ["-q", "build", "--no-site"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        yield work
    finally:
        cli.out.width = width
        os.chdir(old)


EXAMPLES = all_examples()


def test_the_pages_have_examples() -> None:
    where = {e.where.split(":")[0] for e in EXAMPLES}
    assert {"README.md", "docs/guide.md"} <= where
    assert all(e.expected for e in EXAMPLES), "a command without its output"


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
def test_example_prints_what_the_page_shows(example: Example, workdir: Path) -> None:
    got = run(example.command)
    if not matches(example.expected, got):
        diff = "\n".join(difflib.unified_diff(list(example.expected), got, "page", "now",
                                              lineterm=""))
        pytest.fail(f"{example.where}: `tripskg {example.command}` prints something else now; "
                    f"run it again and paste its output:\n{diff}")


def test_matcher() -> None:
    assert matches(("a", "…", "d (1.0s)"), ["a", "b", "c", "d (12.3s)"])
    assert matches(("a", "…", "d"), ["a", "d"])
    assert not matches(("a", "d"), ["a", "b", "d"])
    assert not matches(("a", "…", "d"), ["a", "b", "e"])
    assert matches(("a", "…"), ["a", "b", "c"]) and matches(("…", "c"), ["a", "b", "c"])
    assert not matches(("a",), ["a", "b"])
