"""Creative Commons notices: names, short forms and URLs (BY / NC / ND / SA, versions,
ports) and CC0. The elements named decide the id, never overall similarity."""

from __future__ import annotations

import re

from scanners.notices.hits import URL_SCORE, Hit, detail_of
from scanners.notices.table import ALIAS_SCORE, STRONG_SCORE
from scanners.notices.text import Block

_CC_LONG = re.compile(
    r"\bcreative ?commons(?: legal code| public licen[cs]e| licen[cs]e)?[ ,:-]*"
    r"(?P<elems>attribution(?:[ -]*(?:[,&+]|and)?[ -]*"
    r"(?:non[ -]?commercial|no[ -]?deriv(?:ative)?s|share[ -]?alike))*)"
    r"(?:[ -]licen[cs]e)?[ ,(-]*(?:v|version)?[ .]?(?P<ver>[1-4]\.[0-5]|[1-4](?![\d.]))"
    r"(?:[ ,-]*(?P<port>international|unported|generic|igo|austria|australia|germany|"
    r"netherlands|united states|france|england and wales|uk|japan))?"
)
# without "Creative Commons" in front, only with the port that titles the licence
_CC_BARE = re.compile(
    r"(?<![\w-])(?P<elems>attribution(?:[ -]*(?:non[ -]?commercial|no[ -]?deriv(?:ative)?s|"
    r"share[ -]?alike))*) (?P<ver>[1-4]\.[0-5]) (?P<port>international|unported|generic|igo)\b"
)
_CC_SHORT = re.compile(
    r"(?<![\w/.-])cc[ -]by(?P<elems>(?:[ -](?:nc|nd|sa))*)[ -]?v?"
    r"(?P<ver>[1-4]\.[0-5]|[1-4](?![\d.]))"
    r"(?:[ -](?P<port>[a-z]{2,3})\b)?"
)
_CC_URL = re.compile(
    r"creativecommons\.org/licenses/(?P<elems>by(?:-(?:nc|nd|sa))*)/(?P<ver>[1-4]\.[0-5])"
    r"(?:/(?P<port>[a-z]{2,3})\b)?"
)
_CC0 = re.compile(
    r"(?<![\w/.-])cc[ -]?0(?![\w])|\bcc[ -]zero\b|\bcreative ?commons zero\b"
    r"|creativecommons\.org/publicdomain/zero/1\.0"
)
_PORTS = {
    "austria": "AT",
    "australia": "AU",
    "germany": "DE",
    "netherlands": "NL",
    "united states": "US",
    "france": "FR",
    "england and wales": "UK",
    "uk": "UK",
    "japan": "JP",
    "igo": "IGO",
}


def _cc_id(elems: str, version: str, port: str | None, ids: dict[str, str]) -> str | None:
    nc = "nc" in elems.split("-") or "commercial" in elems or " nc" in elems
    nd = "nd" in elems.split("-") or "deriv" in elems or " nd" in elems
    sa = "sa" in elems.split("-") or "alike" in elems or " sa" in elems
    if nd and sa:
        return None
    if "." not in version:
        version += ".0"
    base = "CC-BY" + ("-NC" if nc else "") + ("-ND" if nd else "") + ("-SA" if sa else "")
    base += f"-{version}"
    if port:
        code = _PORTS.get(port, port).upper()
        for cand in (f"{base}-{code}", f"LicenseRef-scancode-{base}-{code}"):
            if cand.lower() in ids:
                return ids[cand.lower()]
    return ids.get(base.lower())


def cc_hits(block: Block, ids: dict[str, str]) -> list[Hit]:
    text = block.text
    hits: list[Hit] = []
    rules = (
        (_CC_LONG, STRONG_SCORE, "creative" in text),
        (_CC_BARE, ALIAS_SCORE, "attribution" in text),
        (_CC_SHORT, ALIAS_SCORE, "cc by" in text or "cc-by" in text),
        (_CC_URL, URL_SCORE, "creativecommons.org" in text),
    )
    for rx, score, possible in rules:
        for m in rx.finditer(text) if possible else ():
            elems = m.group("elems").replace("_", " ")
            if rx is _CC_SHORT:
                elems = elems.replace(" ", "-")
            lid = _cc_id(elems, m.group("ver"), m.group("port"), ids)
            if lid:
                hits.append(
                    Hit(lid, m.start(), m.end(), score, detail_of(block, m.start(), m.end()))
                )
    cc0 = "cc0" in text or "cc 0" in text or "cc-0" in text or "zero" in text
    for m in _CC0.finditer(text) if cc0 else ():
        hits.append(
            Hit("CC0-1.0", m.start(), m.end(), ALIAS_SCORE, detail_of(block, m.start(), m.end()))
        )
    return hits
