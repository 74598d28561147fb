"""Full licence-text matching (SPDX Matching Guidelines). STUB: being written.

Public API (stable):
    get_matcher(cache_dir: Path | None = None) -> LicenceTextMatcher   (cached per process)
    LicenceTextMatcher.match(text: str) -> list[Evidence]               (method LICENCE_TEXT)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from scanners.model import Evidence


class LicenceTextMatcher:
    def match(self, text: str) -> list[Evidence]:
        return []


@cache
def get_matcher(cache_dir: Path | None = None) -> LicenceTextMatcher:
    return LicenceTextMatcher()
