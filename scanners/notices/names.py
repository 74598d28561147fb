"""Catalog names: distinctive names ("Peer Production License") anywhere; ids and short
names ("MIT", "Apache 2.0") only after a licensing phrase ("licensed under", "License:",
a trove classifier, a "License" heading)."""

from __future__ import annotations

import re
from bisect import bisect_left

from scanners.notices.hits import Hit, detail_of
from scanners.notices.table import ID_SCORE, NoticeTables, canon_tokens
from scanners.notices.text import Block

_INTRO = re.compile(
    r"\b(?:(?:dual|multi|triple)[ -]?licen[cs]ed|licen[cs]ed|released|distributed|available|"
    r"published|provided|offered|shared|made available|covered|governed|protected|licensable)"
    r"(?: to you)?(?: (?:freely|publicly|solely|only|exclusively|also|dually|separately))?"
    r" (?:under|by|as)\b(?: (?:the )?terms(?: and conditions)? of)?"
    r"|\b(?:dual|multi|triple)[ -]?licen[cs]ed\b"
    r"|\bunder (?:the )?terms(?: and conditions)? of\b"
    r"|\bsubject to (?:the )?terms of\b"
    r"|\blicen[cs]e(?:[ _-]?(?:expression|type|name))?\"? ?[:=](?!:)"
    r"|\blicen[cs]e(?: type)? is\b"
    r"|\blicen[cs]e :: (?:osi approved :: |fsf approved :: |other/proprietary license :: )*"
)
_WEAK_INTRO = re.compile(r"\bunder (?=the |a |an |either |both |[a-z0-9.+-]+ licen[cs]e)")
_HEADINGS = frozenset(
    {"license", "licence", "licensing", "licenses", "licences", "license information"}
)
_SKIP_AFTER_INTRO = frozenset({"text", "spdx", "id"})  # license = {text = "MIT"}
_STYLE_WORDS = frozenset({"style", "like", "type", "ish"})
_CONNECTORS = frozenset({"or", "and", "and/or", "&", "+", "either", "both", "dual", "license"})


def intro_ends(block: Block) -> tuple[frozenset[int], frozenset[int]]:
    """Offsets in ``block.text`` right after a licensing phrase: (strong, weak)."""
    strong = {m.end() for m in _INTRO.finditer(block.text)}
    # a "License" heading: the next line names the licence ("## License\n\nMIT")
    starts = block.line_starts
    for n, start in enumerate(starts[:-1]):
        end = starts[n + 1] - 1
        if block.text[start:end] in _HEADINGS:
            nxt = n + 1
            while nxt + 1 < len(starts) and starts[nxt + 1] - 1 == starts[nxt]:
                nxt += 1  # skip blank lines
            strong.add(starts[nxt])
    weak = frozenset(m.end() for m in _WEAK_INTRO.finditer(block.text)) - strong
    return frozenset(strong), weak


def name_hits(
    block: Block, tables: NoticeTables, strong_ends: frozenset[int], weak_ends: frozenset[int]
) -> list[Hit]:
    toks = canon_tokens(block.text)
    if not toks:
        return []
    words = [t for t, _, _ in toks]
    starts = [s for _, s, _ in toks]
    hits: list[Hit] = []
    claimed: set[int] = set()

    def add(i: int, n: int, licence: str, score: float) -> None:
        start, end = toks[i][1], toks[i + n - 1][2]
        zeros = _ZEROS.match(block.text, end)  # "2.0": the token is "2"
        if zeros:
            end = zeros.end()
        hits.append(Hit(licence, start, end, score, detail_of(block, start, end)))
        claimed.update(range(i, i + n))

    for ends, weak in ((strong_ends, False), (weak_ends, True)):
        for end in sorted(ends):
            i = bisect_left(starts, end)
            if i < len(words) and words[i] in _SKIP_AFTER_INTRO:
                i += 1
            rounds = 0
            while i < len(words) and rounds < 4:
                rounds += 1
                nm = tables.match_at(words, i, strong_only=False)
                if nm is None:
                    break
                nxt = i + nm.length
                if nxt < len(words) and words[nxt] in _STYLE_WORDS:
                    break  # "an MIT-style license": a reference (reference_hits)
                followed = (
                    nxt < len(words)
                    and words[nxt] == "license"  # "the Apache 2.0 license"
                    and not any(c in block.text[toks[nxt - 1][2] : toks[nxt][1]] for c in "(,;:")
                )
                if weak and nm.length < 2 and not followed:
                    break
                add(i, nm.length + (1 if followed else 0), nm.licence, nm.score)
                i = nxt + (1 if followed else 0)
                j = i
                while j < len(words) and j < i + 3 and words[j] in _CONNECTORS:
                    j += 1
                if j == i:
                    break
                i = j
    strong_first = tables.strong_first
    next_free = 0
    for i in [i for i, w in enumerate(words) if w in strong_first]:
        if i < next_free or i in claimed:
            continue
        nm = tables.match_at(words, i, strong_only=True)
        if nm is not None:
            add(i, nm.length, nm.licence, nm.score)
            next_free = i + nm.length
    return hits


_ZEROS = re.compile(r"(?:\.0)+\b")
_ID_PUNCTUATION = "()[]{}<>,;:\"'`*"


def id_hits(block: Block, tables: NoticeTables) -> list[Hit]:
    """SPDX ids with a version written as such in prose: "(Apache-2.0)", "SSPL-1.0".
    (The GNU family's ids are :mod:`.gnu`'s; ``SPDX-License-Identifier:`` tags are
    :mod:`scanners.tags`'.)"""
    text = block.text
    words = {w.strip(_ID_PUNCTUATION).rstrip(".") for w in set(text.split(" ")) if "-" in w}
    hits: list[Hit] = []
    for word in words:
        licence = tables.version_ids.get(word)
        if licence is None:
            continue
        i = text.find(word)
        while i >= 0:
            end = i + len(word)
            before = text[i - 1] if i else " "
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before in "-./") and not (after.isalnum() or after in "-/"):
                hits.append(Hit(licence, i, end, ID_SCORE, detail_of(block, i, end)))
            i = text.find(word, end)
    return hits
