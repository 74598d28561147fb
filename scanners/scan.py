"""Scan a tree: walk it, read and detect every file (in parallel), apply REUSE.

``scan_tree(target, options) -> ScanReport``: the file-level scan. ``scan_project(target,
options) -> ProjectReport``: the same, plus the component inventory (project, vendored
code, dependencies, datasets; each licensed file attributed to the nearest component
containing it) and the git facts. Results are sorted by path and do not
depend on ``jobs``. File contents are read one at a time per worker and dropped
after detection, so memory stays flat on large trees. With a cache, unchanged files
(same stat signature) are not read at all, and changed files whose content was seen
before are not detected again.
"""

from __future__ import annotations

import codecs
import os
import posixpath
import re
import stat
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanners.cache import BINARY, BINARY_DIGEST, SKIPPED, TEXT, Outcome, ScanCache, blob_id
from scanners.gitinfo import GitInfo
from scanners.model import Evidence, FileResult, ScanReport, ScanStats, Skipped
from scanners.walk import Walk, walk

if TYPE_CHECKING:  # the inventory is imported when used: scan_tree stays light
    from scanners.inventory.model import Component

DEFAULT_MAX_FILE_SIZE = 10 * 1000 * 1000
SNIFF_BYTES = 8192
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
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


# Set in the parent before forking so that workers share it copy-on-write.
_WORKER_CACHE: ScanCache | None = None
_WORKER_ROOT = ""

_Task = tuple[int, str, int]  # (entry index, relative path, max size)
_Done = tuple[int, str | None, Outcome, int, bool]  # (index, hash, outcome, bytes read, hit)


def _process(task: _Task) -> _Done:
    index, rel, max_size = task
    path = os.path.join(_WORKER_ROOT, rel)
    try:
        # The walk saw a regular file; refuse anything else it may have become since
        # (a symlink out of the tree, a FIFO that would block).
        fd = os.open(path, _OPEN_FLAGS)
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


