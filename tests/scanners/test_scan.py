from __future__ import annotations

import codecs
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import scanners.scan
from scanners.cache import BINARY, Outcome
from scanners.errors import TargetError
from scanners.model import Method, ScanReport
from scanners.scan import ScanOptions, decode, scan_tree
from scanners.walk import walk
from tests.scanners.pipeline_fixtures import (
    FAKE_TEXT_MARK,
    install_fakes,
    make_repo,
    running_as_root,
    write,
)


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fakes(monkeypatch)


def _licences(report: ScanReport) -> dict[str, list[str]]:
    return {f.path: f.licences for f in report.files}


def _skips(report: ScanReport) -> dict[str, str]:
    return {s.path: s.reason for s in report.skipped}


def test_tags_and_texts_are_found_per_file_sorted_by_path(tmp_path: Path) -> None:
    write(tmp_path, "src/b.py", "# SPDX-License-Identifier: MIT OR Apache-2.0\nx = 1\n")
    write(tmp_path, "LICENSE", f"{FAKE_TEXT_MARK}\nbody\n")
    write(tmp_path, "src/plain.py", "x = 1\n")
    report = scan_tree(tmp_path, ScanOptions(jobs=1))
    assert _licences(report) == {"LICENSE": ["MIT"], "src/b.py": ["MIT", "Apache-2.0"]}
    assert report.target == str(tmp_path)
    assert report.stats.files_seen == 3 and report.stats.files_read == 3
    lic = report.files[0]
    assert lic.evidence[0].method is Method.LICENCE_TEXT
    assert lic.sha1 is not None and len(lic.sha1) == 40


def test_binary_files_are_counted_not_listed(tmp_path: Path) -> None:
    write(tmp_path, "img.png", b"\x89PNG\r\n\x1a\n\0\0\0license")
    report = scan_tree(tmp_path, ScanOptions(jobs=1))
    assert report.files == () and report.skipped == ()
    assert report.stats.binary_files == 1


def test_a_file_swapped_for_a_symlink_after_the_walk_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "outside/secret.txt", "# SPDX-License-Identifier: MIT\n")
    root = tmp_path / "root"
    victim = write(root, "a.txt", "x\n")
    listing = walk(root)
    victim.unlink()
    victim.symlink_to(tmp_path / "outside" / "secret.txt")
    monkeypatch.setattr(scanners.scan, "walk", lambda target, all_files, exclude: listing)
    report = scan_tree(root, ScanOptions(jobs=1))
    assert report.files == ()
    assert _skips(report)["a.txt"].startswith("cannot read")


def test_only_the_head_of_a_binary_file_is_read(tmp_path: Path) -> None:
    write(tmp_path, "big.bin", b"\0" * 100_000)
    report = scan_tree(tmp_path, ScanOptions(jobs=1))
    assert report.stats.binary_files == 1
    assert report.stats.bytes_read == scanners.scan.SNIFF_BYTES


def test_files_over_the_size_limit_are_skipped_with_the_reason(tmp_path: Path) -> None:
    write(tmp_path, "big.txt", "# SPDX-License-Identifier: MIT\n" + "x" * 5000)
    write(tmp_path, "small.txt", "# SPDX-License-Identifier: MIT\n")
    report = scan_tree(tmp_path, ScanOptions(jobs=1, max_file_size=1000))
    assert list(_licences(report)) == ["small.txt"]
    assert "size limit (1000 bytes" in _skips(report)["big.txt"]
    assert report.stats.files_read == 1


def test_undecodable_text_is_skipped_with_the_reason(tmp_path: Path) -> None:
    write(tmp_path, "weird.txt", b"licence \x81\x02\x03\x9d\x1b text")
    write(tmp_path, "bad16.txt", codecs.BOM_UTF16_LE + b"l\x00i\x00\x00\xd8")
    reasons = _skips(scan_tree(tmp_path, ScanOptions(jobs=1)))
    assert reasons["weird.txt"].startswith("undecodable text")
    assert reasons["bad16.txt"].startswith("undecodable text: invalid utf-16")


def test_utf16_and_latin1_texts_are_decoded(tmp_path: Path) -> None:
    tag = "# SPDX-License-Identifier: PPL\n"
    write(tmp_path, "u16.txt", tag.encode("utf-16"))
    write(tmp_path, "bom8.txt", codecs.BOM_UTF8 + tag.encode())
    write(tmp_path, "latin1.c", ("/* Copyright Fran\u00e7ois */\n" + tag).encode("latin-1"))
    report = scan_tree(tmp_path, ScanOptions(jobs=1))
    assert _licences(report) == {"bom8.txt": ["PPL"], "latin1.c": ["PPL"], "u16.txt": ["PPL"]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"plain ascii", "plain ascii"),
        ("caf\u00e9".encode(), "caf\u00e9"),
        (b"caf\xe9", "caf\u00e9"),
        (b"x\0y", Outcome(BINARY)),
    ],
)
def test_decode(data: bytes, expected: object) -> None:
    assert decode(data) == expected


@pytest.mark.skipif(running_as_root(), reason="root can read files with mode 000")
def test_an_unreadable_file_is_skipped_with_the_reason(tmp_path: Path) -> None:
    locked = write(tmp_path, "locked.txt", "# SPDX-License-Identifier: MIT\n")
    locked.chmod(0)
    try:
        report = scan_tree(tmp_path, ScanOptions(jobs=1))
    finally:
        locked.chmod(0o644)
    assert _skips(report) == {"locked.txt": "cannot read: Permission denied"}


