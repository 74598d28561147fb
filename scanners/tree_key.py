"""The key of a walked tree as it stands: every path with its stat signature.

The inventory cache (:class:`scanners.project.InventoryCache`) and the report cache
(:mod:`scanners.report_cache`) store results that hold as long as no file of the tree
changed; both find them under this key, beside the tree's scan cache file. Import-light:
a warm rescan computes it before anything else is loaded (:mod:`service.cli.replay`).
"""

from __future__ import annotations

import hashlib
import os
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from scanners.cache_files import RACY_NS, cache_file, version_key

if TYPE_CHECKING:
    from scanners.walk import Walk

TREE_KEY_FORMAT = 1
_CHUNK = 4096
_MTIME = itemgetter(2)  # Entry.mtime_ns, read at C speed


def tree_key(
    cache_dir: Path, listing: Walk, hub_cache: Path | None, now_ns: int
) -> tuple[Path, str] | None:
    """(the scan cache file of ``listing``'s tree in ``cache_dir``, the tree's key), or None
    when a file was modified within :data:`scanners.cache_files.RACY_NS` of ``now_ns`` (its
    signature could hide a later change).

    The key covers copyfair's version (the scan cache's key: detector, licence list and
    the stat of its own modules), the root, the Hugging Face cache directory and every
    walked path with its size, mtime, inode and ctime: any change anywhere changes it.
    """
    entries = listing.entries
    if entries and max(map(_MTIME, entries)) >= now_ns - RACY_NS:
        return None
    h = hashlib.sha256(f"{TREE_KEY_FORMAT}\0{version_key()}\0{listing.root}\0".encode())
    h.update(os.fsencode(os.fspath(hub_cache)) if hub_cache is not None else b"-")
    for i in range(0, len(entries), _CHUNK):  # a chunk at a time: no 100k strings alive
        chunk = "".join(
            [
                f"\0{p}\0{size}\0{mtime}\0{ino}\0{ctime}"
                for p, size, mtime, ino, ctime in entries[i : i + _CHUNK]
            ]
        )
        h.update(chunk.encode(errors="surrogateescape"))  # a file name that is not UTF-8
    return cache_file(cache_dir, listing.root), h.hexdigest()


def beside(scan_file: Path, name: str) -> Path:
    """The file for another stage's results on the same tree (``inventory``, ``usage``,
    ``report-json``...), next to its scan cache file and pruned with it."""
    return scan_file.with_name(f"{scan_file.name.removesuffix('.pickle')}-{name}.pickle")
