"""Safe unpacking of uploaded archives (``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``,
``.tar.xz``, ``.zip``) for audit scans.

Uploads are hostile input. :func:`unpack_archive` writes only regular files and directories,
each below the destination, and refuses the whole archive (:class:`ArchiveError`) when a limit
of :class:`ArchiveLimits` is passed or a member's path is unsafe:

- paths are relative, use ``/`` (a ``\\`` in a zip name counts as a separator), have no
  ``..`` component, no NUL, no drive letter, at most ``max_path_length`` characters;
- the unpacked bytes are counted as they are written (never trusted from headers), per file
  (``max_file_bytes``) and in total (``max_total_bytes``), so a decompression bomb stops at
  the limit; the number of members is bounded by ``max_members``;
- links (symbolic and hard), devices and FIFOs are never created: they are listed in
  :attr:`UnpackResult.skipped` with the reason, so nothing can point out of the tree;
- files are created with ``O_NOFOLLOW`` and fixed permissions (0644, directories 0755).
"""

from __future__ import annotations

import io
import lzma
import os
import posixpath
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

__all__ = [
    "ArchiveError",
    "ArchiveFormat",
    "ArchiveLimits",
    "UnpackResult",
    "detect_format",
    "safe_member_path",
    "unpack_archive",
]

ArchiveFormat = Literal["zip", "tar"]

_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class ArchiveError(ValueError):
    """The archive is refused; the message says why and what to change."""


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_total_bytes: int = 1024 * 1024 * 1024  # unpacked, all files together
    max_file_bytes: int = 256 * 1024 * 1024  # unpacked, one file
    max_members: int = 100_000  # entries of any kind
    max_path_length: int = 1024  # characters of a member's path


@dataclass(frozen=True, slots=True)
class UnpackResult:
    files: int
    directories: int
    bytes_written: int
    skipped: tuple[tuple[str, str], ...] = field(default=())  # (path, reason)


