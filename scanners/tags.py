"""``SPDX-License-Identifier:`` tags in any comment style, as evidence.

A tag counts only when it is the whole content of its line apart from comment
markers: ``# SPDX-License-Identifier: MIT``, ``// ...``, ``/* ... */``, `` * ...``,
``<!-- ... -->``, ``-- ...``, ``;; ...``, ``% ...``, ``.. ...``, ``REM ...``,
``dnl ...``. The same text inside a string literal of a program (``TAG =
"SPDX-License-Identifier: MIT"``) is not a tag: the line starts with code, or the
expression is followed by a quote.

Each licence id in the expression (exceptions after ``WITH`` included) becomes one
:class:`Evidence` carrying the expression as normalised by the catalog's
:func:`licences.expressions.parse_expression` (``GPL-2.0+`` -> ``GPL-2.0-or-later``).
A tag that cannot be used as written is still reported, never dropped: a syntax
error, or an id that is neither in the catalog nor a ``LicenseRef-`` reference,
yields :data:`UNKNOWN_LICENCE` evidence whose ``detail`` names the bad token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scanners.model import Evidence, Method

TAG_KEY = "SPDX-License-Identifier:"
TAG_KEY_BYTES = TAG_KEY.encode()

# Reported for a tag whose expression is invalid or names an unknown licence id.
UNKNOWN_LICENCE = "LicenseRef-copyfair-unknown"

# Comment openers are any non-word characters (#, //, /*, *, <!--, --, ;;, %, .., ")
# plus a few word-like ones (REM, dnl). Closers: */ --> -} *) #} %} ]] """ '''.
_TAG_LINE = re.compile(
    r"^[^\w\n]*(?:(?:@?REM|rem|dnl)[ \t]+[^\w\n]*)?"
    r"SPDX-License-Identifier:[ \t]*"
    r"(?P<expr>[A-Za-z0-9.+\-:()][A-Za-z0-9.+\-:() \t]*?)"
    r"[ \t]*(?:\*/|-->|-\}|\*\)|#\}|%\}|\]\]|\"\"\"|''')?[ \t]*\r?$",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class ParsedExpression:
    """An SPDX expression as found in a tag: normalised, its ids, or why it is unusable."""

    raw: str
    normalised: str | None
    licence_ids: tuple[str, ...]
    problems: tuple[str, ...]  # one message per bad token; empty when all is well


@lru_cache(maxsize=8192)
def parse_expression(raw: str) -> ParsedExpression:
    """Parse and normalise one SPDX expression with the catalog's
    :func:`licences.expressions.parse_expression` (``license-expression`` underneath).

    Never raises: problems are returned as messages naming the bad token.
    """
    from licences.errors import ExpressionError
    from licences.expressions import parse_expression as parse_with_catalog

    try:
        parsed = parse_with_catalog(raw)
    except ExpressionError as exc:
        return ParsedExpression(raw, None, (), (str(exc),))
    unknown = set(parsed.unknown_ids)
    problems = tuple(
        f"unknown licence id {u!r} in SPDX expression {raw!r}" for u in parsed.unknown_ids
    )
    ids = tuple(i for i in parsed.licence_ids if i not in unknown)
    return ParsedExpression(raw, parsed.expression, ids, problems)


def find_spdx_tags(text: str) -> list[Evidence]:
    """Every ``SPDX-License-Identifier:`` tag in ``text``, one Evidence per licence id."""
    if TAG_KEY not in text:
        return []
    out: list[Evidence] = []
    line = 1
    pos = 0
    for m in _TAG_LINE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.extend(tag_evidence(m.group("expr").strip(), line))
    return out


def tag_evidence(
    raw: str, line: int, *, method: Method = Method.SPDX_TAG, source_path: str | None = None
) -> list[Evidence]:
    """Evidence for one expression found at ``line`` (also used for REUSE metadata)."""
    parsed = parse_expression(raw)
    expression = parsed.normalised if parsed.normalised is not None else raw
    out = [
        Evidence(method, lid, line, line, 1.0, expression=expression, source_path=source_path)
        for lid in parsed.licence_ids
    ]
    for problem in parsed.problems:
        out.append(
            Evidence(
                method,
                UNKNOWN_LICENCE,
                line,
                line,
                1.0,
                expression=raw,
                detail=problem,
                source_path=source_path,
            )
        )
    return out
