"""Sources for audit-scan tests: an uploaded archive and a local git repository."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import git

MIT_HEADER = b"# SPDX-License-Identifier: MIT\nprint('hi')\n"


def tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def git_repository(path: Path, files: dict[str, bytes]) -> Path:
    repo = git.Repo.init(path)
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    repo.index.add(list(files))
    actor = git.Actor("Ada", "ada@example.org")
    repo.index.commit("initial", author=actor, committer=actor)
    repo.close()
    return path