def _run(tasks: Sequence[_Task], jobs: int) -> Iterator[_Done]:
    if jobs <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        yield from map(_process, tasks)
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from scanners.matching import get_matcher

    get_matcher()  # build the index once, before forking: workers share it
    gc.freeze()  # keep the shared pages shared: the workers' GC will not touch them
    chunk = max(1, min(16, len(tasks) // (jobs * 8)))  # small: candidates cluster
    done = 0
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for result in pool.map(_process, tasks, chunksize=chunk):  # in order
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
    listing = walk(target, all_files=opts.all_files)
    return _scan_listing(target, listing, opts, started)[0]


def _scan_listing(
    target: str | os.PathLike[str], listing: Walk, opts: ScanOptions, started: float
) -> tuple[ScanReport, ScanCache]:
    global _WORKER_CACHE, _WORKER_ROOT
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
            tasks.append((index, entry.path, opts.max_file_size))

    files_read = bytes_read = 0
    _WORKER_CACHE, _WORKER_ROOT = cache, str(listing.root)
    try:
        jobs = opts.jobs if opts.jobs is not None else (os.cpu_count() or 1)
        for index, got_digest, outcome, nbytes, hit in _run(tasks, jobs):
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


# --- the project: file scan + component inventory + git -------------------------------


@dataclass(frozen=True)
class ProjectReport:
    """What ``copyfair scan`` reports: the file-level scan, the components, git facts.

    ``owners`` maps the path of every file with licence evidence to the id of the
    nearest component containing it. ``source`` is ``tree`` for a scanned directory,
    ``sbom`` for a report read from an SBOM (then ``scan.files`` holds the SBOM's files).
    """

    scan: ScanReport
    components: tuple[Component, ...] = ()
    owners: Mapping[str, str] = field(default_factory=dict)
    git: GitInfo | None = None
    source: str = "tree"
    root: Path | None = None  # the directory file paths are relative to (None for an SBOM)
    checksums: Mapping[str, str] = field(default_factory=dict)  # SHA-1 by file path


def with_checksums(report: ProjectReport) -> ProjectReport:
    """The report with the SHA-1 of every licensed file (SPDX requires them); files that
    cannot be read again keep none. Only files with licence evidence are read."""
    if report.root is None:
        return report
    import hashlib

    sums = dict(report.checksums)
    for result in report.scan.files:
        if result.path in sums:
            continue
        try:
            fd = os.open(report.root / result.path, _OPEN_FLAGS)
            with open(fd, "rb") as fh:
                sums[result.path] = hashlib.sha1(fh.read(), usedforsecurity=False).hexdigest()
        except OSError:
            continue
    return replace(report, checksums=sums)


def scan_project(
    target: str | os.PathLike[str],
    options: ScanOptions | None = None,
    *,
    git: GitInfo | None = None,
) -> ProjectReport:
    """Scan ``target`` and build its component inventory (see the module doc).

    ``git`` overrides the git facts (for a revision exported to a temporary directory);
    by default they are read from the work tree containing ``target``.
    """
    from scanners.gitinfo import git_info

    opts = options or ScanOptions()
    started = time.perf_counter()
    listing = walk(target, all_files=opts.all_files)
    report, cache = _scan_listing(target, listing, opts, started)
    paths = [e.path for e in listing.entries]
    stored = InventoryCache.for_scan(cache, listing, opts.hub_cache, time.time_ns())
    found = stored.load() if stored is not None else None
    if found is None:
        found = build_inventory(listing.root, paths, report.files, hub_cache=opts.hub_cache)
        if stored is not None:
            stored.save(found)
    components, owners, problems = found
    skipped = tuple(sorted((*report.skipped, *problems), key=lambda s: s.path))
    stats = replace(report.stats, seconds=time.perf_counter() - started)
    report = replace(report, skipped=skipped, stats=stats)
    info = git if git is not None else git_info(listing.root)
    return ProjectReport(report, components, owners, info, root=listing.root)


def build_inventory(
    root: Path,
    paths: Sequence[str],
    files: Sequence[FileResult],
    *,
    hub_cache: Path | None = None,
) -> tuple[tuple[Component, ...], dict[str, str], tuple[Skipped, ...]]:
    """(components, owner id by licensed file path, inventory problems) for a walked tree.

    Licence files that manifests point at (or that a component without a declared
    licence carries) are not read again: their evidence comes from ``files``, the scan
    that already detected them. Vendored directories (direct children of ``vendor/``,
    ``third_party/``, ``external/``, ... and any subdirectory with its own licence file)
    become components; the project itself is always one.
    """
    from scanners.inventory import component_roots, inventory_from_files, owner_of
    from scanners.inventory.discover import licence_files_by_directory, sort_components
    from scanners.inventory.model import ComponentKind, make_component

    inventory = inventory_from_files(root, paths, detect=None, hub_cache=hub_cache)
    by_path = {f.path: f for f in files}
    components = [_licensed_by_files(c, by_path) for c in inventory.components]
    licence_dirs = licence_files_by_directory(paths)
    if not any(c.kind is ComponentKind.PROJECT for c in components):
        project = make_component(
            name=root.name or "project",
            version=None,
            kind=ComponentKind.PROJECT,
            path=".",
            licence_files=tuple(sorted(licence_dirs.get("", ()))),
            licence_reason="no manifest and no licence file at the root",
        )
        components.append(_licensed_by_files(project, by_path))
    taken = {"" if c.path == "." else c.path for c in components if _owns_folder(c)}
    for directory in _vendored_directories(paths, licence_dirs, taken):
        found = tuple(sorted(licence_dirs.get(directory, ())))
        vendored = make_component(
            name=posixpath.basename(directory),
            version=None,
            kind=ComponentKind.VENDORED,
            path=directory,
            licence_files=found,
            licence_reason=f"no licence file in {directory}/",
        )
        components.append(_licensed_by_files(vendored, by_path))
    ordered = tuple(sort_components(components))
    roots = component_roots(ordered)
    owners: dict[str, str] = {}
    for result in files:
        owner = owner_of(result.path, roots)
        if owner is not None:
            owners[result.path] = owner.id
    return ordered, owners, inventory.skipped


def _owns_folder(component: Component) -> bool:
    from scanners.inventory.model import ComponentKind, EvidenceMethod

    return component.kind is not ComponentKind.DEPENDENCY or any(
        e.method is EvidenceMethod.PACKAGE_METADATA for e in component.evidence
    )


def _vendored_directories(
    paths: Sequence[str], licence_dirs: Mapping[str, Sequence[str]], taken: set[str]
) -> list[str]:
    """Directories that are vendored components of their own and not yet a component:
    children of a vendor directory, and directories with their own licence file, outside
    installed-package trees (node_modules, site-packages: their packages are components
    already) and hidden directories."""
    from scanners.inventory.common import INSTALLED_DIRS, VENDOR_DIRS

    found: set[str] = {
        d for d, names in licence_dirs.items() if d and any(_own_licence_file(n) for n in names)
    }
    for path in paths:
        parts = path.split("/")
        for i, part in enumerate(parts[:-2]):
            if part in VENDOR_DIRS:
                found.add("/".join(parts[: i + 2]))
                break
    out: list[str] = []
    for directory in sorted(found):
        parts = directory.split("/")
        if INSTALLED_DIRS.intersection(parts) or any(p.startswith(".") for p in parts):
            continue
        if any(p.endswith((".dist-info", ".egg-info")) for p in parts):
            continue
        prefix = directory + "/"
        if directory in taken or any(t.startswith(prefix) for t in taken):
            continue  # a component already, or holds components (Go's vendor/<host>/)
        out.append(directory)
    return out


_OWN_LICENCE_FILE = re.compile(
    r"^(?:licen[cs]e|copying)(?:[-_.][\w.-]*)?$|^(?:unlicense|copyright)(?:\.\w+)?$", re.I
)


_CODE_SUFFIXES = (".py", ".js", ".ts", ".go", ".rs", ".java", ".c", ".h", ".rb", ".php")


def _own_licence_file(path: str) -> bool:
    """LICENSE, LICENCE.md, COPYING, LICENSE-MIT, UNLICENSE...: a directory's own licence
    (not a collection of texts such as ``Unlicense-libtelnet.xml``)."""
    name = posixpath.basename(path)
    return bool(_OWN_LICENCE_FILE.match(name)) and not name.endswith(_CODE_SUFFIXES)


def _licensed_by_files(component: Component, by_path: Mapping[str, FileResult]) -> Component:
    """A component without a known licence takes the licences the scan found in its
    licence files (the full expression of an SPDX tag where there is one)."""
    if component.licence_known or not component.licence_files:
        return component
    from licences.errors import ExpressionError
    from scanners.inventory.licensing import combine
    from scanners.inventory.model import ComponentEvidence, EvidenceMethod

    expressions: list[str] = []
    evidence: list[ComponentEvidence] = []
    for rel in component.licence_files:
        result = by_path.get(rel)
        if result is None:
            continue
        for ev in result.evidence:
            expression = ev.expression or ev.licence
            evidence.append(
                ComponentEvidence(
                    method=EvidenceMethod.LICENCE_FILE,
                    path=rel,
                    line=ev.start_line,
                    score=ev.score,
                    licence=ev.licence,
                    detail=f"{ev.method} in licence file",
                )
            )
            if expression not in expressions:
                expressions.append(expression)
    present = [f for f in component.licence_files if f in by_path] or list(component.licence_files)
    if not expressions:
        reason = f"no licence identified in {', '.join(present)}"
        return replace(component, licence_reason=reason)
    try:
        licence = combine(expressions)
    except ExpressionError:
        licence = " AND ".join(f"({e})" for e in expressions)
    return replace(
        component,
        licence=licence,
        licence_reason=None,
        evidence=component.evidence + tuple(dict.fromkeys(evidence)),
    )


# --- the inventory cache ----------------------------------------------------------------

INVENTORY_FORMAT = 1
_Built = tuple[tuple["Component", ...], dict[str, str], tuple[Skipped, ...]]


@dataclass(frozen=True)
class InventoryCache:
    """The inventory of an unchanged tree, stored beside the scan cache.

    The key covers copyfair's version (the scan cache's key), the root, the Hugging Face
    cache directory and every walked path with its stat signature: any change anywhere
    rebuilds the inventory (cheap next to a changed scan). Not stored when a file was
    modified within :data:`scanners.cache.RACY_NS` (its signature could hide a change).
    Plain data only, loaded with the scan cache's class-refusing unpickler.
    """

    file: Path
    key: str

    @classmethod
    def for_scan(
        cls, cache: ScanCache, listing: Walk, hub_cache: Path | None, now_ns: int
    ) -> InventoryCache | None:
        if cache.file is None:
            return None
        import hashlib

        from scanners.cache import RACY_NS

        if any(e.mtime_ns >= now_ns - RACY_NS for e in listing.entries):
            return None
        h = hashlib.sha256(f"{INVENTORY_FORMAT}\0{cache.key}\0{listing.root}\0".encode())
        h.update(os.fsencode(os.fspath(hub_cache)) if hub_cache is not None else b"-")
        for e in listing.entries:
            h.update(f"\0{e.path}\0{e.size}\0{e.mtime_ns}\0{e.ino}\0{e.ctime_ns}".encode())
        stem = cache.file.name.removesuffix(".pickle")
        return cls(cache.file.with_name(f"{stem}-inventory.pickle"), h.hexdigest())

    def load(self) -> _Built | None:
        import pickle

        from scanners.cache import _PlainUnpickler

        try:
            with open(self.file, "rb") as fh:
                data = _PlainUnpickler(fh).load()
            if not isinstance(data, dict) or data.get("key") != self.key:
                return None
            if os.stat(self.file).st_mtime < time.time() - 86_400:
                os.utime(self.file)  # in use: keep it from being pruned
            components = tuple(_component_from_row(row) for row in data["components"])
            owners = {str(k): str(v) for k, v in data["owners"].items()}
            skipped = tuple(Skipped(str(p), str(r)) for p, r in data["skipped"])
            return components, owners, skipped
        except (OSError, EOFError, ValueError, TypeError, KeyError, pickle.UnpicklingError):
            return None

    def save(self, built: _Built) -> None:
        import pickle
        import tempfile

        components, owners, skipped = built
        data = {
            "key": self.key,
            "components": [_component_row(c) for c in components],
            "owners": owners,
            "skipped": [(s.path, s.reason) for s in skipped],
        }
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".scan-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.file)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass  # a cache we cannot write only costs time


def _component_row(c: Component) -> tuple[object, ...]:
    evidence = tuple(
        (str(e.method), e.path, e.line, e.score, e.licence, e.detail) for e in c.evidence
    )
    return (
        c.id,
        c.name,
        c.version,
        str(c.kind),
        c.path,
        c.purl,
        c.licence,
        c.licence_reason,
        evidence,
        str(c.scope) if c.scope is not None else None,
        c.ecosystem,
        tuple(c.licence_files),
    )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _component_from_row(row: object) -> Component:
    from scanners.inventory.model import (
        Component,
        ComponentEvidence,
        ComponentKind,
        EvidenceMethod,
        Scope,
    )

    if not isinstance(row, tuple) or len(row) != 12:
        raise ValueError("not a component row")
    evidence = []
    for e in row[8]:
        method, path, line, score, licence, detail = e
        evidence.append(
            ComponentEvidence(
                EvidenceMethod(method),
                str(path),
                None if line is None else int(line),
                float(score),
                _opt(licence),
                _opt(detail),
            )
        )
    return Component(
        id=str(row[0]),
        name=str(row[1]),
        version=_opt(row[2]),
        kind=ComponentKind(row[3]),
        path=str(row[4]),
        purl=_opt(row[5]),
        licence=str(row[6]),
        licence_reason=_opt(row[7]),
        evidence=tuple(evidence),
        scope=Scope(row[9]) if row[9] is not None else None,
        ecosystem=_opt(row[10]),
        licence_files=tuple(str(f) for f in row[11]),
    )
