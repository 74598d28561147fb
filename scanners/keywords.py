"""Keyword searches in one pass over a text: whether any occurs, and where they all do.

The scan's prefilter asks this of every text file, most of which hold none of the
keywords and so are read to the end: on a large tree it was a fifth of the CPU time.
Hyperscan (Intel's SIMD multi-pattern matcher, from the ``hyperscan`` wheels) answers it
at about 0.7 ms per MB; where no wheel exists (Linux on ARM) or the CPU lacks the
instructions it needs, an Aho-Corasick automaton (``pyahocorasick``, about 9 ms per MB)
gives the same answers. Both compare ASCII letters without regard to case and other
bytes exactly, as ``keyword in data.lower()`` does (a test checks the two agree).

:class:`KeywordOffsets` finds every occurrence of ASCII keywords in a ``str`` (the
notice finder's first step, one ``str.find`` loop per keyword before): the text is
scanned as Latin-1 bytes with other characters replaced by ``?``, one byte per
character, so that byte offsets are character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

hyperscan: Any
try:
    import hyperscan
except ImportError:  # no wheel for this platform
    hyperscan = None


class AnyKeyword:
    """A compiled set of byte keywords (lower case)."""

    def __init__(self, keywords: Sequence[bytes], *, use_hyperscan: bool = True) -> None:
        if any(k != k.lower() or not k for k in keywords):
            raise ValueError("keywords must be non-empty and lower case")
        self.keywords = tuple(keywords)
        self._database = _hyperscan_database(self.keywords) if use_hyperscan else None
        self._automaton = (
            _automaton(self.keywords) if self._database is None and self.keywords else None
        )

    @property
    def engine(self) -> str:
        return "hyperscan" if self._database is not None else "aho-corasick"

    def found_in(self, data: bytes) -> bool:
        """Whether one of the keywords occurs in ``data`` (ASCII case ignored)."""
        if self._database is not None:
            try:
                self._database.scan(data, match_event_handler=_stop)
            except hyperscan.ScanTerminated:
                return True
            return False
        if self._automaton is None:
            return False
        text = data.lower().decode("latin-1")
        return next(self._automaton.iter(text), None) is not None


def _stop(*_args: object) -> bool:
    return True  # the first match answers the question: stop the scan


def _hyperscan_database(keywords: tuple[bytes, ...], flag: int | None = None) -> Any:
    """A block-mode database of the literal ``keywords``, ASCII case ignored; ``flag``:
    what to report (default: one match per keyword, enough to stop at the first)."""
    if hyperscan is None or not keywords:
        return None
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    flags = hyperscan.HS_FLAG_CASELESS | (hyperscan.HS_FLAG_SINGLEMATCH if flag is None else flag)
    try:
        database.compile(
            expressions=[re.escape(k.decode("latin-1")).encode("latin-1") for k in keywords],
            ids=list(range(len(keywords))),
            elements=len(keywords),
            flags=[flags] * len(keywords),
        )
    except hyperscan.HyperscanError:  # e.g. a CPU without SSSE3
        return None
    return database


def _automaton(keywords: tuple[bytes, ...]) -> Any:
    """An Aho-Corasick automaton over bytes decoded as Latin-1 (one character per byte, so
    that it finds exactly what ``in`` finds in the bytes)."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for k in keywords:
        automaton.add_word(k.decode("latin-1"), len(k))
    automaton.make_automaton()
    return automaton


class KeywordOffsets:
    """Where ASCII keywords (lower case) start in a text, ASCII case ignored."""

    def __init__(self, keywords: Sequence[str], *, use_hyperscan: bool = True) -> None:
        if any(k != k.lower() or not k or not k.isascii() for k in keywords):
            raise ValueError("keywords must be non-empty, ASCII and lower case")
        self.keywords = tuple(keywords)
        encoded = tuple(k.encode("ascii") for k in self.keywords)
        self._database = (
            _hyperscan_database(encoded, hyperscan.HS_FLAG_SOM_LEFTMOST)
            if use_hyperscan and hyperscan is not None
            else None
        )

    def offsets(self, text: str) -> list[int]:
        """The sorted offsets in ``text`` where a keyword starts (every occurrence of
        each, as repeated ``text.lower().find`` finds them). For a text whose lower-case
        form has the length of the text."""
        return [start for start, _end in self.spans(text)]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every keyword occurrence in ``text``, sorted (see
        :meth:`offsets`)."""
        if self._database is None:
            lower = text.lower()
            out: list[tuple[int, int]] = []
            for kw in self.keywords:
                n = len(kw)
                i = lower.find(kw)
                while i >= 0:
                    out.append((i, i + n))
                    i = lower.find(kw, i + 1)
            out.sort()
            return out
        found: list[tuple[int, int]] = []
        add = found.append

        def on_match(_id: int, start: int, end: int, _flags: int, _context: object) -> None:
            add((start, end))

        data = text.encode("ascii") if text.isascii() else text.encode("latin-1", "replace")
        self._database.scan(data, match_event_handler=on_match)
        found.sort()
        return found
