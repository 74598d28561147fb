"""Regions that read as code select their candidates before the full tokenisation; the
findings must be exactly those of the prose path."""

from __future__ import annotations

import pytest

import scanners.matching.matcher as matcher_module
from licences.sources import SPDX_TEXT_DIR
from scanners.matching import get_matcher
from scanners.matching.matcher import _looks_like_code


def _spdx(licence: str) -> str:
    return (SPDX_TEXT_DIR / f"{licence}.txt").read_text(encoding="utf-8")


CODE = "def f(x):\n    y = {'a': x}\n    return y['a'] == x;  # (ok)\n" * 40

TEXTS = {
    "mit-header-then-code": "# " + _spdx("MIT").replace("\n", "\n# ") + "\n" + CODE,
    "code-then-isc-header": CODE + "/*\n" + _spdx("ISC").replace("\n", "\n * ") + "\n */\n",
    "bsd-inside-code": CODE[:800] + _spdx("BSD-3-Clause") + CODE[:800],
    "gpl-text": _spdx("GPL-2.0-only"),
    "plain-code": CODE,
}


def test_code_is_told_from_prose() -> None:
    assert _looks_like_code(CODE.lower())
    assert not _looks_like_code(_spdx("MIT").lower())
    assert not _looks_like_code(_spdx("GPL-3.0-only").lower())


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_both_paths_find_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    matcher = get_matcher()
    text = TEXTS[name]
    monkeypatch.setattr(matcher_module, "CODE_SYMBOLS", 1.0)  # never code
    as_prose = matcher.match(text)
    monkeypatch.setattr(matcher_module, "CODE_SYMBOLS", -1.0)  # always code
    as_code = matcher.match(text)
    assert as_code == as_prose
    if name != "plain-code":
        assert as_prose, "a licence text is there"
