"""What the recognisers return: a :class:`Hit` in one block, before merging."""

from __future__ import annotations

from dataclasses import dataclass

from scanners.notices.text import Block

URL_SCORE = 0.9
_DETAIL_CHARS = 80


@dataclass(frozen=True, slots=True)
class GnuKey:
    family: str  # GPL, LGPL, AGPL, GFDL
    version: str | None  # "2.0", "2.1", ...; None when the text names none
    later: bool | None  # True: or-later; False: only; None: the text does not say
    variant: str = ""  # "library" / "lesser" for an LGPL without version
    invariants: str = ""  # GFDL: "invariants" / "no-invariants" when the notice says


@dataclass(frozen=True, slots=True)
class Hit:
    licence: str  # "" for a GNU hit until resolved
    start: int  # offsets in block.text
    end: int
    score: float
    detail: str
    gnu: GnuKey | None = None
    reference: bool = False  # only points at another file
    expression: str | None = None  # the licence expression the notice gives, if any


def detail_of(block: Block, start: int, end: int) -> str:
    """The matched phrase, short enough for ``Evidence.detail``."""
    phrase = " ".join(block.shown[start:end].split()).strip(" \"'.,;:")
    if len(phrase) > _DETAIL_CHARS:
        phrase = phrase[: _DETAIL_CHARS - 1].rstrip() + "\u2026"
    return phrase
