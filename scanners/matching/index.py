"""The compiled template index, and its on-disk cache.

The index holds every template as integer token ids plus an inverted index from token
n-gram hashes to the templates containing them, so that candidate selection costs one
dictionary lookup per n-gram of the scanned text. Compiling takes seconds; the result is
pickled under the cache directory, keyed by a hash of the data files and of
:data:`COMPILER_VERSION`, written atomically. An unwritable cache directory only means
compiling in memory.
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from licences.disk_cache import compiled, files_signature
from licences.sources import (
    EXTRA_DIR,
    SPDX_EXCEPTION_XML_DIR,
    SPDX_XML_DIR,
    template_sources,
)
from scanners.matching.normalise import equivalences
from scanners.matching.templates import (
    REQUIRED,
    Template,
    compile_source,
    prefix_program,
    template_program,
    token_char,
)
from scanners.matching.verify import Program

COMPILER_VERSION = "25"
NGRAM = 4


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """What the matcher needs of a template besides its tokens (kept small: pickled)."""

    licence_id: str
    is_exception: bool
    deprecated: bool
    source: str
    prefix: Program  # what precedes the first required token (templates.prefix_program)
    body: Program  # the rest, for scanners.matching.verify
    var_sizes: tuple[int, ...]
    n_prefix_vars: int
    prefix_tokens: int
    n_tokens: int
    n_required: int


@dataclass(frozen=True, slots=True)
class TemplateIndex:
    templates: tuple[TemplateInfo, ...]
    vocabulary: dict[str, int]
    token_ids: tuple[array[int], ...]  # per template, ids of Template.tokens
    required: tuple[bytes, ...]  # per template and token: REQUIRED, OPTIONAL or VARIABLE
    # The inverted index, as three flat arrays (compact, shared by forked workers, and
    # counted in one vectorised pass by the matcher): the sorted n-gram hashes, and for
    # the k-th of them the numbers of the templates holding it,
    # gram_templates[gram_starts[k] : gram_starts[k + 1]].
    gram_base: int  # n-gram keys are ids in this base (see ngram_keys)
    gram_keys: array[int]  # typecode "q"
    gram_starts: array[int]  # typecode "i", len(gram_keys) + 1 entries
    gram_templates: array[int]  # typecode "H"
    ngram_counts: tuple[int, ...]  # per template: distinct n-grams of its required text
    # Lower-case substrings at least one of which every template's required text holds:
    # text containing none of them cannot hold a licence text.
    anchors: tuple[str, ...]
    # per template: the templates with the same text, itself included; the first of
    # them stands for all in the postings
    twins: tuple[tuple[int, ...], ...]
    # The most tokens between two words holding a WINDOW_ANCHORS word (or a text's start
    # or end) in any template that holds one: in a large text, a licence text lies
    # within that distance of such a word (see LicenceTextMatcher.match).
    window_tokens: int


def ngram_keys(ids: Sequence[int], base: int) -> set[int]:
    """Distinct keys of the token n-grams of ``ids``: each n-gram's ids read as the
    digits of one number in ``base`` (the vocabulary size), so that a key is exact (no
    collisions) and the matcher computes the same keys with array arithmetic."""
    if len(ids) < NGRAM:
        return set()
    return {
        ((a * base + b) * base + c) * base + d
        for a, b, c, d in zip(ids, ids[1:], ids[2:], ids[3:], strict=False)
    }


def required_ids(ids: Sequence[int], kinds: Sequence[int]) -> list[int]:
    """The ids of a template's required tokens (``kinds``: its ``required`` bytes)."""
    return [i for i, kind in zip(ids, kinds, strict=True) if kind == REQUIRED]


