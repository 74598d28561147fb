"""Plain data that the scanners produce: evidence, per-file results, skips, the report.

Everything here is a frozen dataclass with no behaviour beyond conversion to plain
dicts, so that results can cross process boundaries (pickling), be cached, and be
formatted by ``service.formats`` without knowing how they were found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Method(StrEnum):
    """How a licence was found in a file. Reported to users as ``evidence.method``."""

    LICENCE_TEXT = "licence-text"  # a full (or substantial part of a) licence text
    SPDX_TAG = "spdx-tag"  # an ``SPDX-License-Identifier:`` tag
    NOTICE = "notice"  # a notice or reference in prose ("Licensed under the ...")
    REUSE = "reuse"  # REUSE conventions: .license sidecar, REUSE.toml, .reuse/dep5


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact: *this* licence was found *here* by *this* method with *this* score.

    ``licence`` is a single SPDX id or ``LicenseRef-`` id (never an expression);
    ``expression`` keeps the full expression where the source gave one (e.g. an SPDX
    tag ``MIT OR Apache-2.0`` yields two Evidence objects, each with that expression).
    Lines are 1-based and inclusive. ``score`` is in [0, 1]. ``detail`` is a short
    human explanation (the matched phrase, the sidecar file, ...).
    """

    method: Method
    licence: str
    start_line: int
    end_line: int
    score: float
    expression: str | None = None
    detail: str | None = None
    source_path: str | None = None  # set when the fact comes from another file (REUSE)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "method": str(self.method),
            "licence": self.licence,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "score": round(self.score, 4),
        }
        if self.expression is not None:
            out["expression"] = self.expression
        if self.detail is not None:
            out["detail"] = self.detail
        if self.source_path is not None:
            out["source_path"] = self.source_path
        return out


@dataclass(frozen=True, slots=True)
class FileResult:
    """The licences found in one file. ``path`` is relative to the scan root, POSIX style."""

    path: str
    evidence: tuple[Evidence, ...]
    sha1: str | None = None  # git-style blob id of the content when known

    @property
    def licences(self) -> list[str]:
        """Distinct licence ids in order of first appearance."""
        seen: dict[str, None] = {}
        for ev in self.evidence:
            seen.setdefault(ev.licence, None)
        return list(seen)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "licences": self.licences,
            "evidence": [ev.to_dict() for ev in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file the scanner could not or would not read, and why. Data, not an exception."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ScanStats:
    files_seen: int = 0
    files_read: int = 0
    bytes_read: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    binary_files: int = 0  # skipped by content sniffing; counted, not listed
    symlinks: int = 0  # symlinks inside the tree, not followed (outside ones are skipped)


@dataclass(frozen=True)
class ScanReport:
    """The outcome of scanning one target."""

    target: str
    files: tuple[FileResult, ...]
    skipped: tuple[Skipped, ...]
    stats: ScanStats = field(default_factory=ScanStats)
    notes: tuple[str, ...] = ()  # how the target was read, when the user should know
