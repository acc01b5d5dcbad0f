"""The release commands (docs/releases.md): ``tripskg diff`` and ``tripskg check``, and the
options of ``tripskg build`` that name its version. Registered on the command group by
``cli``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.markup import escape

from .errors import TripsKGError
from .terminal import EXIT_DATA, EXIT_USAGE, State, err
from .vocab import DEFAULT_BASE


def release_options(f):  # type: ignore[no-untyped-def,unused-ignore]
    """The options of ``tripskg build`` that name its version."""
    for option in reversed([
        click.option("--data-version", metavar="VERSION", default=None,
                     help="dcat:version of this build. [default: ISSUED.<first 8 hex digits "
                          "of the N-Quads dump's SHA-256>]"),
        click.option("--issued", metavar="YYYY-MM-DD", default=None,
                     help="dct:issued of this build. [default: the day of SOURCE_DATE_EPOCH, "
                          "else of the newest input's modification time]"),
        click.option("--previous", "previous_dir", type=click.Path(path_type=Path),
                     default=None, help="The earlier build this one follows "
                     "(dcat:previousVersion, change notes and feeds). [default: OUT when it "
                     "holds a build]"),
        click.option("--keep-versions", type=click.IntRange(min=1), default=5,
                     show_default=True, metavar="N",
                     help="Versions kept under OUT/versions/ (the newest)."),
    ]):
        f = option(f)
    return f


def check_options(f):  # type: ignore[no-untyped-def,unused-ignore]
    """The options of ``tripskg serve`` for ``POST /check``."""
    f = click.option("--check-max-bytes", type=click.IntRange(min=1), default=2_000_000,
                     show_default=True, metavar="N",
                     help="Largest file POST /check accepts (413 above).")(f)
    return click.option("--allow-check", is_flag=True,
                        help="Answer POST /check?file=NAME (a cover note or annex as the "
                             "body) with the build's messages. Off by default.")(f)


def release_settings(out_dir: Path, data_version: str | None, issued: str | None,
                     previous_dir: Path | None, keep_versions: int) -> dict[str, Any]:
    """The release fields of the build settings (the earlier build resolved); exits with
    code 2 on a bad option."""
    from .releases.version import ReleaseOptions, previous_dist

    options = ReleaseOptions(data_version, issued, previous_dir, keep_versions)
    try:
        options.check()
        previous = previous_dist(out_dir, options)
    except TripsKGError as e:
        fail_usage(e)
    return {"data_version": data_version, "issued": issued, "previous": previous,
            "keep_versions": keep_versions}


def print_version(state: State, out_dir: Path) -> None:
    from .releases.version import Release

    if (done := Release.read(out_dir)) is not None:
        for w in done.warnings:
            err.print(f"[yellow]warning[/yellow]: {escape(w)}")
        state.info(f"version {done.version}, issued {done.issued}"
                   + (f", after {done.previous}" if done.previous else "") + f": {done.notes}")


def fail_usage(e: TripsKGError) -> NoReturn:
    err.print(f"[red]error[/red]: {escape(e.render())}")
    sys.exit(EXIT_USAGE)


@click.command()
@click.argument("old_dist", type=click.Path(path_type=Path))
@click.argument("new_dist", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "rdf"]), default="text",
              show_default=True, help="text: a summary; csv: one row per added or removed "
              "resource and per changed property; rdf: an RDF Patch (D/A lines).")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="text: list at most N resources per status.")
@click.option("--warn-loss", type=click.IntRange(min=1), default=5, show_default=True,
              metavar="N", help="Warn when a reporter loses at least N activities (and at "
              "least 20% of its activities).")
@click.pass_obj
def diff(state: State, old_dist: Path, new_dist: Path, fmt: str, limit: int | None,
         warn_loss: int) -> None:
    """Compare two builds: added, removed and changed reports and activities (exit code 0 when they hold the same triples, 1 when they differ, 2 on error)."""  # noqa: E501
    from .releases.diff import LossRule, diff_dists
    from .releases.diffout import csv_text, loss_warnings, rdf_patch, text_summary

    try:
        result = diff_dists(old_dist, new_dist, LossRule(min_count=warn_loss))
    except TripsKGError as e:
        fail_usage(e)
    for w in loss_warnings(result):
        err.print(f"[yellow]warning[/yellow]: {escape(w)}")
    if fmt == "csv":
        click.echo(csv_text(result), nl=False)
    elif fmt == "rdf":
        sys.stdout.buffer.write(rdf_patch(result))
        sys.stdout.buffer.flush()
    else:
        click.echo(text_summary(result, limit), nl=False)
    sys.exit(0 if result.equal else 1)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of the dataset.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: the messages and counts as one JSON object.")
@click.pass_obj
def check(state: State, files: tuple[Path, ...], base: str, fmt: str) -> None:
    """Check cover notes (.txt) and annexes before sending them, as the build would (its messages, on standard output; exit code 0 when the files can be built, 1 on errors or SHACL violations)."""  # noqa: E501
    import json

    from .releases.check import check_files

    try:
        outcome = check_files(list(files), base)
    except TripsKGError as e:
        fail_usage(e)
    if fmt == "json":
        click.echo(json.dumps({
            "files": outcome.files, "ok": outcome.ok, "messages": outcome.lines(),
            "errors": len(outcome.errors), "violations": len(outcome.violations),
            "reports": outcome.reports, "activities": outcome.activities,
        }, indent=2, ensure_ascii=False))
    else:
        for line in outcome.lines():
            click.echo(line)
        state.info(outcome.summary())
    sys.exit(0 if outcome.ok else EXIT_DATA)
