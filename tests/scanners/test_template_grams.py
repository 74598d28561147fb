"""Each template's n-gram keys: the keys its postings hold, from a memory-mapped table
built once beside the index; a damaged table is built again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scanners.matching import get_matcher
from scanners.matching.index import data_fingerprint
from scanners.matching.template_grams import load_template_grams, template_keys


def test_the_keys_are_those_the_postings_hold() -> None:
    matcher = get_matcher()
    index = matcher.index
    keys = np.frombuffer(index.gram_keys, dtype=np.int64)
    starts = np.frombuffer(index.gram_starts, dtype=np.int32)
    templates = np.frombuffer(index.gram_templates, dtype=np.uint16)
    reps = [n for n in range(len(index.templates)) if index.twins[n][0] == n]
    for n in reps[:: max(1, len(reps) // 60)]:  # 60 templates spread over the index
        rows = np.searchsorted(starts, np.flatnonzero(templates == n), side="right") - 1
        assert np.array_equal(np.sort(keys[rows]), template_keys(index, n))


def test_the_table_is_built_once_then_memory_mapped(tmp_path: Path) -> None:
    index = get_matcher().index
    key = data_fingerprint()
    first = load_template_grams(index, key, tmp_path)
    stored = tmp_path / f"matcher-grams-{key}.npy"
    assert stored.is_file()
    before = stored.stat().st_mtime_ns
    again = load_template_grams(index, key, tmp_path)
    assert stored.stat().st_mtime_ns == before
    for n in (0, 7, len(index.templates) - 1):
        assert np.array_equal(first[n], again[n])
        assert np.array_equal(again[n], template_keys(index, n))


def test_a_damaged_table_is_built_again_and_stale_ones_removed(tmp_path: Path) -> None:
    index = get_matcher().index
    key = data_fingerprint()
    stored = tmp_path / f"matcher-grams-{key}.npy"
    stored.write_bytes(b"not an array")
    stale = tmp_path / "matcher-grams-0123456789abcdef01234567.npy"
    np.save(stale, np.arange(3))
    grams = load_template_grams(index, key, tmp_path)
    assert np.array_equal(grams[3], template_keys(index, 3))
    assert not stale.exists()
    np.save(stored, np.arange(5, dtype=np.int64))  # an array, but not this index's
    assert np.array_equal(load_template_grams(index, key, tmp_path)[3], template_keys(index, 3))


def test_an_unwritable_cache_directory_only_means_computing(tmp_path: Path) -> None:
    index = get_matcher().index
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    grams = load_template_grams(index, data_fingerprint(), blocker / "cache")
    assert np.array_equal(grams[5], template_keys(index, 5))
