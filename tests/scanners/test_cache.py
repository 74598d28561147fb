from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

import scanners.cache
import scanners.cache_files
from scanners.cache import BINARY, SKIPPED, TEXT, Outcome, ScanCache, blob_id, default_cache_dir
from scanners.model import Evidence, Method
from scanners.scan import ScanOptions, scan_tree
from tests.scanners.pipeline_fixtures import (
    FAKE_TEXT_MARK,
    FakeMatcher,
    backdate,
    install_fakes,
    write,
)


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fakes(monkeypatch)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    write(root, "LICENSE", f"{FAKE_TEXT_MARK}\nMore text.\n")
    write(root, "src/a.py", "# SPDX-License-Identifier: PPL\n")
    write(root, "src/b.py", "# copyright nobody\nx = 1\n")
    write(root, "logo.png", b"\x89PNG\0\0")
    write(root, "logo.png.license", "SPDX-License-Identifier: CC0-1.0\n")
    backdate(root)
    return root


def _opts(tmp_path: Path) -> ScanOptions:
    return ScanOptions(jobs=1, cache_dir=tmp_path / "cache")


def test_warm_rescan_reads_nothing_and_equals_the_cold_scan(tree: Path, tmp_path: Path) -> None:
    cold = scan_tree(tree, _opts(tmp_path))
    assert cold.stats.files_read == 5 and cold.stats.cache_hits == 0
    calls = FakeMatcher.calls
    warm = scan_tree(tree, _opts(tmp_path))
    assert warm.files == cold.files
    assert warm.skipped == cold.skipped
    assert warm.stats.files_read == 0
    assert warm.stats.bytes_read == 0
    assert warm.stats.cache_hits == 5
    assert warm.stats.binary_files == 1
    assert FakeMatcher.calls == calls


def test_a_changed_file_is_read_again(tree: Path, tmp_path: Path) -> None:
    scan_tree(tree, _opts(tmp_path))
    write(tree, "src/a.py", "# SPDX-License-Identifier: MIT\n")
    warm = scan_tree(tree, _opts(tmp_path))
    assert warm.stats.files_read == 1
    assert {f.path: f.licences for f in warm.files}["src/a.py"] == ["MIT"]


def test_known_content_under_a_new_path_is_not_detected_again(tree: Path, tmp_path: Path) -> None:
    scan_tree(tree, _opts(tmp_path))
    os.rename(tree / "LICENSE", tree / "COPYING")
    calls = FakeMatcher.calls
    warm = scan_tree(tree, _opts(tmp_path))
    assert warm.stats.files_read == 1 and warm.stats.cache_hits == 5
    assert FakeMatcher.calls == calls
    assert "COPYING" in {f.path for f in warm.files}


def test_recently_modified_files_are_not_trusted_by_signature(tree: Path, tmp_path: Path) -> None:
    write(tree, "fresh.py", "x = 1\n")  # mtime now: racy
    scan_tree(tree, _opts(tmp_path))
    warm = scan_tree(tree, _opts(tmp_path))
    assert warm.stats.files_read == 1  # re-read (and re-hashed), but not re-detected
    assert warm.stats.cache_hits == 6


def test_a_corrupt_cache_is_ignored_and_rebuilt(tree: Path, tmp_path: Path) -> None:
    cold = scan_tree(tree, _opts(tmp_path))
    (cache_file,) = (tmp_path / "cache").glob("scan-*.pickle")
    cache_file.write_bytes(b"\x00garbage")
    again = scan_tree(tree, _opts(tmp_path))
    assert again.files == cold.files and again.stats.files_read == 5
    warm = scan_tree(tree, _opts(tmp_path))
    assert warm.stats.files_read == 0


