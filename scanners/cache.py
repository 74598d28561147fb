"""The scan cache: rescanning an unchanged tree reads no file contents.

Like git's index, each scanned path records its stat signature (size, mtime_ns,
inode, ctime_ns) and its content hash (the git blob id); detection outcomes are
stored per content hash, so they are reused across paths and across edits that
come back to an earlier content. One file per scanned root, written atomically
with ``pickle`` of plain data only (loading refuses any class: a cache file
cannot run code). The key includes the detector
version, the licence-list version and the stat of our own modules, so upgrading
copyfair (or editing it) invalidates the cache. A missing, corrupt or foreign cache
file is silently treated as empty; a cache that cannot be written is not an error.
Cache files of roots not scanned for :data:`MAX_UNUSED_DAYS` days are deleted.

Racy entries: a file modified within :data:`RACY_NS` of the scan start could change
again without its signature changing (coarse file-system timestamps), so its path
entry is not stored; its outcome stays cached by content hash.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

from scanners.cache_files import (
    CACHE_FORMAT,
    RACY_NS,
    PlainUnpickler,
    cache_file,
    default_cache_dir,
    version_key,
    write_atomically,
)
from scanners.model import Evidence, Method

DAY = 86_400
MAX_UNUSED_DAYS = 30  # a root's cache file unused this long is deleted by the next save

# An outcome: ("text", evidence...) | ("binary",) | ("skipped", reason). Plain tuples
# of Evidence objects in memory; converted to tuples of primitives on disk.
TEXT = "text"
BINARY = "binary"
SKIPPED = "skipped"
# Binary files are recognised from their first bytes and never read whole, so they
# have no content hash: their path entries all point at this pseudo hash.
BINARY_DIGEST = "binary"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What reading and detecting one content gave."""

    kind: str  # TEXT, BINARY or SKIPPED
    evidence: tuple[Evidence, ...] = ()
    reason: str | None = None  # for SKIPPED


Signature = tuple[int, int, int, int]


EvidenceRow = tuple[str, str, int, int, float, str | None, str | None, str | None]


def evidence_row(e: Evidence) -> EvidenceRow:
    """One evidence as a plain tuple (pickled fast, and by the safe unpickler)."""
    return (
        str(e.method),
        e.licence,
        e.start_line,
        e.end_line,
        e.score,
        e.expression,
        e.detail,
        e.source_path,
    )


def evidence_from_row(row: EvidenceRow) -> Evidence:
    m, lic, s, e, sc, x, d, sp = row
    return Evidence(Method(m), lic, s, e, sc, expression=x, detail=d, source_path=sp)


def blob_id(data: bytes) -> str:
    """The git blob id of ``data`` (what ``git hash-object`` prints)."""
    h = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    h.update(data)
    return h.hexdigest()


def _to_rows(outcome: Outcome) -> tuple[object, ...]:
    if outcome.kind == TEXT:
        rows: list[EvidenceRow] = [evidence_row(e) for e in outcome.evidence]
        return (TEXT, tuple(rows))
    if outcome.kind == SKIPPED:
        return (SKIPPED, outcome.reason)
    return (BINARY,)


_EMPTY_TEXT = Outcome(TEXT)
_BINARY = Outcome(BINARY)


def _from_rows(raw: tuple[object, ...]) -> Outcome:
    kind = raw[0]
    if kind == TEXT:
        rows = raw[1]
        assert isinstance(rows, tuple)
        if not rows:
            return _EMPTY_TEXT
        ev = tuple(evidence_from_row(row) for row in rows)
        return Outcome(TEXT, ev)
    if kind == BINARY:
        return _BINARY
    if kind == SKIPPED and isinstance(raw[1], str):
        return Outcome(SKIPPED, reason=raw[1])
    raise ValueError(f"bad cached outcome {raw!r}")


