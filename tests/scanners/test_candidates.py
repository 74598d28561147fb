"""Candidate selection counts each template's n-grams in a text exactly as a plain
Python count over the index does."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from licences.sources import SPDX_TEXT_DIR
from scanners.matching import LicenceTextMatcher, get_matcher
from scanners.matching.encode import QUICK_TOKEN, code_ids
from scanners.matching.normalise import equivalences


def _plain_candidates(
    matcher: LicenceTextMatcher, lowered: str, threshold: float
) -> list[tuple[float, int]]:
    index = matcher.index
    postings: dict[int, list[int]] = {}
    keys = index.gram_keys
    for k, key in enumerate(keys):
        postings[key] = list(index.gram_templates[index.gram_starts[k] : index.gram_starts[k + 1]])
    vocabulary = index.vocabulary
    single = equivalences().single
    tokens = QUICK_TOKEN.findall(lowered)
    ids = [vocabulary.get(single.get(t, t), vocabulary.get(t, -1)) for t in tokens]
    base = index.gram_base
    grams = {
        ((a * base + b) * base + c) * base + d
        for a, b, c, d in zip(ids, ids[1:], ids[2:], ids[3:], strict=False)
        if min(a, b, c, d) >= 0
    }
    hits = Counter(n for g in grams if g in postings for n in postings[g])
    out: list[tuple[float, int]] = []
    for n, k in hits.items():
        ratio = k / index.ngram_counts[n]
        if ratio >= threshold:
            out.extend((min(1.0, ratio), m) for m in index.twins[n])
    out.sort(reverse=True)
    return out


TEXTS = {
    "mit": (SPDX_TEXT_DIR / "MIT.txt").read_text(encoding="utf-8"),
    "gpl-header": "# This program is free software: you can redistribute it and/or modify\n"
    "# it under the terms of the GNU General Public License as published by\n"
    "# the Free Software Foundation, either version 3 of the License, or\n"
    "# (at your option) any later version.\n",
    "apache-and-noise": "x = 1\n" * 50 + (SPDX_TEXT_DIR / "Apache-2.0.txt").read_text()[:3000],
    "no-known-words": "zzz qqq www " * 40,
    "non-ascii": "\u00a9 J\u00fcrgen M\u00fcller\n" + (SPDX_TEXT_DIR / "ISC.txt").read_text(),
    "short": "MIT License",
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_vectorised_count_equals_a_plain_count(name: str) -> None:
    matcher = get_matcher()
    lowered = TEXTS[name].lower()
    ids = code_ids(matcher._encoder.quick_codes(lowered))
    for threshold in (0.05, 0.2):
        assert matcher._candidates(ids, threshold) == _plain_candidates(matcher, lowered, threshold)
    if name == "mit":
        assert matcher._candidates(ids, 0.2)[0][0] == 1.0


def test_texts_shorter_than_an_ngram_have_no_candidates() -> None:
    matcher = get_matcher()
    assert matcher._candidates(np.array([1, 2, 3], dtype=np.int64), 0.0) == []
    assert matcher.match("") == []
    assert matcher._encoder.quick_and_marked("") == ("", "")
