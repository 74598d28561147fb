"""``copyfair scan PATH``: find every licence in a tree and report it.

Thin: build the report (:func:`scanners.scan.scan_tree`), format it
(:mod:`service.formats`), write it, choose the exit code (0 success, 2 usage or
input error; 1 is reserved for policy failures). Heavy modules are imported inside
the command so that ``copyfair --help`` and a warm rescan start fast.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

EXIT_INPUT_ERROR = 2

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """``10MB`` -> 10_000_000, ``512KiB`` -> 524_288, ``2048`` -> 2048 bytes."""
    m = _SIZE.match(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (use e.g. 10MB, 512KiB or a number of bytes)")
    return int(float(m.group(1)) * _UNITS[unit])


def _size_option(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@click.command()
@click.argument("path")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option(
    "--all-files",
    is_flag=True,
    help="In a git work tree, also scan untracked files that are not ignored.",
)
@click.option(
    "--max-file-size",
    default="10MB",
    metavar="SIZE",
    callback=_size_option,
    show_default=True,
    help="Skip files larger than this (e.g. 10MB, 512KiB).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Worker processes [default: CPU count].",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the scan cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Cache directory [default: $COPYFAIR_CACHE_DIR, $XDG_CACHE_HOME/copyfair "
    "or ~/.cache/copyfair].",
)
@click.option("--show-skipped", is_flag=True, help="List every skipped file with the reason.")
def scan(
    path: str,
    output_format: str,
    output: str | None,
    all_files: bool,
    max_file_size: int,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    show_skipped: bool,
) -> None:
    """Scan PATH (a directory, a git work tree or a file) for licences.

    In a git work tree only tracked files are scanned (add --all-files for untracked
    ones). Every licence is reported with its evidence: SPDX tags, REUSE metadata,
    notices and full licence texts.
    """
    from scanners.cache import default_cache_dir
    from scanners.errors import TargetError
    from scanners.scan import ScanOptions, scan_tree
    from service.formats.interface import OutputFormat, get_format

    options = ScanOptions(
        all_files=all_files,
        max_file_size=max_file_size,
        jobs=jobs,
        cache_dir=None if no_cache else Path(cache_dir) if cache_dir else default_cache_dir(),
    )
    try:
        report = scan_tree(path, options)
    except TargetError as exc:
        click.echo(f"Error: cannot scan {exc}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    rendered = get_format(OutputFormat(output_format)).render(report, show_skipped=show_skipped)
    if output is None:
        click.echo(rendered, nl=False)
        return
    try:
        Path(output).write_text(rendered, encoding="utf-8")
    except OSError as exc:
        click.echo(f"Error: cannot write {output}: {exc.strerror}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
