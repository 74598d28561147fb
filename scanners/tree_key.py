"""The key of a walked tree as it stands: every path with its stat signature.

The inventory cache (:class:`scanners.project.InventoryCache`) and the report cache
(:mod:`scanners.report_cache`) store results that hold as long as no file of the tree
changed; both find them under this key, beside the tree's scan cache file. Import-light:
a warm rescan computes it before anything else is loaded (:mod:`service.cli.replay`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scanners.cache_files import RACY_NS, cache_file, version_key

if TYPE_CHECKING:
    from scanners.walk import Walk

TREE_KEY_FORMAT = 1


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
    racy = now_ns - RACY_NS
    if any(e.mtime_ns >= racy for e in listing.entries):
        return None
    h = hashlib.sha256(f"{TREE_KEY_FORMAT}\0{version_key()}\0{listing.root}\0".encode())
    h.update(os.fsencode(os.fspath(hub_cache)) if hub_cache is not None else b"-")
    for e in listing.entries:  # one small string at a time: no list of 100k+ alive
        h.update(
            f"\0{e.path}\0{e.size}\0{e.mtime_ns}\0{e.ino}\0{e.ctime_ns}".encode(
                errors="surrogateescape"  # a file name that is not UTF-8
            )
        )
    return cache_file(cache_dir, listing.root), h.hexdigest()


def beside(scan_file: Path, name: str) -> Path:
    """The file for another stage's results on the same tree (``inventory``, ``usage``,
    ``report-json``...), next to its scan cache file and pruned with it."""
    return scan_file.with_name(f"{scan_file.name.removesuffix('.pickle')}-{name}.pickle")