def test_a_new_version_invalidates_the_cache(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan_tree(tree, _opts(tmp_path))
    monkeypatch.setattr(scanners.cache_files, "CACHE_FORMAT", 999)
    assert scan_tree(tree, _opts(tmp_path)).stats.files_read == 5


def test_no_cache_dir_means_no_cache(tree: Path, tmp_path: Path) -> None:
    scan_tree(tree, ScanOptions(jobs=1))
    assert scan_tree(tree, ScanOptions(jobs=1)).stats.files_read == 5
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_dir_is_not_an_error(tree: Path, tmp_path: Path) -> None:
    blocker = write(tmp_path, "blocker", "a file where the cache directory should be")
    report = scan_tree(tree, ScanOptions(jobs=1, cache_dir=blocker / "cache"))
    assert len(report.files) == 3


def test_saving_is_atomic_and_leaves_no_temporary_files(tree: Path, tmp_path: Path) -> None:
    scan_tree(tree, _opts(tmp_path))
    write(tree, "src/a.py", "# SPDX-License-Identifier: MIT\n")
    scan_tree(tree, _opts(tmp_path))
    assert [p.name.startswith("scan-") for p in (tmp_path / "cache").iterdir()] == [True]


def test_outcomes_round_trip_through_the_cache_file(tmp_path: Path) -> None:
    ev = Evidence(Method.NOTICE, "PPL", 1, 2, 0.5, expression="PPL", detail="d", source_path="s")
    cache = ScanCache.load(tmp_path, tmp_path)
    outcomes = {
        "a": Outcome(TEXT, (ev,)),
        "b": Outcome(BINARY),
        "c": Outcome(TEXT),
    }
    for i, (name, outcome) in enumerate(outcomes.items()):
        cache.store(name, (1, i, 3, 4), blob_id(name.encode()), outcome, now_ns=10**19)
    cache.store("d", (1, 2, 3, 4), blob_id(b"d"), Outcome(SKIPPED, reason="x"), now_ns=10**19)
    cache.save()
    loaded = ScanCache.load(tmp_path, tmp_path)
    for i, (name, outcome) in enumerate(outcomes.items()):
        assert loaded.lookup_path(name, (1, i, 3, 4)) == (blob_id(name.encode()), outcome)
    assert loaded.lookup_path("a", (1, 0, 3, 5)) is None  # ctime changed
    assert loaded.lookup_path("d", (1, 2, 3, 4)) is None  # skips are never cached


def test_blob_id_is_gits(tmp_path: Path) -> None:
    data = b"hello\n"
    (tmp_path / "f").write_bytes(data)
    git = subprocess.run(
        ["git", "hash-object", str(tmp_path / "f")], capture_output=True, text=True, check=True
    )
    assert blob_id(data) == git.stdout.strip()


def test_default_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPYFAIR_CACHE_DIR", "/x/y")
    assert default_cache_dir() == Path("/x/y")
    monkeypatch.delenv("COPYFAIR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert default_cache_dir() == Path("/xdg/copyfair")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "copyfair"


def test_a_cache_file_cannot_run_code(tree: Path, tmp_path: Path) -> None:
    import pickle

    scan_tree(tree, _opts(tmp_path))
    (cache_file,) = (tmp_path / "cache").glob("scan-*.pickle")
    cache_file.write_bytes(pickle.dumps(Evidence(Method.NOTICE, "MIT", 1, 1, 1.0)))
    assert scan_tree(tree, _opts(tmp_path)).stats.files_read == 5


def test_caches_unused_for_a_month_are_pruned(tree: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    old = write(cache_dir, "scan-0123.pickle", b"old")
    recent = write(cache_dir, "scan-4567.pickle", b"recent")
    crashed = write(cache_dir, ".scan-abc.tmp", b"half written")
    other = write(cache_dir, "matcher-index.pickle", b"not ours")
    month_ago = time.time() - 31 * 86_400
    for p in (old, crashed, other):
        os.utime(p, (month_ago, month_ago))
    scan_tree(tree, _opts(tmp_path))
    names = sorted(p.name for p in cache_dir.iterdir())
    assert "scan-0123.pickle" not in names and ".scan-abc.tmp" not in names
    assert recent.name in names and other.name in names
    assert len([n for n in names if n.startswith("scan-")]) == 2