def test_an_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "locked.txt", "# SPDX-License-Identifier: MIT\n")
    write(tmp_path, "ok.txt", "# SPDX-License-Identifier: MIT\n")
    real_open = os.open

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    report = scan_tree(tmp_path, ScanOptions(jobs=1))
    assert _skips(report) == {"locked.txt": "cannot read: Permission denied"}
    assert list(_licences(report)) == ["ok.txt"]


def test_a_detector_failure_is_a_skip_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a.txt", "copyright\n")

    def boom(data: bytes) -> Outcome:
        raise RuntimeError("bug")

    monkeypatch.setattr(scanners.scan, "detect_bytes", boom)
    assert _skips(scan_tree(tmp_path, ScanOptions(jobs=1))) == {
        "a.txt": "detection failed: RuntimeError: bug"
    }


def test_a_missing_target_raises(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="missing-dir"):
        scan_tree(tmp_path / "missing-dir")


def test_parallel_results_equal_in_process_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(40):
        write(
            tmp_path,
            f"d{i % 4}/f{i}.py",
            f"# SPDX-License-Identifier: {'MIT' if i % 2 else 'PPL'}\n",
        )
        write(tmp_path, f"d{i % 4}/g{i}.txt", "nothing here\n")
    write(tmp_path, "LICENSE", f"{FAKE_TEXT_MARK}\n")
    write(tmp_path, "bin.dat", b"\0\1\2")
    monkeypatch.setattr(scanners.scan, "PARALLEL_THRESHOLD", 1)
    serial = scan_tree(tmp_path, ScanOptions(jobs=1))
    parallel = scan_tree(tmp_path, ScanOptions(jobs=3))
    assert parallel.files == serial.files
    assert parallel.skipped == serial.skipped
    assert parallel.stats.binary_files == serial.stats.binary_files == 1
    assert len(parallel.files) == 41


def test_git_repository_scans_tracked_files_only(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write(tmp_path, ".gitignore", "ignored.py\n")
    write(tmp_path, "tracked.py", "# SPDX-License-Identifier: MIT\n")
    repo.index.add([".gitignore", "tracked.py"])
    repo.index.commit("init")
    write(tmp_path, "untracked.py", "# SPDX-License-Identifier: PPL\n")
    write(tmp_path, "ignored.py", "# SPDX-License-Identifier: 0BSD\n")
    assert list(_licences(scan_tree(tmp_path, ScanOptions(jobs=1)))) == ["tracked.py"]
    all_files = scan_tree(tmp_path, ScanOptions(jobs=1, all_files=True))
    assert list(_licences(all_files)) == ["tracked.py", "untracked.py"]


def test_reuse_sidecar_and_toml_apply_also_to_binary_files(tmp_path: Path) -> None:
    write(tmp_path, "logo.png", b"\x89PNG\0\0")
    write(tmp_path, "logo.png.license", "SPDX-License-Identifier: CC-BY-NC-SA-4.0\n")
    write(tmp_path, "font.woff", b"wOFF\0\0")
    write(
        tmp_path,
        "REUSE.toml",
        'version = 1\n[[annotations]]\npath = "*.woff"\nSPDX-License-Identifier = "OFL-1.1"\n',
    )
    write(tmp_path, "bad/REUSE.toml", "version = [\n")
    report = scan_tree(tmp_path, ScanOptions(jobs=1))
    assert _licences(report) == {"font.woff": ["OFL-1.1"], "logo.png": ["CC-BY-NC-SA-4.0"]}
    (ev,) = report.files[1].evidence
    assert (ev.method, ev.source_path) == (Method.REUSE, "logo.png.license")
    assert "invalid REUSE.toml" in _skips(report)["bad/REUSE.toml"]
    assert report.stats.binary_files == 2


def test_symlink_out_of_the_tree_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "outside/secret.py", "# SPDX-License-Identifier: MIT\n")
    root = tmp_path / "root"
    write(root, "a.py", "x\n")
    (root / "link.py").symlink_to(tmp_path / "outside" / "secret.py")
    report = scan_tree(root, ScanOptions(jobs=1))
    assert report.files == ()
    assert "outside the tree" in _skips(report)["link.py"]


_PARENT_PID = 0
_REAL_PROCESS = scanners.scan._process
_IN_PARENT: list[str] = []


def _dying_process(task: int) -> Any:
    path = scanners.scan._WORKER_ENTRIES[task].path
    if path == "f07.py" and os.getpid() != _PARENT_PID:
        os._exit(3)  # a worker killed mid-scan
    if os.getpid() == _PARENT_PID:
        _IN_PARENT.append(path)
    return _REAL_PROCESS(task)


def test_a_dying_worker_does_not_lose_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    for i in range(20):
        write(tmp_path, f"f{i:02}.py", "# SPDX-License-Identifier: MIT\n")
    monkeypatch.setattr(sys.modules[__name__], "_PARENT_PID", os.getpid())
    monkeypatch.setattr(scanners.scan, "_process", _dying_process)
    monkeypatch.setattr(scanners.scan, "PARALLEL_THRESHOLD", 1)
    report = scan_tree(tmp_path, ScanOptions(jobs=2))
    assert [f.path for f in report.files] == [f"f{i:02}.py" for i in range(20)]
    assert "f07.py" in _IN_PARENT  # finished in-process after the pool broke
