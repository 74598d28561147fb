"""Scan a tree: walk it, read and detect every file (in parallel), apply REUSE.

``scan_tree(target, options) -> ScanReport``: the file-level scan (the component
inventory and git facts on top of it are :mod:`scanners.project`'s ``scan_project``,
re-exported here). Results are sorted by path and do not depend on ``jobs``. File
contents are read one at a time per worker and dropped after detection, so memory stays
flat on large trees. With a cache, unchanged files (same stat signature) are not read at
all, and changed files whose content was seen before are not detected again.
"""

from __future__ import annotations

import codecs
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanners.cache import BINARY, BINARY_DIGEST, SKIPPED, TEXT, Outcome, ScanCache, blob_id
from scanners.model import Evidence, FileResult, ScanReport, ScanStats, Skipped
from scanners.walk import Entry, Walk, walk

DEFAULT_MAX_FILE_SIZE = 10 * 1000 * 1000
SNIFF_BYTES = 8192
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
# Below this many files to read, forking workers costs more than it saves.
PARALLEL_THRESHOLD = 64

# C0 control bytes that do not occur in text (tab, LF, VT, FF, CR, ESC excepted).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
_CONTROL_TABLE = bytes.maketrans(b"", b"")


@dataclass(frozen=True, slots=True)
class ScanOptions:
    all_files: bool = False  # in a git work tree, also untracked (not ignored) files
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; larger files are skipped
    jobs: int | None = None  # worker processes; None = CPU count; 1 = in-process
    cache_dir: Path | None = None  # None disables the cache
    hub_cache: Path | None = None  # a Hugging Face hub cache to find dataset cards in
    exclude: tuple[str, ...] = ()  # gitignore-style patterns of paths to leave out


_UNICODE_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32's too


def is_binary(head: bytes) -> bool:
    """Content sniffing on the first :data:`SNIFF_BYTES`: a NUL byte and no Unicode BOM."""
    return b"\0" in head[:SNIFF_BYTES] and not head.startswith(_UNICODE_BOMS)


def decode(data: bytes) -> str | Outcome:
    """The text of a file, or the outcome for binary and undecodable content.

    UTF-8 (with or without BOM), UTF-16/32 with a BOM; a NUL byte in the first
    8 KiB means binary; other non-UTF-8 content is read as Windows-1252/Latin-1
    when it has no control bytes, else reported as undecodable.
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[3:].decode("utf-8")
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return data.decode("utf-32")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        return Outcome(SKIPPED, reason=f"undecodable text: invalid {exc.encoding} ({exc.reason})")
    if is_binary(data):
        return Outcome(BINARY)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data.translate(_CONTROL_TABLE, _CONTROL)) != len(data):
        return Outcome(SKIPPED, reason="undecodable text: not UTF-8 and contains control bytes")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def detect_bytes(data: bytes) -> Outcome:
    """Decode and detect one file's content."""
    from scanners.detect import detect_text, is_candidate, is_candidate_text

    text = decode(data)
    if isinstance(text, Outcome):
        return text
    bom = data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    candidate = is_candidate_text(text) if bom else is_candidate(data)
    if not candidate:
        return Outcome(TEXT)
    return Outcome(TEXT, detect_text(text, prefiltered=True))


# Set in the parent before forking so that workers share them copy-on-write. A task is
# only the index of an entry: on a 100k-file tree, a tuple per file would add ~8 MB to
# the parent and so to every forked worker.
_WORKER_CACHE: ScanCache | None = None
_WORKER_ROOT = ""
_WORKER_ENTRIES: Sequence[Entry] = ()
_WORKER_MAX_SIZE = DEFAULT_MAX_FILE_SIZE

_Task = int  # the index of an entry of _WORKER_ENTRIES
_Done = tuple[int, str | None, Outcome, int, bool]  # (index, hash, outcome, bytes read, hit)


