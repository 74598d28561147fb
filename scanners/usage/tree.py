"""Gather every usage signal of a tree: the files the walk found, the inventory, git.

Entry point: :func:`usage_signals_from_files` takes the scan root and the relative paths
the walk already found (it does not walk again), reads only what it needs (root licence
files and manifests, the first lines of a bounded number of source files, deployment
YAML, Python training code) and returns the signals with the files it could not read.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from licences.usage import Signal
from scanners.inventory.model import Component, ComponentKind, EvidenceMethod
from scanners.model import Skipped
from scanners.usage import gitsignals
from scanners.usage.holders import Holder, find_holders
from scanners.usage.signals import (
    Detector,
    SignalKind,
    dependency_signals,
    deployment_candidates,
    deployment_signals,
    holder_signals,
    is_licence_file,
    is_project_manifest,
    is_readme,
    is_training_candidate,
    manifest_holders,
    manifest_signals,
    may_train,
    project_component_signals,
    project_licence_signals,
    training_signals,
)

MAX_FILE_SIZE = 1024 * 1024  # larger files are not read for usage signals
HEADER_BYTES = 4096  # how much of a source file is searched for copyright lines
DEFAULT_MAX_HEADER_FILES = 300
DEFAULT_MAX_CODE_FILES = 5000
_SOURCE_EXTENSIONS = frozenset(
    ".py .pyi .js .jsx .ts .tsx .mjs .cjs .go .rs .java .kt .kts .scala .c .h .cc .cpp .hpp"
    " .cs .swift .m .mm .rb .php .dart .ex .exs .erl .hs .lua .pl .r .jl .sh .vue .svelte".split()
)
_SKIP_DIRS = frozenset(
    {
        "node_modules", "site-packages", "dist-packages", "vendor", "third_party",
        "third-party", "thirdparty", "external", "build", "dist", "target", "out",
        "__pycache__", "venv", "env",
        # test data: its copyright lines, manifests and training snippets are fixtures
        "tests", "test", "testdata", "fixtures",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TreeSignals:
    """The usage signals of a tree, the files that could not be read, and notes (e.g.
    "not a git repository")."""

    signals: tuple[Signal, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class _Reader:
    root: Path
    skipped: list[Skipped] = field(default_factory=list)
    _cache: dict[tuple[str, int | None], str | None] = field(default_factory=dict)

    def read(self, rel: str, limit: int | None = None) -> str | None:
        key = (rel, limit)
        if key not in self._cache:
            data = self.read_bytes(rel, limit)
            self._cache[key] = None if data is None else data.decode("utf-8", errors="replace")
        return self._cache[key]

    def read_bytes(self, rel: str, limit: int | None = None) -> bytes | None:
        """The file's bytes (at most ``limit``; None: a regular file of at most
        :data:`MAX_FILE_SIZE`), or None (not read; a failure is recorded as skipped)."""
        full = os.path.join(self.root, rel)
        try:
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode):
                return None  # symlinks are never followed; the walk reports them
            if limit is None and st.st_size > MAX_FILE_SIZE:
                return None
            with open(full, "rb") as fh:
                return fh.read(limit if limit is not None else MAX_FILE_SIZE)
        except OSError as exc:
            if all(s.path != rel for s in self.skipped):
                self.skipped.append(Skipped(rel, f"usage signals: cannot read: {exc.strerror}"))
            return None


def _own(path: str) -> bool:
    """A file of the project itself: not third-party, not build output, not hidden."""
    parts = path.split("/")[:-1]
    return not any(p.lower() in _SKIP_DIRS or p.startswith(".") for p in parts)


def _own_paths(paths: Iterable[str]) -> list[str]:
    """The ``paths`` that pass :func:`_own`, deciding once per directory."""
    verdict: dict[str, bool] = {}
    out: list[str] = []
    for path in paths:
        directory = path.rpartition("/")[0]
        own = verdict.get(directory)
        if own is None:
            own = verdict[directory] = _own(path)
        if own:
            out.append(path)
    return out


def _is_source(path: str) -> bool:
    return posixpath.splitext(path)[1].lower() in _SOURCE_EXTENSIONS


def _datasets_by_code_file(components: Sequence[Component]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in components:
        if c.kind is not ComponentKind.DATASET:
            continue
        for ev in c.evidence:
            if ev.method is EvidenceMethod.CODE_REFERENCE:
                names = out.setdefault(ev.path, [])
                if c.name not in names:
                    names.append(c.name)
    return out


def usage_signals_from_files(
    root: Path,
    paths: Iterable[str],
    *,
    components: Iterable[Component] | None = None,
    detect: Detector | None = None,
    own_domains: Sequence[str] = (),
    git: bool = True,
    max_commits: int = gitsignals.DEFAULT_MAX_COMMITS,
    max_header_files: int = DEFAULT_MAX_HEADER_FILES,
    max_code_files: int = DEFAULT_MAX_CODE_FILES,
) -> TreeSignals:
    """Every usage signal of the tree at ``root`` whose files are ``paths`` (relative,
    POSIX, as the walk found them).

    ``components``: the tree's inventory (None: build it with
    :func:`scanners.inventory.inventory_from_files`, without licence detection).
    ``detect``: the file-level detector for the root licence files (None: the default
    :func:`scanners.detect.detect_text`). ``own_domains``: the organisation's email
    domains (profile ``domains``). ``git``: read the history (at most ``max_commits``).

    When ``paths`` is the ``paths`` of a :class:`scanners.project.ProjectReport` that
    :func:`scanners.project.scan_project` built with a cache directory, the signals read
    from files are cached beside the scan cache (:class:`UsageCache`); git's never are.
    ``detect`` must then answer as :func:`scanners.detect.detect_text` would (the scan's
    own results do).
    """
    from scanners.project import tree_cache

    stored = tree_cache(root, paths)
    components = list(components) if components is not None else None
    cache = (
        UsageCache(
            stored.sibling("usage"),
            _usage_key(stored.key, components, own_domains, max_header_files, max_code_files),
        )
        if stored is not None
        else None
    )
    found = cache.load() if cache is not None else None
    if found is None:
        found = _file_signals(
            root,
            paths,
            components=components,
            detect=detect,
            own_domains=own_domains,
            max_header_files=max_header_files,
            max_code_files=max_code_files,
        )
        if cache is not None:
            cache.save(*found)
    signals = list(found[0])
    notes: list[str] = []

    # Who writes the code (never cached: commits change nothing in the tree).
    if git:
        history = gitsignals.read_commit_authors(root, max_commits=max_commits)
        if history.note is not None:
            notes.append(f"git history: {history.note}")
        signals.extend(gitsignals.commit_signals(history, own_domains))

    return TreeSignals(tuple(signals), found[1], tuple(notes))


def _file_signals(
    root: Path,
    paths: Iterable[str],
    *,
    components: Iterable[Component] | None,
    detect: Detector | None,
    own_domains: Sequence[str],
    max_header_files: int,
    max_code_files: int,
) -> tuple[tuple[Signal, ...], tuple[Skipped, ...]]:
    """The signals read from the tree's files (all but git's), and the unreadable files."""
    all_paths = sorted(set(paths))
    reader = _Reader(root)
    if detect is None:
        from scanners.detect import detect_text

        detect = detect_text
    if components is None:
        from scanners.inventory import inventory_from_files

        components = inventory_from_files(root, all_paths, detect=None).components
    components = list(components)
    signals: list[Signal] = []

    # The project's own licence: root licence files, else the root README.
    root_files = [p for p in all_paths if "/" not in p]
    licence_signals: list[Signal] = []
    for rel in (p for p in root_files if is_licence_file(p)):
        text = reader.read(rel)
        if text is not None:
            licence_signals.extend(project_licence_signals(text, rel, detect))
    if not licence_signals:
        licence_signals = project_component_signals(c for c in components if c.path in (".", ""))
    if not licence_signals:
        for rel in (p for p in root_files if is_readme(p)):
            text = reader.read(rel)
            if text is not None:
                licence_signals.extend(
                    project_licence_signals(text, rel, detect, phrases_only=True)
                )
    signals.extend(licence_signals)
    for rel in (p for p in root_files if is_project_manifest(p)):
        text = reader.read(rel)
        if text is not None:
            signals.extend(manifest_signals(text, rel))

    # Copyright holders: root licence files and READMEs, then source file headers.
    holders: list[tuple[str, Holder]] = []
    for rel in (p for p in root_files if is_licence_file(p) or is_readme(p)):
        text = reader.read(rel)
        if text is not None:
            holders.extend((rel, h) for h in find_holders(text))
    for rel in (p for p in root_files if is_project_manifest(p)):
        text = reader.read(rel)
        if text is not None:
            holders.extend((rel, h) for h in manifest_holders(text, rel))
    own_paths = _own_paths(all_paths)
    sources = [p for p in own_paths if _is_source(p)]
    sources.sort(key=lambda p: (p.count("/"), p))
    for rel in sources[:max_header_files]:
        text = reader.read(rel, HEADER_BYTES)
        if text is not None:
            holders.extend((rel, h) for h in find_holders(text))
    signals.extend(holder_signals(holders))

    # Deployment manifests.
    texts: dict[str, str] = {}
    for rel in deployment_candidates(own_paths):
        text = reader.read(rel)
        if text is not None:
            texts[rel] = text
    signals.extend(deployment_signals(all_paths, texts))

    # Billing, payment and advertising SDKs.
    signals.extend(dependency_signals(components))

    # AI training code.
    datasets = _datasets_by_code_file(components)
    code = [p for p in own_paths if is_training_candidate(p)][:max_code_files]
    training: list[Signal] = []
    for rel in code:
        data = reader.read_bytes(rel)
        if data is not None and may_train(data):
            text = data.decode("utf-8", errors="replace")
            training.extend(training_signals(text, rel, datasets.get(rel, ())))
    if training:  # one signal: the strongest file, and how many more train
        training.sort(key=lambda s: -s.weight)
        best = training[0]
        if len(training) > 1:
            best = Signal(
                best.kind,
                best.weight,
                f"{best.evidence} (and {len(training) - 1} more training files)",
                best.use,
            )
        signals.append(best)
    return tuple(signals), tuple(reader.skipped)


USAGE_FORMAT = 1


def _usage_key(
    tree_key: str,
    components: Sequence[Component] | None,
    own_domains: Sequence[str],
    max_header_files: int,
    max_code_files: int,
) -> str:
    import hashlib

    h = hashlib.sha256(f"{USAGE_FORMAT}\0{tree_key}\0".encode())
    h.update(repr((components, tuple(own_domains), max_header_files, max_code_files)).encode())
    return h.hexdigest()


def _signal_kind(kind: object) -> str:
    try:
        return SignalKind(str(kind))
    except ValueError:
        return str(kind)


@dataclass(frozen=True)
class UsageCache:
    """The file-derived usage signals of an unchanged tree, beside its scan cache.

    The key is the tree's (every walked path with its stat signature and copyfair's
    version: :class:`scanners.project.InventoryCache`) plus the inventory's components
    and the options, so a warm rescan neither filters the paths nor reads the up to
    :data:`DEFAULT_MAX_CODE_FILES` code files again. Plain data, loaded with the
    class-refusing unpickler; a cache that cannot be read or written only costs time."""

    file: Path
    key: str

    def load(self) -> tuple[tuple[Signal, ...], tuple[Skipped, ...]] | None:
        import pickle

        from licences.usage import UseKind
        from scanners.cache import PlainUnpickler

        try:
            with open(self.file, "rb") as fh:
                data = PlainUnpickler(fh).load()
            if not isinstance(data, dict) or data.get("key") != self.key:
                return None
            signals = tuple(
                Signal(_signal_kind(k), float(w), str(e), None if u is None else UseKind(u))
                for k, w, e, u in data["signals"]
            )
            skipped = tuple(Skipped(str(p), str(r)) for p, r in data["skipped"])
        except (OSError, EOFError, ValueError, TypeError, KeyError, pickle.UnpicklingError):
            return None
        return signals, skipped

    def save(self, signals: Sequence[Signal], skipped: Sequence[Skipped]) -> None:
        from scanners.cache import write_atomically

        data = {
            "key": self.key,
            "signals": [
                (str(s.kind), s.weight, s.evidence, None if s.use is None else str(s.use))
                for s in signals
            ],
            "skipped": [(s.path, s.reason) for s in skipped],
        }
        try:
            write_atomically(self.file, data)
        except OSError:
            pass


__all__ = ["SignalKind", "TreeSignals", "usage_signals_from_files"]
