"""Compiled data under the cache directory: built once, then loaded while its key holds;
a damaged file, another type or an unwritable directory only mean building again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from licences.catalog import load_catalog, read_catalog
from licences.disk_cache import ENV_CACHE_DIR, compiled, files_signature


class _Builds:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> dict[str, int]:
        self.count += 1
        return {"built": self.count}


def test_built_once_then_loaded(tmp_path: Path) -> None:
    build = _Builds()
    assert compiled("thing", "k1", dict, build, tmp_path) == {"built": 1}
    assert compiled("thing", "k1", dict, build, tmp_path) == {"built": 1}
    assert build.count == 1
    assert (tmp_path / "thing-k1.pickle").is_file()


def test_a_new_key_builds_again_and_removes_the_old_file(tmp_path: Path) -> None:
    build = _Builds()
    compiled("thing", "k1", dict, build, tmp_path)
    assert compiled("thing", "k2", dict, build, tmp_path) == {"built": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thing-k2.pickle"]


@pytest.mark.parametrize("content", [b"not a pickle", b"", b"\x80\x05K\x01."])  # the last: 1
def test_a_damaged_or_foreign_file_is_built_again(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "thing-k1.pickle").write_bytes(content)
    build = _Builds()
    assert compiled("thing", "k1", dict, build, tmp_path) == {"built": 1}
    assert compiled("thing", "k1", dict, build, tmp_path) == {"built": 1}
    assert build.count == 1


def test_an_unwritable_directory_only_means_building(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    build = _Builds()
    assert compiled("thing", "k1", dict, build, blocker / "cache") == {"built": 1}
    assert compiled("thing", "k1", dict, build, blocker / "cache") == {"built": 2}


def test_files_signature_follows_edits_and_additions(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    one = data / "one.toml"
    one.write_text("a = 1\n")
    before = files_signature(data, tmp_path / "missing.json")
    assert files_signature(data, tmp_path / "missing.json") == before
    one.write_text("a = 2\n")
    st = one.stat()
    os.utime(one, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    edited = files_signature(data, tmp_path / "missing.json")
    assert edited != before
    (data / "two.toml").write_text("b = 1\n")
    assert files_signature(data, tmp_path / "missing.json") != edited


@pytest.fixture
def fresh_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path))
    load_catalog.cache_clear()
    yield tmp_path
    load_catalog.cache_clear()


def test_the_cached_catalog_is_the_catalog_read_from_its_files(fresh_catalog: Path) -> None:
    first = load_catalog()
    (stored,) = fresh_catalog.glob("catalog-*.pickle")
    load_catalog.cache_clear()
    loaded = load_catalog()
    assert loaded is not first  # read from the file this time
    read = read_catalog()
    assert list(loaded) == list(read)
    assert loaded.spdx_list_version == read.spdx_list_version
    assert loaded.get("MIT") == read.get("MIT")
    assert stored.is_file()
