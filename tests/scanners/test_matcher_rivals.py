"""Rivals left out before alignment: once one template explains a text, a close rival is
aligned only if the text it words differently could be in the text. The findings must
be those of aligning every rival (which the accuracy tests and the near-duplicate tests
check); here, that the check itself tells rivals that may win from those that cannot."""

from __future__ import annotations

import numpy as np
import pytest

from licences.sources import SPDX_TEXT_DIR
from scanners.matching import LicenceTextMatcher, get_matcher
from scanners.matching.encode import code_ids
from scanners.matching.matcher import CANDIDATE_RATIO, _share_in


def _template(matcher: LicenceTextMatcher, licence: str) -> int:
    return next(n for n, t in enumerate(matcher.index.templates) if t.licence_id == licence)


def _grams(matcher: LicenceTextMatcher, text: str) -> np.ndarray:
    quick, _marked = matcher._encoder.quick_and_marked(text.lower())
    grams: list[np.ndarray] = []
    matcher._candidates(code_ids(quick), CANDIDATE_RATIO, grams)
    return grams[0]


def _rewrapped(licence: str) -> str:
    """The SPDX text, rewrapped and with a word changed: aligned, not matched exactly."""
    words = (SPDX_TEXT_DIR / f"{licence}.txt").read_text(encoding="utf-8").split()
    words[len(words) // 2] = "zzzq"
    return "\n".join(" ".join(words[k : k + 9]) for k in range(0, len(words), 9))


@pytest.mark.parametrize(
    ("text", "leader", "rival", "may_win"),
    [
        # The text is the leader's: the rival's own clauses are absent.
        ("CC-BY-NC-SA-4.0", "CC-BY-NC-SA-4.0", "CC-BY-SA-4.0", False),
        ("GPL-3.0-only", "GPL-3.0-only", "AGPL-3.0-only", False),
        # The text is the rival's: its own clauses are there, the leader's are not.
        ("CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", "CC-BY-SA-4.0", True),
        ("AGPL-3.0-only", "GPL-3.0-only", "AGPL-3.0-only", True),
        (
            "PolyForm-Small-Business-1.0.0",
            "PolyForm-Noncommercial-1.0.0",
            "PolyForm-Small-Business-1.0.0",
            True,
        ),
    ],
)
def test_a_rival_is_aligned_only_when_its_own_text_may_be_there(
    text: str, leader: str, rival: str, may_win: bool
) -> None:
    matcher = get_matcher()
    grams = _grams(matcher, _rewrapped(text))
    verdict = matcher._may_rival(_template(matcher, leader), _template(matcher, rival), grams)
    assert verdict is may_win


def test_a_rival_without_text_of_its_own_is_always_aligned() -> None:
    # Nothing of its own: nothing tells the two apart before aligning.
    matcher = get_matcher()
    grams = _grams(matcher, _rewrapped("GPL-2.0-only"))
    only = _template(matcher, "GPL-2.0-only")
    assert matcher._may_rival(only, only, grams)


def test_a_leader_whose_own_text_is_mostly_missing_keeps_every_rival() -> None:
    # CC BY-SA's own wording is largely shared: too little of its own n-grams to be sure.
    matcher = get_matcher()
    grams = _grams(matcher, _rewrapped("CC-BY-SA-4.0"))
    sa, ncsa = _template(matcher, "CC-BY-SA-4.0"), _template(matcher, "CC-BY-NC-SA-4.0")
    assert matcher._may_rival(sa, ncsa, grams)


def test_share_in_counts_the_keys_present() -> None:
    grams = np.array([2, 5, 9], dtype=np.int64)
    assert _share_in(np.array([1, 2, 9, 10], dtype=np.int64), grams) == 0.5
    assert _share_in(np.array([], dtype=np.int64), grams) == 0.0
    assert _share_in(np.array([3], dtype=np.int64), np.array([], dtype=np.int64)) == 0.0
