"""``find_notices``: licence notices and references in prose, comments and docs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanners.model import Evidence, Method
from scanners.notices.cc import cc_hits
from scanners.notices.dedications import PUBLIC_DOMAIN, dedication_hits
from scanners.notices.gnu import gnu_hits, resolve_gnu
from scanners.notices.hits import Hit
from scanners.notices.metadata import expression_hits
from scanners.notices.names import id_hits, intro_ends, name_hits
from scanners.notices.references import UNKNOWN_REFERENCE, reference_hits
from scanners.notices.table import get_tables
from scanners.notices.text import Block, notice_blocks
from scanners.notices.urls import url_hits

# Reported only when nothing more specific is: a dedication yields to any named licence.
_FALLBACKS = frozenset({PUBLIC_DOMAIN, UNKNOWN_REFERENCE})
LIST_SIZE = 8  # more distinct licences than this in one block: a list, not a notice
LIST_SCORE = 0.3


@dataclass(frozen=True, slots=True)
class _Placed:
    block: int
    hit: Hit


def find_notices(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[Evidence]:
    """Every licence notice or reference in ``text``, one Evidence per licence per notice.

    A notice is a phrase that names a licence ("Licensed under the Apache License,
    Version 2.0", "GPL-2.0-or-later", a licence URL, ``License: MIT``, a trove
    classifier). A reference that only points at another file ("a BSD-style license
    that can be found in the LICENSE file") is reported with a low score and says so
    in ``detail``; it names a licence id only when the text names one.

    ``skip`` lists line ranges (1-based, inclusive) not to search: the lines of licence
    texts already matched in full.
    """
    blocks = notice_blocks(text, skip)
    if not blocks:
        return []
    tables = get_tables()
    placed: list[_Placed] = []
    for b, block in enumerate(blocks):
        strong, weak = intro_ends(block)
        found = (
            gnu_hits(block, strong | weak)
            + cc_hits(block, tables.ids)
            + url_hits(block, tables)
            + name_hits(block, tables, strong, weak)
            + id_hits(block, tables)
            + expression_hits(block, tables)
            + reference_hits(block, tables)
            + dedication_hits(block)
        )
        placed.extend(_Placed(b, h) for h in found)
    placed = [p for p in placed if not _is_not_a_grant(blocks[p.block], p.hit)]
    resolved = resolve_gnu([p.hit for p in placed], [p.block for p in placed], tables.ids)
    final = [_Placed(p.block, r) for p, r in zip(placed, resolved, strict=True) if r is not None]
    if any(p.hit.licence not in _FALLBACKS for p in final):
        final = [p for p in final if p.hit.licence != PUBLIC_DOMAIN]
    return _merge(blocks, final)


# "derived from the Creative Commons Attribution-NonCommercial-ShareAlike license": a
# licence text saying where it comes from, not a notice that the work is under it.
_DERIVATION = re.compile(
    r"\b(?:derived|adapted|based|inspired|modell?ed|forked|copied|taken)"
    r" (?:up)?(?:on|from|by)\b(?!.*\b(?:licen[cs]ed|released|distributed|available) under\b)"
)
_DERIVATION_WINDOW = 160


# "Change License: Apache License, Version 2.0", "compatible with the GPL": a licence
# named in another role than the one the work is under.
_OTHER_ROLE = re.compile(
    r"\b(?:change|future|additional use|compatible|incompatible|secondary) "
    r"(?:licen[cs]es?|with)\b(?:(?!\. )[^;]){0,40}$"
)


def _is_not_a_grant(block: Block, hit: Hit) -> bool:
    before = block.text[max(0, hit.start - _DERIVATION_WINDOW) : hit.start]
    return _DERIVATION.search(before) is not None or _OTHER_ROLE.search(before) is not None


def _merge(blocks: list[Block], placed: list[_Placed]) -> list[Evidence]:
    """One Evidence per (notice block, licence): the line range of all its mentions,
    the best score and that mention's phrase. A bare file reference is dropped when
    the same block names a licence."""
    groups: dict[tuple[int, str], list[Hit]] = {}
    named_blocks = {p.block for p in placed if p.hit.licence != UNKNOWN_REFERENCE}
    for p in placed:
        if p.hit.licence == UNKNOWN_REFERENCE and p.block in named_blocks:
            continue
        groups.setdefault((p.block, p.hit.licence), []).append(p.hit)
    per_block: dict[int, int] = {}
    for b, _ in groups:
        per_block[b] = per_block.get(b, 0) + 1
    out: list[tuple[int, Evidence]] = []
    for (b, licence), hits in groups.items():
        block = blocks[b]
        best = max(hits, key=lambda h: (h.score, -h.start))
        score, detail = best.score, best.detail
        expression = next((h.expression for h in hits if h.expression), None)
        if per_block[b] > LIST_SIZE:
            # a table of licence names (a licence list, a classifier catalogue), not a notice
            score = min(score, LIST_SCORE)
            detail = f"{detail} (one of {per_block[b]} licences named together: a list)"
        start = min(block.line_at(h.start) for h in hits)
        end = max(block.line_at(max(h.start, h.end - 1)) for h in hits)
        first = min(h.start for h in hits)
        out.append(
            (
                first,
                Evidence(
                    method=Method.NOTICE,
                    licence=licence,
                    start_line=start,
                    end_line=end,
                    score=score,
                    expression=expression,
                    detail=detail,
                ),
            )
        )
    # in the order the text names them (an expression's order within one line)
    out.sort(key=lambda pair: (pair[1].start_line, pair[1].end_line, pair[0]))
    return [ev for _, ev in out]
