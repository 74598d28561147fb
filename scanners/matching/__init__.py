"""Full licence-text matching (SPDX Matching Guidelines).

Public API (stable):
    get_matcher(cache_dir: Path | None = None) -> LicenceTextMatcher   (cached per process)
    LicenceTextMatcher.match(text: str) -> list[Evidence]               (method LICENCE_TEXT)

Modules: ``normalise`` (tokens), ``templates`` (licence texts -> templates),
``index`` (compiled index and its disk cache), ``encode`` (scanned text -> token codes),
``verify`` (exact matching of a template over token codes), ``template_grams`` (each
template's n-grams, memory-mapped beside the index), ``matcher`` (windows, candidates,
verification, overlaps).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from scanners.matching.index import data_fingerprint, load_index
from scanners.matching.matcher import LicenceTextMatcher
from scanners.matching.template_grams import load_template_grams

__all__ = ["LicenceTextMatcher", "get_matcher"]


@cache
def get_matcher(cache_dir: Path | None = None) -> LicenceTextMatcher:
    """The process-wide matcher; the index is loaded from ``cache_dir`` (default:
    ``$COPYFAIR_CACHE_DIR``, ``$XDG_CACHE_HOME/copyfair`` or ``~/.cache/copyfair``),
    compiled and cached there first if needed, with its table of template n-grams."""
    index = load_index(cache_dir)
    return LicenceTextMatcher(index, load_template_grams(index, data_fingerprint(), cache_dir))
