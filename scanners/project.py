"""The project: the file-level scan, the component inventory and the git facts.

``scan_project(target, options) -> ProjectReport``: :func:`scanners.scan.scan_tree`'s
scan, plus the component inventory (project, vendored code, dependencies, datasets; each
licensed file attributed to the nearest component containing it) and the git facts. The
inventory of an unchanged tree is cached beside the scan cache (:class:`InventoryCache`).
"""

from __future__ import annotations

import os
import posixpath
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanners.cache import PlainUnpickler, write_atomically
from scanners.gitinfo import GitInfo
from scanners.model import FileResult, ScanReport, Skipped
from scanners.walk import Walk

if TYPE_CHECKING:  # scanners.scan re-exports this module: it is imported when used here
    from concurrent.futures import Future

    from scanners.inventory.model import Component, Inventory
    from scanners.obligations import ObligationsReport
    from scanners.scan import ScanOptions


@dataclass(frozen=True)
class ProjectReport:
    """What ``copyfair scan`` reports: the file-level scan, the components, git facts.

    ``owners`` maps the path of every file with licence evidence to the id of the
    nearest component containing it. ``source`` is ``tree`` for a scanned directory,
    ``sbom`` for a report read from an SBOM (then ``scan.files`` holds the SBOM's files).
    ``paths`` are the files the walk found (relative, POSIX; empty for an SBOM), so that
    later stages (usage signals, schedules) need not walk again. ``obligations`` is set
    by :func:`scanners.obligations.with_obligations` when they were asked for.
    """

    scan: ScanReport
    components: tuple[Component, ...] = ()
    owners: Mapping[str, str] = field(default_factory=dict)
    git: GitInfo | None = None
    source: str = "tree"
    root: Path | None = None  # the directory file paths are relative to (None for an SBOM)
    checksums: Mapping[str, str] = field(default_factory=dict)  # SHA-1 by file path
    paths: tuple[str, ...] = ()
    obligations: ObligationsReport | None = None


def with_checksums(report: ProjectReport) -> ProjectReport:
    """The report with the SHA-1 of every licensed file (SPDX requires them); files that
    cannot be read again keep none. Only files with licence evidence are read."""
    if report.root is None:
        return report
    import hashlib

    from scanners.scan import OPEN_FLAGS

    sums = dict(report.checksums)
    for result in report.scan.files:
        if result.path in sums:
            continue
        try:
            fd = os.open(report.root / result.path, OPEN_FLAGS)
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
    listing: Walk | None = None,
    started: float | None = None,
    prepare: Callable[[], object] | None = None,
) -> ProjectReport:
    """Scan ``target`` and build its component inventory (see the module doc).

    ``git`` overrides the git facts (for a revision exported to a temporary directory);
    by default they are read from the work tree containing ``target``. ``listing``: the
    walk of ``target`` when the caller already made it (``started``: the perf-counter
    time it began, which the scan's duration counts from). ``prepare``: work the caller
    will need after the scan that does not depend on it (importing the modules of its
    next steps), done while worker processes scan, if any; its errors are left for
    those steps to meet.
    """
    from scanners.gitinfo import git_info
    from scanners.scan import ScanOptions, scan_listing
    from scanners.walk import walk

    opts = options or ScanOptions()
    if listing is None or started is None:
        started = time.perf_counter()
    if listing is None:
        listing = walk(target, all_files=opts.all_files, exclude=opts.exclude)
    paths = tuple(e.path for e in listing.entries)
    stored = InventoryCache.before_scan(opts.cache_dir, listing, opts.hub_cache, time.time_ns())
    remember_tree(listing.root, paths, stored)
    found = stored.load() if stored is not None else None
    early: list[Future[Inventory]] = []

    def beside() -> None:
        # Called once the worker processes are forked (a thread must not be running at
        # a fork): the manifests and code files the inventory reads do not depend on the
        # scan, so they are read while the workers scan (this process mostly waits for
        # them) instead of after.
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1, thread_name_prefix="copyfair-inventory")
        early.append(pool.submit(declared_inventory, listing.root, paths, opts.hub_cache))
        if prepare is not None:
            pool.submit(prepare)
        pool.shutdown(wait=False)

    after = beside if found is None else None
    report, _cache = scan_listing(target, listing, opts, started, beside=after)
    if found is None:
        declared = early[0].result() if early else None
        found = build_inventory(
            listing.root, paths, report.files, hub_cache=opts.hub_cache, declared=declared
        )
        if stored is not None:
            stored.save(found)
    components, owners, problems = found
    skipped = tuple(sorted((*report.skipped, *problems), key=lambda s: s.path))
    stats = replace(report.stats, seconds=time.perf_counter() - started)
    report = replace(report, skipped=skipped, stats=stats)
    info = git if git is not None else git_info(listing.root)
    return ProjectReport(report, components, owners, info, root=listing.root, paths=paths)


