"""Scanned text as token codes: what the matcher compares with the templates.

The matcher works on *token codes*, one character per token (see
``templates.token_char``). Tokenising into a list of strings, mapping each through the
equivalent words and then looking up each one's code (:func:`normalise.tokenise_with_lines`
followed by a dict lookup per token) cost twice as much as the regex that finds the
tokens. Here the regex's output is mapped to codes by one ``str.join(map(dict.get, ...))``
with the equivalent spellings folded into the dict, line breaks travel as ``"\\n"``
codes until the line numbers are taken, and two-word equivalences are applied to the
few places where their first word occurs. The result is exactly the codes of
:func:`normalise.tokenise_with_lines`'s tokens, with the same line numbers (a test
checks both on every shipped licence text).

The quick tokenisation of candidate selection (runs of letters and digits, no bullets
nor two-word equivalences) is coded the same way. A text is tokenised once for both, by
``bytes.translate`` and ``bytes.split`` of its UTF-8 (several times faster than the
regex): what the full tokenisation drops (bullets, link targets, enumerators: see
``normalise.LINK_TARGET``) is first marked by two short regex passes, so that both token
sequences come from the one split (:meth:`TextEncoder.quick_and_marked`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate, repeat

import numpy as np
from numpy.typing import NDArray

from scanners.matching.normalise import (
    BULLET,
    LINK_TARGET,
    PAREN_ENUM,
    TEXT_TOKEN_LINES,
    equivalences,
)
from scanners.matching.templates import UNKNOWN_CHAR, token_char

QUICK_TOKEN = re.compile(r"[^\W_]+")
# ASCII bytes that are not letters or digits, as spaces: bytes.split() then yields
# exactly QUICK_TOKEN's tokens of an ASCII text.
_ASCII_SEPARATORS = bytes(b if chr(b).isalnum() and b < 128 else 0x20 for b in range(256))
# Marks, in text and in codes (a text holding any of them takes the regex path): a line
# break, "&", the start and the end of dropped text.
_NEWLINE, _AMPERSAND, _DROP, _END_DROP = "\x01", "\x04", "\x02", "\x03"
_MARKS = (_NEWLINE, _AMPERSAND, _DROP, _END_DROP)
# Bullets follow a line break (the text gets one in front): a literal first character,
# so the regex engine skips to line starts. TEXT_TOKEN_LINES tries a link target first.
_BULLETS = re.compile(f"\n(?!{LINK_TARGET})({BULLET})")
# Link targets and enumerators (the bullets, marked first, no longer hold their "(" "]").
_INLINE = re.compile(f"{LINK_TARGET}|{PAREN_ENUM}")
_BRACKETS = str.maketrans("(]", "  ")
_DROPPED = re.compile(f"{_DROP}[^{_END_DROP}]*{_END_DROP}")


def _token_bytes() -> bytes:
    """A ``bytes.translate`` table for UTF-8 text keeping ASCII letters and digits, "&",
    the drop marks and non-ASCII bytes (only letters and digits are left, see
    _NOT_WORD), turning a line feed into _NEWLINE and everything else into a space."""
    table = bytearray(b" " * 256)
    for b in range(256):
        if b >= 128 or chr(b).isalnum() or chr(b) in ("&", _DROP, _END_DROP):
            table[b] = b
    table[ord("\n")] = ord(_NEWLINE)
    return bytes(table)


_TOKEN_BYTES = _token_bytes()
# Non-ASCII characters that are neither letters nor digits ("©", curly quotes, dashes,
# no-break spaces): separators, like ASCII punctuation.
_NOT_WORD = re.compile(r"[^\w\x00-\x7f]+")


def _mark_bullet(m: re.Match[str]) -> str:
    return f"\n {_DROP} {m[1].translate(_BRACKETS)} {_END_DROP} "


def _mark_inline(m: re.Match[str]) -> str:
    return f" {_DROP} {m[0]} {_END_DROP} "


_CODE_BASE = ord(token_char(0))
_SURROGATE_GAP = 0xE000 - 0xD800


@dataclass(frozen=True, slots=True)
class CodedText:
    """A scanned text as token codes, with the line each token starts on."""

    codes: str  # one character per token (templates.token_char; UNKNOWN_CHAR if unknown)
    # per line break: how many tokens (before two-word equivalences merged some) precede it
    breaks: list[int]
    # per token: its index before two-word equivalences merged some (None: no merge)
    origin: list[int] | None

    def __len__(self) -> int:
        return len(self.codes)

    def line(self, index: int) -> int:
        """1-based line of token ``index``."""
        at = index if self.origin is None else self.origin[index]
        return bisect_right(self.breaks, at) + 1


def code_ids(codes: str) -> NDArray[np.int64]:
    """The vocabulary ids of ``codes`` (inverse of ``templates.token_char``); -1 for
    :data:`templates.UNKNOWN_CHAR` (the character just below the first code)."""
    ids = np.frombuffer(codes.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    ids -= _CODE_BASE
    if ord(UNKNOWN_CHAR) != _CODE_BASE - 1:
        ids[ids == ord(UNKNOWN_CHAR) - _CODE_BASE] = -1
    high = ids >= 0xE000 - _CODE_BASE
    if high.any():
        ids[high] -= _SURROGATE_GAP
    return ids


class TextEncoder:
    """Token codes of scanned texts for one vocabulary (token -> id)."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        eq = equivalences()
        code = {tok: token_char(i) for tok, i in vocabulary.items()}
        # Words of two-word equivalences outside the vocabulary still need a code of
        # their own to be recognised; they become UNKNOWN_CHAR afterwards.
        pair_words = {w for key, canon in eq.pairs.items() for w in (*key, *canon)}
        extra = sorted(pair_words - code.keys())
        for k, word in enumerate(extra):
            code[word] = token_char(len(vocabulary) + k)
        self._extra = "".join(code[w] for w in extra)
        self._unknown_extra = str.maketrans(dict.fromkeys(self._extra, UNKNOWN_CHAR))

        def canonical(token: str) -> str | None:
            return code.get(eq.single.get(token, token))

        # Full tokens (TEXT_TOKEN_LINES' group, "" for skipped matches, "\n").
        full: dict[str, str] = {tok: c for tok, c in code.items() if tok not in eq.single}
        for raw in eq.single:
            c = canonical(raw)
            if c is not None:
                full[raw] = c
        and_code = canonical("and")
        if and_code is not None:
            full["&"] = and_code
        full[""] = ""
        full["\n"] = "\n"
        self._full = full
        self._first_codes = tuple(sorted({code[k[0]] for k in eq.pairs}))
        self._pairs = {
            code[a] + code[b]: "".join(code[t] for t in c) for (a, b), c in eq.pairs.items()
        }

        # Quick tokens: the vocabulary and the spellings equivalent to its words.
        quick = {tok: code[tok] for tok in vocabulary}
        for raw, canon in eq.single.items():
            if canon in vocabulary:
                quick[raw] = code[canon]
        self._quick = quick
        self._quick_bytes = {tok.encode(): c for tok, c in quick.items() if tok.isascii()}

        # Full tokens and marks as UTF-8 (see quick_and_marked).
        marked = {tok.encode(): c for tok, c in full.items() if tok not in ("", "\n", "&")}
        marked[_NEWLINE.encode()] = "\n"
        marked[b"&"] = _AMPERSAND
        marked[_DROP.encode()] = _DROP
        marked[_END_DROP.encode()] = _END_DROP
        self._marked = marked
        self._and_code = full.get("&", UNKNOWN_CHAR)

    def quick_codes(self, lowered: str) -> str:
        """Codes of the quick tokens of a lower-cased text (QUICK_TOKEN's runs of letters
        and digits; equivalent spellings, no two-word equivalences, no bullets)."""
        if lowered.isascii():
            tokens = lowered.encode("ascii").translate(_ASCII_SEPARATORS).split()
            return "".join(map(self._quick_bytes.get, tokens, repeat(UNKNOWN_CHAR)))
        return "".join(map(self._quick.get, QUICK_TOKEN.findall(lowered), repeat(UNKNOWN_CHAR)))

    def quick_and_marked(self, lowered: str) -> tuple[str, str | None]:
        """The quick codes of a lower-cased text, and (unless the text holds one of the
        control characters used as marks) what :meth:`encode` needs besides, from the
        same tokenisation, else None.

        The bullets, then the link targets and enumerators outside them
        (TEXT_TOKEN_LINES' order) are wrapped in drop marks; letters, digits, "&" and
        line breaks are split out of the UTF-8 bytes and coded in one ``str.join``; the
        quick codes are those without the marks (dropped text included), the full ones
        those without the dropped text."""
        if any(m in lowered for m in _MARKS):
            return self.quick_codes(lowered), None
        text = _BULLETS.sub(_mark_bullet, "\n" + lowered)[1:]
        text = _INLINE.sub(_mark_inline, text)
        if text.isascii():
            data = text.encode("ascii")
        else:
            data = _NOT_WORD.sub(" ", text).encode("utf-8")
        data = data.translate(_TOKEN_BYTES)
        data = data.replace(_NEWLINE.encode(), f" {_NEWLINE} ".encode())
        if b"&" in data:
            data = data.replace(b"&", b" & ")
        marked = "".join(map(self._marked.get, data.split(), repeat(UNKNOWN_CHAR)))
        # the quick codes: no marks, no line breaks, no "&" (not a quick token), the
        # dropped text kept, the extra codes unknown (str.replace: ten times faster
        # than str.translate)
        quick = marked.replace("\n", "").replace(_AMPERSAND, "")
        quick = quick.replace(_DROP, "").replace(_END_DROP, "")
        if self._extra and any(c in quick for c in self._extra):
            quick = quick.translate(self._unknown_extra)
        return quick, marked

    def encode(self, lowered: str, marked: str | None = None) -> CodedText:
        """The normalised tokens of a lower-cased text (as ``tokenise_with_lines``) as
        codes; ``marked``: what :meth:`quick_and_marked` returned for it besides."""
        if marked is None:
            marked = "".join(
                map(self._full.get, TEXT_TOKEN_LINES.findall(lowered), repeat(UNKNOWN_CHAR))
            )
        else:
            if _DROP in marked:
                marked = _DROPPED.sub("", marked)
            if _AMPERSAND in marked:
                marked = marked.replace(_AMPERSAND, self._and_code)
        if "\n" in marked:
            lines = marked.split("\n")
            codes = "".join(lines)
            breaks = list(accumulate(map(len, lines[:-1])))
        else:
            codes, breaks = marked, []
        origin: list[int] | None = None
        if any(c in codes for c in self._first_codes):
            codes, origin = self._merge_pairs(codes)
        if self._extra and any(c in codes for c in self._extra):
            codes = codes.translate(self._unknown_extra)
        return CodedText(codes, breaks, origin)

    def _merge_pairs(self, codes: str) -> tuple[str, list[int] | None]:
        """Two-word equivalences, exactly as ``normalise._apply_equivalences`` applies
        them (right to left), and each token's index before merging (None when no two
        words became one)."""
        last = len(codes) - 1
        at: list[int] = []
        for c in self._first_codes:
            i = codes.find(c, 0, last)
            while i >= 0:
                at.append(i)
                i = codes.find(c, i + 1, last)
        pairs = self._pairs
        tokens: list[str] | None = None
        origin: list[int] | None = None
        for i in sorted(at, reverse=True):
            current = codes if tokens is None else tokens
            canon = pairs.get(current[i] + current[i + 1])
            if canon is None:
                continue
            if tokens is None:
                tokens = list(codes)
            tokens[i : i + 2] = canon
            if len(canon) == 1:
                if origin is None:
                    origin = list(range(len(codes)))
                del origin[i + 1]
        return ("".join(tokens) if tokens is not None else codes), origin
