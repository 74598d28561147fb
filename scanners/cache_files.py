"""The cache's files and keys: where cache files live, what invalidates them, and how they
are read and written (plain data only). Import-light on purpose (no dataclasses, no
detector): a warm rescan replays its report with this alone (:mod:`service.cli.replay`);
:mod:`scanners.cache` holds the scan cache itself.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import cache
from pathlib import Path

# The cache directory and the atomic writer live in the bottom layer (the catalog uses
# them too); re-exported here, their home for the scanners.
from licences.disk_cache import ENV_CACHE_DIR as ENV_CACHE_DIR
from licences.disk_cache import default_cache_dir as default_cache_dir
from licences.disk_cache import write_atomically as write_atomically

CACHE_FORMAT = 1
# Bumped whenever detection output may change for the same input; part of the cache key.
DETECTOR_VERSION = "3"
RACY_NS = 2_000_000_000


class PlainUnpickler(pickle.Unpickler):
    """Loads builtin containers and scalars only."""

    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a cache file")


def stat_signature(path: Path) -> tuple[int, int, int, int] | None:
    """(size, mtime_ns, inode, ctime_ns) of ``path``, or None when it cannot be stat'ed:
    what tells a cache that a file changed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _own_modules() -> list[tuple[str, int, int]]:
    here = Path(__file__).resolve().parent
    out: list[tuple[str, int, int]] = []
    for package in (here, here.parent / "licences"):
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = [d for d in dirnames if d not in ("data", "__pycache__")]
            for name in filenames:
                if name.endswith(".py"):
                    st = os.stat(os.path.join(dirpath, name))
                    out.append((os.path.join(dirpath, name), st.st_size, st.st_mtime_ns))
    return sorted(out)


def cache_file(cache_dir: Path, root: Path) -> Path:
    """The scan cache file of ``root`` in ``cache_dir``."""
    name = hashlib.sha256(os.fsencode(root)).hexdigest()[:32]
    return cache_dir / f"scan-{name}.pickle"


def version_key() -> str:
    """Changes whenever cached outcomes may no longer be what a scan would give."""
    parts: list[object] = [CACHE_FORMAT, DETECTOR_VERSION, sys.version_info[:2]]
    parts += _installed_files()
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@cache
def _installed_files() -> tuple[object, ...]:
    """The stat of copyfair's modules and data directories, and the SPDX list version:
    read once per process (several caches are keyed by them)."""
    from licences.layout import DATA_DIR, SPDX_LIST_VERSION

    parts: list[object] = [SPDX_LIST_VERSION, *_own_modules()]
    for d in sorted(DATA_DIR.iterdir()) if DATA_DIR.is_dir() else []:
        parts.append((d.name, d.stat().st_mtime_ns))
    return tuple(parts)
