from __future__ import annotations

import pytest

from licences.sources import EXTRA_DIR, iter_spdx_texts
from scanners.detect import (
    KEYWORDS,
    SMALL_KEYWORDS,
    SMALL_SIZE,
    combine,
    detect_text,
    is_candidate,
    is_candidate_text,
)
from scanners.model import Evidence, Method
from tests.scanners.pipeline_fixtures import (
    FAKE_NOTICE_MARK,
    FAKE_TEXT_MARK,
    FakeMatcher,
    install_fakes,
)


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fakes(monkeypatch)


def test_every_shipped_licence_text_passes_the_prefilter() -> None:
    texts = [(lid, p.read_bytes()) for lid, p in iter_spdx_texts()]
    texts += [(p.name, p.read_bytes()) for p in EXTRA_DIR.iterdir() if p.is_file()]
    assert len(texts) > 800
    missed = [lid for lid, data in texts if not is_candidate(data)]
    assert missed == []
    missed_text = [lid for lid, data in texts if not is_candidate_text(data.decode("utf-8"))]
    assert missed_text == []


def test_every_notice_keyword_passes_the_prefilter() -> None:
    from scanners.notices.text import KEYWORDS as NOTICE_KEYWORDS

    assert set(NOTICE_KEYWORDS) <= set(KEYWORDS)


def test_short_notices_pass_the_prefilter() -> None:
    for text in [
        "This work is licensed under CC BY-NC-SA 4.0.",
        "Released under the Peer Production License.",
        "Dedicated to the public domain (CC0).",
        "PolyForm Noncommercial 1.0.0",
    ]:
        assert is_candidate(text.encode()), text


@pytest.mark.parametrize(
    "text",
    [
        "def add(a, b):\n    return a + b\n",
        "import numpy as np\nx = np.random.normal(size=10)\n",
    ],
)
def test_ordinary_code_is_not_a_candidate(text: str) -> None:
    assert not is_candidate(text.encode())
    assert not is_candidate_text(text)
    assert detect_text(text) == ()


def test_keywords_are_case_insensitive() -> None:
    assert is_candidate(b"THIS SOFTWARE IS PROVIDED WITHOUT WARRANTY")
    assert is_candidate("Copyright \u00a9 2020".encode())


def test_non_ascii_keywords_need_all_their_bytes() -> None:
    filler = b"x = 1\n" * 10_000
    assert is_candidate(filler + "(c) \u00a9 2020 Jane Doe".encode())
    assert not is_candidate(filler + b"\xa9 2020 Jane Doe")  # Latin-1: no keyword
    assert not is_candidate(filler + "\u00aa \u01a9".encode())  # its last byte only
    katakana = "\u30af\u30ea\u30a8\u30a4\u30c6\u30a3\u30d6\u30fb\u30b3\u30e2\u30f3\u30ba"
    assert is_candidate(katakana.encode())
    assert not is_candidate(katakana.encode()[:-1] + b"x")  # its last byte cut


def _reference_is_candidate(data: bytes) -> bool:
    """The prefilter's meaning, one plain search per keyword."""
    low = data.lower()
    if any(k.encode() in low for k in KEYWORDS):
        return True
    return len(data) <= SMALL_SIZE and any(k.encode() in low for k in SMALL_KEYWORDS)


def test_the_prefilter_automaton_finds_exactly_what_plain_search_finds() -> None:
    import random

    rng = random.Random(5)
    pool = [b"LIC", b"en", b"copy", b"Right", b"\xc2", b"\xa9", b"\xe3\x82\xb3\xe3", b"\x83"]
    pool += [b"\xa2\xe3\x83\xb3\xe3\x82\xba", b" ", b"cc", b"-by", b"0", b"gp", b"l", b"fd"]
    samples = [b"".join(rng.choices(pool, k=rng.randint(0, 12))) for _ in range(3000)]
    samples += [p.read_bytes() for _lid, p in iter_spdx_texts()][:100]
    samples += [b"x = 1\n" * 10_000 + s for s in samples[:300]]
    with_automaton = [is_candidate(s) for s in samples]
    assert [_reference_is_candidate(s) for s in samples] == with_automaton
    assert 300 < sum(with_automaton) < len(samples) - 300


def test_the_short_licence_keywords_only_count_in_small_files() -> None:
    small = b"you can do what you want with it\n"
    assert is_candidate(small)
    assert not is_candidate(small + b"x = 1\n" * 10_000)


def test_tags_notices_and_texts_are_combined_in_line_order() -> None:
    text = "\n".join(
        [
            "# SPDX-License-Identifier: Apache-2.0",  # 1
            "",
            f"{FAKE_TEXT_MARK}",  # 3
            f"{FAKE_NOTICE_MARK}",  # 4: inside the MIT text: dropped
            "more text",  # 5
            "",
            f"{FAKE_NOTICE_MARK} again",  # 7: outside: kept
            "",
        ]
    )
    found = detect_text(text)
    assert [(e.method, e.licence, e.start_line, e.end_line) for e in found] == [
        (Method.SPDX_TAG, "Apache-2.0", 1, 1),
        (Method.LICENCE_TEXT, "MIT", 3, 5),
        (Method.NOTICE, "MIT", 7, 7),
    ]


def test_a_notice_of_another_licence_inside_a_text_is_kept() -> None:
    text_ev = Evidence(Method.LICENCE_TEXT, "MIT", 1, 20, 0.99)
    other = Evidence(Method.NOTICE, "Apache-2.0", 5, 5, 0.9)
    same = Evidence(Method.NOTICE, "MIT", 5, 5, 0.9)
    assert combine([], [other, same], [text_ev]) == (text_ev, other)


def test_prefiltered_skips_the_keyword_check() -> None:
    assert detect_text("no keywords here") == ()
    assert FakeMatcher.calls == 0
    assert detect_text("no keywords here", prefiltered=True) == ()
    assert FakeMatcher.calls == 1
