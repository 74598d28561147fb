"""References to a licence kept elsewhere: "Use of this source code is governed by a
BSD-style license that can be found in the LICENSE file". They name a licence id only
when the text names one; otherwise :data:`UNKNOWN_REFERENCE`, with a low score."""

from __future__ import annotations

import re

from scanners.notices.hits import Hit, detail_of
from scanners.notices.table import NoticeTables, canon_tokens
from scanners.notices.text import Block

UNKNOWN_REFERENCE = "LicenseRef-scancode-unknown-license-reference"
REFERENCE_SCORE = 0.6  # "an MIT-style license in LICENSE": names a licence, points elsewhere
UNKNOWN_REFERENCE_SCORE = 0.3

_STYLE = re.compile(
    r"\b(?P<name>[a-z0-9.+]{1,24}(?:[ -][a-z0-9.+]{1,24})?)[ -](?:style|like|type)"
    r" (?:open[ -]source )?"
    r"(?P<licence>licen[cs]e)(?P<rest>[^;]{0,100})"
)
_FILE_IN_REST = re.compile(
    r"(?:found|included|located|contained) in (?:the )?(?:accompanying |top[- ]level |root )?"
    r"(?P<file>[\w./-]+)(?: file)?"
    r"|\b(?:see|in) (?:the )?(?P<file2>licen[cs]e[\w.-]*|copying[\w.-]*)"
)
_FILE_REFERENCE = re.compile(
    r"\b(?:see|in|found in|refer to|described in|terms of|terms in|contained in|specified in)"
    r" (?:the )?(?:accompanying |attached |included |enclosed |top[- ]level |root |bundled )?"
    r"(?P<file>(?:licen[cs]e|copying)(?P<ext>\.(?:txt|md|rst|markdown|\w{1,4}))?)(?P<word> file)?\b"
)


def reference_hits(block: Block, tables: NoticeTables) -> list[Hit]:
    hits: list[Hit] = []
    text = block.text
    styled = "style lic" in text or "like lic" in text or "type lic" in text
    for m in _STYLE.finditer(text) if styled else ():
        names = [t for t, _, _ in canon_tokens(m.group("name"))]
        licence = None
        for k in range(len(names)):
            nm = tables.match_at(names, k, strong_only=False)
            if nm is not None and k + nm.length == len(names):
                licence = nm.licence
                break
        fm = _FILE_IN_REST.search(text, m.start("rest"), m.end("rest"))
        target = None
        if fm is not None:
            group = "file" if fm.group("file") else "file2"
            target = block.shown[fm.start(group) : fm.end(group)].rstrip(".")
        where = f" in the {target} file" if target else " elsewhere"
        phrase = detail_of(block, m.start(), m.end("licence"))
        if licence:
            detail = f"{phrase}: a reference to the licence text{where}"
            hits.append(Hit(licence, m.start(), m.end(), REFERENCE_SCORE, detail, reference=True))
        else:
            detail = f"{phrase}: a reference to a licence{where}; no licence named"
            hits.append(
                Hit(
                    UNKNOWN_REFERENCE,
                    m.start(),
                    m.end(),
                    UNKNOWN_REFERENCE_SCORE,
                    detail,
                    reference=True,
                )
            )
    for m in _FILE_REFERENCE.finditer(text):
        if not (m.group("ext") or m.group("word")):
            continue
        detail = f"{detail_of(block, m.start(), m.end())}: a reference to a licence in another file"
        hits.append(
            Hit(
                UNKNOWN_REFERENCE,
                m.start(),
                m.end(),
                UNKNOWN_REFERENCE_SCORE,
                detail,
                reference=True,
            )
        )
    return hits
