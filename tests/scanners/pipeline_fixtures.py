"""Helpers for the scan-pipeline tests: fake detectors and real trees / git repositories."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import git
import pytest

from scanners.model import Evidence, Method

FAKE_TEXT_MARK = "FAKE LICENCE TEXT"
FAKE_NOTICE_MARK = "Licensed under FAKE"


class FakeMatcher:
    """Reports ``MIT`` licence text for each line holding :data:`FAKE_TEXT_MARK`,
    spanning up to the next blank line; counts its calls."""

    calls = 0

    def match(self, text: str) -> list[Evidence]:
        FakeMatcher.calls += 1
        out: list[Evidence] = []
        lines = text.splitlines()
        for i, line in enumerate(lines, start=1):
            if FAKE_TEXT_MARK in line:
                end = i
                while end < len(lines) and lines[end].strip():
                    end += 1
                out.append(Evidence(Method.LICENCE_TEXT, "MIT", i, end, 0.99))
        return out


def fake_notices(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[Evidence]:
    return [
        Evidence(Method.NOTICE, "MIT", i, i, 0.9, detail=line.strip())
        for i, line in enumerate(text.splitlines(), start=1)
        if FAKE_NOTICE_MARK in line and not any(a <= i <= b for a, b in skip)
    ]


def install_fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the full-text matcher and notice finder (written elsewhere) by fakes."""
    import scanners.matching
    import scanners.notices

    FakeMatcher.calls = 0
    matcher = FakeMatcher()
    monkeypatch.setattr(scanners.matching, "get_matcher", lambda cache_dir=None: matcher)
    monkeypatch.setattr(scanners.notices, "find_notices", fake_notices)


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def backdate(root: Path, seconds: int = 3600) -> None:
    """Make every file look old, so that the cache trusts its stat signature."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            if os.path.islink(p):
                continue
            st = os.stat(p)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def make_repo(path: Path) -> git.Repo:
    repo = git.Repo.init(path)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test")
        cw.set_value("user", "email", "test@example.org")
    return repo


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