def detect_format(head: bytes) -> ArchiveFormat | None:
    """The archive format from the first bytes (at least 262 for a plain tar), or None."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        return "tar"  # compressed: tarfile checks what is inside
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def safe_member_path(name: str, *, max_length: int = 1024) -> str:
    """The normalised relative path of an archive member; :class:`ArchiveError` if unsafe.

    ``"./a//b/"`` -> ``"a/b"``; ``"/etc/passwd"``, ``"a/../../b"``, ``"C:/x"`` are refused.
    """
    shown = name[:200]
    if "\x00" in name:
        raise ArchiveError(f"member {shown!r}: the path contains a NUL character")
    if len(name) > max_length:
        raise ArchiveError(f"member {shown!r}...: the path is longer than {max_length} characters")
    unified = name.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(unified):
        raise ArchiveError(
            f"member {shown!r}: absolute paths are refused; archive the tree with "
            "relative paths (e.g. `tar -C DIR -czf out.tar.gz .`)"
        )
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"member {shown!r}: paths with '..' are refused")
    return "/".join(parts)


class _Writer:
    """Creates the tree below ``root`` and keeps the counts and limits."""

    def __init__(self, root: Path, limits: ArchiveLimits) -> None:
        self.root = root
        self.limits = limits
        self.members = 0
        self.files = 0
        self.directories = 0
        self.total = 0
        self.skipped: list[tuple[str, str]] = []

    def count_member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise ArchiveError(
                f"the archive has more than {self.limits.max_members} entries "
                "(COPYFAIR_ARCHIVE_MAX_MEMBERS): split it or raise the limit"
            )

    def _ensure_dir(self, rel: str) -> None:
        current = self.root
        for part in rel.split("/") if rel else ():
            current = current / part
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                os.mkdir(current, 0o755)
                self.directories += 1
                continue
            if not stat.S_ISDIR(st.st_mode):
                raise ArchiveError(f"member {rel!r}: {part!r} is both a file and a directory")

    def directory(self, rel: str) -> None:
        self._ensure_dir(rel)

    def file(self, rel: str, source: IO[bytes]) -> None:
        if not rel:
            raise ArchiveError("a file member has an empty path")
        parent = posixpath.dirname(rel)
        self._ensure_dir(parent)
        target = self.root / rel
        try:
            fd = os.open(target, _WRITE_FLAGS, 0o644)
        except FileExistsError:
            raise ArchiveError(
                f"member {rel!r} appears twice in the archive (or is also a directory)"
            ) from None
        written = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                self.total += len(chunk)
                if written > self.limits.max_file_bytes:
                    raise ArchiveError(
                        f"member {rel!r} unpacks to more than {self.limits.max_file_bytes} "
                        "bytes (COPYFAIR_ARCHIVE_MAX_FILE_BYTES)"
                    )
                if self.total > self.limits.max_total_bytes:
                    raise ArchiveError(
                        f"the archive unpacks to more than {self.limits.max_total_bytes} bytes "
                        "(COPYFAIR_ARCHIVE_MAX_TOTAL_BYTES): send a smaller tree"
                    )
                out.write(chunk)
        self.files += 1

    def skip(self, rel: str, reason: str) -> None:
        self.skipped.append((rel, reason))

    def result(self) -> UnpackResult:
        return UnpackResult(self.files, self.directories, self.total, tuple(self.skipped))


def _tar_members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while True:
        member = tar.next()
        if member is None:
            return
        yield member


def _unpack_tar(data: IO[bytes], writer: _Writer) -> None:
    try:
        with tarfile.open(fileobj=data, mode="r:*") as tar:
            for member in _tar_members(tar):
                writer.count_member()
                rel = safe_member_path(member.name, max_length=writer.limits.max_path_length)
                if member.isdir():
                    writer.directory(rel)
                elif member.isreg():
                    source = tar.extractfile(member)
                    assert source is not None
                    with source:
                        writer.file(rel, source)
                elif member.issym() or member.islnk():
                    kind = "symbolic" if member.issym() else "hard"
                    writer.skip(rel, f"{kind} link to {member.linkname!r}: links are not unpacked")
                else:
                    writer.skip(rel, "device, FIFO or other special file: not unpacked")
                cast(Any, tar).members = []  # do not keep every header in memory
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise ArchiveError(f"the tar archive is damaged or not a tar archive: {exc}") from None


def _unpack_zip(data: IO[bytes], writer: _Writer) -> None:
    try:
        with zipfile.ZipFile(data) as archive:
            for info in archive.infolist():
                writer.count_member()
                rel = safe_member_path(info.filename, max_length=writer.limits.max_path_length)
                mode = info.external_attr >> 16
                if info.flag_bits & 0x1:
                    raise ArchiveError(
                        f"member {rel!r} is encrypted: send an archive without a password"
                    )
                if stat.S_ISLNK(mode):
                    writer.skip(rel, "symbolic link: links are not unpacked")
                elif info.is_dir():
                    writer.directory(rel)
                elif mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
                    writer.skip(rel, "device, FIFO or other special file: not unpacked")
                else:
                    with archive.open(info) as source:
                        writer.file(rel, source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise ArchiveError(f"the zip archive is damaged or unsupported: {exc}") from None
    except zlib.error as exc:
        raise ArchiveError(f"the zip archive is damaged: {exc}") from None


def unpack_archive(
    archive: bytes | IO[bytes],
    destination: str | os.PathLike[str],
    limits: ArchiveLimits | None = None,
) -> UnpackResult:
    """Unpack ``archive`` (bytes or a binary file) into the existing, empty directory
    ``destination``. Raises :class:`ArchiveError` for an unknown format, an unsafe member
    or a passed limit; what was written so far is left for the caller to remove (use a
    temporary directory)."""
    data: IO[bytes] = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    head = data.read(512)
    data.seek(0)
    kind = detect_format(head)
    if kind is None:
        raise ArchiveError(
            "not a supported archive: send a .tar, .tar.gz, .tar.bz2, .tar.xz or .zip file"
        )
    root = Path(destination)
    if not root.is_dir():
        raise ArchiveError(f"the destination {root} is not a directory")
    writer = _Writer(root, limits or ArchiveLimits())
    try:
        if kind == "zip":
            _unpack_zip(data, writer)
        else:
            _unpack_tar(data, writer)
    except OSError as exc:
        raise ArchiveError(f"cannot unpack: {exc.strerror or exc}") from None
    return writer.result()
