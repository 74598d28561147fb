"""Licence notices and references in prose. STUB: being written.

Public API (stable):
    find_notices(text: str) -> list[Evidence]   (method NOTICE)
"""

from __future__ import annotations

from scanners.model import Evidence


def find_notices(text: str) -> list[Evidence]:
    return []