def _process(index: _Task) -> _Done:
    max_size = _WORKER_MAX_SIZE
    path = os.path.join(_WORKER_ROOT, _WORKER_ENTRIES[index].path)
    try:
        # The walk saw a regular file; refuse anything else it may have become since
        # (a symlink out of the tree, a FIFO that would block).
        fd = os.open(path, OPEN_FLAGS)
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return index, None, Outcome(SKIPPED, reason="not a regular file"), 0, False
            data = fh.read(SNIFF_BYTES)
            if is_binary(data):  # the rest is never read, the content never hashed
                return index, BINARY_DIGEST, _BINARY, len(data), False
            if len(data) == SNIFF_BYTES:
                data += fh.read(max_size + 1 - SNIFF_BYTES)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return index, None, Outcome(SKIPPED, reason=f"cannot read: {reason}"), 0, False
    if len(data) > max_size:
        return index, None, Outcome(SKIPPED, reason=_too_large(max_size)), len(data), False
    digest = blob_id(data)
    if _WORKER_CACHE is not None:
        cached = _WORKER_CACHE.lookup_content(digest)
        if cached is not None:
            return index, digest, cached, len(data), True
    try:
        outcome = detect_bytes(data)
    except Exception as exc:  # a detector bug must not stop the scan
        outcome = Outcome(SKIPPED, reason=f"detection failed: {exc.__class__.__name__}: {exc}")
    return index, digest, outcome, len(data), False


_NOTHING = Outcome(TEXT)
_BINARY = Outcome(BINARY)


def _shared(outcome: Outcome) -> Outcome:
    """One shared object for the common outcomes (no evidence; binary): less memory."""
    if outcome.kind == TEXT and not outcome.evidence:
        return _NOTHING
    if outcome.kind == BINARY:
        return _BINARY
    return outcome


def _too_large(max_size: int) -> str:
    return f"larger than the size limit ({max_size} bytes; see --max-file-size)"


