"""The usage signals of an unchanged tree come from the cache beside the scan cache."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import scanners.usage.tree as tree_module
from scanners.project import ProjectReport, scan_project
from scanners.scan import ScanOptions
from scanners.usage import TreeSignals, usage_signals_from_files
from scanners.usage.signals import SignalKind

from .test_tree import TRAIN, _company_tree, _write


def _age(root: Path) -> None:
    """Old modification times: recently modified files are never cached (racy)."""
    old = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (old, old))


def _signals(report: ProjectReport, paths: Sequence[str] | None = None) -> TreeSignals:
    assert report.root is not None
    given = report.paths if paths is None else paths
    return usage_signals_from_files(report.root, given, components=report.components, git=False)


def _refuse(*_args: object, **_kwargs: object) -> object:
    raise AssertionError("the files were read again")


def test_unchanged_tree_reuses_the_signals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, cache = tmp_path / "tree", tmp_path / "cache"
    _company_tree(tree)
    _age(tree)
    options = ScanOptions(cache_dir=cache, jobs=1)
    report = scan_project(tree, options)
    cold = _signals(report)
    assert SignalKind.AI_TRAINING in {s.kind for s in cold.signals}
    assert len(list(cache.glob("scan-*-usage.pickle"))) == 1

    monkeypatch.setattr(tree_module, "_file_signals", _refuse)
    again = scan_project(tree, options)
    warm = _signals(again)
    assert warm == cold
    assert all(type(s.kind) is SignalKind for s in warm.signals)


def test_a_change_reads_the_files_again(tmp_path: Path) -> None:
    tree, cache = tmp_path / "tree", tmp_path / "cache"
    _company_tree(tree)
    _age(tree)
    options = ScanOptions(cache_dir=cache, jobs=1)
    report = scan_project(tree, options)
    before = _signals(report)
    assert SignalKind.AI_TRAINING in {s.kind for s in before.signals}

    _write(tree, {"ml/train.py": TRAIN.replace("Trainer", "Helper")})
    _age(tree)
    report = scan_project(tree, options)
    after = _signals(report)
    assert SignalKind.AI_TRAINING not in {s.kind for s in after.signals}


def test_paths_not_from_the_scan_are_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree, cache = tmp_path / "tree", tmp_path / "cache"
    _company_tree(tree)
    _age(tree)
    report = scan_project(tree, ScanOptions(cache_dir=cache, jobs=1))
    _signals(report)
    calls: list[int] = []
    real = tree_module._file_signals

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tree_module, "_file_signals", counting)
    # The same paths in another list: not known to come from that scan, read again.
    _signals(report, list(report.paths))
    assert calls == [1]


def test_the_registry_of_scanned_trees_is_bounded(tmp_path: Path) -> None:
    from scanners.project import _MAX_TREES, InventoryCache, remember_tree, tree_cache

    trees = [(tmp_path / f"t{n}", (f"f{n}",)) for n in range(_MAX_TREES + 2)]
    for root, paths in trees:
        remember_tree(root, paths, InventoryCache(root / "x-inventory.pickle", "k"))
    assert tree_cache(*trees[0]) is None  # the oldest were dropped
    assert tree_cache(*trees[-1]) is not None
    remember_tree(trees[-1][0], trees[-1][1], None)  # a scan without a cache forgets it
    assert tree_cache(*trees[-1]) is None
