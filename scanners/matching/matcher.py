"""Find full licence texts in a text: candidates, verification, overlap resolution.

0. A large text (over :data:`WINDOW_MIN_CHARS`) is matched in windows: the lines within
   reach of a word like "licence", "copyright" or "warranty" (any licence text has one
   every few hundred tokens, see ``index.WINDOW_ANCHORS``), so that the rest of a big
   source file is never tokenised.
1. Candidate selection: a text holding none of the index's anchor words is done. Else
   its token 4-grams are looked up in the inverted index; templates whose required text
   is well covered become candidates (same-text templates are one entry).
2. Exact verification, best-covered candidates first: the template's program
   (:mod:`scanners.matching.verify`, a regex interpreted without compiling) over the
   text's token codes, one character per token (a match per the SPDX Matching
   Guidelines, score 1.0). Once exact matches explain the text, only equally covered
   templates are still tried.
3. Otherwise approximate verification: an alignment (longest common subsequence,
   rapidfuzz) of each close candidate's tokens with the text, split where long runs of
   text are unexplained, scored by the share of the template's required tokens found,
   penalised by the text tokens left unexplained inside the span (score < 1). Once
   an alignment explains the text, much less covered candidates are not aligned.
4. Overlaps: matches over the same region compete. The one that explains most text is
   challenged by close rivals: the templates are aligned with each other, and the rival
   wins when the clauses in which it differs are clearly more present in the text than
   those of the leader (CC BY-SA vs BY-NC-SA vs PPL, PolyForm variants, versions).
   Among equals, SPDX ids beat ``LicenseRef-`` ids, current ids deprecated ones, and
   ``-only`` beats ``-or-later``. Regions that do not overlap are all reported (dual
   licensing, one text after another).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

import ahocorasick
import numpy as np
from numpy.typing import NDArray
from rapidfuzz.distance import LCSseq

from scanners.keywords import KeywordOffsets
from scanners.matching.encode import CodedText, TextEncoder, code_ids
from scanners.matching.index import COMMON_ANCHORS, NGRAM, WINDOW_ANCHORS, TemplateIndex
from scanners.matching.template_grams import TemplateGrams, template_keys
from scanners.matching.templates import REQUIRED
from scanners.matching.verify import Capture, find_all, search_to
from scanners.model import Evidence, Method

FUZZY_RATIO = 0.45  # share of a template's n-grams the text must hold to be aligned
MIN_SCORE = 0.8  # approximate matches below this are not reported, unless partial:
PARTIAL_MIN_SHARE = 0.5  # a contiguous part of a text holding this share of the template,
PARTIAL_MIN_TOKENS = 100  # at least this many of its required tokens,
PARTIAL_PRECISION = 0.95  # and almost nothing else, is reported with that share as score
EXACT_RATIO = 0.65  # ... before exact verification is tried
# Templates covered less than both are never verified: they are not candidates (a text
# without any is not tokenised in full).
CANDIDATE_RATIO = min(FUZZY_RATIO, EXACT_RATIO)
EXACT_RIVALS = 0.02  # once a text is explained, try only templates this close in coverage
EXPLAINED_ENOUGH = 0.95  # no alignment when exact matches explain this share of the text
CHALLENGER_WEIGHT = 0.8  # overlapping matches this close to the best may challenge it
DISTINCTIVE_MARGIN = 0.25  # ... and win when their distinctive text is this much more present
_MIN_DISTINCTIVE = 3  # fewer distinctive tokens than this on both sides: no evidence
_MIN_DISTINCTIVE_FOUND = 5
SAME_LICENCE_SLACK = 0.02  # an SPDX id this close to a LicenseRef- one is the same licence
FUZZY_MAX = 12  # align at most this many of the best-covered candidates
# Once one alignment explains the text (EXPLAINED_ENOUGH), candidates this much less
# covered than its template are not aligned: they cannot win its region (a third of
# the alignment work on licence texts; no finding changes on the benchmark trees).
FUZZY_RIVAL_GAP = 0.15
# ... nor those whose own n-grams (those the explaining template lacks) are less present
# in the text than that template's own by this margin, while its own mostly are
RIVAL_MARGIN = 0.1
RIVAL_LEADER_PRESENT = 0.5
_MIN_BLOCK = 2  # aligned runs shorter than this are noise
_CLUSTER_GAP = 60  # unexplained tokens that split an alignment into separate regions
WINDOW_MIN_CHARS = 16 * 1024  # texts larger than this are matched in windows
_WINDOW_CHARS_PER_TOKEN = 12  # generous: comment markers, indentation, Markdown
_WINDOW_SLACK = 1024
CODE_SYMBOLS = 0.01  # a text with more of these symbols per character is code (matching)
_WINDOW_WORDS = KeywordOffsets(WINDOW_ANCHORS)


@dataclass(frozen=True, slots=True)
class Match:
    """A verified match over text tokens [start, end)."""

    template: int
    start: int
    end: int
    score: float
    explained: int  # text tokens matched by the template's literal (non-variable) text
    exact: bool
    # Template token ranges [a, b) found in the text (approximate matches only; an exact
    # match has every required token).
    found: tuple[tuple[int, int], ...] = ()


class LicenceTextMatcher:
    """Matches full licence texts against the compiled templates. Fork-friendly: the
    index is plain data (exact verification is interpreted, nothing is compiled per
    process)."""

    def __init__(self, index: TemplateIndex, grams: TemplateGrams | None = None) -> None:
        """``grams``: each template's n-gram keys (:mod:`scanners.matching.template_grams`;
        None: computed when first needed)."""
        self.index = index
        self._grams = grams
        self._encoder = TextEncoder(index.vocabulary)
        self._gram_keys = np.frombuffer(index.gram_keys, dtype=np.int64)
        self._gram_starts = np.frombuffer(index.gram_starts, dtype=np.int32)
        self._gram_templates = np.frombuffer(index.gram_templates, dtype=np.uint16)
        self._ngram_counts = np.array(index.ngram_counts, dtype=np.float64)
        # The common anchors first: most texts that have any have one of them, and the
        # check stops at the first found.
        common = [a for a in COMMON_ANCHORS if a in index.anchors]
        self._anchors = (*common, *(a for a in index.anchors if a not in common))
        # ... and all of them in one pass when the common ones are not there.
        self._common_anchors = tuple(common)
        self._rare_anchors = ahocorasick.Automaton()
        for a in self._anchors[len(common) :]:
            self._rare_anchors.add_word(a, a)
        if len(self._rare_anchors):
            self._rare_anchors.make_automaton()
        self._window_radius = index.window_tokens * _WINDOW_CHARS_PER_TOKEN + _WINDOW_SLACK
        self._distinct: dict[tuple[int, int], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._grams_of: dict[int, NDArray[np.int64]] = {}  # when ``grams`` is None

    # -- public API -------------------------------------------------------------------

    def match(self, text: str) -> list[Evidence]:
        """One Evidence (method ``licence-text``) per licence text found in ``text``."""
        lowered = text.lower()
        if not self._has_anchor(lowered):
            return []
        if len(text) <= WINDOW_MIN_CHARS or len(lowered) != len(text):
            return self._match_region(text, lowered)
        out: list[Evidence] = []
        for start, end in self.windows(lowered):
            if start == 0 and end == len(text):
                return self._match_region(text, lowered)
            found = self._match_region(text[start:end], lowered[start:end])
            if found:
                shift = text.count("\n", 0, start)
                out.extend(
                    replace(e, start_line=e.start_line + shift, end_line=e.end_line + shift)
                    for e in found
                )
        return out

    def _has_anchor(self, lowered: str) -> bool:
        """Whether ``lowered`` holds one of the index's anchor words (else no template's
        required text can be in it)."""
        if any(a in lowered for a in self._common_anchors):
            return True
        if not len(self._rare_anchors):
            return False
        return next(self._rare_anchors.iter(lowered), None) is not None

    def windows(self, lowered: str) -> list[tuple[int, int]]:
        """The regions of a large lower-cased text that may hold a licence text: whole
        lines within :attr:`_window_radius` characters of a window anchor, merged."""
        radius = self._window_radius
        size = len(lowered)
        # Overlapping windows first (a licence text says "license" every line), then
        # the line boundaries of what is left.
        spans: list[list[int]] = []
        for start, end in _WINDOW_WORDS.spans(lowered):
            a, b = start - radius, end + radius
            if spans and a <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            a = lowered.rfind("\n", 0, max(0, a)) + 1
            nl = lowered.find("\n", min(size, b))
            b = size if nl < 0 else nl + 1
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    def _match_region(self, text: str, lowered: str) -> list[Evidence]:
        grams: list[NDArray[np.int64]] = []
        if _looks_like_code(lowered):
            # Source code seldom holds a licence text: select candidates from the quick
            # tokens alone, and tokenise in full (the same quick tokens again, and the
            # marks) only when there are some (a tenth of code regions on site-packages).
            candidates = self._candidates(
                code_ids(self._encoder.quick_codes(lowered)), CANDIDATE_RATIO, grams
            )
            if not candidates:
                return []
            marked = self._encoder.quick_and_marked(lowered)[1]
        else:
            quick, marked = self._encoder.quick_and_marked(lowered)
            candidates = self._candidates(code_ids(quick), CANDIDATE_RATIO, grams)
            if not candidates:
                return []
        coded = self._encoder.encode(lowered, marked)
        matches = self._verify(coded, candidates, grams[0])
        return [self._evidence(m, coded) for m in self._resolve(matches)]

    def all_matches(self, text: str) -> list[Evidence]:
        """Every verified match before overlaps are resolved, best first: what
        :meth:`match` chose from (for explaining a result, and for tests)."""
        lowered = text.lower()
        quick, marked = self._encoder.quick_and_marked(lowered)
        candidates = self._candidates(code_ids(quick), CANDIDATE_RATIO)
        if not candidates:
            return []
        coded = self._encoder.encode(lowered, marked)
        matches = sorted(
            self._verify(coded, candidates), key=lambda m: _rank(m, self.index), reverse=True
        )
        return [self._evidence(m, coded) for m in matches]

    # -- steps -------------------------------------------------------------------------

    def _candidates(
        self,
        ids: NDArray[np.int64],
        threshold: float,
        grams: list[NDArray[np.int64]] | None = None,
    ) -> list[tuple[float, int]]:
        """Candidates from the ids of a quick tokenisation (``encode.TextEncoder.quick_codes``:
        no bullets, no two-word equivalences: good enough to select, and several times
        faster on large files than the full one, which only candidates get).
        ``grams``, if given, receives the text's distinct n-gram keys found in the index
        (sorted).

        (share of the template's n-grams found in ``ids``, template) for each template
        with at least ``threshold`` of them, best first. Token ids of -1 (unknown) are in
        no n-gram of the index. Counted with array operations: the text's distinct n-gram
        keys (:func:`scanners.matching.index.ngram_keys`) are looked up in the sorted
        keys, and the template lists of those found are counted together."""
        if len(ids) < NGRAM:
            return []
        ok = ids >= 0
        known = ok[:-3] & ok[1:-2] & ok[2:-1] & ok[3:]
        base = self.index.gram_base
        hashes = ((ids[:-3] * base + ids[1:-2]) * base + ids[2:-1]) * base + ids[3:]
        hashes = hashes[known]
        if not len(hashes):
            return []
        # distinct keys: sorted, then the first of each run (twice as fast as np.unique)
        hashes.sort()
        first = np.empty(len(hashes), dtype=bool)
        first[0] = True
        np.not_equal(hashes[1:], hashes[:-1], out=first[1:])
        hashes = hashes[first]
        keys = self._gram_keys
        at = np.searchsorted(keys, hashes)
        inside = at < len(keys)
        at = at[inside]
        found = keys[at] == hashes[inside]
        rows = at[found]
        if grams is not None:
            grams.append(hashes[inside][found])
        if not len(rows):
            return []
        starts = self._gram_starts[rows]
        lengths = self._gram_starts[rows + 1] - starts
        total = int(lengths.sum())
        # positions of every template entry of the found rows, without a Python loop
        offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        positions = offsets + np.arange(total, dtype=offsets.dtype)
        hits = np.bincount(self._gram_templates[positions], minlength=len(self._ngram_counts))
        ratios = hits / self._ngram_counts
        twins = self.index.twins
        chosen = np.flatnonzero(ratios >= threshold)
        shares = np.minimum(ratios[chosen], 1.0).tolist()
        out = [(r, m) for n, r in zip(chosen.tolist(), shares, strict=True) for m in twins[n]]
        out.sort(reverse=True)
        return out

    def _verify(
        self,
        text: CodedText,
        candidates: list[tuple[float, int]],
        grams: NDArray[np.int64] | None = None,
    ) -> list[Match]:
        """Exact matches of the candidates, else alignments of the close ones. ``grams``:
        the text's n-gram keys (see :meth:`_candidates`), to leave out rivals that cannot
        win (:meth:`_may_rival`)."""
        # One character per token: match positions are token indices.
        codes = text.codes
        out: list[Match] = []
        exact: set[int] = set()
        twins = self.index.twins
        done: dict[int, list[Match]] = {}  # per group of same-text templates
        n_tokens = len(codes)
        cutoff = EXACT_RATIO
        for ratio, n in candidates:
            if ratio < cutoff:
                break
            rep = twins[n][0]
            if rep not in done:
                done[rep] = [
                    self._exact(rep, start, end, caps, codes)
                    for start, end, caps in find_all(codes, self.index.templates[rep].body)
                ]
                if sum(m.explained for m in done[rep]) >= EXPLAINED_ENOUGH * n_tokens:
                    # The text is this licence; only templates as well covered by the
                    # text can still match it as well (the same text under other ids).
                    cutoff = max(cutoff, ratio - EXACT_RIVALS)
            out.extend(_for_template(m, n) for m in done[rep])
            if done[rep]:
                exact.add(n)
        if sum(m.explained for m in self._resolve(out)) >= EXPLAINED_ENOUGH * n_tokens:
            return out
        fuzzy = [(r, n) for r, n in candidates if r >= FUZZY_RATIO and n not in exact]
        if fuzzy:
            ids = code_ids(codes).tolist()
            aligned: dict[int, list[Match]] = {}
            best: Match | None = None
            best_ratio = 0.0
            for ratio, n in fuzzy:
                rep = twins[n][0]
                if rep not in aligned:
                    if len(aligned) >= FUZZY_MAX:
                        break
                    if best is not None and best.explained >= EXPLAINED_ENOUGH * n_tokens:
                        if ratio < best_ratio - FUZZY_RIVAL_GAP:
                            break  # the rest are no rivals for the text's one licence
                        if grams is not None and not self._may_rival(best.template, rep, grams):
                            continue
                    aligned[rep] = self._align(rep, ids, 0)
                    for m in aligned[rep]:
                        if best is None or m.explained * m.score > best.explained * best.score:
                            best, best_ratio = m, ratio
                out.extend(_for_template(m, n) for m in aligned.get(rep, ()))
        return out

    def _may_rival(self, leader: int, rival: int, grams: NDArray[np.int64]) -> bool:
        """Whether template ``rival`` could win a challenge against ``leader``'s match of a
        text holding the n-grams ``grams`` (else it is not aligned). A rival wins on the
        text in which the two differ (:meth:`_strongest_challenger`); that text's
        n-grams, each template's own, tell first: when the rival's are clearly less
        present than the leader's (and the leader's mostly are), it cannot."""
        mine, theirs = self._distinct_grams(self.index.twins[leader][0], rival)
        if len(theirs) < _MIN_DISTINCTIVE:
            return True  # nothing of its own: whether it wins depends on the leader's text
        present_theirs = _share_in(theirs, grams)
        present_mine = _share_in(mine, grams) if len(mine) >= _MIN_DISTINCTIVE else 1.0
        return present_mine < RIVAL_LEADER_PRESENT or present_theirs + RIVAL_MARGIN >= present_mine

    def _distinct_grams(self, a: int, b: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The n-gram keys of template ``a`` that ``b`` lacks, and of ``b`` that ``a``
        lacks."""
        ka, kb = self._template_grams(a), self._template_grams(b)
        return _missing_from(ka, kb), _missing_from(kb, ka)

    def _template_grams(self, n: int) -> NDArray[np.int64]:
        """The sorted keys of template ``n``'s n-grams (those its postings hold)."""
        if self._grams is not None:
            return self._grams[n]
        found = self._grams_of.get(n)
        if found is None:
            found = self._grams_of[n] = template_keys(self.index, n)
        return found

    def _exact(self, n: int, start: int, end: int, caps: list[Capture], codes: str) -> Match:
        """A body match [start, end) as token range. The body starts at the template's
        first required token; the prefix (title, copyright line) is matched backwards
        from there. Text in variable parts beyond their default length is not counted as
        explained; when it precedes the licence text (a long copyright block, a project
        header), it is left out of the range as well."""
        info = self.index.templates[n]
        sizes = info.var_sizes
        surplus = 0
        if info.prefix_tokens:
            found = search_to(codes, info.prefix, max(0, start - info.prefix_tokens), start)
            if found is not None and found[0] < start:
                start = prefix_start = found[0]
                for var, a, b in found[1]:
                    extra = max(0, b - a - sizes[var])
                    if a == prefix_start:
                        start += extra
                    else:
                        surplus += extra
        for var, a, b in caps:
            surplus += max(0, b - a - sizes[var])
        return Match(n, start, end, 1.0, end - start - surplus, True)

    def _align(self, n: int, ids: list[int], offset: int) -> list[Match]:
        tpl_ids = self.index.token_ids[n]
        required = self.index.required[n]
        n_required = self.index.templates[n].n_required or 1
        blocks = [
            b for b in LCSseq.opcodes(ids, tpl_ids).as_matching_blocks() if b.size >= _MIN_BLOCK
        ]
        if not blocks:
            return []
        # Split into regions separated by long stretches of unexplained text.
        clusters: list[list[tuple[int, int, int]]] = [[]]
        prev_a = prev_b = -1
        for b in blocks:
            if prev_a >= 0 and (b.a - prev_a) - max(0, b.b - prev_b) > _CLUSTER_GAP:
                clusters.append([])
            clusters[-1].append((b.a, b.b, b.size))
            prev_a, prev_b = b.a + b.size, b.b + b.size
        out: list[Match] = []
        for cluster in clusters:
            matched = sum(size for _a, _b, size in cluster)
            start = cluster[0][0]
            end = cluster[-1][0] + cluster[-1][2]
            unexplained = (end - start) - matched
            # At most every matched token is required: most clusters are rejected
            # without counting.
            if matched < PARTIAL_MIN_TOKENS and matched / (n_required + unexplained) < MIN_SCORE:
                continue
            kinds = b"".join(required[b : b + size] for _a, b, size in cluster)
            matched_req = kinds.count(REQUIRED)
            score = matched_req / (n_required + unexplained)
            partial = (
                matched_req >= PARTIAL_MIN_TOKENS
                and matched_req >= PARTIAL_MIN_SHARE * n_required
                and matched >= PARTIAL_PRECISION * (end - start)
            )
            if score >= MIN_SCORE or partial:
                found = tuple((b, b + size) for _a, b, size in cluster)
                out.append(
                    Match(n, offset + start, offset + end, min(score, 0.999), matched, False, found)
                )
        return out

    # -- overlaps ------------------------------------------------------------------------

    def _resolve(self, matches: list[Match]) -> list[Match]:
        """Keep the best match of each region; report regions in text order. The best is
        the one explaining most text, unless a close competitor's distinctive clauses
        (its required text absent from the other template) are clearly more present."""
        index = self.index
        ranked = sorted(matches, key=lambda m: _rank(m, index), reverse=True)
        kept: list[Match] = []
        for m in ranked:
            if any(_clash(m, k) for k in kept):
                continue
            kept.append(self._challenge(m, ranked))
        kept = [_prefer_current(k, ranked, index) for k in kept]
        kept.sort(key=lambda m: m.start)
        return kept

    def _challenge(self, best: Match, ranked: list[Match]) -> Match:
        """The match for ``best``'s region once close competitors have challenged it
        (repeatedly: the winner of a challenge is challenged in turn)."""
        if best.exact:
            return best
        floor = CHALLENGER_WEIGHT * best.explained * best.score
        rivals = [
            c
            for c in ranked
            if c.template != best.template and _clash(c, best) and c.explained * c.score >= floor
        ]
        winner = best
        beaten = {best.template}
        for _round in range(len(rivals)):
            challenger = self._strongest_challenger(winner, rivals, beaten)
            if challenger is None:
                break
            beaten.add(challenger.template)
            winner = challenger
        return winner

    def _strongest_challenger(
        self, best: Match, rivals: list[Match], beaten: set[int]
    ) -> Match | None:
        winner: Match | None = None
        margin = DISTINCTIVE_MARGIN
        for c in rivals:
            if c.template in beaten or c.template == best.template:
                continue
            own, theirs = self._distinctive(best.template, c.template)
            if len(own) < _MIN_DISTINCTIVE and len(theirs) < _MIN_DISTINCTIVE:
                continue
            own_found, theirs_found = _found(best, own), _found(c, theirs)
            advantage = (theirs_found / len(theirs) if theirs else 1.0) - (
                own_found / len(own) if own else 1.0
            )
            if advantage <= margin and (
                # Neither clause is really there: count the distinctive words found.
                own_found < 0.5 * len(own)
                and theirs_found >= max(_MIN_DISTINCTIVE_FOUND, 3 * own_found)
            ):
                advantage = margin + 1e-9
            if advantage > margin:
                winner, margin = c, advantage
        return winner

    def _distinctive(self, a: int, b: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Positions of the required tokens of template ``a`` that template ``b`` words
        differently (by aligning the two), and the same for ``b``: the clauses that
        differ. Text one template has and the other lacks entirely (a trailer, a
        preamble) is often left out of real copies, so it counts only when the two
        templates have no differing clause."""
        key = (a, b)
        cached = self._distinct.get(key)
        if cached is None:
            ids_a, ids_b = self.index.token_ids[a], self.index.token_ids[b]
            req_a, req_b = self.index.required[a], self.index.required[b]
            replaced: tuple[list[int], list[int]] = ([], [])
            extra: tuple[list[int], list[int]] = ([], [])
            for op in LCSseq.opcodes(ids_a, ids_b):
                if op.tag == "equal":
                    continue
                into = replaced if op.tag == "replace" else extra
                into[0].extend(i for i in range(op.src_start, op.src_end) if req_a[i] == REQUIRED)
                into[1].extend(i for i in range(op.dest_start, op.dest_end) if req_b[i] == REQUIRED)
            if max(len(replaced[0]), len(replaced[1])) < _MIN_DISTINCTIVE:
                replaced = (replaced[0] + extra[0], replaced[1] + extra[1])
            cached = (tuple(sorted(replaced[0])), tuple(sorted(replaced[1])))
            self._distinct[key] = cached
            self._distinct[(b, a)] = (cached[1], cached[0])
        return cached

    def _evidence(self, m: Match, text: CodedText) -> Evidence:
        tpl = self.index.templates[m.template]
        if m.exact:
            detail = "exact match"
        elif m.score < MIN_SCORE:
            detail = f"partial text: {100 * m.score:.1f}% of template {tpl.source}"
        else:
            detail = f"{100 * m.score:.1f}% of template {tpl.source}"
        return Evidence(
            method=Method.LICENCE_TEXT,
            licence=tpl.licence_id,
            start_line=text.line(m.start),
            end_line=text.line(m.end - 1),
            score=m.score,
            detail=detail,
        )


def _looks_like_code(text: str) -> bool:
    """Whether ``text`` reads as program code rather than prose: more than
    :data:`CODE_SYMBOLS` of its characters are ``=``, ``{``, ``_``, ``;`` or ``(`` (a
    percent or more in source files, a few in a thousand in licence texts)."""
    symbols = (
        text.count("=") + text.count("{") + text.count("_") + text.count(";") + text.count("(")
    )
    return symbols > CODE_SYMBOLS * len(text)


def _in_sorted(keys: NDArray[np.int64], grams: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Which of ``keys`` are in the sorted ``grams``."""
    if not len(grams):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(grams, keys)
    at[at == len(grams)] = 0
    found: NDArray[np.bool_] = grams[at] == keys
    return found


def _share_in(keys: NDArray[np.int64], grams: NDArray[np.int64]) -> float:
    """The share of ``keys`` that are in the sorted ``grams``."""
    if not len(keys):
        return 0.0
    return float(np.count_nonzero(_in_sorted(keys, grams))) / len(keys)


def _missing_from(keys: NDArray[np.int64], other: NDArray[np.int64]) -> NDArray[np.int64]:
    """The sorted ``keys`` that the sorted ``other`` lacks."""
    return keys[~_in_sorted(keys, other)]


def _for_template(m: Match, n: int) -> Match:
    """``m`` for the same-text template ``n`` (``dataclasses.replace`` is six times
    slower)."""
    if m.template == n:
        return m
    return Match(n, m.start, m.end, m.score, m.explained, m.exact, m.found)


def _rank(m: Match, index: TemplateIndex) -> tuple[float, bool, bool, bool, bool, int, int, str]:
    tpl = index.templates[m.template]
    return (
        m.explained * m.score,
        m.exact,
        not tpl.licence_id.startswith("LicenseRef-"),
        not tpl.deprecated,
        # A licence text alone grants its own version: "-only" over "-or-later".
        not tpl.licence_id.endswith("-or-later"),
        -tpl.n_tokens,
        # The same text under a base id and its variants ("MPL-2.0" and
        # "MPL-2.0-no-copyleft-exception", "OFL-1.1" and "OFL-1.1-RFN"): the text alone
        # is the base licence; what makes a variant is outside it.
        -len(tpl.licence_id),
        tpl.licence_id,
    )


def _overlap(a: Match, b: Match) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def _clash(a: Match, b: Match) -> bool:
    overlap = _overlap(a, b)
    return overlap > 0 and overlap >= 0.5 * min(a.end - a.start, b.end - b.start)


def _found(m: Match, positions: tuple[int, ...]) -> int:
    """How many of the template ``positions`` ``m`` found in the text."""
    if m.exact:
        return len(positions)
    starts = [a for a, _b in m.found]
    hit = 0
    for p in positions:
        i = bisect_right(starts, p) - 1
        if i >= 0 and p < m.found[i][1]:
            hit += 1
    return hit


def _standing(m: Match, index: TemplateIndex) -> tuple[bool, bool]:
    tpl = index.templates[m.template]
    return (not tpl.licence_id.startswith("LicenseRef-"), not tpl.deprecated)


def _prefer_current(kept: Match, ranked: list[Match], index: TemplateIndex) -> Match:
    """Among matches as good as ``kept`` over the same span (the same licence under
    several ids: ScanCode's ``fsl-1.1-mit`` and SPDX ``FSL-1.1-MIT``, deprecated
    ``GPL-2.0+`` and ``GPL-2.0-or-later``), report an SPDX id over a ``LicenseRef-``,
    and a current id over a deprecated one."""
    best, standing = kept, _standing(kept, index)
    if standing == (True, True):
        return kept
    span = kept.end - kept.start
    for m in ranked:
        if (
            _standing(m, index) > standing
            and m.exact == kept.exact
            and _overlap(m, kept) >= 0.95 * max(span, m.end - m.start)
            and m.score >= kept.score - SAME_LICENCE_SLACK
            and m.explained >= (1 - SAME_LICENCE_SLACK) * kept.explained
        ):
            best, standing = m, _standing(m, index)
    return best
