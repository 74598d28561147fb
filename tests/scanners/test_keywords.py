"""The one-pass keyword search: both engines give exactly the answers of plain search."""

from __future__ import annotations

import random

import pytest

from scanners.keywords import AnyKeyword, KeywordOffsets, hyperscan

KEYWORDS = (b"licen", b"copyright", b"\xc2\xa9", b"cc-by", b"\xe3\x82\xb3\xe3\x83\xa2")


def _samples() -> list[bytes]:
    rng = random.Random(11)
    pool = [b"LIC", b"En", b"copy", b"RIGHT", b"\xc2", b"\xa9", b"\xe3\x82\xb3", b"\xe3\x83"]
    pool += [b"\xa2", b"cC", b"-By", b" ", b"x", b"\n", b"\0", b"\xff"]
    samples = [b"".join(rng.choices(pool, k=rng.randint(0, 14))) for _ in range(4000)]
    return samples + [b"filler\n" * 5000 + s for s in samples[:200]]


def _reference(data: bytes) -> bool:
    low = data.lower()
    return any(k in low for k in KEYWORDS)


@pytest.mark.parametrize("use_hyperscan", [True, False], ids=["hyperscan", "aho-corasick"])
def test_each_engine_finds_exactly_what_plain_search_finds(use_hyperscan: bool) -> None:
    if use_hyperscan and hyperscan is None:
        pytest.skip("no hyperscan wheel on this platform")
    finder = AnyKeyword(KEYWORDS, use_hyperscan=use_hyperscan)
    assert finder.engine == ("hyperscan" if use_hyperscan else "aho-corasick")
    samples = _samples()
    found = [finder.found_in(s) for s in samples]
    assert found == [_reference(s) for s in samples]
    assert 300 < sum(found) < len(samples) - 300  # both answers are well represented


@pytest.mark.parametrize("use_hyperscan", [True, False])
def test_no_keywords_finds_nothing(use_hyperscan: bool) -> None:
    assert not AnyKeyword((), use_hyperscan=use_hyperscan).found_in(b"licence")


def test_keywords_must_be_lower_case() -> None:
    with pytest.raises(ValueError, match="lower case"):
        AnyKeyword((b"Licence",))


WORDS = ("licen", "gpl", "cc by", "cc-by", "rights", "copyrights")


def _reference_spans(text: str) -> list[tuple[int, int]]:
    lower = text.lower()
    out = []
    for w in WORDS:
        i = lower.find(w)
        while i >= 0:
            out.append((i, i + len(w)))
            i = lower.find(w, i + 1)
    return sorted(out)


@pytest.mark.parametrize("use_hyperscan", [True, False], ids=["hyperscan", "find"])
def test_keyword_offsets_are_every_occurrence_of_every_keyword(use_hyperscan: bool) -> None:
    if use_hyperscan and hyperscan is None:
        pytest.skip("no hyperscan wheel on this platform")
    finder = KeywordOffsets(WORDS, use_hyperscan=use_hyperscan)
    rng = random.Random(3)
    # non-ASCII characters of one and several UTF-8 bytes: offsets stay character offsets
    pool = ["LIC", "en", "GpL", "cC", " ", "-", "by", "COPY", "rights", "é", "\u00a9", "\u4e2d"]
    pool += ["\U0001f600", "\n", "x"]
    texts = ["".join(rng.choices(pool, k=rng.randint(0, 16))) for _ in range(3000)]
    texts = [t for t in texts if len(t.lower()) == len(t)]
    got = [finder.spans(t) for t in texts]
    assert got == [_reference_spans(t) for t in texts]
    assert [finder.offsets(t) for t in texts] == [[a for a, _b in s] for s in got]
    assert sum(1 for s in got if len(s) > 1) > 300
