"""GNU GPL / LGPL / AGPL / FDL notices, long and short forms.

The version and "or (at your option) any later version" decide ``-only`` /
``-or-later``. A hit carries a :class:`~scanners.notices.hits.GnuKey` rather than an id:
whether a bare "version 2" (a URL, "GPLv2") means ``-only`` or ``-or-later`` is decided
within its notice by :func:`resolve_gnu`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from scanners.notices.hits import GnuKey, Hit, detail_of
from scanners.notices.table import ALIAS_SCORE, STRONG_SCORE, VAGUE_SCORE
from scanners.notices.text import Block

_GNU_VERSIONS: dict[str, dict[str, str]] = {
    "GPL": {"1": "1.0", "1.0": "1.0", "2": "2.0", "2.0": "2.0", "3": "3.0", "3.0": "3.0"},
    "LGPL": {"2": "2.0", "2.0": "2.0", "2.1": "2.1", "3": "3.0", "3.0": "3.0"},
    "AGPL": {"1": "1.0", "1.0": "1.0", "3": "3.0", "3.0": "3.0"},
    "GFDL": {"1.1": "1.1", "1.2": "1.2", "1.3": "1.3"},
}
# Without a version: any version the FSF ever published may be chosen.
_GNU_DEFAULT = {
    ("GPL", ""): "GPL-1.0-or-later",
    ("LGPL", "library"): "LGPL-2.0-or-later",
    ("LGPL", "lesser"): "LGPL-2.1-or-later",
    ("LGPL", ""): "LGPL-2.0-or-later",
    ("AGPL", ""): "AGPL-3.0-or-later",
    ("GFDL", ""): "GFDL-1.1-or-later",
}

_GNU_LONG = re.compile(
    r"\bgnu (?:(?:affero|lesser|library) )?general public licen[cs]e"
    r"|\bgnu free documentation licen[cs]e"
    r"|\bgnu (?:a|l|lib)?gpl\b(?![ -]?v?\d)|\bgnu (?:lesser|library) gpl\b(?![ -]?v?\d)|\bgnu fdl\b"
    r"|\b(?:affero|lesser|library) (?:gnu )?general public licen[cs]e"
)
GNU_SHORT = re.compile(
    r"(?<![\w/.-])(?P<fam>agpl|lgpl|gpl|gfdl|fdl)(?:[ -]?v\.? ?|[ -]?version ?|[ -]?)"
    r"(?P<ver>\d(?:\.\d)?)(?![\d.]\d)(?!-(?:no-)?invariants)"
    r"(?P<suf>\+|-or-later|-only|-or-newer| or later| or newer| or any later version"
    r"| or \(at your option\) any later version| only)?(?![\w])"
)
_GNU_BARE = re.compile(
    r" ?(?:the |a )?(?:gnu )?(?P<fam>agpl|lgpl|gpl)\b(?![ -]?(?:v\.?|version)? ?\d)(?!-\w)"
)
_VERSION_NEAR = re.compile(
    r"^[ ,;:(-]*(?:\((?:a|l)?gpl\) ?)?,? ?(?:v\.?|version|ver\.?)? ?(\d(?:\.\d)?)\b"
)
_VERSION_FAR = re.compile(r"\bversion (\d(?:\.\d)?)\b")
_VERSION_BEFORE = re.compile(r"\bversion (\d(?:\.\d)?)(?: only)?(?: of)? (?:the )?$")
_LATER = re.compile(
    r"^[^.;]{0,60}?(?:\bor (?:\(at your option\) |at your option )?(?:any |a )?"
    r"(?:later|newer|higher|subsequent)"
    r"|\band (?:any )?later\b|\bany later version|\bor later|^\+)"
)
_INVARIANTS = re.compile(r"\bwith (no|the) invariant sections\b(?! being list their titles)")
_ONLY = re.compile(r"^(?: of the licen[cs]e)?[ ,]*only\b|^-only\b")


def _family(phrase: str) -> tuple[str, str]:
    if "affero" in phrase or "agpl" in phrase:
        return "AGPL", ""
    if "documentation" in phrase or "fdl" in phrase:
        return "GFDL", ""
    if "lesser" in phrase:
        return "LGPL", "lesser"
    if "library" in phrase or "lgpl" in phrase:
        return "LGPL", "library" if "library" in phrase else ""
    return "GPL", ""


def gnu_key(family: str, version: str | None, later: bool | None, variant: str) -> GnuKey:
    if version is not None:
        version = _GNU_VERSIONS[family].get(version)
    return GnuKey(family, version, later, variant if version is None else "")


def gnu_hits(block: Block, intro_ends: frozenset[int]) -> list[Hit]:
    text = block.text
    hits: list[Hit] = []
    has_long = "gnu" in text or "general public" in text
    has_short = "gpl" in text or "fdl" in text
    if not has_long and not has_short:
        return []
    longs = list(_GNU_LONG.finditer(text)) if has_long else []
    for n, m in enumerate(longs):
        family, variant = _family(m.group())
        limit = longs[n + 1].start() if n + 1 < len(longs) else len(text)
        tail = text[m.end() : min(limit, m.end() + 200)]
        version: str | None = None
        after = m.end()
        near = _VERSION_NEAR.match(tail) or _VERSION_FAR.search(tail)
        if near:
            version, after = near.group(1), m.end() + near.end()
        else:
            before = _VERSION_BEFORE.search(text, max(0, m.start() - 40), m.start())
            if before:
                version = before.group(1)
        later: bool | None = None  # unknown: decided with the text's other mentions
        if version is not None:
            rest = text[after : after + 120]
            later = True if _LATER.search(rest) else (False if _ONLY.search(rest) else None)
        if version is None and not _after_intro(text, m.start(), intro_ends):
            if not m.group().startswith("gnu"):
                continue
            # an unversioned mention outside a licensing phrase ("See the GNU General
            # Public License for more details") counts only as support for a versioned one
            key = gnu_key(family, None, None, variant)
            hits.append(Hit("", m.start(), m.end(), 0.0, detail_of(block, m.start(), m.end()), key))
            continue
        key = gnu_key(family, version, later, variant)
        score = STRONG_SCORE if key.version else VAGUE_SCORE
        if family == "GFDL" and key.version:
            inv = _INVARIANTS.search(text, m.end(), m.end() + 400)
            if inv:
                key = replace(
                    key, invariants="no-invariants" if inv.group(1) == "no" else "invariants"
                )
        end = max(m.end(), min(after + 60, len(text))) if version else m.end()
        hits.append(Hit("", m.start(), end, score, detail_of(block, m.start(), end), key))
    for m in GNU_SHORT.finditer(text) if has_short else ():
        fam = m.group("fam").upper()
        family = "GFDL" if fam == "FDL" else fam
        suf = (m.group("suf") or "").strip()
        later2: bool | None
        if suf in ("+", "-or-later", "-or-newer", "or later", "or newer") or "later" in suf:
            later2 = True
        elif "only" in suf:
            later2 = False
        else:
            rest = text[m.end() : m.end() + 80]
            later2 = True if _LATER.search(rest) else (False if _ONLY.search(rest) else None)
        key = gnu_key(family, m.group("ver"), later2, "")
        if key.version is None:
            continue
        score = STRONG_SCORE if later2 is not None else ALIAS_SCORE
        hits.append(Hit("", m.start(), m.end(), score, detail_of(block, m.start(), m.end()), key))
    for end in intro_ends:
        bare = _GNU_BARE.match(text, end)
        if bare:
            key = gnu_key(bare.group("fam").upper(), None, None, "")
            hits.append(
                Hit(
                    "",
                    bare.start(),
                    bare.end(),
                    VAGUE_SCORE,
                    detail_of(block, end, bare.end()),
                    key,
                )
            )
    return hits


def _after_intro(text: str, start: int, intro_ends: frozenset[int]) -> bool:
    for end in intro_ends:
        if end <= start <= end + 12 and re.fullmatch(r"[ ]*(?:the |a |an )?", text[end:start]):
            return True
    return False


def resolve_gnu(hits: list[Hit], blocks: list[int], ids: dict[str, str]) -> list[Hit | None]:
    """Give every GNU hit its final id, using the whole text: a bare "version 3" (a URL,
    "GPLv3") is ``-only`` unless the text also says "or any later version" for it; an
    unversioned mention is dropped when a versioned one of its family exists.

    Returns a list aligned with ``hits``: the resolved hit, or None where it is dropped."""
    keys = [(b, h.gnu) for b, h in zip(blocks, hits, strict=True) if h.gnu is not None]
    # within one notice (block), "or any later version" said once decides for every
    # mention of that family and version; so does naming the GFDL invariant sections
    later_seen = {(b, k.family, k.version) for b, k in keys if k.version and k.later}
    invariants = {(b, k.family, k.version): k.invariants for b, k in keys if k.invariants}
    versioned = {k.family for _, k in keys if k.version}
    out: list[Hit | None] = []
    by_block: dict[tuple[int, str], set[str]] = {}  # (block, family) -> versioned ids
    for b, h in zip(blocks, hits, strict=True):
        k = h.gnu
        if k is None or k.version is None:
            out.append(h if k is None else None)
            continue
        later = k.later
        if later is None:
            later = (b, k.family, k.version) in later_seen
        variant = k.invariants or invariants.get((b, k.family, k.version), "")
        inv = f"-{variant}" if variant else ""
        lid = ids.get(f"{k.family}-{k.version}{inv}-{'or-later' if later else 'only'}".lower())
        out.append(replace(h, licence=lid) if lid else None)
        if lid:
            by_block.setdefault((b, k.family), set()).add(lid)
    for n, (b, h) in enumerate(zip(blocks, hits, strict=True)):
        k = h.gnu
        if k is None or k.version is not None:
            continue
        same = by_block.get((b, k.family), set())
        if len(same) == 1:
            # "See the GNU General Public License for more details" in a versioned notice
            out[n] = replace(h, licence=next(iter(same)), score=min(h.score, VAGUE_SCORE))
        elif k.family not in versioned and h.score > 0.0:
            lid = _GNU_DEFAULT.get((k.family, k.variant)) or _GNU_DEFAULT[(k.family, "")]
            out[n] = replace(h, licence=lid, detail=f"{h.detail} (no version named)")
    return out
