"""Compile licence texts into matchable templates.

A template is a sequence of normalised tokens, each *required* or not (inside
``<optional>``, ``<titleText>``, an enumerator, or the default text of a variable part),
plus the parsed pieces from which :func:`template_regexes` builds a regular expression
that accepts exactly the texts the SPDX Matching Guidelines accept, up to
normalisation. The regex works on *token codes*: every token of the index vocabulary is
one character (see :func:`token_char`), so a text is one character per token, patterns
are short (fast to compile) and group spans are token ranges.

- ``<optional>`` / ``<titleText>``: a possessive optional group;
- ``<alt match=...>`` and ``<copyrightText>``: a bounded run of any tokens that stops at
  the next literal token (deterministic, so matching is linear), captured so that the
  matcher knows how much of a match was variable text;
- ``<bullet>``: ignored.

Plain texts (ScanCode ``.LICENSE`` / ``.RULE``) have no markup: lines starting with a
copyright statement and placeholders (``$name``, ``<year>``) are variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

from licences.sources import SourceKind, TemplateSource, extra_text
from scanners.matching.normalise import tokenise_template
from scanners.matching.verify import CHOICE, END, GROUP, RUN, Node, Program

# Pieces produced by parsing, before compilation.
Tok = tuple[Literal["tok"], str, bool]  # token, optional (enumerator)
Open = tuple[Literal["open"]]
Close = tuple[Literal["close"]]
Var = tuple[Literal["var"], tuple[str, ...], int]  # default tokens, max tokens
Piece = Tok | Open | Close | Var

_SKIPPED_TAGS = {"notes", "crossRefs", "crossRef", "obsoletedBys", "obsoletedBy", "bullet"}
_OPTIONAL_TAGS = {"optional", "titleText"}
_OPEN_ENDED = re.compile(r"(?<!\\)[+*{]")  # a quantifier: the alt has no fixed length
_COPYRIGHT_SLACK = 40

# Token kinds in Template.required.
VARIABLE = 0  # default text of a variable part (<alt>, <copyrightText>, placeholders)
OPTIONAL = 1  # literal but optional (<optional>, <titleText>, enumerators)
REQUIRED = 2


@dataclass(frozen=True, slots=True)
class Template:
    """One compiled licence text."""

    licence_id: str
    is_exception: bool
    deprecated: bool
    tokens: tuple[str, ...]  # every token, optional ones included, in order
    required: tuple[int, ...]  # per token: REQUIRED, OPTIONAL or VARIABLE
    pieces: tuple[Piece, ...]  # parsed, trailing variable parts trimmed: the regex source
    split: int  # index in ``pieces`` of the first required token (0 if none)
    var_sizes: tuple[int, ...]  # default token count of each variable part (regex group)
    n_prefix_vars: int  # how many variable parts are in the prefix
    prefix_tokens: int  # most tokens the prefix can span
    source: str  # file name, for diagnostics

    @property
    def n_required(self) -> int:
        return sum(1 for r in self.required if r == REQUIRED)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _text_pieces(text: str | None) -> Iterator[Piece]:
    if text:
        for tok, enum in tokenise_template(text):
            yield ("tok", tok, enum)


def _all_text(elem: Element) -> str:
    parts: list[str] = []
    for node in elem.iter():
        if _local(node.tag) in _SKIPPED_TAGS:
            continue
        parts.append(node.text or "")
        if node is not elem:
            parts.append(node.tail or "")
    return " ".join(parts)


def _var_size(n_default: int, regex: str | None) -> int:
    if regex is None or _OPEN_ENDED.search(regex):
        return n_default + 15
    return max(2 * n_default, n_default + 3)


def _walk(elem: Element, out: list[Piece]) -> None:
    tag = _local(elem.tag)
    if tag in _SKIPPED_TAGS:
        pass
    elif tag == "alt":
        default = tuple(t for t, _ in tokenise_template(_all_text(elem)))
        out.append(("var", default, _var_size(len(default), elem.get("match"))))
    elif tag == "copyrightText":
        default = tuple(t for t, _ in tokenise_template(_all_text(elem)))
        out.append(("var", default, len(default) + _COPYRIGHT_SLACK))
    else:
        optional = tag in _OPTIONAL_TAGS
        if optional:
            out.append(("open",))
        out.extend(_text_pieces(elem.text))
        for child in elem:
            _walk(child, out)
        if optional:
            out.append(("close",))
    out.extend(_text_pieces(elem.tail))


def _xml_pieces(path: Path) -> tuple[list[Piece], bool, bool]:
    root = SafeET.parse(path).getroot()
    if root is None:
        raise ValueError(f"{path}: empty XML document")
    entry = next((e for e in root.iter() if _local(e.tag) in ("license", "exception")), None)
    if entry is None:
        raise ValueError(f"{path}: no <license> or <exception> element")
    text = next((e for e in entry if _local(e.tag) == "text"), None)
    if text is None:
        raise ValueError(f"{path}: no <text> element")
    out: list[Piece] = []
    out.extend(_text_pieces(text.text))
    for child in text:
        _walk(child, out)
    deprecated = entry.get("deprecatedVersion") is not None or entry.get("isDeprecated") == "true"
    return out, _local(entry.tag) == "exception", deprecated


_COPYRIGHT_LINE = re.compile(r"^\W*(?:copyright\b|©|\(c\)\s*\d)", re.IGNORECASE)
# $name, <year>, and [name of software]; not <https://...> nor a Markdown link [text](url).
_PLACEHOLDER = re.compile(r"\$[A-Za-z_]\w*|<[^<>\n:/]{1,60}>|\[[^\[\]\n:/]{1,60}\](?!\()")
_TITLE_TOKENS = 12  # a first line this short is a title, and titles are optional


def _plain_pieces(text: str) -> list[Piece]:
    out: list[Piece] = []
    title_done = False
    for line in text.splitlines():
        if not title_done and line.strip():
            title_done = True
            if len(tokenise_template(line)) <= _TITLE_TOKENS and not _COPYRIGHT_LINE.match(line):
                out.append(("open",))
                out.extend(_text_pieces(line))
                out.append(("close",))
                continue
        if _COPYRIGHT_LINE.match(line):
            default = tuple(t for t, _ in tokenise_template(line))
            out.append(("var", default, len(default) + _COPYRIGHT_SLACK))
            continue
        pos = 0
        for m in _PLACEHOLDER.finditer(line):
            out.extend(_text_pieces(line[pos : m.start()]))
            default = tuple(t for t, _ in tokenise_template(m.group()))
            out.append(("var", default, _var_size(len(default), None)))
            pos = m.end()
        out.extend(_text_pieces(line[pos:] + "\n"))
    return out


def _trim(pieces: list[Piece]) -> list[Piece]:
    """Drop variable parts at the end: they would only widen the matched span."""
    while pieces and pieces[-1][0] == "var":
        pieces = pieces[:-1]
    return pieces


def _stop_tokens(pieces: list[Piece], i: int, depth: int) -> list[str]:
    """Tokens that end a variable part at ``pieces[i]``: the next literal token, and
    the next one that is surely required (in case optional text is absent)."""
    out: list[str] = []
    own_depth = depth
    for p in pieces[i + 1 :]:
        if p[0] == "open":
            depth += 1
        elif p[0] == "close":
            depth -= 1
        elif p[0] == "tok":
            if not out:
                out.append(p[1])
            if depth <= own_depth and not p[2]:
                if p[1] not in out:
                    out.append(p[1])
                break
    return out


@dataclass(frozen=True, slots=True)
class CompiledPieces:
    tokens: tuple[str, ...]
    required: tuple[int, ...]
    pieces: tuple[Piece, ...]  # trimmed
    split: int  # index of the first required token in ``pieces``
    var_sizes: tuple[int, ...]  # default length of each variable part (group), in order
    n_prefix_vars: int  # how many of the groups are in the prefix
    prefix_tokens: int  # most tokens the prefix can span


def compile_pieces(pieces: list[Piece]) -> CompiledPieces:
    """Tokens and their kinds (:data:`REQUIRED`, :data:`OPTIONAL`, :data:`VARIABLE`) of
    a parsed template, and where its regex is split: before the first required token,
    so that searching starts with a literal (fast in ``re``); the prefix (title,
    copyright line) is then matched backwards from there."""
    pieces = _trim(pieces)
    var_sizes: list[int] = []
    tokens: list[str] = []
    required: list[int] = []
    split: int | None = None
    n_prefix_vars = 0
    prefix_tokens = 0
    depth = 0
    for i, p in enumerate(pieces):
        if p[0] == "tok":
            tok, enum = p[1], p[2]
            tokens.append(tok)
            is_required = depth == 0 and not enum
            required.append(REQUIRED if is_required else OPTIONAL)
            if is_required and split is None:
                split = i
                n_prefix_vars = len(var_sizes)
                prefix_tokens = len(tokens) - 1 + sum(q[2] for q in pieces[:i] if q[0] == "var")
        elif p[0] == "open":
            depth += 1
        elif p[0] == "close":
            depth -= 1
        else:
            default = p[1]
            tokens.extend(default)
            required.extend(VARIABLE for _ in default)
            var_sizes.append(len(default))
    if split is None:
        split, n_prefix_vars, prefix_tokens = 0, 0, 0
    return CompiledPieces(
        tokens=tuple(tokens),
        required=tuple(required),
        pieces=tuple(pieces),
        split=split,
        var_sizes=tuple(var_sizes),
        n_prefix_vars=n_prefix_vars,
        prefix_tokens=prefix_tokens,
    )


# Token codes: token id ``i`` is the character ``token_char(i)``; none is special in a
# regex, and UNKNOWN_CHAR (a token outside the vocabulary) is never a literal.
_CODE_BASE = 0x100
_SURROGATES = range(0xD800, 0xE000)
UNKNOWN_CHAR = "\xff"


def token_char(token_id: int) -> str:
    """The one-character code of vocabulary entry ``token_id``."""
    code = _CODE_BASE + token_id
    if code >= _SURROGATES.start:
        code += len(_SURROGATES)
    return chr(code)


def template_regexes(
    pieces: tuple[Piece, ...], split: int, chars: Mapping[str, str]
) -> tuple[str, str]:
    """The prefix and body regexes of a template over token codes (``chars``: token ->
    its code). The body starts at the first required token (a literal); the prefix
    matches what precedes it and ends at ``\\Z`` (searched with ``endpos`` at the
    body's start). Each variable part is a capturing group."""
    parts: list[str] = []
    depth = 0
    for i, p in enumerate(pieces):
        if p[0] == "tok":
            parts.append(f"{chars[p[1]]}?+" if p[2] else chars[p[1]])
        elif p[0] == "open":
            depth += 1
            parts.append("(?:")
        elif p[0] == "close":
            depth -= 1
            parts.append(")?+")
        else:
            default, size = p[1], p[2]
            stops = _stop_tokens(list(pieces), i, depth)
            allowed = f"[^{''.join(chars[t] for t in stops)}]" if stops else "."
            run = f"{allowed}{{0,{size}}}+"
            if set(default) & set(stops):
                # The default text holds a stop token: try it first as it stands.
                literal = "".join(chars[t] for t in default)
                parts.append(f"((?:{literal}|{run}))")
            else:
                parts.append(f"({run})")
    return "(?s)" + "".join(parts[:split]) + r"\Z", "(?s)" + "".join(parts[split:])


def template_program(pieces: tuple[Piece, ...], split: int, chars: Mapping[str, str]) -> Program:
    """The body of a template (``pieces[split:]``, see :func:`template_regexes`) as a
    program for :mod:`scanners.matching.verify`, with the same semantics as the body
    regex; variable parts are numbered over the whole template, prefix included."""
    return _program(pieces, split, len(pieces), chars)


def prefix_program(pieces: tuple[Piece, ...], split: int, chars: Mapping[str, str]) -> Program:
    """The prefix of a template (``pieces[:split]``) as a program with the semantics of
    the prefix regex of :func:`template_regexes`, its final ``\\Z`` included (searched
    with :func:`scanners.matching.verify.search_to`): interpreted, it needs no regex
    compiled in every worker process (a quarter of a millisecond each, for hundreds of
    templates)."""
    return (*_program(pieces, 0, split, chars), (END,))


def _program(pieces: tuple[Piece, ...], lo: int, hi: int, chars: Mapping[str, str]) -> Program:
    """``pieces[lo:hi]`` (balanced) as a program; variable parts numbered over the whole
    template."""
    var = sum(1 for p in pieces[:lo] if p[0] == "var")
    stack: list[list[Node]] = [[]]
    all_pieces = list(pieces)
    depth = sum(1 for p in pieces[:lo] if p[0] == "open") - sum(
        1 for p in pieces[:lo] if p[0] == "close"
    )

    def literal(code: str) -> None:
        nodes = stack[-1]
        if nodes and isinstance(nodes[-1], str):
            nodes[-1] += code
        else:
            nodes.append(code)

    for i in range(lo, hi):
        p = pieces[i]
        if p[0] == "tok":
            if p[2]:
                stack[-1].append((GROUP, (chars[p[1]],)))
            else:
                literal(chars[p[1]])
        elif p[0] == "open":
            depth += 1
            stack.append([])
        elif p[0] == "close":
            depth -= 1
            inner = stack.pop()
            stack[-1].append((GROUP, tuple(inner)))
        else:
            default, size = p[1], p[2]
            stops = _stop_tokens(all_pieces, i, depth)
            codes = "".join(chars[t] for t in stops)
            if set(default) & set(stops):
                text = "".join(chars[t] for t in default)
                stack[-1].append((CHOICE, text, codes, size, var))
            else:
                stack[-1].append((RUN, codes, size, var))
            var += 1
    if len(stack) != 1:
        raise ValueError("unbalanced optional parts in a template part")
    return tuple(stack[0])


def compile_source(source: TemplateSource) -> Template:
    if source.kind is SourceKind.SPDX_XML:
        pieces, is_exception, deprecated = _xml_pieces(source.path)
    else:
        pieces = _plain_pieces(extra_text(source.path))
        is_exception, deprecated = source.is_exception, False
    compiled = compile_pieces(pieces)
    return Template(
        licence_id=source.licence_id,
        is_exception=is_exception or source.is_exception,
        deprecated=deprecated,
        tokens=compiled.tokens,
        required=compiled.required,
        pieces=compiled.pieces,
        split=compiled.split,
        var_sizes=compiled.var_sizes,
        n_prefix_vars=compiled.n_prefix_vars,
        prefix_tokens=compiled.prefix_tokens,
        source=source.path.name,
    )
