"""Licence expressions in package metadata: ``License: MIT OR Apache-2.0``,
``license = "GPL-2.0+ WITH Classpath-exception-2.0"``, ``"license": "(MIT AND BSD-3-Clause)"``.

A value with an operator is parsed with :mod:`licences.expressions`; each licence in it
is a notice that keeps the whole (normalised) expression, as an SPDX tag's do.
"""

from __future__ import annotations

import re

from licences.errors import ExpressionError
from scanners.notices.hits import Hit, detail_of
from scanners.notices.table import ALIAS_SCORE, NoticeTables
from scanners.notices.text import Block

_FIELD = re.compile(
    r"\blicen[cs]e(?:[ _-]?expression)?[\"']? ?[:=] ?[\"'{]?(?:text ?= ?[\"'])?"
    r"(?P<value>[a-z0-9.+() -]{3,200})"
)
_OPERATOR = re.compile(r" (?:or|and|with) ", re.IGNORECASE)


def expression_hits(block: Block, tables: NoticeTables) -> list[Hit]:
    text = block.text
    if " or " not in text and " and " not in text and " with " not in text:
        return []
    from licences.expressions import parse_expression  # loads the catalog: only when needed

    hits: list[Hit] = []
    for m in _FIELD.finditer(text):
        start = m.start("value")
        line = block.line_at(start) - block.first_line
        line_end = (
            block.line_starts[line + 1] - 1 if line + 1 < len(block.line_starts) else len(text)
        )
        end = min(m.end("value"), line_end)
        value = block.shown[start:end].strip(" -")
        if not _OPERATOR.search(value):
            continue
        try:
            parsed = parse_expression(value)
        except ExpressionError:
            continue
        if parsed.unknown_ids:
            continue
        for lid in parsed.licence_ids:
            if lid.lower() in tables.exceptions or lid.lower() not in tables.ids:
                continue
            detail = detail_of(block, start, end)
            hits.append(Hit(lid, m.start(), end, ALIAS_SCORE, detail, expression=parsed.expression))
    return hits
