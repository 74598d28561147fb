"""Whole-text fingerprints: the licence texts copyfair ships, recognised by their hash.

A ``LICENSE`` file is very often a verbatim copy of a reference text: the SPDX plain
text of its licence, or one of the extra licences' texts. For each text copyfair ships
(``licences/data/spdx/text/*.txt``, and the files of ``licences/data/extra`` with and
without their front matter), the detector's own answer
(:func:`scanners.detect.detect_text`) is computed once and stored by the text's length
and SHA-1. A scanned text of one of those lengths is hashed, and a known hash returns
that stored answer without tokenising, matching or looking for notices: the same
evidence, exactly (it *is* the detector's result on the same text), at the cost of one
hash.

The table is computed the first time it is needed (about as long as scanning those
texts: seconds) and stored beside the compiled template index
(:func:`scanners.matching.index.default_cache_dir`), keyed by the shipped data and the
detector's code (:func:`scanners.cache.version_key`: any change to copyfair's modules or
data rebuilds it). Plain data only, loaded with the class-refusing unpickler; a cache
directory that cannot be written only means computing it in memory.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scanners.cache import EvidenceRow, evidence_from_row, evidence_row
from scanners.model import Evidence

FINGERPRINT_FORMAT = 1


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Fingerprints:
    """Known texts: length -> SHA-1 -> the detector's evidence for that text."""

    by_length: dict[int, dict[str, tuple[Evidence, ...]]]

    def lookup(self, text: str) -> tuple[Evidence, ...] | None:
        """The stored evidence of ``text`` when it is one of the known texts, else None."""
        same_length = self.by_length.get(len(text))
        if same_length is None:
            return None
        return same_length.get(digest(text))

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_length.values())


def reference_texts() -> Iterator[str]:
    """The texts copyfair ships, as a scan would decode them from a file."""
    from licences.sources import EXTRA_DIR, SPDX_TEXT_DIR, split_front_matter
    from scanners.scan import decode

    files = sorted(SPDX_TEXT_DIR.glob("*.txt"))
    files += sorted(p for p in EXTRA_DIR.iterdir() if p.suffix in (".LICENSE", ".RULE"))
    for path in files:
        text = decode(path.read_bytes())
        if isinstance(text, str):
            yield text
            if path.parent == EXTRA_DIR:
                yield split_front_matter(text)[1]


def build(
    texts: Sequence[str] | Iterator[str], detect: Callable[[str], tuple[Evidence, ...]]
) -> Fingerprints:
    """The table of ``texts`` with ``detect``'s answer for each."""
    by_length: dict[int, dict[str, tuple[Evidence, ...]]] = {}
    for text in texts:
        by_length.setdefault(len(text), {})[digest(text)] = detect(text)
    return Fingerprints(by_length)


def _to_rows(table: Fingerprints) -> dict[int, dict[str, tuple[EvidenceRow, ...]]]:
    return {
        n: {h: tuple(evidence_row(e) for e in evidence) for h, evidence in same.items()}
        for n, same in table.by_length.items()
    }


def _from_rows(rows: object) -> Fingerprints:
    if not isinstance(rows, dict):
        raise ValueError("not a fingerprint table")
    by_length: dict[int, dict[str, tuple[Evidence, ...]]] = {}
    for n, same in rows.items():
        by_length[int(n)] = {
            str(h): tuple(evidence_from_row(row) for row in evidence)
            for h, evidence in same.items()
        }
    return Fingerprints(by_length)


def _key() -> str:
    from scanners.cache import version_key
    from scanners.matching.index import data_fingerprint
    from scanners.notices.table import data_key

    return hashlib.sha256(
        f"{FINGERPRINT_FORMAT}\0{version_key()}\0{data_fingerprint()}\0{data_key()}".encode()
    ).hexdigest()[:24]


def load(cache_dir: Path | None = None) -> Fingerprints:
    """The table from the cache when current, else computed (and cached if possible)."""
    from scanners.cache import PlainUnpickler, write_atomically
    from scanners.cache_files import default_cache_dir

    directory = cache_dir if cache_dir is not None else default_cache_dir()
    path = directory / f"fingerprints-{_key()}.pickle"
    try:
        with path.open("rb") as fh:
            return _from_rows(PlainUnpickler(fh).load())
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
        pass

    table = build(reference_texts(), _real_detector())
    try:
        write_atomically(path, _to_rows(table))
    except OSError:
        return table
    for stale in directory.glob("fingerprints-*.pickle"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return table


def _real_detector() -> Callable[[str], tuple[Evidence, ...]]:
    """What :func:`scanners.detect.detect_text` does, with the matcher and the notice
    finder taken from the modules that define them (not from the package attributes a
    test may replace by fakes): the table is written to disk and must hold real answers."""
    from scanners.detect import detect_with
    from scanners.matching.index import load_index
    from scanners.matching.matcher import LicenceTextMatcher
    from scanners.notices.find import find_notices

    matcher = LicenceTextMatcher(load_index())  # the index in its usual place

    def detect(text: str) -> tuple[Evidence, ...]:
        return detect_with(text, matcher.match, find_notices)

    return detect


@cache
def get_fingerprints() -> Fingerprints:
    """The process-wide table (see the module doc)."""
    return load()
