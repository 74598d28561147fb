"""The report cache: a rescan whose every input is unchanged prints the report it printed.

A warm rescan of an unchanged tree already reads no file contents (:mod:`scanners.cache`),
but it still loads the licence catalog, computes the obligations and renders the report:
start-up work that is most of a warm run. This cache stores the rendered report itself,
beside the scan cache of the tree, under a key that covers every input of the report:

- the tree: every walked path with its stat signature (size, mtime_ns, inode, ctime_ns),
  what the walk skipped, its symlink count and notes, the root and the Hugging Face cache
  directory (the key of :class:`scanners.project.InventoryCache`, which also covers
  copyfair's version: the detector and licence-list versions and the stat of every
  module of ``scanners`` and ``licences``);
- the licence data copyfair reads beside the texts (terms, catalog, categories), by stat;
- whatever the caller passes as ``inputs``: the target as given, the format and its
  options, the obligations request (period, reference date, profile file and its stat),
  the stat of the rendering modules.

In a git work tree the report also carries git facts (commit, branch, remote URL, dirty
state) and usage signals from the history, which change without any work-tree file's stat
changing. There the key adds what they depend on, read from the repository's own files
without running git (:func:`git_state`): the content of ``HEAD``, and the stat of the ref it
names, ``packed-refs``, the index, ``config`` and ``shallow``. Only a target at the top of
an ordinary repository (``.git`` a directory there; no ``GIT_DIR``-style variables) is
stored: below the top, the dirty state covers files outside the scanned tree; a linked
work tree or submodule keeps its state elsewhere. A ``git status`` may rewrite the index
(refreshing its stat cache) right after a scan, so the first rescan after that can be a
miss; the next one replays. A tree with a
file modified within :data:`scanners.cache.RACY_NS` of the scan is not stored (its
signature could hide a later change), nor a report with a problem a rescan may not meet
again (:func:`transient`: a file that could not be read). Like the other caches it holds
plain data only, loaded with the class-refusing unpickler; a missing, corrupt or foreign
file is a miss.

The report's run statistics are the only part that differs between runs. The stored
report is the one a replay describes: no file read, every file not skipped for its size
taken from the cache (what a replay does), and the duration of this run, spliced in where
the rendering put it (:func:`split_at`).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from scanners.cache_files import PlainUnpickler, stat_signature, write_atomically
from scanners.tree_key import beside, tree_key

if TYPE_CHECKING:
    from scanners.model import ScanStats
    from scanners.walk import Walk

REPORT_FORMAT = 1
# A duration no real scan reports, rendered once to find where the duration goes.
PLACEHOLDER_SECONDS = 86_399_357.125
_DATA_SUBDIRS = ("terms", "extra")


class ReportCache(NamedTuple):
    """Where the rendered report of one tree, format and set of inputs is stored.
    (Import-light, as the whole module: a warm rescan replays with it alone.)"""

    file: Path
    key: str

    @classmethod
    def for_listing(
        cls,
        cache_dir: Path | None,
        listing: Walk,
        hub_cache: Path | None,
        inputs: Sequence[object],
        *,
        name: str,
        now_ns: int | None = None,
    ) -> ReportCache | None:
        """The report cache of ``listing``'s tree for the report called ``name`` (e.g. the
        format), or None: no cache directory, a git work tree whose state cannot be keyed
        (:func:`git_state`), or a racily modified file.
        ``inputs`` must have a stable ``repr`` that changes with anything else the
        report depends on."""
        from scanners.walk import in_git_tree

        if cache_dir is None:
            return None
        git: tuple[object, ...] | None = None
        if listing.git:
            git = git_state(listing.root)
            if git is None:
                return None
        elif in_git_tree(listing.root):
            return None  # a plain walk inside a repository: its git facts are not keyed
        now = time.time_ns() if now_ns is None else now_ns
        tree = tree_key(cache_dir, listing, hub_cache, now)
        if tree is None:
            return None
        scan_file, key = tree
        h = hashlib.sha256(f"{REPORT_FORMAT}\0{key}\0{name}\0".encode())
        h.update(repr((listing.skipped, listing.symlinks, listing.notes)).encode())
        h.update(repr(_data_signature()).encode())
        h.update(repr(git).encode())
        h.update(repr(tuple(inputs)).encode())
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        return cls(beside(scan_file, f"report-{safe}"), h.hexdigest())

    def load(self) -> tuple[str, ...] | None:
        """The stored parts of the report (join them with the duration), or None."""
        import pickle

        try:
            with open(self.file, "rb") as fh:
                data = PlainUnpickler(fh).load()
            if not isinstance(data, dict) or data.get("key") != self.key:
                return None
            parts = data["parts"]
            if not isinstance(parts, tuple) or not all(isinstance(p, str) for p in parts):
                return None
            if os.stat(self.file).st_mtime < time.time() - 86_400:
                os.utime(self.file)  # in use: keep it from being pruned
            return parts
        except (OSError, EOFError, ValueError, TypeError, KeyError, pickle.UnpicklingError):
            return None

    def save(self, parts: tuple[str, ...]) -> None:
        try:
            write_atomically(self.file, {"key": self.key, "parts": parts})
        except OSError:
            pass  # a cache we cannot write only costs time


_DECLARED = ("copyfair.toml", "COPYFAIR.toml", "pyproject.toml")
_GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


def git_state(top: Path) -> tuple[object, ...] | None:
    """What the git facts and history of a scan of the work tree ``top`` depend on, read
    from the repository's files: the content of ``HEAD`` and the stat signature of the ref
    it names, ``packed-refs``, ``index``, ``config`` (the remote URL) and ``shallow`` (a
    deepened clone has more history under the same commit), and of the profile and policy
    files at ``top``, tracked or not. None when ``top`` is not the
    top of an ordinary repository (``.git`` not a directory there) or git is pointed
    elsewhere by the environment."""
    if any(os.environ.get(v) for v in _GIT_ENV):
        return None
    git_dir = top / ".git"
    try:
        if not git_dir.is_dir():
            return None
        head = (git_dir / "HEAD").read_bytes()
    except OSError:
        return None
    files = ["packed-refs", "index", "config", "shallow"]
    if head.startswith(b"ref: "):
        ref = head[5:].strip().decode(errors="surrogateescape")
        if ".." in ref.split("/"):
            return None
        files.append(ref)
    # Read from the work tree whether git tracks them or not (the entity profile, the
    # policy): an untracked one is not in the listing, so its stat is keyed here.
    declared = tuple((name, stat_signature(top / name)) for name in _DECLARED)
    return (head, tuple((name, stat_signature(git_dir / name)) for name in files), declared)


# Problems that a rescan of the same stat signatures may not meet again (a permission
# or I/O error, a file replaced by a special one): the scan caches retry them, so a
# report that has one is not stored. See ``scanners.scan._process``, the walk, the
# inventory and the usage signals for where they are written.
TRANSIENT = ("cannot read", "not a regular file")


def transient(reasons: Iterable[str]) -> bool:
    """Whether any of these skip reasons or problems may not happen on a rescan."""
    return any(t in reason for reason in reasons for t in TRANSIENT)


def replay_stats(stats: ScanStats, listing: Walk, max_file_size: int) -> ScanStats:
    """The statistics of a replay of a report on ``listing``: nothing read, every file
    not skipped for its size from the cache, the duration a placeholder."""
    from dataclasses import replace

    too_large = sum(1 for e in listing.entries if e.size > max_file_size)
    return replace(
        stats,
        files_read=0,
        bytes_read=0,
        cache_hits=len(listing.entries) - too_large,
        seconds=PLACEHOLDER_SECONDS,
    )


def split_at(rendered: str, seconds_text: Callable[[float], str]) -> tuple[str, ...] | None:
    """``rendered`` (a report rendered with :data:`PLACEHOLDER_SECONDS`) cut where the
    duration is, as ``seconds_text`` writes it: one part when the rendering has no
    duration, two around it; None when the placeholder shows more than once (the report
    cannot be stored safely)."""
    token = seconds_text(PLACEHOLDER_SECONDS)
    count = rendered.count(token)
    if count == 0:
        return (rendered,)
    if count > 1:
        return None
    head, tail = rendered.split(token)
    return (head, tail)


def join_parts(parts: Sequence[str], seconds: float, seconds_text: Callable[[float], str]) -> str:
    """The stored report with this run's duration."""
    return seconds_text(seconds).join(parts)


def _data_signature() -> tuple[tuple[str, int, int], ...]:
    """The stat of the licence data besides the texts (terms, catalog, categories):
    the obligations depend on it, and editing a file in place does not change the data
    directory's own time (which the scan cache's key covers)."""
    from licences.layout import DATA_DIR

    out: list[tuple[str, int, int]] = []
    for folder in (DATA_DIR, *(DATA_DIR / d for d in _DATA_SUBDIRS)):
        try:
            with os.scandir(folder) as it:
                for de in it:
                    if de.is_file(follow_symlinks=False):
                        st = de.stat()
                        out.append((de.path, st.st_size, st.st_mtime_ns))
        except OSError:
            continue
    return tuple(sorted(out))