def _run(
    tasks: Sequence[_Task], jobs: int, beside: Callable[[], None] | None = None
) -> Iterator[_Done]:
    """The outcome of each task, in order; in worker processes when there are enough.
    ``beside`` is called once the workers are running (never when there are none):
    to start other work in this process without a thread running at a fork."""
    if jobs <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        yield from map(_process, tasks)
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    import scanners.detect  # noqa: F401 - imported once here, not in every worker
    from scanners.fingerprints import get_fingerprints
    from scanners.matching import get_matcher
    from scanners.notices.table import get_tables

    get_matcher()  # build the index once, before forking: workers share it
    get_fingerprints()
    get_tables()  # the notice finder's name and URL tables, likewise
    gc.freeze()  # keep the shared pages shared: the workers' GC will not touch them
    chunk = max(1, min(16, len(tasks) // (jobs * 8)))  # small: candidates cluster
    done = 0
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            # map() submits every chunk now; with "fork" the workers are all started
            # at the first submit, so nothing forks after this.
            results = pool.map(_process, tasks, chunksize=chunk)
            if beside is not None:
                beside()
                beside = None
            for result in results:  # in order
                done += 1
                yield result
    except BrokenProcessPool:
        # A worker died (killed, out of memory): finish the rest in this process.
        yield from map(_process, tasks[done:])
    finally:
        gc.unfreeze()


def scan_tree(target: str | os.PathLike[str], options: ScanOptions | None = None) -> ScanReport:
    """Scan ``target`` (a directory, a git work tree or a single file).

    Raises :class:`scanners.errors.TargetError` when the target itself cannot be
    scanned; every problem with a single file is a ``Skipped`` entry.
    """
    opts = options or ScanOptions()
    started = time.perf_counter()
    listing = walk(target, all_files=opts.all_files, exclude=opts.exclude)
    return scan_listing(target, listing, opts, started)[0]


def scan_listing(
    target: str | os.PathLike[str],
    listing: Walk,
    opts: ScanOptions,
    started: float,
    *,
    beside: Callable[[], None] | None = None,
) -> tuple[ScanReport, ScanCache]:
    """Scan the files of a walked tree: the report, and the scan cache it used (the
    project's inventory cache is stored beside it). ``started`` is the perf-counter time
    the scan's duration counts from. ``beside`` is called once worker processes are
    running, if the scan uses any (see :func:`_run`)."""
    global _WORKER_CACHE, _WORKER_ROOT, _WORKER_ENTRIES, _WORKER_MAX_SIZE
    now_ns = time.time_ns()
    cache = (
        ScanCache.load(opts.cache_dir, listing.root)
        if opts.cache_dir is not None
        else ScanCache.disabled()
    )

    entries = listing.entries
    outcomes: list[Outcome | None] = [None] * len(entries)
    digests: dict[int, str] = {}  # only for files with evidence (FileResult.sha1)
    skipped: list[Skipped] = list(listing.skipped)
    tasks: list[_Task] = []
    hits = 0
    for index, entry in enumerate(entries):
        if entry.size > opts.max_file_size:
            skipped.append(Skipped(entry.path, _too_large(opts.max_file_size)))
            continue
        found = cache.lookup_path(entry.path, entry.signature)
        if found is not None:
            digest, outcomes[index] = found
            if found[1].evidence:
                digests[index] = digest
            hits += 1
        else:
            tasks.append(index)

    files_read = bytes_read = 0
    _WORKER_CACHE, _WORKER_ROOT = cache, str(listing.root)
    _WORKER_ENTRIES, _WORKER_MAX_SIZE = entries, opts.max_file_size
    try:
        jobs = opts.jobs if opts.jobs is not None else (os.cpu_count() or 1)
        for index, got_digest, outcome, nbytes, hit in _run(tasks, jobs, beside):
            files_read += 1
            bytes_read += nbytes
            hits += hit
            outcome = _shared(outcome)
            outcomes[index] = outcome
            if got_digest is not None:
                if outcome.evidence:
                    digests[index] = got_digest
                entry = entries[index]
                cache.store(entry.path, entry.signature, got_digest, outcome, now_ns)
    finally:
        _WORKER_CACHE, _WORKER_ROOT = None, ""
        _WORKER_ENTRIES, _WORKER_MAX_SIZE = (), DEFAULT_MAX_FILE_SIZE
    del tasks

    from scanners.reuse import load_reuse

    reuse, reuse_problems = load_reuse(listing.root, [e.path for e in entries])
    skipped += reuse_problems
    sidecar_index = {e.path: i for i, e in enumerate(entries) if e.path in reuse.sidecars}

    results: list[FileResult] = []
    binaries = 0
    for index, entry in enumerate(entries):
        rel = entry.path
        got = outcomes[index]
        evidence: tuple[Evidence, ...] = ()
        if got is not None:
            if got.kind == BINARY:
                binaries += 1
            elif got.kind == SKIPPED:
                skipped.append(Skipped(rel, got.reason or "skipped"))
            evidence = got.evidence
        if not reuse.empty:
            if rel in sidecar_index:
                continue  # its tags are reported on the file it licenses
            side_index = sidecar_index.get(rel + ".license")
            side = outcomes[side_index] if side_index is not None else None
            evidence = reuse.apply(rel, evidence, side.evidence if side else ())
        if evidence:
            results.append(FileResult(rel, evidence, digests.get(index)))

    cache.save()
    skipped.sort(key=lambda s: s.path)
    stats = ScanStats(
        files_seen=len(entries),
        files_read=files_read,
        bytes_read=bytes_read,
        cache_hits=hits,
        seconds=time.perf_counter() - started,
        binary_files=binaries,
        symlinks=listing.symlinks,
    )
    report = ScanReport(os.fspath(target), tuple(results), tuple(skipped), stats, listing.notes)
    return report, cache
