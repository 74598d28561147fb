"""All licence evidence in one text. STUB: being written.

Public API (stable):
    detect_text(text: str) -> tuple[Evidence, ...]
"""

from __future__ import annotations

from scanners.matching import get_matcher
from scanners.model import Evidence
from scanners.notices import find_notices


def detect_text(text: str) -> tuple[Evidence, ...]:
    return tuple(get_matcher().match(text)) + tuple(find_notices(text))
