"""Text normalisation shared by templates and scanned text (SPDX Matching Guidelines).

Both sides go through the same steps, so that what the guidelines call insignificant
disappears before comparison:

- case (everything is lower-cased);
- punctuation, quotes, dashes, comment markers and Markdown markup (only runs of
  letters and digits become tokens, so ``#``, ``//``, `` * ``, ``;;``, ``--``, ``**`` and
  every quote style vanish; Markdown link targets ``](url)`` are dropped);
- whitespace and line breaks (tokens are compared, not lines);
- bullets and numbering at the start of a line (``1.``, ``(a)``, ``iv)``, ``2.1``) in
  scanned text; in templates such tokens are marked optional instead;
- equivalent words (``licences/data/spdx/equivalentwords.txt``: licence/license,
  sub-license/sublicense, ``&``/and, ...) and ``https``/``http``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from licences.sources import EQUIVALENT_WORDS

# What scanned text loses besides punctuation: Markdown link targets, bullets at the start
# of a line (after any comment markers; BULLET follows a line start), and parenthesised
# enumerators anywhere. None of them holds a line break or white space, and none starts
# inside a token (scanners.matching.encode relies on both). The comment markers and
# indentation before a bullet are taken possessively (the same matches: an enumerator
# can only start inside them at their last character, a "(", which the possessive run
# takes and ``\(?`` then skips), as backtracking into them cost a step per character of
# indentation on every line of source code.
LINK_TARGET = r"\]\([^)\s]*\)"
BULLET = (
    r"[^\w\n]*+(?:\d{1,3}(?:\.\d{1,3})+\.?|\(?(?:\d{1,3}|[a-z]|[ivxlc]{1,6})[.)])"
    r"(?=\s|(?<=\.)[^\W\d_]{2})"
)
PAREN_ENUM = r"\((?:\d{1,3}|[a-z]|[ivxlc]{1,6})\)"

# One pass over lower-cased text. Alternatives that match without group 1 are skipped
# (the three above, in that order). Group 1 is a token.
_TEXT_TOKEN = re.compile(f"{LINK_TARGET}|(?m:^){BULLET}|{PAREN_ENUM}" + r"|([^\W_]+|&)")

# Templates: same tokens, but enumerator-looking tokens are reported (they become
# optional) rather than dropped, since a template's line breaks are not the text's.
_TEMPLATE_TOKEN = re.compile(
    r"\]\([^)\s]*\)"
    r"|\((?:\d{1,3}|[a-z]|[ivxlc]{1,6})\)"
    r"|(?P<enum>(?:\d{1,3}|[a-z]|[ivxlc]{1,6}))(?=[.)](?:\s|$))"
    r"|(?P<tok>[^\W_]+|&)"
)

_URL_SCHEME = {"https": "http"}


@dataclass(frozen=True, slots=True)
class Equivalences:
    """Equivalent words as token maps: single tokens, and two-token phrases."""

    single: dict[str, str]
    pairs: dict[tuple[str, str], tuple[str, ...]]
    pair_firsts: frozenset[str]


def _raw_tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[^\W_]+|&", text.lower())]


def _canonical_key(words: tuple[str, ...]) -> tuple[int, bool, tuple[str, ...]]:
    return (len(words), not all(w.isalnum() for w in words), words)


@cache
def equivalences() -> Equivalences:
    """Build the maps from ``equivalentwords.txt``: every variant maps to one canonical
    form, preferring a single token (``non-commercial`` and ``noncommercial`` both
    become ``noncommercial``)."""
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def find(x: tuple[str, ...]) -> tuple[str, ...]:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for line in EQUIVALENT_WORDS.read_text(encoding="utf-8").splitlines():
        words = [tuple(_raw_tokens(w)) for w in line.split(",") if w.strip()]
        words = [w for w in words if w]
        for other in words[1:]:
            a, b = find(words[0]), find(other)
            if a != b:
                parent[b] = a
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for w in list(parent):
        groups.setdefault(find(w), []).append(w)
    single: dict[str, str] = dict(_URL_SCHEME)
    pairs: dict[tuple[str, str], tuple[str, ...]] = {}
    for members in groups.values():
        canon = min(members, key=_canonical_key)
        for m in members:
            if m == canon:
                continue
            if len(m) == 1 and len(canon) == 1:
                single[m[0]] = canon[0]
    for members in groups.values():
        canon = min(members, key=_canonical_key)
        canon = tuple(single.get(t, t) for t in canon)
        for m in members:
            if len(m) == 2:
                key = (single.get(m[0], m[0]), single.get(m[1], m[1]))
                if key != canon:
                    pairs[key] = canon
    return Equivalences(single, pairs, frozenset(k[0] for k in pairs))


def _apply_equivalences(tokens: list[str], offsets: list[int] | None) -> None:
    """Map ``tokens`` in place to their canonical forms; ``offsets`` (any per-token
    values) is kept aligned when two tokens merge into one."""
    eq = equivalences()
    single = eq.single
    tokens[:] = [single.get(t, t) for t in tokens]
    firsts = eq.pair_firsts
    if firsts.isdisjoint(tokens):
        return
    pairs = eq.pairs
    # Right to left, so that merging two tokens leaves the indices still to visit valid.
    for i in reversed([i for i, t in enumerate(tokens[:-1]) if t in firsts]):
        canon = pairs.get((tokens[i], tokens[i + 1]))
        if canon is None:
            continue
        tokens[i : i + 2] = canon
        if len(canon) == 1 and offsets is not None:
            del offsets[i + 1]


def tokenise(text: str) -> list[str]:
    """Normalised tokens of scanned text (fast path, no positions)."""
    tokens = [t for t in _TEXT_TOKEN.findall(text.lower()) if t]
    for i, t in enumerate(tokens):
        if t == "&":
            tokens[i] = "and"
    _apply_equivalences(tokens, None)
    return tokens


@dataclass(frozen=True, slots=True)
class TokenisedText:
    """Normalised tokens of scanned text, with the line each starts on."""

    tokens: tuple[str, ...]
    # per token: its index among the tokens before two-word equivalences merged some
    origin: tuple[int, ...]
    # per line break: how many (unmerged) tokens precede it
    breaks: tuple[int, ...]

    def line(self, index: int) -> int:
        """1-based line of token ``index``."""
        return bisect_right(self.breaks, self.origin[index]) + 1


# _TEXT_TOKEN, with line breaks reported as "\n" tokens (no other alternative can match
# at a line break, so tokens are the same). Matches without a token report "".
TEXT_TOKEN_LINES = re.compile(_TEXT_TOKEN.pattern.removesuffix("|&)") + "|&|\n)")


def tokenise_with_lines(text: str) -> TokenisedText:
    marked = [t for t in TEXT_TOKEN_LINES.findall(text.lower()) if t]
    newlines = [k for k, t in enumerate(marked) if t == "\n"]
    tokens = [t for t in marked if t != "\n"] if newlines else marked
    if "&" in tokens:
        tokens = ["and" if t == "&" else t for t in tokens]
    origin = list(range(len(tokens)))
    _apply_equivalences(tokens, origin)
    return TokenisedText(tuple(tokens), tuple(origin), tuple(k - j for j, k in enumerate(newlines)))


def tokenise_template(text: str) -> list[tuple[str, bool]]:
    """Normalised tokens of a template fragment, each with ``True`` when it looks like
    an enumerator (``2.``, ``a)``) and must therefore be optional."""
    out: list[tuple[str, bool]] = []
    for m in _TEMPLATE_TOKEN.finditer(text.lower()):
        enum, tok = m.group("enum"), m.group("tok")
        if enum:
            out.append((enum, True))
        elif tok:
            out.append(("and" if tok == "&" else tok, False))
    if not out:
        return out
    toks = [t for t, _ in out]
    flags = [int(f) for _, f in out]
    _apply_equivalences(toks, flags)
    return [(t, bool(f)) for t, f in zip(toks, flags, strict=True)]
