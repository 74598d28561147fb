"""Exact verification without compiling a regex per template.

A template's body (from its first required token on) is a small *program* over the text's
token codes (one character per token, see ``templates.token_char``), interpreted here
with exactly the semantics of the regex that ``templates.template_regexes`` writes for it:

- a ``str`` node is literal text (a run of tokens), compared in one ``startswith``;
- ``(GROUP, nodes)``: a possessive optional group (``(?:...)?+``): the first way its
  nodes match is kept, else it matches nothing; it never gives anything back;
- ``(RUN, stops, size, var)``: a variable part, an atomic greedy run of at most ``size``
  tokens that stops before any token in ``stops`` (``(?>[^stops]{0,size})``);
- ``(CHOICE, literal, stops, size, var)``: a variable part whose default text holds
  a stop token: its default text first, else the run (``(?:literal|run)``): the only
  choice point, where a later failure backtracks to;
- ``(END,)``: the end of the text (``\\Z``), closing a template's prefix, which is
  matched so that it ends where the body starts (:func:`search_to`).

Compiling the regexes of the ~860 templates took each worker process seconds; a program
is plain data, built once with the index and shared by every worker. (The prefixes'
regexes, compiled lazily, still cost each worker a twentieth of a second.)
"""

from __future__ import annotations

from typing import Any

GROUP = 0
RUN = 1
CHOICE = 2
END = 3

Node = str | tuple[Any, ...]  # see above
Program = tuple[Node, ...]
Capture = tuple[int, int, int]  # (variable part number, start, end)


def _run_end(codes: str, pos: int, end: int, stops: str, size: int) -> int:
    """Where a run from ``pos`` stops: before the first stop token, after ``size``
    tokens, or at ``end`` (one ``str.find`` per stop token, usually one or two)."""
    limit = min(end, pos + size)
    for stop in stops:
        i = codes.find(stop, pos, limit)
        if i >= 0:
            limit = i
    return limit


def _match(codes: str, nodes: Program, k: int, pos: int, end: int, caps: list[Capture]) -> int:
    """Where ``nodes[k:]`` matching at ``pos`` ends, or -1; appends the variable parts'
    spans to ``caps`` (on failure, the caller drops what was appended)."""
    n = len(nodes)
    while k < n:
        node = nodes[k]
        if isinstance(node, str):
            if not codes.startswith(node, pos, end):
                return -1
            pos += len(node)
        else:
            kind = node[0]
            if kind == GROUP:
                mark = len(caps)
                stop = _match(codes, node[1], 0, pos, end, caps)
                if stop >= 0:
                    pos = stop
                else:
                    del caps[mark:]
            elif kind == END:
                if pos != end:
                    return -1
            elif kind == RUN:
                _kind, stops, size, var = node
                stop = _run_end(codes, pos, end, stops, size)
                caps.append((var, pos, stop))
                pos = stop
            else:
                _kind, literal, stops, size, var = node
                if codes.startswith(literal, pos, end):
                    mark = len(caps)
                    caps.append((var, pos, pos + len(literal)))
                    stop = _match(codes, nodes, k + 1, pos + len(literal), end, caps)
                    if stop >= 0:
                        return stop
                    del caps[mark:]
                stop = _run_end(codes, pos, end, stops, size)
                caps.append((var, pos, stop))
                pos = stop
        k += 1
    return pos


def find_all(codes: str, body: Program) -> list[tuple[int, int, list[Capture]]]:
    """Non-overlapping matches of ``body`` in ``codes``, leftmost first (as
    ``re.finditer``): (start, end, variable parts). A body starts with literal text
    (the template's first required token), so only where that occurs is tried; empty
    matches (only possible for a body without any, never built) are not reported."""
    if not body:
        return []
    first = body[0]
    literal = first if isinstance(first, str) else ""
    out: list[tuple[int, int, list[Capture]]] = []
    pos = 0
    size = len(codes)
    while pos <= size:
        at = codes.find(literal, pos)
        if at < 0:
            return out
        caps: list[Capture] = []
        stop = _match(codes, body, 0, at, size, caps)
        if stop > at:
            out.append((at, stop, caps))
            pos = stop
        else:
            pos = at + 1
    return out


def search_to(codes: str, program: Program, lo: int, end: int) -> tuple[int, list[Capture]] | None:
    """The leftmost match of ``program`` (a prefix, ending with END) starting in
    [``lo``, ``end``] and ending at ``end``, as ``re.search(prefix, codes, lo, end)``
    finds it: (start, variable parts), or None."""
    for start in range(lo, end + 1):
        caps: list[Capture] = []
        if _match(codes, program, 0, start, end, caps) >= 0:
            return start, caps
    return None
