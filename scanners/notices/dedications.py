"""Public-domain dedications: "This software is released into the public domain".

There is no SPDX id for a bare dedication; ScanCode's ``public-domain`` key is used.
A dedication is reported only when the text names no licence: CC0, the Unlicense and
the like are named (and say "public domain" in passing), and so are licence texts that
mention works "in the public domain".
"""

from __future__ import annotations

import re

from scanners.notices.hits import Hit, detail_of
from scanners.notices.text import Block

PUBLIC_DOMAIN = "LicenseRef-scancode-public-domain"
PUBLIC_DOMAIN_SCORE = 0.6

_SUBJECT = (
    r"(?:software|code|source code|files?|works?|programs?|library|project|documents?|"
    r"package|modules?|scripts?|data|content)"
)
_DEDICATION = re.compile(
    r"\b(?:released|dedicated|placed|put|donated|contributed)"
    r"(?: (?:it|them|this \w+|the \w+|all \w+))? (?:in|into|to) the public domain\b"
    rf"|\b(?:this|the|these|all) {_SUBJECT} (?:is|are) (?:hereby )?(?:in|into) the public domain\b"
    r"|\blicen[cs]e ?:: ?public domain\b"
)


def dedication_hits(block: Block) -> list[Hit]:
    text = block.text
    if "public domain" not in text:
        return []
    return [
        Hit(
            PUBLIC_DOMAIN,
            m.start(),
            m.end(),
            PUBLIC_DOMAIN_SCORE,
            f"{detail_of(block, m.start(), m.end())}: a public-domain dedication",
        )
        for m in _DEDICATION.finditer(text)
    ]