def build_index(templates: Iterable[Template]) -> TemplateIndex:
    tpls = tuple(templates)
    vocabulary: dict[str, int] = {}
    token_ids: list[array[int]] = []
    for t in tpls:
        token_ids.append(
            array("i", (vocabulary.setdefault(tok, len(vocabulary)) for tok in t.tokens))
        )
    # Templates with the same text (deprecated ids, -only/-or-later pairs) share one
    # entry in the postings: selection and verification are done once for all of them.
    groups: dict[tuple[object, ...], list[int]] = {}
    for n, t in enumerate(tpls):
        groups.setdefault((t.pieces, t.split), []).append(n)
    twins: list[tuple[int, ...]] = [()] * len(tpls)
    for members in groups.values():
        for n in members:
            twins[n] = tuple(members)
    base = max(1, len(vocabulary))
    if base**NGRAM >= 2**63:
        raise ValueError(f"vocabulary of {base} tokens too large for 64-bit n-gram keys")
    shared: dict[int, list[int]] = {}
    counts: list[int] = []
    for n, (t, ids) in enumerate(zip(tpls, token_ids, strict=True)):
        if twins[n][0] != n:
            counts.append(counts[twins[n][0]])
            continue
        req_grams = ngram_keys(required_ids(ids, t.required), base)
        counts.append(len(req_grams) or 1)
        for h in req_grams | ngram_keys(ids, base):
            shared.setdefault(h, []).append(n)
    gram_keys = array("q", sorted(shared))
    gram_starts = array("i", [0])
    gram_templates = array("H")
    for h in gram_keys:
        gram_templates.extend(shared[h])
        gram_starts.append(len(gram_templates))
    chars = {tok: token_char(i) for tok, i in vocabulary.items()}
    prefixes = [prefix_program(t.pieces, t.split, chars) for t in tpls]
    bodies = [template_program(t.pieces, t.split, chars) for t in tpls]
    infos = tuple(
        TemplateInfo(
            t.licence_id,
            t.is_exception,
            t.deprecated,
            t.source,
            prefix,
            body,
            t.var_sizes,
            t.n_prefix_vars,
            t.prefix_tokens,
            len(t.tokens),
            t.n_required,
        )
        for t, prefix, body in zip(tpls, prefixes, bodies, strict=True)
    )
    required = tuple(bytes(t.required) for t in tpls)
    return TemplateIndex(
        infos,
        vocabulary,
        tuple(token_ids),
        required,
        base,
        gram_keys,
        gram_starts,
        gram_templates,
        tuple(counts),
        _anchors(tpls),
        tuple(twins),
        _window_tokens(tpls),
    )


COMMON_ANCHORS = ("licen", "copyright", "warrant", "permission", "rights")
_ANCHOR_OCCURRENCES = 3


def _anchors(templates: tuple[Template, ...]) -> tuple[str, ...]:
    """:data:`COMMON_ANCHORS`, plus, for each template whose required text holds fewer
    than :data:`_ANCHOR_OCCURRENCES` words containing one (so that a damaged copy might
    lose them all), its most frequent long word and that word's equivalent spellings."""
    eq = equivalences()
    variants: dict[str, set[str]] = {}
    for raw, canon in eq.single.items():
        variants.setdefault(canon, set()).add(raw)
    anchors = set(COMMON_ANCHORS)
    for t in templates:
        words = [tok for tok, kind in zip(t.tokens, t.required, strict=True) if kind == REQUIRED]
        if not words:
            continue
        if sum(1 for w in words if any(a in w for a in anchors)) >= _ANCHOR_OCCURRENCES:
            continue
        counts: dict[str, int] = {}
        for w in words:
            counts[w] = counts.get(w, 0) + 1
        best = max(counts, key=lambda w: (len(w) >= 5, counts[w], len(w), w))
        anchors.add(best)
        anchors.update(variants.get(best, ()))
    return tuple(sorted(anchors))


# Words near which a licence text in a large file must lie (German and French CC texts
# say "Lizenz" and "droit"). Only a few very short texts hold none of them (Barr,
# diffmark, Gutmann, ...: the prefilter only looks for those in small files anyway).
WINDOW_ANCHORS = (*COMMON_ANCHORS, "lizenz", "commons", "droit", "rechte")


def _window_tokens(templates: tuple[Template, ...]) -> int:
    widest = 0
    for t in templates:
        hits = [k for k, tok in enumerate(t.tokens) if any(a in tok for a in WINDOW_ANCHORS)]
        if hits:
            gaps = [hits[0], len(t.tokens) - hits[-1]]
            gaps += [b - a for a, b in zip(hits, hits[1:], strict=False)]
            widest = max(widest, *gaps)
    return widest


def compile_index() -> TemplateIndex:
    return build_index(compile_source(s) for s in template_sources())


@cache
def data_fingerprint() -> str:
    """Hash of the compiler version, the Python version, the files the templates are
    compiled from (name, size and modification time of every file in their directories:
    reading and hashing them all took longer than loading the index) and the
    equivalent-words table: the cache key. Computed once per process."""
    digest = hashlib.sha256(COMPILER_VERSION.encode())
    # The index is pickled: tied to the interpreter's version.
    digest.update(repr(sys.version_info[:2]).encode())
    digest.update(repr(sorted(equivalences().single.items())).encode())
    inputs = files_signature(SPDX_XML_DIR, SPDX_EXCEPTION_XML_DIR, EXTRA_DIR)
    digest.update(repr(inputs).encode())
    return digest.hexdigest()[:24]


def load_index(cache_dir: Path | None = None) -> TemplateIndex:
    """The index from the cache when current, else compiled (and cached if possible)."""
    return compiled("matcher", data_fingerprint(), TemplateIndex, compile_index, cache_dir)
