"""SPDX licence expressions: parse and normalise with ``license-expression``.

``normalise("gpl-2.0+ and mit")`` → ``"GPL-2.0-or-later AND MIT"``: ids in their canonical
case, deprecated ids replaced by what SPDX says replaces them (``GPL-2.0`` →
``GPL-2.0-only``, ``GPL-2.0-with-classpath-exception`` → ``GPL-2.0-only WITH
Classpath-exception-2.0``), ``+`` folded into ``-or-later`` where such an id exists,
operators upper-case, parentheses only where needed.

Unknown but well-formed ``LicenseRef-`` ids are kept as written. Unknown plain ids
(``Foo-1.0``) are reported in :attr:`ParsedExpression.unknown_ids` and kept (lenient), or
raise :class:`~licences.errors.ExpressionError` with ``strict=True``. A malformed expression
always raises :class:`ExpressionError`, whose message names the bad token, its position and
a fix.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from license_expression import (
    AND,
    OR,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
)
from license_expression import (
    ExpressionError as LibraryExpressionError,
)

from licences.catalog import Catalog, Kind, load_catalog
from licences.errors import ExpressionError

_OPERATORS = ("AND", "OR", "WITH")
_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_VALID_ID = re.compile(r"(DocumentRef-[A-Za-z0-9.\-]+:)?[A-Za-z0-9.\-]+\+?")
_LICENSE_REF = re.compile(r"(DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+", re.I)


@dataclass(frozen=True, slots=True)
class ParsedExpression:
    expression: str  # normalised
    licence_ids: tuple[str, ...]  # licence and exception ids, in order, each once
    unknown_ids: tuple[str, ...]  # plain ids (not LicenseRef-) that are not in the catalog
    replaced: tuple[tuple[str, str], ...]  # (deprecated id as written, its replacement)


@cache
def _licensing() -> Licensing:
    symbols = [
        LicenseSymbol(
            x.id, is_exception=x.kind is Kind.EXCEPTION and not x.id.startswith("LicenseRef-")
        )
        for x in load_catalog()
    ]
    return Licensing(symbols)


def _error(
    expression: str,
    message: str,
    token: str | None,
    position: int | None,
    suggestion: str | None = None,
) -> ExpressionError:
    where = f" at position {position}" if position is not None else ""
    text = f"invalid licence expression {expression!r}{where}: {message}"
    if suggestion:
        text += f"; {suggestion}"
    return ExpressionError(
        text, expression=expression, token=token, position=position, suggestion=suggestion
    )


def _closest_id(word: str, catalog: Catalog) -> str | None:
    matches = catalog.close_matches(word, n=1)
    return matches[0] if matches else None


def _check_syntax(expression: str, catalog: Catalog) -> None:
    """Our own pass over the tokens, for messages that name the token and its position."""
    if not expression.strip():
        raise _error(
            expression, "the expression is empty", None, None, "write a licence id such as 'MIT'"
        )
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(expression)]
    opened: list[int] = []
    expect_operand = True
    after_with = False
    previous: tuple[str, int] | None = None
    for token, pos in tokens:
        upper = token.upper()
        if token == "(":
            if not expect_operand:
                raise _error(
                    expression, "unexpected '('", token, pos, "put AND or OR before the parenthesis"
                )
            if after_with:
                raise _error(
                    expression, "'WITH' must be followed by an exception id, not '('", token, pos
                )
            opened.append(pos)
        elif token == ")":
            if not opened:
                raise _error(
                    expression,
                    "unbalanced parenthesis: ')' has no matching '('",
                    token,
                    pos,
                    "remove it or add a '(' before it",
                )
            if expect_operand:
                what = f"after {previous[0]!r}" if previous else "at the start"
                raise _error(expression, f"a licence id is missing {what}", token, pos)
            opened.pop()
        elif upper in _OPERATORS:
            if expect_operand:
                what = f"after {previous[0]!r}" if previous else "at the start"
                raise _error(
                    expression, f"operator {token!r} {what} needs a licence before it", token, pos
                )
            expect_operand = True
            after_with = upper == "WITH"
        else:
            if not expect_operand:
                close = difflib.get_close_matches(upper, _OPERATORS, n=1, cutoff=0.6)
                hint = (
                    f"did you mean {close[0]!r}?" if close else "join licences with AND, OR or WITH"
                )
                raise _error(expression, f"unexpected {token!r}", token, pos, hint)
            bad = next(
                (c for c in token if not (c.isascii() and (c.isalnum() or c in ".-+:"))), None
            )
            if bad is not None or not _VALID_ID.fullmatch(token):
                offset = token.index(bad) if bad is not None else 0
                hint = (
                    "use AND or OR between licences (e.g. 'MIT OR Apache-2.0')"
                    if bad in ("/", ",", "&", "|", ";")
                    else "ids contain only letters, digits, '.', '-' (and a final '+')"
                )
                raise _error(
                    expression,
                    f"invalid character {bad or token!r} in {token!r}",
                    token,
                    pos + offset,
                    hint,
                )
            expect_operand = False
            after_with = False
        previous = (token, pos)
    if expect_operand and previous is not None:
        raise _error(
            expression, f"{previous[0]!r} needs a licence after it", previous[0], previous[1]
        )
    if opened:
        raise _error(
            expression, "unbalanced parenthesis: '(' is never closed", "(", opened[-1], "add a ')'"
        )


class _Normaliser:
    def __init__(self, expression: str, catalog: Catalog, strict: bool) -> None:
        self.expression = expression
        self.catalog = catalog
        self.strict = strict
        self.ids: list[str] = []
        self.unknown: list[str] = []
        self.replaced: list[tuple[str, str]] = []

    def _position(self, key: str) -> int | None:
        m = re.search(rf"(?<![\w.\-+:]){re.escape(key)}(?![\w.\-+:])", self.expression, re.I)
        return m.start() if m else None

    def _add(self, licence_id: str) -> None:
        if licence_id not in self.ids:
            self.ids.append(licence_id)

    def symbol(self, key: str, *, as_exception: bool) -> str:
        """The normalised text for one id (may be a compound expression for deprecated ids)."""
        licence = self.catalog.get(key)
        if licence is None and key.endswith("+"):
            return self._or_later(key)
        if licence is None:
            if _LICENSE_REF.fullmatch(key):
                self._add(key)
                return key
            suggestion = _closest_id(key, self.catalog)
            if self.strict:
                raise _error(
                    self.expression,
                    f"unknown licence id {key!r}",
                    key,
                    self._position(key),
                    f"did you mean {suggestion!r}?"
                    if suggestion
                    else "use a LicenseRef- id for a licence that is not on the SPDX list",
                )
            if key not in self.unknown:
                self.unknown.append(key)
            self._add(key)
            return key
        is_exception = licence.kind is Kind.EXCEPTION and not licence.id.startswith("LicenseRef-")
        if as_exception and not is_exception:
            raise _error(
                self.expression,
                f"{licence.id!r} is a licence, not an exception",
                key,
                self._position(key),
                "only exception ids may follow WITH; join licences with AND or OR",
            )
        if not as_exception and is_exception:
            raise _error(
                self.expression,
                f"{licence.id!r} is an exception, not a licence",
                key,
                self._position(key),
                f"write it after WITH, e.g. 'GPL-2.0-or-later WITH {licence.id}'",
            )
        if licence.is_deprecated and licence.replaced_by:
            single = self.catalog.get(licence.replaced_by)
            if single is not None:  # one id replaces it (also for exceptions after WITH)
                self.replaced.append((key, single.id))
                return self.symbol(single.id, as_exception=as_exception)
            inner = _Normaliser(licence.replaced_by, self.catalog, strict=False)
            replacement = inner.render(_licensing().parse(licence.replaced_by, validate=False))
            self.replaced.append((key, replacement))
            for i in inner.ids:
                self._add(i)
            return replacement
        self._add(licence.id)
        return licence.id

    def _or_later(self, key: str) -> str:
        base = key[:-1]
        licence = self.catalog.get(base)
        if licence is None:
            if self.strict or not _LICENSE_REF.fullmatch(base):
                return self.symbol(base, as_exception=False) + "+"
            self._add(base)
            return key
        stem = licence.id.removesuffix("-only")
        later = self.catalog.get(f"{stem}-or-later")
        if licence.id.endswith("-or-later"):
            later = licence
        if later is not None:
            self.replaced.append((key, later.id))
            return self.symbol(later.id, as_exception=False)
        return self.symbol(licence.id, as_exception=False) + "+"

    def render(self, node: Any, parent: type | None = None) -> str:
        if isinstance(node, LicenseWithExceptionSymbol):
            left = self.symbol(node.license_symbol.key, as_exception=False)
            if " " in left:  # a deprecated id that became a compound expression
                left = f"({left})"
            right = self.symbol(node.exception_symbol.key, as_exception=True)
            return f"{left} WITH {right}"
        if isinstance(node, LicenseSymbol):
            text = self.symbol(node.key, as_exception=False)
            if parent is not None and (" AND " in text or " OR " in text):
                return f"({text})"
            return text
        if isinstance(node, AND | OR):
            op = "AND" if isinstance(node, AND) else "OR"
            parts = [self.render(arg, type(node)) for arg in node.args]
            joined = f" {op} ".join(parts)
            return f"({joined})" if parent is not None and parent is not type(node) else joined
        raise _error(self.expression, f"unsupported element {node!r}", None, None)


def parse_expression(expression: str, *, strict: bool = False) -> ParsedExpression:
    """Parse and normalise ``expression``; see the module docstring."""
    catalog = load_catalog()
    _check_syntax(expression, catalog)
    try:
        parsed = _licensing().parse(expression, validate=False, strict=False)
    except LibraryExpressionError as exc:
        token = getattr(exc, "token_string", None) or None
        position = getattr(exc, "position", None)
        raise _error(
            expression,
            str(exc),
            token,
            position if isinstance(position, int) and position >= 0 else None,
        ) from exc
    normaliser = _Normaliser(expression, catalog, strict)
    text = normaliser.render(parsed)
    return ParsedExpression(
        expression=text,
        licence_ids=tuple(normaliser.ids),
        unknown_ids=tuple(normaliser.unknown),
        replaced=tuple(normaliser.replaced),
    )


def normalise(expression: str, *, strict: bool = False) -> str:
    """The normalised form of ``expression`` (see the module docstring)."""
    return parse_expression(expression, strict=strict).expression


def licence_ids(expression: str, *, strict: bool = False) -> list[str]:
    """The licence and exception ids in ``expression`` (normalised, in order, each once)."""
    return list(parse_expression(expression, strict=strict).licence_ids)