def declared_inventory(root: Path, paths: Sequence[str], hub_cache: Path | None) -> Inventory:
    """What the tree's manifests, package metadata and code declare (no licence
    detection: :func:`build_inventory` takes licences from the scan's results)."""
    from scanners.inventory import inventory_from_files

    return inventory_from_files(root, paths, detect=None, hub_cache=hub_cache)


def build_inventory(
    root: Path,
    paths: Sequence[str],
    files: Sequence[FileResult],
    *,
    hub_cache: Path | None = None,
    declared: Inventory | None = None,
) -> tuple[tuple[Component, ...], dict[str, str], tuple[Skipped, ...]]:
    """(components, owner id by licensed file path, inventory problems) for a walked tree.

    Licence files that manifests point at (or that a component without a declared
    licence carries) are not read again: their evidence comes from ``files``, the scan
    that already detected them. Vendored directories (direct children of ``vendor/``,
    ``third_party/``, ``external/``, ... and any subdirectory with its own licence file)
    become components; the project itself is always one.
    """
    from scanners.inventory import component_roots, owner_of
    from scanners.inventory.discover import licence_files_by_directory, sort_components
    from scanners.inventory.model import ComponentKind, make_component

    inventory = declared if declared is not None else declared_inventory(root, paths, hub_cache)
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
    from scanners.inventory.common import licence_file_evidence
    from scanners.inventory.licensing import combine
    from scanners.inventory.model import ComponentEvidence

    expressions: list[str] = []
    evidence: list[ComponentEvidence] = []
    for rel in component.licence_files:
        result = by_path.get(rel)
        if result is None:
            continue
        for ev in result.evidence:
            expression = ev.expression or ev.licence
            evidence.append(licence_file_evidence(rel, ev))
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
    def before_scan(
        cls, cache_dir: Path | None, listing: Walk, hub_cache: Path | None, now_ns: int
    ) -> InventoryCache | None:
        """The inventory cache of ``listing``'s tree beside its scan cache in
        ``cache_dir`` (None: no cache directory, or a racily modified file), known before
        scanning so that a cold inventory can be read while the tree is scanned."""
        if cache_dir is None:
            return None
        from scanners.tree_key import beside, tree_key

        found = tree_key(cache_dir, listing, hub_cache, now_ns)
        if found is None:
            return None
        scan_file, key = found
        return cls(beside(scan_file, "inventory"), key)

    def sibling(self, name: str) -> Path:
        """A file beside this one for another stage's results on the same tree (e.g.
        ``usage``), pruned with the scan caches."""
        return self.file.with_name(self.file.name.replace("-inventory.", f"-{name}.", 1))

    def load(self) -> _Built | None:
        import pickle

        try:
            with open(self.file, "rb") as fh:
                data = PlainUnpickler(fh).load()
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
        components, owners, skipped = built
        data = {
            "key": self.key,
            "components": [_component_row(c) for c in components],
            "owners": owners,
            "skipped": [(s.path, s.reason) for s in skipped],
        }
        try:
            write_atomically(self.file, data)
        except OSError:
            pass  # a cache we cannot write only costs time


# The tree caches of the last few scans in this process, with the paths tuple of each
# scan (``ProjectReport.paths``): later stages given the very same tuple (usage signals)
# may cache their results under its key. Bounded: a service scans many roots.
_TREES: dict[Path, tuple[tuple[str, ...], InventoryCache]] = {}
_MAX_TREES = 4


def remember_tree(root: Path, paths: tuple[str, ...], stored: InventoryCache | None) -> None:
    _TREES.pop(root, None)
    if stored is not None:
        _TREES[root] = (paths, stored)
        while len(_TREES) > _MAX_TREES:
            del _TREES[next(iter(_TREES))]


def tree_cache(root: Path, paths: object) -> InventoryCache | None:
    """The tree cache of the scan of ``root`` whose walk gave ``paths`` (that very
    object: a list built elsewhere, or the paths of an older scan, get None), if the
    scan had one (a cache directory, no racily modified file)."""
    found = _TREES.get(root)
    if found is None or found[0] is not paths:
        return None
    return found[1]


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
