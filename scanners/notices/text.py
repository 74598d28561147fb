"""Cut a text into the small blocks where licence notices can be, and normalise them.

A notice sits near a keyword ("license", "GPL", "creativecommons.org", ...). Only the
lines around such keywords are looked at: each block is a few lines either side of a
hit, with comment markers and Markdown emphasis removed, joined into one lower-case
line with single spaces. :class:`Block` maps offsets in that line back to line numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from scanners.keywords import KeywordOffsets

# A text can hold a notice only if it contains one of these (lower case). Plain
# substring searches are much faster than one regex with alternatives.
KEYWORDS = (
    "licen",
    "gpl",
    "fdl",
    "copyleft",
    "commons",
    "public domain",
    "polyform",
    "prosperity",
    "wtfpl",
    "cnpl",
    "cnvpl",
    "cc0",
    "cc-by",
    "cc by",
)
# The same, for texts whose lower-case form has another length (a few non-ASCII letters).
GATE = re.compile("|".join(re.escape(k) for k in KEYWORDS), re.IGNORECASE)
CONTEXT_LINES = 3  # lines kept either side of a keyword line
MAX_LINE_CHARS = 2000  # longer lines (minified code, data) are cut around the keyword

# Comment leaders and trailers, Markdown/RST decoration at line starts and ends.
_LEADER = re.compile(
    r"^\s*(?:(?:/\*+|\*+/|\*+|//+!?|#+'?|;+|--+|%+|!+|<!--|rem\s|dnl\s|\"\"\"|'''|>+|\.\.|"
    r"[-+*]\s|\d+[.)]\s|\|)\s*)*",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"\s*(?:\*+/|-->|\*+|#+|\|)?\s*$")
_TRAILER_ENDS = ("/", ">", "*", "#", "|")
_EMPHASIS = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)|`")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<!\w)_|_(?!\w)")  # not snake_case identifiers
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def clean_line(line: str) -> str:
    """One line without comment markers or Markdown emphasis, straight quotes."""
    line = line.strip()
    if not line:
        return ""
    first = line[0]
    if not first.isalpha() or first in "rRdD":  # rem / dnl comments start with a letter
        if first != '"' or line.startswith('"""'):
            line = _LEADER.sub("", line, count=1)
    if line.endswith(_TRAILER_ENDS):
        line = _TRAILER.sub("", line, count=1)
    if "*" in line or "`" in line or ("_" in line and _UNDERSCORE_EMPHASIS.search(line)):
        line = _EMPHASIS.sub("", line)
    return line.translate(_QUOTES) if not line.isascii() else line


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive lines ``first_line``.. of the text, normalised into ``text``."""

    text: str  # lower case, comment markers removed, single spaces
    first_line: int  # 1-based line number of the first line
    line_starts: tuple[int, ...]  # offset in ``text`` where each line begins
    shown: str  # ``text`` in its original case (for ``Evidence.detail``); same length

    def line_at(self, offset: int) -> int:
        """The 1-based line number of the character at ``offset`` in ``text``."""
        return self.first_line + max(0, bisect_right(self.line_starts, offset) - 1)


def _make_block(lines: list[str], first: int, last: int) -> Block:
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for line in lines[first : last + 1]:
        if len(line) > MAX_LINE_CHARS:
            offsets = keyword_offsets(line)
            centre = offsets[0] if offsets else 0
            line = line[max(0, centre - 300) : centre + 300]
        cleaned = " ".join(clean_line(line).split())
        if "spdx-license-identifier" in cleaned.lower():
            cleaned = ""  # an SPDX tag: scanners.tags reports it (method spdx-tag)
        starts.append(pos)
        parts.append(cleaned)
        pos += len(cleaned) + 1
    shown = " ".join(parts)
    text = shown.lower()
    if len(text) != len(shown):  # a few non-ASCII letters change length when lowered
        shown = text = "".join(c.lower() if len(c.lower()) == 1 else c for c in shown)
    return Block(text, first + 1, tuple(starts), shown)


_OFFSETS = KeywordOffsets(KEYWORDS)


def keyword_offsets(text: str) -> list[int]:
    """Sorted offsets in ``text`` where a keyword starts (empty: no notice possible)."""
    if not text.isascii() and len(text.lower()) != len(text):
        return [m.start() for m in GATE.finditer(text)]
    return _OFFSETS.offsets(text)


def _mac_line_ends(text: str) -> str:
    """Old Mac line ends (lines end in CR alone) as line feeds."""
    return text.replace("\r", "\n") if "\r" in text and "\n" not in text else text


def notice_blocks(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[Block]:
    """The blocks of ``text`` around licence keywords (none when there is no keyword).
    Keywords on lines within a ``skip`` range (1-based, inclusive) open no block: every
    keyword is found in one pass (:func:`keyword_offsets`), then those lines dropped."""
    hits = keyword_offsets(text)
    if not hits:
        return []
    text = _mac_line_ends(text)
    hit_lines: list[int] = []  # line number (0-based) of each hit
    line_no = 0
    pos = 0
    for h in hits:
        line_no += text.count("\n", pos, h)
        pos = h
        if not hit_lines or hit_lines[-1] != line_no:
            hit_lines.append(line_no)
    if skip:
        hit_lines = [n for n in hit_lines if not any(a <= n + 1 <= b for a, b in skip)]
    lines = text.split("\n")
    if not hit_lines:
        return []
    blocks: list[Block] = []
    start = end = -1
    for ln in hit_lines:
        lo, hi = max(0, ln - CONTEXT_LINES), min(len(lines) - 1, ln + CONTEXT_LINES)
        if start >= 0 and lo <= end + 1:
            end = max(end, hi)
            continue
        if start >= 0:
            blocks.append(_make_block(lines, start, end))
        start, end = lo, hi
    if start >= 0:
        blocks.append(_make_block(lines, start, end))
    return blocks
