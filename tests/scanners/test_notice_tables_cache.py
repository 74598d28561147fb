"""The notice finder's tables are compiled once and then loaded from the cache directory;
a damaged or stale cache file is compiled again, never trusted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scanners.cache_files import ENV_CACHE_DIR
from scanners.notices.table import compile_tables, data_key, get_tables


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path))
    get_tables.cache_clear()
    yield tmp_path
    get_tables.cache_clear()


def test_the_tables_are_compiled_once_then_loaded(cache_dir: Path) -> None:
    first = get_tables()
    stored = cache_dir / f"notice-tables-{data_key()}.pickle"
    assert stored.is_file()
    assert first == compile_tables()
    get_tables.cache_clear()
    before = stored.stat().st_mtime_ns
    assert get_tables() == first
    assert stored.stat().st_mtime_ns == before  # loaded, not written again


def test_a_damaged_cache_file_is_compiled_again(cache_dir: Path) -> None:
    stored = cache_dir / f"notice-tables-{data_key()}.pickle"
    stored.write_bytes(b"not a pickle")
    assert get_tables() == compile_tables()
    assert stored.read_bytes() != b"not a pickle"


def test_stale_cache_files_are_removed(cache_dir: Path) -> None:
    stale = cache_dir / "notice-tables-0123456789abcdef01234567.pickle"
    stale.write_bytes(b"old")
    get_tables()
    assert not stale.exists()


def test_an_unwritable_cache_directory_only_means_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv(ENV_CACHE_DIR, str(blocker / "cache"))
    get_tables.cache_clear()
    try:
        assert get_tables() == compile_tables()
    finally:
        get_tables.cache_clear()
