"""Lines surviving in the current tree, per commit (``git blame --porcelain``).

Optional and bounded: blame runs one git process per text file (in a few threads), so
:func:`surviving_lines` stops after ``max_files`` files or ``timeout_s`` seconds and
says whether it covered the whole tree. ``-w`` ignores whitespace-only changes, so mass
reformatting does not take lines from their authors.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scanners.contributions.history import text_files

DEFAULT_MAX_FILES = 5_000
DEFAULT_TIMEOUT_S = 120.0
_HEADER = re.compile(r"^([0-9a-f]{40}) \d+ \d+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class BlameSummary:
    """What blame covered: ``complete`` is False when a bound stopped it."""

    commit: str
    files_total: int
    files_blamed: int
    lines: int
    complete: bool
    seconds: float

    def to_dict(self) -> dict[str, object]:
        return {
            "commit": self.commit,
            "files_total": self.files_total,
            "files_blamed": self.files_blamed,
            "lines": self.lines,
            "complete": self.complete,
            "seconds": round(self.seconds, 3),
        }


def count_porcelain(text: str) -> Counter[str]:
    """Lines per commit id in ``git blame --porcelain`` output (pure): every line of the
    file is preceded by a header ``<sha> <orig line> <final line>[ <count>]``."""
    return Counter(m.group(1) for m in _HEADER.finditer(text))


def _blame_one(repo: Any, commit: str, path: str) -> Counter[str]:
    import git

    try:
        out = repo.git.blame("-w", "--no-textconv", "--porcelain", commit, "--", path)
    except git.GitCommandError:
        return Counter()
    return count_porcelain(str(out))


def surviving_lines(
    repo: Any,
    commit: str,
    *,
    max_files: int = DEFAULT_MAX_FILES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    workers: int | None = None,
) -> tuple[Counter[str], BlameSummary]:
    """Lines of ``commit``'s tree per commit that last wrote them."""
    workers = workers or min(8, os.cpu_count() or 1)
    started = time.monotonic()
    paths = text_files(repo, commit)
    chosen = paths[:max_files]
    totals: Counter[str] = Counter()
    blamed = 0
    deadline = started + timeout_s
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batch = workers * 4
        for start in range(0, len(chosen), batch):
            if time.monotonic() > deadline:
                break
            part = chosen[start : start + batch]
            for counts in pool.map(lambda p: _blame_one(repo, commit, p), part):
                totals.update(counts)
                blamed += 1
    summary = BlameSummary(
        commit=commit,
        files_total=len(paths),
        files_blamed=blamed,
        lines=sum(totals.values()),
        complete=blamed == len(paths),
        seconds=time.monotonic() - started,
    )
    return totals, summary
