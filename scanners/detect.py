"""All licence evidence in one text: SPDX tags, notices and full licence texts.

Public API (stable):
    detect_text(text: str) -> tuple[Evidence, ...]
    is_candidate(data: bytes) -> bool      the cheap prefilter, on raw bytes

Pure: text in, evidence out. Only texts that pass a cheap keyword prefilter are
handed to the full-text matcher and the notice finder (most source files carry
no licence words at all). The keywords were chosen so that every licence text the
catalog ships (SPDX texts and ScanCode extras) and every licensecheck test case
passes; on a virtual environment's ``site-packages`` a quarter to a third of the text files
do. The check looks for all keywords in one pass over the bytes
(:class:`scanners.keywords.AnyKeyword`: Hyperscan, about 0.7 ms per MB of text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scanners.cache_files import DETECTOR_VERSION as DETECTOR_VERSION  # re-exported
from scanners.keywords import AnyKeyword
from scanners.model import Evidence, Method
from scanners.tags import TAG_KEY, find_spdx_tags

# DETECTOR_VERSION: bump it (in scanners.cache_files, the cache key's home) whenever
# detection output may change for the same input.

# Lower-case keywords; a text containing none of them yields no evidence.
KEYWORDS: tuple[str, ...] = (
    "licen",
    "copyright",
    "spdx",
    "permission",
    "warrant",
    "public domain",
    "gpl",
    "copyleft",
    "\u00a9",
    # what the notice finder looks for (scanners.notices.text.KEYWORDS; a test checks)
    "fdl",
    "commons",
    "polyform",
    "prosperity",
    "wtfpl",
    "cnpl",
    "cnvpl",
    "cc0",
    "cc-by",
    "cc by",
)
# Only short licences need these (Barr, threeparttable, Gutmann, diffmark,
# CrystalStacker, Bison-exception, CC-BY-SA-2.1-JP, CC-BY-NC-SA-2.0-FR, SSH-short),
# so they are only looked for in small files, where scanning for them is cheap.
SMALL_KEYWORDS: tuple[str, ...] = (
    "redistribut",
    "be distributed",
    "freely",
    "you want",
    "special exception",
    "\u30b3\u30e2\u30f3\u30ba",  # "commons" in katakana (CC Japan)
    "freeware",
)
SMALL_SIZE = 32 * 1024
# Notices are not searched inside licence texts matched at least this well (detect_with):
# every full-text match but a partial one (the matcher's MIN_SCORE).
NOTICE_SKIP_SCORE = 0.8
_KEYWORDS_BYTES: tuple[bytes, ...] = tuple(k.encode() for k in KEYWORDS)
_SMALL_KEYWORDS_BYTES: tuple[bytes, ...] = tuple(k.encode() for k in SMALL_KEYWORDS)


_FINDERS = (AnyKeyword(_KEYWORDS_BYTES), AnyKeyword(_SMALL_KEYWORDS_BYTES))


def is_candidate(data: bytes) -> bool:
    """Whether raw (UTF-8 or 8-bit) bytes may hold licence evidence."""
    if _FINDERS[0].found_in(data):
        return True
    return len(data) <= SMALL_SIZE and _FINDERS[1].found_in(data)


def is_candidate_text(text: str) -> bool:
    """Whether a decoded text may hold licence evidence."""
    low = text.lower()
    if any(k in low for k in KEYWORDS):
        return True
    return len(text) <= SMALL_SIZE and any(k in low for k in SMALL_KEYWORDS)


def _inside(ev: Evidence, spans: list[Evidence]) -> bool:
    return any(
        s.licence == ev.licence and s.start_line <= ev.start_line and ev.end_line <= s.end_line
        for s in spans
    )


def combine(
    tags: list[Evidence], notices: list[Evidence], texts: list[Evidence]
) -> tuple[Evidence, ...]:
    """Merge evidence from the three detectors.

    A notice whose lines fall inside a full-text match of the same licence is part of
    that text and is dropped. The result is sorted by start and end line; ties keep
    the order tags, notices, texts (and an expression's order within a tag).
    """
    full = [t for t in texts if t.method is Method.LICENCE_TEXT]
    kept = [n for n in notices if not _inside(n, full)]
    merged = tags + kept + texts
    merged.sort(key=lambda e: (e.start_line, e.end_line))  # stable: keeps expression order
    return tuple(merged)


def detect_text(
    text: str, *, prefiltered: bool = False, fingerprints: bool = True
) -> tuple[Evidence, ...]:
    """Every licence found in ``text``. ``prefiltered`` skips the keyword check when
    the caller already ran :func:`is_candidate` on the bytes. A verbatim copy of a
    licence text copyfair ships is answered from :mod:`scanners.fingerprints` (the same
    evidence, computed once); ``fingerprints=False`` always detects."""
    if not prefiltered and not is_candidate_text(text):
        return ()
    if fingerprints:
        from scanners.fingerprints import get_fingerprints

        known = get_fingerprints().lookup(text)
        if known is not None:
            return known
    from scanners.matching import get_matcher
    from scanners.notices import find_notices

    return detect_with(text, get_matcher().match, find_notices)


def detect_with(
    text: str,
    match: Callable[[str], Sequence[Evidence]],
    notices: Callable[..., Sequence[Evidence]],
) -> tuple[Evidence, ...]:
    """The SPDX tags, ``match``'s licence texts and ``notices``' notices in ``text``,
    combined (no prefilter, no fingerprints).

    The lines of a full-text match scored :data:`NOTICE_SKIP_SCORE` or more (any but a
    partial text) are licence text, not notices: the notice finder is told to skip them
    (``notices(text, skip=[(first, last), ...])``), so that a licence text's own mentions
    of licences ("the GNU Lesser General Public License" inside the GPL, the "Secondary
    Licenses" of MPL-2.0, the compatible licences EUPL lists) are neither reported nor
    searched, which halves its work on licence files."""
    tags = find_spdx_tags(text) if TAG_KEY in text else []
    texts = list(match(text))
    matched = [
        (t.start_line, t.end_line)
        for t in texts
        if t.method is Method.LICENCE_TEXT and t.score >= NOTICE_SKIP_SCORE
    ]
    found = list(notices(text, skip=matched) if matched else notices(text))
    return combine(tags, found, texts)
