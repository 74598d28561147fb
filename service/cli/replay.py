"""Replay a stored report of an unchanged tree without loading the command line.

A warm ``copyfair scan`` of an unchanged plain directory prints the report it printed
before (:mod:`scanners.report_cache`). Most of such a run used to be start-up: importing
click and the scan command costs more than walking a 2,000-file tree. So
:func:`service.cli.main` first offers a ``scan`` to :func:`try_replay`, which understands
only the options that a replayable scan may have, walks the tree, and prints the stored
report when its key matches. Anything else (another option, an unreadable target, a tree
the report cache does not key, a miss) returns None and the full command runs as usual,
reusing the walk.

It cannot answer wrongly: the cache key covers every input of the report (the tree, the
options, copyfair's own code and data; :func:`report_inputs`), computed here by the same
functions as in the full command, which stores a report only when the scan was
replayable (no policy to check, no upload, no ``--rev``). A policy file at the root of a
directory target is one of the tree's files, so its stat is in the key too.

Usage as the full command takes it (any other form falls back to it)::

    copyfair scan PATH [--format json|text] [-o FILE] [--cache-dir DIR]
                       [--show-skipped] [--all-files] [-j N] [--exclude PATTERN]...
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from datetime import date

    from licences.period import Period
    from scanners.report_cache import ReportCache
    from scanners.walk import Walk

DEFAULT_MAX_FILE_SIZE = 10 * 1000 * 1000  # "10MB", the --max-file-size default

# How each format that can be replayed writes the scan duration; the others are rendered
# each time (SPDX stamps its creation time).
SECONDS_TEXT: dict[str, Callable[[float], str]] = {
    "json": lambda s: repr(round(s, 3)),
    "text": lambda s: f"{s:.2f}",
}

_VALUE_OPTIONS = {
    "--format": "format",
    "-o": "output",
    "--output": "output",
    "--cache-dir": "cache_dir",
    "-j": "jobs",
    "--jobs": "jobs",
    "--exclude": "exclude",
}
_FLAGS = {"--show-skipped": "show_skipped", "--all-files": "all_files"}


class ReplayArgs:
    """The options of a scan that may be replayed (the rest keep their defaults). A plain
    class: importing dataclasses costs more than this whole module."""

    __slots__ = (
        "all_files",
        "cache_dir",
        "exclude",
        "output",
        "output_format",
        "path",
        "show_skipped",
    )

    def __init__(
        self,
        path: str,
        output_format: str = "text",
        output: str | None = None,
        cache_dir: str | None = None,
        show_skipped: bool = False,
        all_files: bool = False,
        exclude: tuple[str, ...] = (),
    ) -> None:
        self.path = path
        self.output_format = output_format
        self.output = output
        self.cache_dir = cache_dir
        self.show_skipped = show_skipped
        self.all_files = all_files
        self.exclude = exclude

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"ReplayArgs({fields})"


def parse_args(args: Sequence[str]) -> ReplayArgs | None:
    """The arguments after ``scan``, or None when they hold anything else than a PATH and
    the options above (or a value the full command would refuse)."""
    found: dict[str, str | bool] = {}
    exclude: list[str] = []
    paths: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=")
        if arg in _FLAGS:
            found[_FLAGS[arg]] = True
        elif name in _VALUE_OPTIONS and (eq or i + 1 < len(args)):
            if eq and name.startswith("--"):
                value = inline
            elif eq:
                return None  # "-o=FILE" is not how click reads short options
            else:
                i += 1
                value = args[i]
            if not value:
                return None
            if name == "--exclude":
                exclude.append(value)  # repeatable; checked by the walk
            else:
                found[_VALUE_OPTIONS[name]] = value
        elif arg.startswith("-") or paths:
            return None
        else:
            paths.append(arg)
        i += 1
    jobs = found.pop("jobs", None)
    if not paths or (jobs is not None and not (isinstance(jobs, str) and _positive(jobs))):
        return None
    fmt = found.get("format", "text")
    if fmt not in SECONDS_TEXT:
        return None
    return ReplayArgs(
        path=paths[0],
        output_format=str(fmt),
        output=_text(found.get("output")),
        cache_dir=_text(found.get("cache_dir")),
        show_skipped=bool(found.get("show_skipped", False)),
        all_files=bool(found.get("all_files", False)),
        exclude=tuple(exclude),
    )


def _positive(text: str) -> bool:
    return text.isdigit() and int(text) >= 1


def _text(value: str | bool | None) -> str | None:
    return value if isinstance(value, str) else None


def try_replay(args: Sequence[str]) -> int | None:
    """Print (or write) the stored report for ``copyfair scan ARGS`` and return the exit
    status, or None when the full command must run."""
    started = time.perf_counter()
    parsed = parse_args(args)
    if parsed is None or not os.path.isdir(parsed.path):
        return None
    import gc

    gc.disable()  # 100k+ small objects and no cycles: collecting them is wasted time
    try:
        return _replay(parsed, started)
    finally:
        gc.enable()  # the full command, if it runs, collects as usual


def _replay(parsed: ReplayArgs, started: float) -> int | None:
    from scanners.errors import TargetError
    from scanners.walk import ExcludeError, walk

    try:
        listing = walk(parsed.path, all_files=parsed.all_files, exclude=parsed.exclude)
    except (TargetError, ExcludeError):
        return None  # the full command says what is wrong
    _remember(parsed.path, parsed.all_files, parsed.exclude, listing)
    from datetime import date

    asked = (None, None, date.today()) if parsed.output_format == "json" else None
    stored = report_cache_of(
        parsed.path,
        listing,
        parsed.output_format,
        parsed.show_skipped,
        parsed.all_files,
        DEFAULT_MAX_FILE_SIZE,
        parsed.cache_dir,
        asked,
        parsed.exclude,
    )
    rendered = replay_from(stored, parsed.output_format, started)
    if rendered is None:
        return None
    return write(rendered, parsed.output)


def replay_from(stored: ReportCache | None, output_format: str, started: float) -> str | None:
    """The report stored in ``stored`` with this run's duration (counted from the
    perf-counter time ``started``), or None (nothing stored, or a miss)."""
    from scanners.report_cache import join_parts

    parts = stored.load() if stored is not None else None
    if parts is None:
        return None
    return join_parts(parts, time.perf_counter() - started, SECONDS_TEXT[output_format])


def report_cache_of(
    path: str,
    listing: Walk,
    output_format: str,
    show_skipped: bool,
    all_files: bool,
    max_file_size: int,
    cache_dir: str | None,
    asked: tuple[str | None, Period | None, date] | None,
    exclude: tuple[str, ...] = (),
) -> ReportCache | None:
    """Where the report of this scan is stored (None: not stored for such a tree)."""
    from scanners.cache_files import default_cache_dir
    from scanners.report_cache import ReportCache

    inputs = report_inputs(path, show_skipped, all_files, max_file_size, asked, exclude)
    directory = Path(cache_dir) if cache_dir else default_cache_dir()
    return ReportCache.for_listing(
        directory, listing, default_hub_cache(), inputs, name=output_format
    )


def report_inputs(
    path: str,
    show_skipped: bool,
    all_files: bool,
    max_file_size: int,
    asked: tuple[str | None, Period | None, date] | None,
    exclude: tuple[str, ...] = (),
) -> tuple[object, ...]:
    """What the rendered report depends on besides the tree and copyfair's scanner
    (:class:`scanners.report_cache.ReportCache` covers those): the target as given, the
    options, the obligations asked for (the period, the reference day, an explicit
    profile file with its stat), and the stat of the modules that compute and render
    the report outside ``scanners`` and ``licences``."""
    here = Path(__file__).resolve().parent
    formats_dir = here.parent / "formats"
    modules = [here / "scan_cmd.py", Path(__file__), *sorted(formats_dir.glob("*.py"))]
    profile = asked[0] if asked is not None else None
    return (
        path,
        show_skipped,
        all_files,
        max_file_size,
        exclude,
        repr(asked),
        _signature(Path(profile)) if profile is not None else None,
        tuple(_signature(m) for m in modules),
    )


def _signature(file: Path) -> tuple[str, int, int, int, int] | None:
    from scanners.cache_files import stat_signature

    found = stat_signature(file)
    return (str(file), *found) if found is not None else None


def default_hub_cache() -> Path | None:
    """The local Hugging Face hub cache, where cards of downloaded datasets are."""
    value = os.environ.get("HF_HUB_CACHE")
    if value:
        return Path(value)
    home = os.environ.get("HF_HOME")
    path = Path(home) / "hub" if home else Path.home() / ".cache" / "huggingface" / "hub"
    return path if path.is_dir() else None


def write(rendered: str, output: str | None) -> int:
    """Print ``rendered`` or write it to ``output``: the exit status (2, with a message
    naming the file, when it cannot be written)."""
    if output is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
        return 0
    try:
        Path(output).write_text(rendered, encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"Error: cannot write {output}: {exc.strerror}\n")
        return 2
    return 0


# The walk of the last try, which the full command reuses when it runs for the same
# target (a miss costs no second walk).
_LAST_WALK: tuple[str, bool, tuple[str, ...], Walk] | None = None


def _remember(path: str, all_files: bool, exclude: tuple[str, ...], listing: Walk) -> None:
    global _LAST_WALK
    _LAST_WALK = (path, all_files, exclude, listing)


def take_walk(path: str, all_files: bool, exclude: tuple[str, ...] = ()) -> Walk | None:
    """The listing :func:`try_replay` made of ``path`` in this process, once."""
    global _LAST_WALK
    last, _LAST_WALK = _LAST_WALK, None
    if last is not None and last[:3] == (path, all_files, exclude):
        return last[3]
    return None
