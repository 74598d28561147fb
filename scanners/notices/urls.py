"""Licence URLs: spdx.org, opensource.org, gnu.org, the catalog's reference URLs and
the ones listed in ``notices.toml``. (Creative Commons URLs are in :mod:`.cc`.)"""

from __future__ import annotations

import re

from scanners.notices.gnu import GNU_SHORT, gnu_hits, gnu_key
from scanners.notices.hits import URL_SCORE, Hit, detail_of
from scanners.notices.table import NoticeTables, canon_url
from scanners.notices.text import Block

_URL = re.compile(
    r"(?:https?://)?(?:www\.)?[a-z0-9][a-z0-9.-]{0,120}\.[a-z]{2,12}(?:/[^\s\"'<>()\[\]]*)?"
)
_URL_MARKERS = ("/", ".org", ".com", ".net")
_MAX_URL_WORD = 400  # longer "words" are data (base64, minified code), not licence URLs
_ID_URL = re.compile(
    r"^(?:spdx\.org/licenses|opensource\.org/licenses?)/(?P<id>[\w.+-]+?)(?:-license)?$"
)
_GNU_URL = re.compile(
    r"^gnu\.org/licenses/(?:old-licenses/)?(?P<fam>agpl|lgpl|gpl|fdl)-(?P<ver>\d\.\d)(?:-standalone)?$"
)


def _url_matches(text: str) -> list[re.Match[str]]:
    """URL-like pieces of the words that can hold one: a word with a dot and a slash or
    a ".org"/".com"/".net". Words are found around those markers, not by walking every
    word (licence texts are long)."""
    spans: set[tuple[int, int]] = set()
    for marker in _URL_MARKERS:
        i = text.find(marker)
        while i >= 0:
            start = text.rfind(" ", 0, i) + 1
            end = text.find(" ", i)
            end = len(text) if end < 0 else end
            spans.add((start, end))
            i = text.find(marker, end)
    out: list[re.Match[str]] = []
    for start, end in sorted(spans):
        if end - start > _MAX_URL_WORD or "." not in text[start:end]:
            continue
        out.extend(_URL.finditer(text, start, end))  # a Markdown badge holds two URLs
    return out


def url_hits(block: Block, tables: NoticeTables) -> list[Hit]:
    hits: list[Hit] = []
    for m in _url_matches(block.text):
        if "/" not in m.group() and not m.group().endswith((".org", ".com", ".net")):
            continue
        url = canon_url(m.group())
        detail = detail_of(block, m.start(), m.end())
        lid = tables.urls.get(url)
        if lid is None:
            idm = _ID_URL.match(url)
            gm = _GNU_URL.match(url)
            if gm:
                fam = gm.group("fam").upper()
                key = gnu_key("GFDL" if fam == "FDL" else fam, gm.group("ver"), None, "")
                if key.version:
                    hits.append(Hit("", m.start(), m.end(), URL_SCORE, detail, key))
                continue
            if idm:
                raw_id = idm.group("id")
                short = GNU_SHORT.fullmatch(raw_id)
                if short and not raw_id.lower().startswith("gfdl-1."):
                    sub = Block(raw_id, 1, (0,), raw_id)
                    for h in gnu_hits(sub, frozenset()):
                        if h.gnu and h.gnu.version:
                            hits.append(Hit("", m.start(), m.end(), URL_SCORE, detail, h.gnu))
                    continue
                lid = tables.ids.get(raw_id.lower())
        if lid:
            hits.append(Hit(lid, m.start(), m.end(), URL_SCORE, detail))
    return hits
