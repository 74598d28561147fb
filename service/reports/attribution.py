"""Which registered commons a reported component belongs to, by the commons' ``match``
rules (:class:`service.api.schemas.MatchRules`): package URL patterns, package names and
licence ids. Any rule matching is enough; when several commons match, the strongest rule
wins (purl, then package name, then licence id), then the commons registered first.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

__all__ = ["Attribution", "RegisteredCommons", "attribute", "licence_ids", "package_key"]

_SEPARATORS = re.compile(r"[-_.]+")
_TOKENS = re.compile(r"[()\s]+")
_OPERATORS = frozenset({"and", "or", "with"})
_RULE_STRENGTH = {"purl": 0, "package": 1, "licence": 2}


def package_key(name: str) -> str:
    """A package name compared across ecosystems' spellings: lower case, runs of ``-``,
    ``_`` and ``.`` as one ``-`` (PEP 503 style)."""
    return _SEPARATORS.sub("-", name.strip().lower())


def licence_ids(expression: str) -> frozenset[str]:
    """The licence ids of an expression, lower case, without ``+``: ``MIT OR (PPL AND
    Apache-2.0 WITH LLVM-exception)`` -> {mit, ppl, apache-2.0, llvm-exception}."""
    out = set()
    for token in _TOKENS.split(expression):
        word = token.strip().lower()
        if word and word not in _OPERATORS:
            out.add(word.removesuffix("+"))
    return frozenset(out)


def _purl_forms(purl: str) -> tuple[str, ...]:
    """The purl as given and without version, qualifiers and subpath."""
    base = purl.split("#", 1)[0].split("?", 1)[0]
    if "@" in base:
        base = base.rsplit("@", 1)[0]
    return (purl, base) if base != purl else (purl,)


def _purl_name(purl: str) -> str | None:
    base = _purl_forms(purl)[-1]
    if "/" not in base:
        return None
    return base.rsplit("/", 1)[-1] or None


@dataclass(frozen=True)
class RegisteredCommons:
    """A commons as registered by its foundation (the columns the derivation needs)."""

    id: uuid.UUID
    foundation_id: uuid.UUID
    name: str
    licence: str
    payee: str
    match: Mapping[str, Sequence[str]] = field(default_factory=dict)
    reciprocity: Mapping[str, Any] | None = None

    @cached_property
    def purl_patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        out = []
        for pattern in self.match.get("purls", ()):
            regex = ".*".join(re.escape(part) for part in pattern.split("*"))
            out.append((pattern, re.compile(regex, re.IGNORECASE)))
        return tuple(out)

    @cached_property
    def package_keys(self) -> dict[str, str]:
        return {package_key(p): p for p in self.match.get("packages", ())}

    @cached_property
    def licence_keys(self) -> dict[str, str]:
        return {x.lower().removesuffix("+"): x for x in self.match.get("licences", ())}


@dataclass(frozen=True, slots=True)
class Attribution:
    """Why a component belongs to a commons: the rule (``purl``, ``package`` or
    ``licence``) and the pattern, name or id that matched."""

    commons: RegisteredCommons
    rule: str
    matched: str

    def evidence(self) -> dict[str, object]:
        return {
            "method": "commons-match",
            "rule": self.rule,
            "pattern": self.matched,
            "commons": self.commons.name,
            "commons_id": str(self.commons.id),
            "detail": f"matched by the {self.rule} rule {self.matched!r} of the commons "
            f"{self.commons.name!r}",
        }


def _match_one(
    commons: RegisteredCommons, purl: str | None, names: Sequence[str], licence: str
) -> Attribution | None:
    if purl:
        forms = _purl_forms(purl)
        for pattern, regex in commons.purl_patterns:
            if any(regex.fullmatch(form) for form in forms):
                return Attribution(commons, "purl", pattern)
    for name in names:
        found = commons.package_keys.get(package_key(name))
        if found is not None:
            return Attribution(commons, "package", found)
    if commons.licence_keys:
        for licence_id in sorted(licence_ids(licence)):
            found = commons.licence_keys.get(licence_id)
            if found is not None:
                return Attribution(commons, "licence", found)
    return None


def attribute(
    commons: Sequence[RegisteredCommons],
    *,
    purl: str | None,
    name: str | None,
    licence: str,
) -> Attribution | None:
    """The commons ``commons`` (in registration order) that the component belongs to, or
    None. ``name`` and the purl's name are compared as package names."""
    names = [n for n in (name, _purl_name(purl) if purl else None) if n]
    best: Attribution | None = None
    for candidate in commons:
        found = _match_one(candidate, purl, names, licence)
        if found is not None and (
            best is None or _RULE_STRENGTH[found.rule] < _RULE_STRENGTH[best.rule]
        ):
            best = found
            if found.rule == "purl":
                break
    return best
