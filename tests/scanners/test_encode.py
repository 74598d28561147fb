"""Token codes of scanned text (scanners.matching.encode) are exactly the codes of the
tokens of ``normalise.tokenise_with_lines``, with the same lines, whichever path the
encoder takes (one split of the UTF-8 bytes, or the regex)."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licences.sources import EXTRA_DIR, SPDX_TEXT_DIR
from scanners.matching import get_matcher
from scanners.matching.encode import QUICK_TOKEN, CodedText, TextEncoder, code_ids
from scanners.matching.normalise import TEXT_TOKEN_LINES, equivalences, tokenise_with_lines
from scanners.matching.templates import UNKNOWN_CHAR, token_char

_SOURCES = Path(__file__).resolve().parents[2] / "scanners"  # source code, for its indentation


@cache
def _encoder() -> TextEncoder:
    return TextEncoder(get_matcher().index.vocabulary)


def _expected(text: str) -> tuple[str, list[int]]:
    """Codes and per-token lines the plain way: tokens, then one lookup per token."""
    vocabulary = get_matcher().index.vocabulary
    tokenised = tokenise_with_lines(text)
    codes = "".join(
        token_char(vocabulary[t]) if t in vocabulary else UNKNOWN_CHAR for t in tokenised.tokens
    )
    return codes, [tokenised.line(i) for i in range(len(codes))]


def _expected_quick(lowered: str) -> list[int]:
    vocabulary = get_matcher().index.vocabulary
    single = equivalences().single
    return [
        vocabulary.get(single.get(t, t), vocabulary.get(t, -1))
        for t in QUICK_TOKEN.findall(lowered)
    ]


def _lines(coded: CodedText) -> list[int]:
    return [coded.line(i) for i in range(len(coded))]


def _check(text: str) -> None:
    lowered = text.lower()
    codes, lines = _expected(text)
    quick, marked = _encoder().quick_and_marked(lowered)
    for coded in (_encoder().encode(lowered), _encoder().encode(lowered, marked)):
        assert coded.codes == codes
        assert _lines(coded) == lines
    expected_quick = _expected_quick(lowered)
    assert code_ids(quick).tolist() == expected_quick
    assert code_ids(_encoder().quick_codes(lowered)).tolist() == expected_quick


EDGE_CASES = [
    "",
    "\n\n",
    "Permission is\n\ngranted to sub\nlicense it,\r\n  1. under the\nlicence",
    "per cent per\ncent non commercial copyright owner copyright copyright owner & sub sub licence",
    "](1.2.Foo) bar\n ](1.2.Foo) bar\n](a) x\n(a) foo\n  (ii) bar\n1.2.3 x\n1.Introduction\n",
    "2.1.Scope and (b) things [link](http://x.org/a_b?c=1&d=2) & more(a)b(c)\n iv. item\n- c. x",
    "(a)(b)(c)\n(a)(b)\n](x(a)y)\n]()\n](\n(iv)\n(iv)x\n1.\n1. \n 1.\n\t2) x\n3)\n(12) x\n(1234) y",
    "\u00a9 2024 J\u00fcrgen \u201cM\u00fcller\u201d \u2014 stra\u00dfe",
    "\u0130stanbul \ufb01le x\u00b2\u00a0y (\u00e9) \u2160. item",
    "marks \x01 \x02 in \x03 the \x04 text (a) 1. sub licence",
    "old\rmac\rline ends (a)\r2. item",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_encode_as_the_tokeniser_does(text: str) -> None:
    _check(text)


def test_every_shipped_licence_text_encodes_as_the_tokeniser_does() -> None:
    paths = sorted(SPDX_TEXT_DIR.glob("*.txt"))
    paths += sorted(p for p in EXTRA_DIR.iterdir() if p.suffix in (".LICENSE", ".RULE"))
    for path in paths:
        _check(path.read_text(encoding="utf-8", errors="replace"))


def test_random_texts_encode_as_the_tokeniser_does() -> None:
    rng = random.Random(11)
    pieces = [*"ab1 .()]\n&-*#ivx\r\u00a9\u00e9\u0130\u2019\u00a0\u00b2", "licence ", "(c) "]
    pieces += ["copyright owner ", "sub ", "per cent ", "non commercial ", "](u) ", "\n 2.1 "]
    for _ in range(2000):
        _check("".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text_encodes_as_the_tokeniser_does(text: str) -> None:
    _check(text)


def test_code_ids_invert_token_codes() -> None:
    ids = [0, 1, 500, 0xD800 - 0x101, 0xD800 - 0x100, 30000, 60000]
    codes = "".join(token_char(i) for i in ids) + UNKNOWN_CHAR
    assert code_ids(codes).tolist() == [*ids, -1]
    assert code_ids("").tolist() == []


def test_possessive_bullet_prefix_changes_no_match() -> None:
    """BULLET takes comment markers and indentation possessively; the backtracking form
    finds the same tokens (in licence texts, source code and random text)."""
    backtracking = re.compile(TEXT_TOKEN_LINES.pattern.replace(r"[^\w\n]*+(?:", r"[^\w\n]*(?:", 1))
    assert backtracking.pattern != TEXT_TOKEN_LINES.pattern
    texts = [p.read_text(encoding="utf-8").lower() for p in sorted(SPDX_TEXT_DIR.glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8").lower() for p in sorted(_SOURCES.rglob("*.py"))]
    rng = random.Random(13)
    pieces = [*"ab1 .()]\n-*#ivx\r\u00e9", "((a) ", "(-a) ", " ( 1. ", "*(ii) ", "1.2.3 ", "](x) "]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    for text in texts:
        assert TEXT_TOKEN_LINES.findall(text) == backtracking.findall(text)