@dataclass
class ScanCache:
    """The cache of one scanned root. Mutated during a scan, then :meth:`save`\\ d."""

    file: Path | None
    key: str
    root: str = ""
    paths: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    _results: dict[str, tuple[object, ...]] = field(default_factory=dict)
    _decoded: dict[str, Outcome] = field(default_factory=dict)
    _new_paths: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    _dirty: bool = False

    @classmethod
    def load(cls, cache_dir: Path, root: Path) -> ScanCache:
        file = cache_file(cache_dir, root)
        key = version_key()
        try:
            with open(file, "rb") as fh:
                data = PlainUnpickler(fh).load()
            _touch_if_old(file)
            if (
                isinstance(data, dict)
                and data.get("format") == CACHE_FORMAT
                and data.get("key") == key
                and data.get("root") == str(root)
                and isinstance(data.get("paths"), dict)
                and isinstance(data.get("results"), dict)
            ):
                return cls(file, key, str(root), data["paths"], data["results"])
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            pass
        return cls(file, key, str(root))

    @classmethod
    def disabled(cls) -> ScanCache:
        return cls(None, "")

    def lookup_path(self, rel: str, sig: Signature) -> tuple[str, Outcome] | None:
        """(content hash, outcome) when ``rel`` is unchanged since the last scan."""
        rec = self.paths.get(rel)
        if rec is None or rec[:4] != sig:
            return None
        digest = rec[4]
        outcome = self.lookup_content(digest)
        if outcome is None:
            return None
        self._new_paths[rel] = rec
        return digest, outcome

    def lookup_content(self, digest: str) -> Outcome | None:
        got = self._decoded.get(digest)
        if got is not None:
            return got
        raw = self._results.get(digest)
        if raw is None:
            return None
        try:
            got = _from_rows(raw)
        except (ValueError, TypeError, AssertionError):
            return None
        self._decoded[digest] = got
        return got

    def store(self, rel: str, sig: Signature, digest: str, outcome: Outcome, now_ns: int) -> None:
        if self.file is None or outcome.kind == SKIPPED:
            return  # disabled, or may be transient (permissions): retried next time
        self._decoded[digest] = outcome
        if digest not in self._results:
            self._results[digest] = _to_rows(outcome)
            self._dirty = True
        if sig[1] < now_ns - RACY_NS:  # see 'Racy entries' above
            self._new_paths[rel] = (*sig, digest)

    def save(self) -> None:
        """Write the entries seen in this scan (others are pruned), atomically."""
        if self.file is None or (not self._dirty and self._new_paths == self.paths):
            return  # disabled, or nothing changed: leave the file as it is
        used = {rec[4] for rec in self._new_paths.values()} | set(self._decoded)
        results = {d: r for d, r in self._results.items() if d in used}
        data = {
            "format": CACHE_FORMAT,
            "key": self.key,
            "root": self.root,
            "paths": self._new_paths,
            "results": results,
        }
        try:
            write_atomically(self.file, data)
            _prune(self.file.parent, keep=self.file.name)
        except OSError:
            pass  # a cache we cannot write only costs time


def _touch_if_old(file: Path) -> None:
    """Mark a cache file in use (pruning goes by modification time)."""
    try:
        if os.stat(file).st_mtime < time.time() - DAY:
            os.utime(file)
    except OSError:
        pass


def _prune(cache_dir: Path, keep: str) -> None:
    """Delete scan caches unused for :data:`MAX_UNUSED_DAYS` and stale temporary files."""
    now = time.time()
    try:
        with os.scandir(cache_dir) as it:
            for de in it:
                if de.name == keep:
                    continue
                stale = (de.name.startswith("scan-") and de.name.endswith(".pickle")) and (
                    de.stat().st_mtime < now - MAX_UNUSED_DAYS * DAY
                )
                stale = stale or (
                    de.name.startswith(".scan-")
                    and de.name.endswith(".tmp")
                    and de.stat().st_mtime < now - DAY
                )
                if stale:
                    os.unlink(de.path)
    except OSError:
        pass


# Public names, with those re-exported from their import-light home.
__all__ = [
    "BINARY",
    "BINARY_DIGEST",
    "CACHE_FORMAT",
    "DAY",
    "EvidenceRow",
    "MAX_UNUSED_DAYS",
    "Outcome",
    "PlainUnpickler",
    "RACY_NS",
    "SKIPPED",
    "ScanCache",
    "Signature",
    "TEXT",
    "blob_id",
    "cache_file",
    "default_cache_dir",
    "evidence_from_row",
    "evidence_row",
    "version_key",
    "write_atomically",
]
