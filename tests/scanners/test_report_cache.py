"""The report cache: key, storage, racy trees, git trees, and the duration splice."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

from scanners.model import ScanStats
from scanners.report_cache import (
    PLACEHOLDER_SECONDS,
    ReportCache,
    join_parts,
    replay_stats,
    split_at,
    transient,
)
from scanners.walk import walk
from tests.scanners.pipeline_fixtures import backdate, make_repo, write


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    write(root, "LICENSE", "MIT licence text\n")
    write(root, "src/a.py", "# SPDX-License-Identifier: MIT\n")
    write(root, "big.bin", b"x" * 5000)
    backdate(root)
    return root


def _cache(root: Path, cache_dir: Path, inputs: tuple[object, ...] = ("json",)) -> ReportCache:
    found = ReportCache.for_listing(cache_dir, walk(root), None, inputs, name="json")
    assert found is not None
    return found


def test_a_stored_report_is_found_again_under_the_same_inputs(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    stored = _cache(root, tmp_path / "c")
    assert stored.load() is None
    stored.save(("head ", " tail"))
    again = _cache(root, tmp_path / "c")
    assert again.key == stored.key
    assert again.load() == ("head ", " tail")
    assert again.file.parent == tmp_path / "c"
    assert again.file.name.startswith("scan-") and again.file.name.endswith("-report-json.pickle")


def test_any_change_to_the_tree_or_the_inputs_is_a_miss(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _cache(root, tmp_path / "c").save(("stored",))
    assert _cache(root, tmp_path / "c", ("text",)).load() is None  # other inputs

    write(root, "src/a.py", "# SPDX-License-Identifier: Apache-2.0\n")  # edited
    backdate(root)
    assert _cache(root, tmp_path / "c").load() is None

    _cache(root, tmp_path / "c").save(("stored",))
    write(root, "src/new.py", "x = 1\n")  # added
    backdate(root)
    assert _cache(root, tmp_path / "c").load() is None

    _cache(root, tmp_path / "c").save(("stored",))
    (root / "src" / "new.py").unlink()  # removed
    assert _cache(root, tmp_path / "c").load() is None


def test_no_cache_for_a_racily_modified_tree_a_git_tree_or_no_cache_dir(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert ReportCache.for_listing(None, walk(root), None, (), name="json") is None
    write(root, "fresh.txt", "just written\n")  # mtime now: its signature could hide a change
    listing = walk(root)
    assert ReportCache.for_listing(tmp_path / "c", listing, None, (), name="json") is None
    later = time.time_ns() + 10 * 10**9
    assert ReportCache.for_listing(tmp_path / "c", listing, None, (), name="j", now_ns=later)

    repo = tmp_path / "repo"
    make_repo(repo)
    write(repo, "a.py", "x = 1\n")
    backdate(repo)
    assert ReportCache.for_listing(tmp_path / "c", walk(repo), None, (), name="json") is None


def test_a_corrupt_or_foreign_file_is_a_miss(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    stored = _cache(root, tmp_path / "c")
    stored.file.parent.mkdir(parents=True, exist_ok=True)
    stored.file.write_bytes(b"not a pickle")
    assert stored.load() is None
    stored.file.write_bytes(pickle.dumps({"key": stored.key, "parts": ["not", "a tuple"]}))
    assert stored.load() is None
    # A class in the file is refused, not instantiated.
    stored.file.write_bytes(pickle.dumps({"key": stored.key, "parts": (Path("x"),)}))
    assert stored.load() is None


def test_replay_stats_describe_a_run_that_reads_nothing(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    cold = ScanStats(files_seen=3, files_read=2, bytes_read=100, cache_hits=0, seconds=4.2)
    got = replay_stats(cold, walk(root), max_file_size=1000)  # big.bin is too large
    assert (got.files_seen, got.files_read, got.bytes_read, got.cache_hits) == (3, 0, 0, 2)
    assert got.seconds == PLACEHOLDER_SECONDS


def test_the_duration_is_spliced_where_the_rendering_put_it() -> None:
    def fmt(s: float) -> str:
        return f"{s:.2f}"

    rendered = f"Scanned 3 files in {fmt(PLACEHOLDER_SECONDS)} s\nMIT\n"
    parts = split_at(rendered, fmt)
    assert parts == ("Scanned 3 files in ", " s\nMIT\n")
    assert join_parts(parts, 0.123, fmt) == "Scanned 3 files in 0.12 s\nMIT\n"
    assert split_at("no duration here\n", fmt) == ("no duration here\n",)
    assert join_parts(("no duration here\n",), 1.0, fmt) == "no duration here\n"
    twice = f"{fmt(PLACEHOLDER_SECONDS)} {fmt(PLACEHOLDER_SECONDS)}"
    assert split_at(twice, fmt) is None


def test_an_old_stored_report_is_marked_in_use_when_read(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    stored = _cache(root, tmp_path / "c")
    stored.save(("x",))
    old = time.time() - 3 * 86_400
    os.utime(stored.file, (old, old))
    assert stored.load() == ("x",)
    assert os.stat(stored.file).st_mtime > old + 86_400


def test_problems_a_rescan_may_not_meet_again_are_transient() -> None:
    assert transient(["undecodable text: not UTF-8", "cannot read: Permission denied"])
    assert transient(["not a regular file"])
    assert transient(["usage signals: cannot read: Input/output error"])
    assert not transient(["undecodable text: not UTF-8", "larger than the size limit"])
    assert not transient([])
