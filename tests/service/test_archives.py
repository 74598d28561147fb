"""Safe unpacking of uploaded archives: hostile members are refused or skipped, limits hold."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from service.archives import (
    ArchiveError,
    ArchiveLimits,
    detect_format,
    safe_member_path,
    unpack_archive,
)


def make_tar(members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:  # type: ignore[call-overload]
        for member in members:
            if isinstance(member, tuple):
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(member)
    return buffer.getvalue()


def make_zip(members: list[tuple[str, bytes] | zipfile.ZipInfo]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            if isinstance(member, zipfile.ZipInfo):
                archive.writestr(member, b"/etc/passwd")
            else:
                archive.writestr(*member)
    return buffer.getvalue()


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


MIT = b"SPDX-License-Identifier: MIT\n"


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_flavours_unpack(tmp_path: Path, mode: str) -> None:
    data = make_tar([("./src/a.py", MIT), ("src/b/c.txt", b"hello")], mode)
    result = unpack_archive(data, tmp_path)
    assert (tmp_path / "src/a.py").read_bytes() == MIT
    assert (tmp_path / "src/b/c.txt").read_bytes() == b"hello"
    assert (result.files, result.bytes_written) == (2, len(MIT) + 5)


def test_zip_unpacks_with_fixed_permissions(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("bin/tool")
    info.external_attr = 0o104755 << 16  # a setuid regular file
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, MIT)
        archive.writestr("docs/", b"")
    result = unpack_archive(buffer.getvalue(), tmp_path)
    mode = os.stat(tmp_path / "bin/tool").st_mode
    assert mode & 0o7777 == 0o644
    assert (tmp_path / "docs").is_dir()
    assert result.files == 1


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../evil", "'..'"),
        ("a/../../evil", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/x", "absolute"),
        ("..\\..\\evil", "'..'"),
        ("a\x00b", "NUL"),
        ("x" * 2000, "longer than"),
    ],
)
def test_unsafe_paths_are_refused(name: str, words: str) -> None:
    with pytest.raises(ArchiveError, match=words):
        safe_member_path(name)


def test_safe_paths_are_normalised() -> None:
    assert safe_member_path("./a//b/./c/") == "a/b/c"
    assert safe_member_path("a\\b") == "a/b"


@pytest.mark.parametrize("builder", ["tar", "zip"])
def test_traversal_writes_nothing_outside(tmp_path: Path, builder: str) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    members: list[tuple[str, bytes]] = [("ok.txt", b"1"), ("../escaped.txt", b"2")]
    data = make_tar(list(members)) if builder == "tar" else make_zip(list(members))
    with pytest.raises(ArchiveError, match="'..'"):
        unpack_archive(data, dest)
    assert not (tmp_path / "escaped.txt").exists()


def test_links_and_devices_are_never_created(tmp_path: Path) -> None:
    data = make_tar(
        [
            special("out", tarfile.SYMTYPE, "/etc"),
            special("inside", tarfile.SYMTYPE, "ok.txt"),
            special("hard", tarfile.LNKTYPE, "/etc/passwd"),
            special("dev", tarfile.CHRTYPE),
            special("fifo", tarfile.FIFOTYPE),
            ("ok.txt", b"fine"),
            ("out/passwd", b"not written through the link"),
        ]
    )
    result = unpack_archive(data, tmp_path)
    assert listing(tmp_path) == ["ok.txt", "out", "out/passwd"]
    assert not (tmp_path / "out").is_symlink()
    assert {path for path, _ in result.skipped} == {"out", "inside", "hard", "dev", "fifo"}
    reasons = dict(result.skipped)
    assert "'/etc'" in reasons["out"]
    assert "device" in reasons["dev"]


def test_zip_symlinks_are_skipped(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link")
    link.external_attr = 0o120777 << 16
    result = unpack_archive(make_zip([link, ("a.txt", b"a")]), tmp_path)
    assert listing(tmp_path) == ["a.txt"]
    assert result.skipped[0][0] == "link"


def test_total_size_limit_stops_a_bomb(tmp_path: Path) -> None:
    bomb = make_zip([(f"f{i}", b"\0" * 1_000_000) for i in range(5)])
    assert len(bomb) < 50_000
    limits = ArchiveLimits(max_total_bytes=3_000_000)
    with pytest.raises(ArchiveError, match="more than 3000000 bytes.*MAX_TOTAL_BYTES"):
        unpack_archive(bomb, tmp_path, limits)
    written = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert written <= 3_000_000


def test_single_file_limit(tmp_path: Path) -> None:
    data = make_tar([("big", b"x" * 5000)])
    with pytest.raises(ArchiveError, match="'big' unpacks to more than 4096"):
        unpack_archive(data, tmp_path, ArchiveLimits(max_file_bytes=4096))


def test_member_count_limit(tmp_path: Path) -> None:
    data = make_tar([(f"f{i}", b"") for i in range(11)])
    with pytest.raises(ArchiveError, match="more than 10 entries"):
        unpack_archive(data, tmp_path, ArchiveLimits(max_members=10))


def test_duplicate_members_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="appears twice"):
        unpack_archive(make_tar([("a", b"1"), ("a", b"2")]), tmp_path)


def test_file_and_directory_of_the_same_name(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="both a file and a directory"):
        unpack_archive(make_tar([("a", b"1"), ("a/b", b"2")]), tmp_path)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"just some text, not an archive" * 20, "not a supported archive"),
        (b"\x1f\x8b\x08\x00garbage-after-gzip-magic" * 5, "damaged|cannot unpack"),
        (b"PK\x03\x04" + b"\x00" * 100, "damaged"),
    ],
)
def test_garbage_is_an_archive_error(tmp_path: Path, data: bytes, words: str) -> None:
    with pytest.raises(ArchiveError, match=words):
        unpack_archive(data, tmp_path)


def test_truncated_tar_gz(tmp_path: Path) -> None:
    data = make_tar([("a.txt", b"x" * 100_000)])
    with pytest.raises(ArchiveError):
        unpack_archive(data[: len(data) // 2], tmp_path)


def test_detect_format() -> None:
    assert detect_format(make_zip([("a", b"")])[:512]) == "zip"
    assert detect_format(make_tar([("a", b"")], "w")[:512]) == "tar"
    assert detect_format(make_tar([("a", b"")], "w:gz")[:512]) == "tar"
    assert detect_format(b"hello") is None
