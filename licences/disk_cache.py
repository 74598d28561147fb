"""Where copyfair keeps what it compiles once (the licence catalog, the template index, the
notice tables) and how: pickled under the cache directory, keyed by what they are built
from, written atomically. The bottom layer's home for this, so that :mod:`licences` can
cache its catalog and :mod:`scanners` reuse the same directory and writer. Import-light
(``os``, ``pickle``, ``pathlib``): a warm rescan's replay reads it.

A cache directory that cannot be written only means compiling in memory; a damaged or
foreign cache file is compiled again, never trusted beyond its type.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ENV_CACHE_DIR = "COPYFAIR_CACHE_DIR"

T = TypeVar("T")


def default_cache_dir() -> Path:
    """``$COPYFAIR_CACHE_DIR``, else ``$XDG_CACHE_HOME/copyfair``, else ``~/.cache/copyfair``."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "copyfair"


def write_atomically(file: Path, data: object) -> None:
    """Pickle ``data`` to ``file`` through a temporary file beside it (``.scan-*.tmp``,
    removed on failure, pruned when left behind): readers see the old file or the new
    one. Raises ``OSError`` when it cannot be written."""
    import tempfile

    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".scan-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, file)
    except BaseException:
        os.unlink(tmp)
        raise


def compiled(
    name: str,
    key: str,
    kind: type[T],
    build: Callable[[], T],
    directory: Path | None = None,
) -> T:
    """``build()``'s result, from ``<directory>/<name>-<key>.pickle`` when that file holds
    a ``kind``; else built, stored there (older ``<name>-*.pickle`` files removed) and
    returned. ``directory``: default :func:`default_cache_dir`."""
    folder = directory if directory is not None else default_cache_dir()
    path = folder / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            found = pickle.load(fh)
        if isinstance(found, kind):
            return found
    except (OSError, EOFError, ValueError, AttributeError, ImportError, pickle.UnpicklingError):
        pass
    value = build()
    try:
        write_atomically(path, value)
    except OSError:
        return value
    for stale in folder.glob(f"{name}-*.pickle"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return value


def files_signature(*paths: Path) -> list[tuple[str, int, int]]:
    """(path, size, mtime) of each of ``paths`` and of every file in those that are
    directories (one level), sorted: what a compiled result's key follows."""
    out: list[tuple[str, int, int]] = []
    for path in paths:
        try:
            if path.is_dir():
                with os.scandir(path) as found:
                    for entry in found:
                        if entry.is_file():
                            st = entry.stat()
                            out.append((entry.path, st.st_size, st.st_mtime_ns))
            else:
                st = path.stat()
                out.append((str(path), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(path), -1, -1))
    return sorted(out)
