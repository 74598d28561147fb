"""The notice finder's tables are compiled once and then loaded from the cache directory
(:func:`licences.disk_cache.compiled`, tested on its own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from licences.disk_cache import ENV_CACHE_DIR
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
    again = get_tables()
    assert again == first and again is not first
    assert stored.stat().st_mtime_ns == before  # loaded, not written again
