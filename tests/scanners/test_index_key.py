"""The compiled index's cache key follows the files the templates are compiled from."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import scanners.matching.index as index_module
from scanners.matching.index import data_fingerprint


@pytest.fixture
def extra_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    extra = data / "extra"
    extra.mkdir(parents=True)
    (extra / "one.LICENSE").write_text("text one\n")
    monkeypatch.setattr(index_module, "EXTRA_DIR", extra)
    data_fingerprint.cache_clear()
    yield extra
    data_fingerprint.cache_clear()


def _key() -> str:
    data_fingerprint.cache_clear()
    return data_fingerprint()


def test_an_edited_template_file_changes_the_key(extra_dir: Path) -> None:
    before = _key()
    assert _key() == before  # stable
    source = extra_dir / "one.LICENSE"
    source.write_text("text one, edited\n")
    st = source.stat()
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert _key() != before


def test_an_added_template_file_changes_the_key(extra_dir: Path) -> None:
    before = _key()
    (extra_dir / "two.RULE").write_text("text two\n")
    assert _key() != before
